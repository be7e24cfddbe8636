"""Digest subscriptions per channel, the record of each posted week (exactly once), and who has
looked at App Home (so a refresh after an action is only sent to people who use it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime
from models.request import Request


class DigestSubscription(Base):
    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    hour: Mapped[int] = mapped_column(Integer, default=9)
    minute: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: "channel": requests filed in the channel; "usergroup": requests by or for members of the group.
    scope: Mapped[str] = mapped_column(String(16), default="channel")
    usergroup_id: Mapped[str | None] = mapped_column(String(32))
    #: Blameless by default: only when a channel opts in are people named for overdue items.
    name_people: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestRun(Base):
    """One posted (or claimed) digest: the unique key is claimed *before* posting."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("subscription_id", "week_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("digest_subscriptions.id", ondelete="CASCADE"))
    #: ``2026-W48``, or ``2026-W48-so-far`` for the week so far posted on demand.
    week_key: Mapped[str] = mapped_column(String(20))
    #: claimed -> posted | failed; a claim whose process died is taken over after a lease.
    state: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)


class HomeVisit(Base):
    """The last time a person opened the bot's App Home tab."""

    __tablename__ = "home_visits"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The digest counts every due channel's requests at once, one index range per channel and week for
# each timestamp it counts by. Each index carries the few columns its figures need, so the counting
# never reads the table itself (see bot/services/digest.py and docs/benchmarks.md).
Index(
    "ix_requests_digest_created", Request.team_id, Request.channel_id, Request.created_at, Request.assignee_id
)
Index(
    "ix_requests_digest_closed",
    Request.team_id,
    Request.channel_id,
    Request.closed_at,
    Request.state,
    Request.assignee_id,
    Request.created_at,
    Request.response_due_at,
    Request.acknowledged_at,
    Request.due_at,
)
Index(
    "ix_requests_digest_response_due",
    Request.team_id,
    Request.channel_id,
    Request.response_due_at,
    Request.state,
    Request.acknowledged_at,
    Request.assignee_id,
)
Index(
    "ix_requests_digest_acknowledged",
    Request.team_id,
    Request.channel_id,
    Request.acknowledged_at,
    Request.created_at,
    Request.assignee_id,
)
