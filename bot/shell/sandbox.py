"""The running parts of ``kundenfokus shell``: the fake Slack with the simulated workspace, the real bot
(``create_app`` served by waitress on loopback), a database with the real migrations, a manual clock,
and the signing driver that plays the people's side.

Nothing here is shell-specific except knowing when the bot has finished reacting (``settle``): Bolt runs
listeners on an executor after ``ack()``, so the sandbox counts the listeners in flight.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
from bot.sandbox.workspace import TEAM_ID, populate
from bot.server import EVENTS_PATH, BackgroundServer, make_server
from bot.slack import make_web_client
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
        self._signing_secret = secrets.token_hex(16)
        self._base_settings = settings
        self.database_url = database_url
        self._stack = contextlib.ExitStack()
        self.deps: Deps
        self.driver: SlackDriver
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
        settings = self._base_settings.with_(
            slack_bot_token=self.slack.bot_token,
            slack_signing_secret=self._signing_secret,
            slack_app_token="",
            slack_api_url=self.slack.base_url,
            database_url=self.database_url,
        )
        client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
        app, self.deps = create_app(
            settings, sessions=make_session_factory(self.engine), clock=self.clock, client=client
        )
        self._in_flight = InFlight.install(app)
        self.deps.start()
        self._stack.callback(self.deps.stop)
        server = BackgroundServer(make_server(app, self.engine, host="127.0.0.1", port=0, threads=4)).start()
        self._stack.callback(server.stop)
        events_url = f"{server.url}{EVENTS_PATH}"
        self.driver = SlackDriver(events_url, self._signing_secret, team_id=TEAM_ID, fake=self.slack)

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
