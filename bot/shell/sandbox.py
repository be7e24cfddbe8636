"""The running parts of ``kundenfokus shell``: the fake Slack with the simulated workspaces, the real bot
(``create_app`` served by waitress on loopback), a database with the real migrations, a manual clock,
and the signing drivers that play the people's side — one per workspace.

The bot runs in OAuth mode, as it would for many workspaces: at start it is installed into both
workspaces through its own ``/slack/install`` and ``/slack/oauth_redirect`` pages, as an admin's browser
would do it, and every request is then answered with its own workspace's token.

Nothing here is shell-specific except knowing when the bot has finished reacting (``settle``): Bolt runs
listeners on an executor after ``ack()``, so the sandbox counts the listeners in flight.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
import secrets
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from alembic import command
from slack_bolt import App
from sqlalchemy import Engine

from bot import migrate
from bot.app import create_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.deps import Deps
from bot.jobs import scheduler
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.sandbox.workspace import SECOND_TEAM_ID, TEAM_ID, TEAM_NAMES, people_of, populate, populate_second
from bot.server import EVENTS_PATH, BackgroundServer, make_server
from bot.slack import BOT_SCOPES, make_web_client
from models.db import make_engine, make_session_factory

logger = logging.getLogger(__name__)

IN_MEMORY = "sqlite://"


class SandboxError(RuntimeError):
    """The sandbox cannot start (e.g. a --db that is not migrated); the message says what to do."""


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response_url points: the message it belongs to and the person who acted."""

    channel: str | None
    message_ts: str | None
    user: str | None


class SandboxSlack(FakeSlack):
    """The fake Web API, remembering where each response_url points so the shell can say who sees a reply."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.response_targets: dict[str, ResponseTarget] = {}

    def response_url(
        self,
        key: str,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user: str | None = None,
    ) -> str:
        self.response_targets[key] = ResponseTarget(channel, message_ts, user)
        return super().response_url(key, channel=channel, message_ts=message_ts, user=user)


class InFlight(Executor):
    """Wraps Bolt's listener executor and counts the listeners still running."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._running = 0
        self._idle = threading.Condition()

    @classmethod
    def install(cls, app: App) -> InFlight:
        runner = app.listener_runner
        tracker = cls(runner.listener_executor)
        runner.listener_executor = tracker
        lazy = getattr(runner, "lazy_listener_runner", None)
        if lazy is not None and hasattr(lazy, "executor"):
            lazy.executor = tracker
        return tracker

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._running += 1

        def tracked() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._running -= 1
                    self._idle.notify_all()

        return self.inner.submit(tracked)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)


