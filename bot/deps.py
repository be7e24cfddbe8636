"""What every listener, job and delivery worker is handed: no globals, everything replaceable in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.outbox.worker import Outbox
from bot.people import People
from bot.slack import delivery_client
from bot.work import WorkQueue

#: Threads doing the work after the acks. SQLite has one writer: more than a few threads would only
#: queue for its lock. PostgreSQL takes writers in parallel.
WORK_THREADS = {"sqlite": 4, "postgresql": 8}


@dataclass
class Deps:
    """Handed to every ``register(app, deps)``, every job and the delivery workers."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    client: WebClient
    #: For the outbox: no retries of its own on 429 (the workers wait Slack's Retry-After without
    #: holding a sender), so one busy method cannot stall the rest.
    delivery_client: WebClient | None = None
    people: People = field(init=False)
    outbox: Outbox = field(init=False)
    work: WorkQueue = field(init=False)

    def __post_init__(self) -> None:
        if self.delivery_client is None:
            self.delivery_client = delivery_client(self.client)
        self.people = People(
            sessions=self.sessions, client_for=self.client_for, settings=self.settings, clock=self.clock
        )
        bind = self.sessions.kw.get("bind")
        dialect = getattr(getattr(bind, "dialect", None), "name", "sqlite")
        self.work = WorkQueue(WORK_THREADS.get(dialect, 4))
        self.outbox = Outbox(self)

    def now(self) -> datetime:
        return self.clock()

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client for a workspace."""
        return self.client

    def delivery_client_for(self, team_id: str) -> WebClient:
        assert self.delivery_client is not None
        return self.delivery_client

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until the work after the acks is done and the outbox has delivered everything."""
        if not self.work.wait_idle(timeout):
            return False
        return self.outbox.settle(timeout) if self.outbox.running else True

    def start(self) -> Deps:
        self.work.start()
        self.outbox.start()
        return self

    def stop(self, timeout: float = 8.0) -> None:
        self.work.stop(timeout / 2)
        self.outbox.stop(timeout / 2)
