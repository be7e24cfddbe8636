"""Workspaces (per-team counters and defaults), the people we have looked up in Slack, and the working
calendar each person chose for themselves."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_request_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The Enterprise Grid org the workspace belongs to (OAuth mode: how an org-wide install is found).
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    #: When the app was uninstalled or its tokens revoked: no reminders, digests or messages until it is
    #: installed again. The workspace's data stays until ``kundenfokus forget``.
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Person(Base):
    """A Slack user as last seen through users.info; refreshed when stale."""

    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    language_override: Mapped[str | None] = mapped_column(String(8))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The bot's DM with this person (``D…``), learnt from chat.postMessage's answer: no conversations.open.
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))


class PersonCalendar(Base):
    """A person's own working calendar (``/request settings``). Every empty column follows the default:
    the workspace's settings, and for holidays the country of the person's Slack time zone."""

    __tablename__ = "person_calendars"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    work_start: Mapped[time | None] = mapped_column(Time())
    work_end: Mapped[time | None] = mapped_column(Time())
    #: Canonical weekday list, e.g. "mon,tue,wed,thu" (``bot.domain.calendar.WorkingHours.parse`` reads it).
    working_days: Mapped[str | None] = mapped_column(String(32))
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(32))
    #: Earliest local time for reminders to this person.
    reminder_time: Mapped[time | None] = mapped_column(Time())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
