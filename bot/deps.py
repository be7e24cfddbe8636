"""What every listener, job and delivery worker is handed: no globals, everything replaceable in tests."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.outbox.worker import Outbox
from bot.people import People
from bot.slack import delivery_client
from bot.statuses import Statuses
from bot.work import WorkQueue

if TYPE_CHECKING:
    from bot.installations import Installations

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
    #: OAuth mode: each workspace's token from the installation store (None: the one bot token).
    installations: Installations | None = None
    people: People = field(init=False)
    #: Slack statuses (absences), read before a reminder and at filing.
    statuses: Statuses = field(init=False)
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
        self.statuses = Statuses(self)
        self.outbox = Outbox(self)
        self._clients: dict[tuple[str, bool], WebClient] = {}
        self._clients_lock = threading.Lock()
        if self.installations is not None:
            self.installations.defer = lambda task: self.work.submit(task, label="remember org")

    def now(self) -> datetime:
        return self.clock()

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client for a workspace: with its own (or its Grid org's) current token in OAuth
        mode. Raises ``bot.installations.NotInstalled`` when the app has no usable install there."""
        if self.installations is None:
            return self.client
        return self._client_with(self.installations.token_for(team_id), delivery=False)

    def delivery_client_for(self, team_id: str) -> WebClient:
        """The outbox's client (no retries of its own on 429) for a workspace."""
        assert self.delivery_client is not None
        if self.installations is None:
            return self.delivery_client
        return self._client_with(self.installations.token_for(team_id), delivery=True)

    def _client_with(self, token: str, *, delivery: bool) -> WebClient:
        key = (token, delivery)
        with self._clients_lock:
            client = self._clients.get(key)
            if client is None:
                if len(self._clients) > 1000:  # rotated tokens leave old entries behind
                    self._clients.clear()
                client = copy.copy(self.delivery_client if delivery else self.client)
                assert client is not None
                client.token = token
                self._clients[key] = client
            return client

    def paused_teams(self) -> set[str]:
        """Workspaces the scheduled work leaves alone: uninstalled, revoked, or (OAuth) never installed."""
        from bot.services import workspaces
        from models.db import reading

        with reading(self.sessions) as session:
            paused = workspaces.paused_teams(session)
            teams = workspaces.all_teams(session) if self.installations is not None else []
        if self.installations is not None:
            paused |= {
                team for team in teams if team not in paused and not self.installations.is_installed(team)
            }
        return paused

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
