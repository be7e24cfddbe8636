"""OAuth v2 against the fake: install, code exchange, token rotation, expiry — with slack_sdk and Bolt."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot, FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.sandbox.fake_slack import FakeSlack, FakeWorkspace
from tests.sandbox.conftest import ManualClock

CLIENT_ID, CLIENT_SECRET = "1111.2222", "s3cr3t"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.configure_oauth(CLIENT_ID, CLIENT_SECRET)
        yield running


@pytest.fixture
def acme(fake: FakeSlack) -> FakeWorkspace:
    workspace = fake.add_workspace("T0002", name="Acme")
    workspace.add_user("U9", "zoe")
    return workspace


def anonymous(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.base_url, retry_handlers=[])


def exchange(fake: FakeSlack, code: str, **kwargs) -> dict:
    response = anonymous(fake).oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code, **kwargs
    )
    return response.data


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def test_an_install_answers_slacks_response_and_the_token_works(fake: FakeSlack, acme: FakeWorkspace) -> None:
    code = fake.authorize("T0002", user_id="U9", scopes=["chat:write", "commands"])
    response = exchange(fake, code)
    assert response["ok"] is True
    assert response["access_token"].startswith("xoxb-")
    assert (response["token_type"], response["scope"]) == ("bot", "chat:write,commands")
    assert (response["bot_user_id"], response["app_id"]) == (acme.bot_user_id, fake.app_id)
    assert response["team"] == {"id": "T0002", "name": "Acme"}
    assert (response["enterprise"], response["is_enterprise_install"]) == (None, False)
    assert response["authed_user"] == {"id": "U9"}
    assert "refresh_token" not in response
    installed = WebClient(base_url=fake.base_url, token=response["access_token"])
    auth = installed.auth_test()
    assert (auth["team_id"], auth["user_id"]) == ("T0002", acme.bot_user_id)
    assert auth.headers["X-OAuth-Scopes"] == "chat:write,commands"
    assert acme.bot_token == response["access_token"]
    assert fake.calls_to("oauth.v2.access")[0].team_id == "T0002"


def test_a_code_works_once(fake: FakeSlack, acme: FakeWorkspace) -> None:
    code = fake.authorize("T0002", user_id="U9")
    exchange(fake, code)
    assert api_error(lambda: exchange(fake, code))["error"] == "invalid_code"
    assert api_error(lambda: exchange(fake, "made-up"))["error"] == "invalid_code"


def test_client_credentials_are_checked(fake: FakeSlack, acme: FakeWorkspace) -> None:
    code = fake.authorize("T0002", user_id="U9")
    client = anonymous(fake)
    wrong_secret = api_error(
        lambda: client.oauth_v2_access(client_id=CLIENT_ID, client_secret="nope", code=code)
    )
    assert wrong_secret["error"] == "bad_client_secret"
    wrong_id = api_error(
        lambda: client.oauth_v2_access(client_id="9.9", client_secret=CLIENT_SECRET, code=code)
    )
    assert wrong_id["error"] == "invalid_client_id"
    # Credentials as form fields (no HTTP Basic auth) are accepted too; the code is still unused.
    as_form = client.api_call(
        "oauth.v2.access", data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}
    )
    assert as_form["team"]["id"] == "T0002"


def test_redirect_uri_must_match(fake: FakeSlack, acme: FakeWorkspace) -> None:
    code = fake.authorize("T0002", user_id="U9", redirect_uri="https://kf.example.com/slack/oauth_redirect")
    assert api_error(lambda: exchange(fake, code, redirect_uri="https://evil.example.com/"))["error"] == (
        "bad_redirect_uri"
    )
    assert exchange(fake, code, redirect_uri="https://kf.example.com/slack/oauth_redirect")["ok"]


def test_authorize_refuses_what_slack_would_not_show(fake: FakeSlack, acme: FakeWorkspace) -> None:
    with pytest.raises(ValueError):
        fake.authorize("T0404", user_id="U9")
    with pytest.raises(ValueError):
        fake.authorize("T0002", user_id="U1")  # not a member of Acme
    with pytest.raises(ValueError):
        fake.authorize("T0002", user_id="U9", enterprise_install=True)  # Acme is no Grid org


def test_user_scopes_give_a_user_token(fake: FakeSlack, acme: FakeWorkspace) -> None:
    response = exchange(fake, fake.authorize("T0002", user_id="U9", user_scopes=["chat:write"]))
    authed = response["authed_user"]
    assert (authed["id"], authed["scope"], authed["token_type"]) == ("U9", "chat:write", "user")
    as_zoe = WebClient(base_url=fake.base_url, token=authed["access_token"])
    auth = as_zoe.auth_test()
    assert auth["user_id"] == "U9" and "bot_id" not in auth.data
    posted = as_zoe.chat_postMessage(channel=acme.general_channel_id, text="from Zoe herself")
    assert posted["message"]["user"] == "U9" and "bot_id" not in posted["message"]


def test_token_rotation_refreshes_and_retires_the_old_refresh_token(
    fake: FakeSlack, acme: FakeWorkspace
) -> None:
    first = exchange(fake, fake.authorize("T0002", user_id="U9", token_rotation=True))
    assert first["access_token"].startswith("xoxe.xoxb-1-")
    assert first["refresh_token"].startswith("xoxe-1-")
    assert first["expires_in"] == 12 * 60 * 60
    client = anonymous(fake)

    def refresh(token: str):
        return client.oauth_v2_access(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_type="refresh_token", refresh_token=token
        )

    second = refresh(first["refresh_token"])
    assert (second["token_type"], second["team"]["id"], second["bot_user_id"]) == (
        "bot",
        "T0002",
        acme.bot_user_id,
    )
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert api_error(lambda: refresh(first["refresh_token"]))["error"] == "invalid_refresh_token"
    assert WebClient(base_url=fake.base_url, token=second["access_token"]).auth_test()["team_id"] == "T0002"
    fake.expire_token(second["access_token"])
    expired = WebClient(base_url=fake.base_url, token=second["access_token"], retry_handlers=[])
    assert api_error(expired.auth_test)["error"] == "token_expired"
    bad_grant = api_error(
        lambda: client.oauth_v2_access(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_type="password"
        )
    )
    assert bad_grant["error"] == "invalid_grant_type"


def test_rotating_tokens_expire_on_the_fake_clock() -> None:
    clock = ManualClock()
    with FakeSlack(clock=clock) as fake:
        fake.configure_oauth(CLIENT_ID, CLIENT_SECRET, token_lifetime=600)
        fake.add_workspace("T0002").add_user("U9", "zoe")
        token = exchange(fake, fake.authorize("T0002", user_id="U9", token_rotation=True))["access_token"]
        client = WebClient(base_url=fake.base_url, token=token, retry_handlers=[])
        clock.advance(599)
        assert client.auth_test()["ok"]
        clock.advance(1)
        assert api_error(client.auth_test)["error"] == "token_expired"
        assert fake.token_info(token).expires_at == clock()


def test_slack_sdks_token_rotator_refreshes_against_the_fake(fake: FakeSlack, acme: FakeWorkspace) -> None:
    installed = exchange(fake, fake.authorize("T0002", user_id="U9", token_rotation=True))
    bot = Bot(
        app_id=installed["app_id"],
        team_id="T0002",
        bot_token=installed["access_token"],
        bot_id=acme.bot_id,
        bot_user_id=installed["bot_user_id"],
        bot_refresh_token=installed["refresh_token"],
        bot_token_expires_at=int(time.time()) + installed["expires_in"],
        installed_at=time.time(),
    )
    rotator = TokenRotator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=anonymous(fake))
    refreshed = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=13 * 60)
    assert refreshed is not None and refreshed.bot_token != bot.bot_token
    assert WebClient(base_url=fake.base_url, token=refreshed.bot_token).auth_test()["team_id"] == "T0002"


def test_bolts_oauth_flow_installs_from_the_fakes_response(
    fake: FakeSlack, acme: FakeWorkspace, tmp_path: Path
) -> None:
    settings = OAuthSettings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=["chat:write", "commands"],
        installation_store=FileInstallationStore(base_dir=str(tmp_path / "installations")),
        state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(tmp_path / "states")),
    )
    flow = OAuthFlow(client=anonymous(fake), settings=settings)
    installation = flow.run_installation(
        fake.authorize("T0002", user_id="U9", scopes=["chat:write", "commands"])
    )
    assert installation is not None
    assert (installation.team_id, installation.team_name, installation.user_id) == ("T0002", "Acme", "U9")
    assert (installation.bot_id, installation.bot_user_id) == (acme.bot_id, acme.bot_user_id)
    assert installation.bot_scopes == ["chat:write", "commands"]
    assert installation.is_enterprise_install is False
    assert [call.method for call in fake.calls] == ["oauth.v2.access", "auth.test"]
