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
    week_key: Mapped[str] = mapped_column(String(10))
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


# The digest counts one channel's requests at a time; this keeps that to the channel's own rows.
Index("ix_requests_team_channel_created", Request.team_id, Request.channel_id, Request.created_at)
