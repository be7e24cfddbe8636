"""OAuth mode end to end: the bot without a bot token, installed into fake workspaces through its own
``/slack/install`` and ``/slack/oauth_redirect`` pages (a browser's requests: the state cookie included),
tokens encrypted in the real database, each workspace driven by its own signed driver."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bot.app import create_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.server import BackgroundServer, make_server
from bot.slack import make_web_client
from models.db import make_session_factory
from tests.conftest import SIGNING_SECRET, RunningBot, SettlingDriver

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret-0123"
ONE, TWO = "T0001", "T0002"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """Two workspaces, the app installed in neither: T0001 (alice, bob, carol) and T0002 (erin, frank)."""
    fake = FakeSlack(team_id=ONE, bot_token="")
    fake.configure_oauth(CLIENT_ID, CLIENT_SECRET)
    fake.add_user("UALICE", "alice", real_name="Alice Adams", tz="Europe/Berlin", locale="en-US")
    fake.add_user("UBOB", "bob", real_name="Bob Brown", tz="Europe/Berlin", locale="en-GB")
    fake.add_user("UCAROL", "carol", real_name="Carol Chen", tz="America/New_York", locale="en-US")
    two = fake.add_workspace(TWO, name="Zwei GmbH", domain="zwei")
    two.add_user("UERIN", "erin", real_name="Erin Engel", tz="Europe/Berlin", locale="de-DE")
    two.add_user("UFRANK", "frank", real_name="Frank Fuchs", tz="Europe/Berlin", locale="en-US")
    with fake:
        yield fake


@pytest.fixture
def token_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def oauth_settings(database_url: str, fake: FakeSlack, token_key: str) -> Settings:
    return Settings(
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        token_key=token_key,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.base_url,
        database_url=database_url,
        timezone="Europe/Berlin",
        holidays="DE-BE",
    )


def start_oauth_bot(settings: Settings, engine: Engine, clock: ManualClock) -> RunningBot:
    client = make_web_client(None, settings.slack_api_url)
    app, deps = create_app(settings, sessions=make_session_factory(engine), clock=clock, client=client)
    deps.start()
    server = BackgroundServer(make_server(app, engine, host="127.0.0.1", port=0, threads=8)).start()
    return RunningBot(deps, engine, server)


@pytest.fixture
def oauth_bot(oauth_settings: Settings, engine: Engine, clock: ManualClock) -> Iterator[RunningBot]:
    running = start_oauth_bot(oauth_settings, engine, clock)
    yield running
    running.stop()


def driver(bot: RunningBot, fake: FakeSlack, team_id: str) -> SlackDriver:
    return SettlingDriver(bot.events_url, SIGNING_SECRET, team_id=team_id, fake=fake, settle=bot.settle)


# --- a browser ----------------------------------------------------------------------------------------


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, cookie: str | None = None) -> Page:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Page(response.status, response.read().decode(), dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        return Page(error.code, error.read().decode(), dict(error.headers.items()))


@dataclass
class Started:
    """What the install page handed the browser: the Add-to-Slack link and the state cookie."""

    authorize_url: str
    state: str
    cookie: str

    @property
    def query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlparse(self.authorize_url).query).items()}


def start_install(bot: RunningBot) -> Started:
    page = get(bot.url + "/slack/install")
    assert page.status == 200, page
    link = html.unescape(re.search(r'<a href="([^"]+)"', page.body).group(1))
    cookie = page.headers["Set-Cookie"].split(";")[0]
    started = Started(link, "", cookie)
    started.state = started.query["state"]
    return started


def finish_install(bot: RunningBot, *, code: str, state: str, cookie: str | None) -> Page:
    query = urlencode({"code": code, "state": state})
    return get(f"{bot.url}/slack/oauth_redirect?{query}", cookie=cookie)


def install(
    bot: RunningBot,
    fake: FakeSlack,
    team_id: str,
    *,
    user_id: str,
    enterprise_install: bool = False,
    token_rotation: bool = False,
) -> Page:
    """A person installs the app into ``team_id`` (an org, with ``enterprise_install``) in their browser."""
    started = start_install(bot)
    code = fake.authorize(
        team_id,
        user_id=user_id,
        scopes=started.query["scope"].split(","),
        enterprise_install=enterprise_install,
        token_rotation=token_rotation,
    )
    page = finish_install(bot, code=code, state=started.state, cookie=started.cookie)
    assert page.status == 200, page.body
    return page


def dms(fake: FakeSlack, team_id: str, user_id: str) -> list[dict]:
    """What the bot's DM with ``user_id`` in workspace ``team_id`` shows now (the drivers settle first)."""
    workspace = fake.workspace(team_id)
    assert workspace is not None
    return workspace.messages_in(workspace.dm_channel_for(user_id))
