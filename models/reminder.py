"""Reminders (the nudge ladder) and the schedule that tells the sweep which requests to look at.

``Reminder``: one row per reminder, planned when it is due, claimed by one sweep under a lease, then
recorded as sent (or failed, or skipped). Two unique keys make sending twice impossible however many
sweeps run: ``(request_id, step, key)`` (the ladder's idempotency key: the business day for daily
steps, the agreed time for one-off steps) and ``(request_id, audience, day_key)`` (at most one
reminder per request, audience and local business day).

``NudgeSchedule``: one row per active request with ``next_at``, the earliest moment the ladder may
have something to say about it. The sweep only reads rows with ``next_at <= now`` (an index range),
so its cost follows the number of due requests, never the number stored. The row is kept current
right here, by ORM flush events on ``Request``: any insert or update of a request (every service
records its changes through the ORM) sets ``next_at`` to the change's time and bumps ``version``, so
the next sweep re-plans that request. The sweep then writes the exact next moment back — unless
``version`` moved meanwhile (optimistic check; a concurrent change always wins).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    insert,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from models.base import Base, UTCDateTime
from models.request import Request


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("request_id", "step", "key"),
        UniqueConstraint("request_id", "audience", "day_key"),
        Index("ix_reminders_state_due", "state", "due_at"),
        Index("ix_reminders_state_lease", "state", "lease_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    recipient_id: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(40))
    day_key: Mapped[str] = mapped_column(String(10))
    #: When it may be sent (planned at or before the sweep's ``now``; later after a transient failure).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: pending -> queued (an outbox message carries it) -> sent | failed | skipped (no longer wanted when
    #: its turn came). ``claimed`` belongs to sweeps before the outbox and is no longer written.
    state: Mapped[str] = mapped_column(String(16), default="pending")
    #: The outbox message that delivers it, once queued.
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))


class NudgeSchedule(Base):
    __tablename__ = "nudge_schedule"
    __table_args__ = (Index("ix_nudge_schedule_next_at", "next_at", "request_id"),)

    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)


# Built once: they run for every request written (a statement built per call costs more than the write).
_SCHEDULE = insert(NudgeSchedule).values(
    request_id=bindparam("request_id"), next_at=bindparam("next_at"), version=0
)
_RESCHEDULE = (
    update(NudgeSchedule)
    .where(NudgeSchedule.request_id == bindparam("changed_id"))
    .values(next_at=bindparam("changed_at"), version=NudgeSchedule.version + 1)
)


def schedule_new_request(connection: Connection, request_id: int, created_at: datetime) -> None:
    """A new request goes on the reminder schedule (the sweep plans it at once)."""
    connection.execute(_SCHEDULE, {"request_id": request_id, "next_at": created_at})


@event.listens_for(Request, "after_insert")
def _schedule_new_request(mapper: Mapper[Any], connection: Connection, target: Request) -> None:
    schedule_new_request(connection, target.id, target.created_at)


@event.listens_for(Request, "after_update")
def _reschedule_changed_request(mapper: Mapper[Any], connection: Connection, target: Request) -> None:
    connection.execute(_RESCHEDULE, {"changed_id": target.id, "changed_at": target.updated_at})
