"""Teams: Slack user groups people can ask (``/request @it-support …``), how each takes its requests,
the members last seen in Slack, and where a team request's *I'll take it* cards were posted.

A team request is a ``Request`` with ``group_id`` set (the user group's Slack id, ``S…``). While nobody
has taken it, ``assignee_id`` is empty; the first member to press *I'll take it* becomes the assignee
(``bot.services.teams.claim``), and from then on it is an ordinary request.
"""

from __future__ import annotations

import enum
from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class TeamMode(enum.StrEnum):
    #: Every member sees the request; the first to press *I'll take it* becomes the assignee.
    CLAIM = "claim"
    #: The bot assigns the present member with the fewest open requests.
    ROTATE = "rotate"


class Team(Base):
    """A user group's settings. Without a row a group is asked in ``claim`` mode with the defaults."""

    __tablename__ = "teams"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    usergroup_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The group's handle as Slack last named it (``it-support``), for messages and the digest.
    handle: Mapped[str] = mapped_column(String(255), default="", server_default="")
    mode: Mapped[str] = mapped_column(String(16), default=TeamMode.CLAIM.value, server_default="claim")
    #: Where the team's requests are posted as one card (instead of a DM to every member).
    intake_channel_id: Mapped[str | None] = mapped_column(String(32))
    #: The team's default response time in business units (None: the workspace default).
    response_minutes: Mapped[int | None] = mapped_column(Integer)
    response_days: Mapped[int | None] = mapped_column(Integer)
    #: The team's working hours and holiday region (None: the workspace defaults).
    work_start: Mapped[time | None] = mapped_column(Time())
    work_end: Mapped[time | None] = mapped_column(Time())
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def team_mode(self) -> TeamMode:
        return TeamMode(self.mode)


class TeamMember(Base):
    """A user group's members as ``usergroups.users.list`` last said (refreshed at every team request and
    claim): App Home's "My teams' open requests" and the team reminders read it."""

    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_user", "team_id", "user_id"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    usergroup_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamCard(Base):
    """One *I'll take it* card of a team request: a member's DM or the intake channel's post."""

    __tablename__ = "team_cards"
    __table_args__ = (UniqueConstraint("request_id", "recipient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    #: The member (``U…``) or the intake channel (``C…``) the card was meant for.
    recipient_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