def prepare_database(engine: Engine, database_url: str) -> None:
    """SQLite (in memory or a file) gets the real migrations on the engine's own connection — an
    in-memory database exists only there; PostgreSQL must be migrated already, as for ``run``."""
    if engine.dialect.name == "sqlite":
        config = migrate.alembic_config(database_url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    elif not migrate.is_up_to_date(engine):
        raise SandboxError("The database schema is not up to date. Run: kundenfokus migrate")


class Sandbox:
    """The whole bot on loopback against the simulated workspace. Use as a context manager."""

    def __init__(self, settings: Settings, *, start: datetime, database_url: str = IN_MEMORY) -> None:
        self.clock = ManualClock(start)
        self.slack = SandboxSlack(
            team_id=TEAM_ID,
            bot_token="xoxb-sandbox-" + secrets.token_hex(8),
            clock=lambda: self.clock().timestamp(),
        )
        populate(self.slack)
        populate_second(self.slack)
        self._client_id = f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}"
        self._client_secret = secrets.token_hex(16)
        self.slack.configure_oauth(self._client_id, self._client_secret)
        self._signing_secret = secrets.token_hex(16)
        self._base_settings = settings
        self.database_url = database_url
        self._stack = contextlib.ExitStack()
        self.deps: Deps
        self.driver: SlackDriver
        #: One driver per workspace, by team id (``driver`` is the first workspace's).
        self.drivers: dict[str, SlackDriver] = {}
        self.teams = dict(TEAM_NAMES)
        self.engine: Engine

    def __enter__(self) -> Sandbox:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def _start(self) -> None:
        self.slack.start()
        self._stack.callback(self.slack.stop)
        if self.database_url == IN_MEMORY:
            # "Forgotten afterwards": a SQLite file in a temporary folder, removed on exit. (An in-memory
            # database lives on one connection, which the bot's threads cannot share.)
            folder = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="kundenfokus-sandbox-"))
            self.database_url = f"sqlite:///{folder}/sandbox.db"
        self.engine = make_engine(self.database_url)
        self._stack.callback(self.engine.dispose)
        prepare_database(self.engine, self.database_url)
        from cryptography.fernet import Fernet

        settings = self._base_settings.with_(
            slack_bot_token="",
            slack_client_id=self._client_id,
            slack_client_secret=self._client_secret,
            token_key=Fernet.generate_key().decode(),
            slack_signing_secret=self._signing_secret,
            slack_app_token="",
            slack_api_url=self.slack.base_url,
            database_url=self.database_url,
        )
        client = make_web_client(None, settings.slack_api_url)
        app, self.deps = create_app(
            settings, sessions=make_session_factory(self.engine), clock=self.clock, client=client
        )
        self._in_flight = InFlight.install(app)
        self.deps.start()
        self._stack.callback(self.deps.stop)
        server = BackgroundServer(make_server(app, self.engine, host="127.0.0.1", port=0, threads=4)).start()
        self._stack.callback(server.stop)
        events_url = f"{server.url}{EVENTS_PATH}"
        for team_id in (TEAM_ID, SECOND_TEAM_ID):
            install_in_browser(server.url, self.slack, team_id, user_id=people_of(team_id)[0].user_id)
            self.drivers[team_id] = SlackDriver(
                events_url, self._signing_secret, team_id=team_id, fake=self.slack
            )
        self.driver = self.drivers[TEAM_ID]
        self.slack.clear_calls()  # the installs are not part of the story

    def settle(self, timeout: float = 15.0) -> bool:
        """Wait until every listener the last request started has finished; False on timeout."""
        finished = self._in_flight.wait_idle(timeout) and self.deps.settle(timeout)
        if not finished:
            logger.warning("the bot is still busy after %.0f seconds", timeout)
        return finished

    def tick(self, moment: datetime) -> None:
        """Set the clock and run the scheduler's periodic jobs once, as ``kundenfokus run`` does each minute."""
        self.clock.set(moment)
        scheduler.tick(self.deps, moment)
        self.settle()


def install_in_browser(bot_url: str, fake: FakeSlack, team_id: str, *, user_id: str) -> None:
    """What an admin's browser does: open the install page, approve at (fake) Slack, come back with the
    code, the state and the state's cookie — once more, from the start, if the bot refused the state.

    The sandbox's in-memory database is one connection that every thread shares. slack_sdk's state
    store writes on it outside the bot's turn to write, and a read another thread has open at that
    moment makes its DELETE fail ("database is locked"): the bot then answers 401 invalid_state, as
    after an expired state, and a new state goes through."""
    for attempt in range(3):
        try:
            _install_once(bot_url, fake, team_id, user_id=user_id)
            return
        except urllib.error.HTTPError as error:
            if error.code != 401 or attempt == 2:
                raise
            logger.info("the sandbox's install in %s was refused (%s); once more", team_id, error)


def _install_once(bot_url: str, fake: FakeSlack, team_id: str, *, user_id: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(bot_url + "/slack/install", timeout=10) as page:
        body, cookie = page.read().decode(), page.headers["Set-Cookie"].split(";")[0]
    found = re.search(r'<a href="([^"]+)"', body)
    if found is None:
        raise SandboxError("the bot's install page has no Add-to-Slack link")
    query = parse_qs(urlparse(html.unescape(found.group(1))).query)
    code = fake.authorize(
        team_id, user_id=user_id, scopes=query.get("scope", [",".join(BOT_SCOPES)])[0].split(",")
    )
    back = f"{bot_url}/slack/oauth_redirect?{urlencode({'code': code, 'state': query['state'][0]})}"
    request = urllib.request.Request(back, headers={"Cookie": cookie})
    with opener.open(request, timeout=10) as answer:
        if answer.status != 200:
            raise SandboxError(f"installing the bot in {team_id} failed (HTTP {answer.status})")
