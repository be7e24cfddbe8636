"""Requests, their audit trail and counter-proposals."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime


class State(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    #: The assignee asked the requester something: the assignee's clock pauses until the answer.
    WAITING = "waiting"
    DONE = "done"
    DECLINED = "declined"
    CANCELLED = "cancelled"

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATES


CLOSED_STATES = frozenset({State.DONE, State.DECLINED, State.CANCELLED})
ACTIVE_STATES = (State.OPEN.value, State.ACKNOWLEDGED.value, State.WAITING.value)


class Kind(enum.StrEnum):
    TASK = "task"
    QUESTION = "question"
    CALLBACK = "callback"


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_requests_assignee_state", "team_id", "assignee_id", "state"),
        Index("ix_requests_requester_state", "team_id", "requester_id", "state"),
        Index("ix_requests_state_response_due", "state", "response_due_at"),
        Index("ix_requests_state_due", "state", "due_at"),
        Index("ix_requests_team_created", "team_id", "created_at"),
        Index("ix_requests_group_state", "team_id", "group_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    requester_id: Mapped[str] = mapped_column(String(32))
    #: Empty only while a team request waits for a member to take it (``group_id`` says which team).
    assignee_id: Mapped[str | None] = mapped_column(String(32))
    #: The Slack user group (``S…``) the request was asked of, if it went to a team (``models.team``).
    group_id: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default=Kind.TASK.value)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=State.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The due date names a day, not a time: ``due_at`` is the end of that working day for the assignee,
    #: and everyone sees it as a date.
    due_date_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Asked for as urgent (asap, dringend …): filed with the shortest response time, marked everywhere.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # Where the assignee's card lives (updated after every action) and the thread that counts as an answer.
    assignee_channel_id: Mapped[str | None] = mapped_column(String(32))
    assignee_message_ts: Mapped[str | None] = mapped_column(String(32))
    thread_channel_id: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    # The requester's living card (a DM, updated in place) — its thread is the requester's side of the talk.
    requester_channel_id: Mapped[str | None] = mapped_column(String(32))
    requester_message_ts: Mapped[str | None] = mapped_column(String(32))
    #: Since when the request waits on the requester (state ``waiting``); the assignee's clock is paused.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Bumped by every change through the ORM, which updates ``WHERE version = <the one read>``: a change
    #: based on a stale read changes nothing (StaleDataError) instead of overwriting another.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper configuration

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )

    @property
    def current_state(self) -> State:
        return State(self.state)

    @property
    def is_closed(self) -> bool:
        return self.current_state.is_closed

    @property
    def unclaimed(self) -> bool:
        """A team request nobody has taken yet."""
        return self.assignee_id is None


class RequestEvent(Base):
    """Audit trail: who did what when. ``detail`` holds the before/after of what changed."""

    __tablename__ = "request_events"
    __table_args__ = (Index("ix_request_events_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    request: Mapped[Request] = relationship(back_populates="events")


class Proposal(Base):
    """A counter-proposal of times by the assignee, accepted or rejected by the requester."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_request", "request_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    proposed_by: Mapped[str] = mapped_column(String(32))
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
