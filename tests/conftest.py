"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), a loopback fake of
Slack's Web API, the whole bot served over HTTP by waitress, and a driver that signs like Slack.

PostgreSQL: set ``KUNDENFOKUS_TEST_POSTGRES_URL`` to a server URL (``.ci/run`` sets
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); a throwaway database is created for the
session and dropped afterwards. Without it, the PostgreSQL variants are skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot import migrate
from bot.app import create_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.deps import Deps
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.server import BackgroundServer, make_server
from bot.slack import make_web_client
from models import Base
from models.db import make_engine, make_session_factory

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0001"
# Thursday 26 November 2026, 10:00 in Berlin.
START = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))

POSTGRES_ENV = "KUNDENFOKUS_TEST_POSTGRES_URL"


# --- databases ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str | None]:
    """A throwaway PostgreSQL database for the whole session, or None when not configured."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        yield None
        return
    name = f"kf_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server_url: str | None) -> str | None:
    if postgres_server_url:
        migrate.upgrade(postgres_server_url)
    return postgres_server_url


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_sqlite_template: Path,
    migrated_postgres: str | None,
) -> Iterator[str]:
    """A migrated, empty database of each kind for every test that asks for one."""
    if request.param == "sqlite":
        path = tmp_path / "kundenfokus.db"
        shutil.copy(migrated_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if migrated_postgres is None:
        pytest.skip(f"PostgreSQL not configured ({POSTGRES_ENV})")
    engine = create_engine(migrated_postgres)
    _truncate_all(engine)
    engine.dispose()
    yield migrated_postgres


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


# --- Slack and the bot -------------------------------------------------------------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN)
    fake.add_user("UALICE", "alice", real_name="Alice Adams", tz="Europe/Berlin", locale="en-US")
    fake.add_user("UBOB", "bob", real_name="Bob Brown", tz="Europe/Berlin", locale="en-GB")
    fake.add_user("UCAROL", "carol", real_name="Carol Chen", tz="America/New_York", locale="en-US")
    fake.add_user("UDIETER", "dieter", real_name="Dieter Dorn", tz="Europe/Berlin", locale="de-DE")
    fake.add_user("UROBOT", "deploybot", is_bot=True)
    fake.add_user("UGONE", "gone", deleted=True)
    with fake:
        yield fake


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        database_url=database_url,
        timezone="Europe/Berlin",
        holidays="DE-BE",
    )


@dataclass
class RunningBot:
    deps: Deps
    engine: Engine
    server: BackgroundServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until the work after the acks is done and the outbox has delivered it all."""
        return self.deps.settle(timeout)

    def stop(self) -> None:
        self.server.stop()
        self.deps.stop()


def start_bot(settings: Settings, engine: Engine, clock: ManualClock) -> RunningBot:
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    app, deps = create_app(settings, sessions=make_session_factory(engine), clock=clock, client=client)
    deps.start()
    server = BackgroundServer(make_server(app, engine, host="127.0.0.1", port=0, threads=8)).start()
    return RunningBot(deps, engine, server)


@pytest.fixture
def bot(settings: Settings, engine: Engine, clock: ManualClock) -> Iterator[RunningBot]:
    running = start_bot(settings, engine, clock)
    yield running
    running.stop()


class SettlingDriver(SlackDriver):
    """The signed driver, waiting after each request until the bot has done the work the ack promised
    and delivered what it says — so a test reads the state a person would see a moment later."""

    def __init__(self, *args: Any, settle: Callable[[], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._settle = settle

    def post_raw(self, body: bytes, headers: dict[str, str]) -> Reply:
        reply = super().post_raw(body, headers)
        self._settle()
        return reply


@pytest.fixture
def slack(bot: RunningBot, fake_slack: FakeSlack) -> SlackDriver:
    return SettlingDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack, settle=bot.settle)
