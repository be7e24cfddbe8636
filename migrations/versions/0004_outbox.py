"""outbox: durable delivery of everything the bot says, worker heartbeats, seen Slack deliveries

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMED = sa.text("state = 'claimed'")
OPEN = sa.text("state IN ('pending', 'claimed')")
PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("collapse_key", sa.String(length=200), nullable=True),
        sa.Column("sequence_key", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("available_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsure", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_outbox_request_id_requests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_state_priority_available", ["state", "priority", "available_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_claimed_by",
            ["claimed_by"],
            unique=False,
            postgresql_where=CLAIMED,
            sqlite_where=CLAIMED,
        )
        batch_op.create_index(
            "ix_outbox_sequence_open",
            ["sequence_key", "id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
        batch_op.create_index(
            "uq_outbox_collapse_pending",
            ["collapse_key"],
            unique=True,
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
        batch_op.create_index("ix_outbox_request", ["request_id"], unique=False)
    op.create_table(
        "outbox_workers",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_outbox_workers")),
    )
    op.create_table(
        "seen_deliveries",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("seen_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key", name=op.f("pk_seen_deliveries")),
    )
    with op.batch_alter_table("seen_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_seen_deliveries_seen_at", ["seen_at"], unique=False)
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outbox_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dm_channel_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("dm_channel_id")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("outbox_id")
    with op.batch_alter_table("seen_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_seen_deliveries_seen_at")
    op.drop_table("seen_deliveries")
    op.drop_table("outbox_workers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_request")
        batch_op.drop_index("uq_outbox_collapse_pending", postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.drop_index("ix_outbox_sequence_open", postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.drop_index("ix_outbox_claimed_by", postgresql_where=CLAIMED, sqlite_where=CLAIMED)
        batch_op.drop_index("ix_outbox_state_priority_available")
    op.drop_table("outbox")
