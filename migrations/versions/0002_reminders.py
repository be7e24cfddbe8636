"""reminders: the nudge ladder (claimed before sending) and the schedule of requests to look at

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("day_key", sa.String(length=10), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("lease_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_reminders_request_id_requests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("request_id", "step", "key", name=op.f("uq_reminders_request_id_step_key")),
        sa.UniqueConstraint(
            "request_id", "audience", "day_key", name=op.f("uq_reminders_request_id_audience_day_key")
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_state_due", ["state", "due_at"], unique=False)
        batch_op.create_index("ix_reminders_state_lease", ["state", "lease_until"], unique=False)
    op.create_table(
        "nudge_schedule",
        sa.Column("request_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_nudge_schedule_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_nudge_schedule")),
    )
    with op.batch_alter_table("nudge_schedule", schema=None) as batch_op:
        batch_op.create_index("ix_nudge_schedule_next_at", ["next_at", "request_id"], unique=False)
    # Requests that exist already (an upgrade, not a fresh install) are looked at by the next sweep.
    op.execute(
        "INSERT INTO nudge_schedule (request_id, next_at, version) "
        "SELECT id, updated_at, 0 FROM requests WHERE state IN ('open', 'acknowledged')"
    )


def downgrade() -> None:
    op.drop_table("nudge_schedule")
    op.drop_table("reminders")
