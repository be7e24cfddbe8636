"""``kundenfokus run`` in OAuth mode, as an operator starts it: no bot token, the install pages served,
nothing secret in its output."""

from __future__ import annotations

import re
import signal

from cryptography.fernet import Fernet

from bot.sandbox.fake_slack import FakeSlack
from tests.ops.processes import bot_process, free_port, get


def test_run_with_client_id_and_secret_needs_no_bot_token_and_serves_the_install_page(tmp_path):
    key = Fernet.generate_key().decode()
    with FakeSlack(bot_token="") as fake:
        fake.configure_oauth("1111.2222", "oauth-client-secret-0123")
        port = free_port()
        env = {
            "SLACK_CLIENT_ID": "1111.2222",
            "SLACK_CLIENT_SECRET": "oauth-client-secret-0123",
            "KUNDENFOKUS_TOKEN_KEY": key,
            "SLACK_SIGNING_SECRET": "signing-secret-0123456789",
            "SLACK_API_URL": fake.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}",
            "PORT": str(port),
        }
        with bot_process(cwd=tmp_path, env=env) as bot:
            bot.wait_for_line("is running")
            status, page = get(f"http://127.0.0.1:{port}/slack/install")
            assert status == 200 and "oauth/v2/authorize?" in page and "client_id=1111.2222" in page
            assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
            code, _seconds = bot.stop(signal.SIGTERM)
        assert code == 0
        assert re.search(r"GET /healthz /readyz /metrics /slack/install /slack/oauth_redirect", bot.output)
        assert "OAuth: installed 0 time(s)" in bot.output
        for secret in (key, "oauth-client-secret-0123", "signing-secret-0123456789"):
            assert secret not in bot.output
