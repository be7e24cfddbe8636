"""Tokens at rest are ciphertext; rotating tokens are refreshed before they expire; no token reaches a log."""

from __future__ import annotations

import io
import logging

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select, text

from bot.cli.common import configure_logging
from bot.installations import EncryptedInstallationStore, TokenCipher
from models import slack_bots, slack_installations
from models.db import reading
from tests.oauth.conftest import TWO, dms, driver, install


def raw_cells(bot) -> list[str]:
    """Every value of both installation tables, as the database holds it."""
    cells = []
    with reading(bot.deps.sessions) as session:
        for table in (slack_installations, slack_bots):
            for row in session.execute(text(f"SELECT * FROM {table.name}")):
                cells += [str(value) for value in row]
    return cells


def test_tokens_in_the_database_cannot_be_read_without_the_key(oauth_bot, fake, engine, token_key):
    install(oauth_bot, fake, TWO, user_id="UERIN", token_rotation=True)
    issued = fake.workspace(TWO).bot_token
    assert issued.startswith("xoxe.xoxb-")
    cells = raw_cells(oauth_bot)
    assert cells and not any("xoxb-" in cell or "xoxe" in cell for cell in cells)

    with reading(oauth_bot.deps.sessions) as session:
        stored = session.execute(select(slack_bots.c.bot_token)).scalar_one()
    assert Fernet(token_key.encode()).decrypt(stored.encode()).decode() == issued

    other_key = EncryptedInstallationStore(
        oauth_bot.deps.installations.client_id, engine, TokenCipher(Fernet.generate_key().decode())
    )
    found = other_key.find_bot(enterprise_id=None, team_id=TWO)
    assert found is not None and found.bot_token is None and found.bot_refresh_token is None
    right_key = EncryptedInstallationStore(
        oauth_bot.deps.installations.client_id, engine, TokenCipher(token_key)
    )
    assert right_key.find_bot(enterprise_id=None, team_id=TWO).bot_token == issued


def test_a_rotating_token_is_refreshed_before_it_expires_and_the_successor_is_stored(oauth_bot, fake):
    fake.configure_oauth("1111.2222", "oauth-client-secret-0123", token_lifetime=30 * 60)  # inside 2 hours
    install(oauth_bot, fake, TWO, user_id="UERIN", token_rotation=True)
    first = fake.workspace(TWO).bot_token

    driver(oauth_bot, fake, TWO).command("UERIN", "<@UFRANK|frank> Zahlen bitte within 4h")
    refreshed = fake.workspace(TWO).bot_token
    assert refreshed != first and fake.calls_to("oauth.v2.access")[-1].args["grant_type"] == "refresh_token"
    assert dms(fake, TWO, "UFRANK")  # the card went out with a token that works
    card_calls = [c for c in fake.calls if c.method == "chat.postMessage" and c.team_id == TWO]
    assert card_calls and all(c.ok for c in card_calls)
    with reading(oauth_bot.deps.sessions) as session:
        stored = [row.bot_token for row in session.execute(select(slack_bots.c.bot_token))]
    assert len(stored) == 1 and "xox" not in stored[0]
    assert oauth_bot.deps.installations.bot_for(TWO).bot_token in (refreshed, fake.workspace(TWO).bot_token)


def test_no_token_from_the_store_reaches_a_log_line(oauth_bot, fake, engine, oauth_settings, token_key):
    install(oauth_bot, fake, TWO, user_id="UERIN", token_rotation=True)
    stream = io.StringIO()
    configure_logging(oauth_settings, stream)
    try:
        store = oauth_bot.deps.installations.store
        bot = store.find_bot(enterprise_id=None, team_id=TWO)
        # A token of a shape no pattern knows is still redacted once the store has decrypted it.
        odd = Installation(
            app_id="A0001", team_id="T0009", user_id="UX", bot_token="plain-odd-token-123456", bot_id="B9",
            bot_user_id="UB9", installed_at=1_700_000_000.0,
        )  # fmt: skip
        store.save(odd)
        assert store.find_bot(enterprise_id=None, team_id="T0009").bot_token == "plain-odd-token-123456"
        log = logging.getLogger("bot.test")
        log.warning(
            "token %s refresh %s odd %s", bot.bot_token, bot.bot_refresh_token, "plain-odd-token-123456"
        )
        log.warning("key %s secret %s", token_key, oauth_settings.slack_client_secret)
        try:
            raise RuntimeError(f"Slack said no to {bot.bot_token}")
        except RuntimeError:
            log.exception("failed")
    finally:
        logging.getLogger().handlers.clear()
    written = stream.getvalue()
    assert "[redacted]" in written
    for secret in (
        bot.bot_token,
        bot.bot_refresh_token,
        "plain-odd-token-123456",
        token_key,
        "oauth-client-secret",
    ):
        assert secret not in written, secret
