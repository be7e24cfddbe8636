"""absences: who is away (Slack status or /request away), until when, their deputy; paused clocks

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01

``absences`` holds each stretch of time a person is away — read from their Slack status
(``source='slack'``, ``users.profile.get`` / ``user_status_changed``) or announced with ``/request away``
(``source='planned'``, with an optional deputy). ``status_checks`` says when a person's Slack status was
last read, so it is re-read before a reminder only when that is a while ago. ``paused_clocks`` keeps the
agreed clocks of requests that an absence of their assignee moved, so a changed absence (back early,
longer away) moves them again from what was agreed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("starts_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_early", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("deputy_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index("ix_absences_person", ["team_id", "user_id", "ends_at"], unique=False)
    op.create_table(
        "status_checks",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("checked_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("away", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_status_checks")),
    )
    op.create_table(
        "paused_clocks",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.String(length=32), nullable=False),
        sa.Column("since", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agreed_response_due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agreed_due_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("moved_response_due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("moved_due_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_paused_clocks_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_paused_clocks")),
    )


def downgrade() -> None:
    op.drop_table("paused_clocks")
    op.drop_table("status_checks")
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index("ix_absences_person")
    op.drop_table("absences")
