"""What every listener, job and delivery worker is handed: no globals, everything replaceable in tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.slack import Messenger


@dataclass
class Deps:
    """Handed to every ``register(app, deps)`` and every job."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    client: WebClient

    @property
    def messenger(self) -> Messenger:
        return Messenger(self.client)

    def now(self) -> datetime:
        return self.clock()
