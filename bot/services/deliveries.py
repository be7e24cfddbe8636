"""Slack delivers at least once: an event is retried when our answer is late, and several replicas may
get the same one. What an event, a command or a shortcut causes takes effect once — the delivery's key
(``event_id``, ``trigger_id``) is written in the same transaction as its effect, and a second
transaction with the same key finds it there and does nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.db import connection_for
from models.outbox import SeenDelivery

#: Slack retries within minutes; a day is plenty.
KEEP = timedelta(days=1)

#: Built once per dialect (it runs for every command, click and event). RETURNING, not rowcount: psycopg
#: reports -1 (truthy) for an ON CONFLICT DO NOTHING that inserted nothing.
_SEEN = {
    name: make(SeenDelivery.__table__)
    .values(team_id=bindparam("team_id"), key=bindparam("key"), seen_at=bindparam("seen_at"))
    .on_conflict_do_nothing()
    .returning(SeenDelivery.__table__.c.key)
    for name, make in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def first_time(session: Session, *, team_id: str, key: str | None, now: datetime) -> bool:
    """True the first time ``key`` is seen in ``team_id`` (and records it, in the caller's transaction).
    A delivery without a key (an old client, a test) always counts as the first."""
    if not key:
        return True
    connection = connection_for(session)
    statement = _SEEN["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    inserted = connection.execute(statement, {"team_id": team_id, "key": key[:160], "seen_at": now}).first()
    return inserted is not None


def forget_old(session: Session, *, now: datetime) -> int:
    return session.execute(delete(SeenDelivery).where(SeenDelivery.seen_at < now - KEEP)).rowcount
