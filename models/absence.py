"""Absences: who is away, until when, who stands in — and the clocks that paused for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Absence(Base):
    """One stretch of time a person is away: from their Slack status (``source='slack'``) or announced
    with ``/request away`` (``source='planned'``). ``ends_at`` None: until further notice (a Slack status
    without expiry). Over when ``ends_at`` is reached or the person says they are back."""

    __tablename__ = "absences"
    __table_args__ = (Index("ix_absences_person", "team_id", "user_id", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: What Slack's status said about its end (``status_expiration``), kept when the person came back
    #: early, so the same status read again does not make them away once more.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The person said "back" (``/request back``, App Home) before the absence ran out.
    ended_early: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    deputy_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatusCheck(Base):
    """When a person's Slack status was last read (``users.profile.get`` or ``user_status_changed``):
    a read younger than the freshness window is trusted instead of asking Slack again."""

    __tablename__ = "status_checks"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    away: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class PausedClock(Base):
    """A request whose clocks an absence of its assignee moved: the clocks as agreed (``agreed_*``,
    counted from ``since``) and as moved (``moved_*``). A change of the absence moves them again from
    the agreed ones; a clock changed by anything else (a proposal, a hand-over) starts afresh."""

    __tablename__ = "paused_clocks"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    assignee_id: Mapped[str] = mapped_column(String(32))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    agreed_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    agreed_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moved_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    moved_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
