"""The outbox: every message a change causes, written in the same transaction as the change.

``OutboxMessage`` is one thing to tell someone (a card, a piece of news, a redraw, a reminder, an App
Home refresh, a digest). Delivery workers claim rows, render them for their reader, send them and record
the outcome (``bot.outbox``). Three keys shape delivery:

- ``dedupe_key`` (unique): the same message is written once, however often the change is retried.
- ``collapse_key`` (unique among *pending* rows): redraws of one card collapse into one row, which renders
  the latest state when its turn comes.
- ``sequence_key``: rows sharing it go out one at a time, in id order (a card before its redraws, the
  redraws of one message in the order they were written).

``OutboxWorker`` rows are the delivery workers' heartbeats: a claimed row whose worker stopped beating
(or, on the same host, whose process is gone) is handed to another worker.

``SeenDelivery`` remembers which incoming Slack deliveries (an event's ``event_id``, a command's or a
shortcut's ``trigger_id``) already took effect, so Slack's retries and parallel replicas act once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

#: Someone is looking at their screen waiting for it (the answer to a click, a command's confirmation).
PRIORITY_NOW = 0
#: News, cards, redraws.
PRIORITY_NORMAL = 1
#: Reminders, digests, App Home refreshes: they may wait behind the others.
PRIORITY_BULK = 2

PENDING, CLAIMED, SENT, FAILED, DROPPED = "pending", "claimed", "sent", "failed", "dropped"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_claim_order", "state", "priority", "id", "available_at"),
        Index(
            "ix_outbox_claimed_by",
            "claimed_by",
            postgresql_where=text("state = 'claimed'"),
            sqlite_where=text("state = 'claimed'"),
        ),
        Index(
            "ix_outbox_sequence_open",
            "sequence_key",
            "id",
            postgresql_where=text("state IN ('pending', 'claimed')"),
            sqlite_where=text("state IN ('pending', 'claimed')"),
        ),
        Index(
            "uq_outbox_collapse_pending",
            "collapse_key",
            unique=True,
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index("ix_outbox_request", "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    #: What to render (a key of ``bot.outbox.messages.KINDS``).
    kind: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    #: A user id (a DM), a channel id, or "" when the payload says where (a response_url).
    recipient: Mapped[str] = mapped_column(String(64), default="")
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    collapse_key: Mapped[str | None] = mapped_column(String(200))
    sequence_key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=PRIORITY_NORMAL)
    #: pending -> claimed -> sent | failed | dropped (nothing left to say when its turn came)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    #: Not before (back-off after a failure, Slack's Retry-After); NULL: at once. Wall-clock time.
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A worker that held this row died: Slack may have received it already, so look before sending again.
    unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    #: Where it landed in Slack.
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))


class OutboxWorker(Base):
    __tablename__ = "outbox_workers"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SeenDelivery(Base):
    __tablename__ = "seen_deliveries"
    __table_args__ = (Index("ix_seen_deliveries_seen_at", "seen_at"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
