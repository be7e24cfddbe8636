"""Ratings of done requests and kudos to assignees."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Rating(Base):
    """One rating per request, by its requester; changing it updates the row (``created_at`` stays)."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_team_created", "team_id", "created_at"),)

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rater_id: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    tone_respectful: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Kudos(Base):
    """A thank-you from the requester to the person who did the work; one per request and sender."""

    __tablename__ = "kudos"
    __table_args__ = (
        Index("ix_kudos_team_created", "team_id", "created_at"),
        UniqueConstraint("request_id", "from_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    from_id: Mapped[str] = mapped_column(String(32))
    to_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
