"""Slack delivers at least once: an event is retried when our answer is late, and several replicas may
get the same one. What an event, a command or a shortcut causes takes effect once — the delivery's key
(``event_id``, ``trigger_id``) is written in the same transaction as its effect, and a second
transaction with the same key finds it there and does nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.outbox import SeenDelivery

#: Slack retries within minutes; a day is plenty.
KEEP = timedelta(days=1)


def first_time(session: Session, *, team_id: str, key: str | None, now: datetime) -> bool:
    """True the first time ``key`` is seen in ``team_id`` (and records it, in the caller's transaction).
    A delivery without a key (an old client, a test) always counts as the first."""
    if not key:
        return True
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: psycopg reports -1 (truthy) for an ON CONFLICT DO NOTHING that inserted nothing.
    inserted = session.execute(
        insert(SeenDelivery)
        .values(team_id=team_id, key=key[:160], seen_at=now)
        .on_conflict_do_nothing()
        .returning(SeenDelivery.key)
    ).first()
    return inserted is not None


def forget_old(session: Session, *, now: datetime) -> int:
    return session.execute(delete(SeenDelivery).where(SeenDelivery.seen_at < now - KEEP)).rowcount
