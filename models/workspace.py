"""Workspaces (per-team counters and defaults) and the people we have looked up in Slack."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
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
