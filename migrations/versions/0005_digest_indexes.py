"""digest at scale: covering indexes for the set-based digest, a longer run key for the week so far

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

The digest now counts all due channels at once, one index range per channel and week. Each index holds
the columns its figures need, so counting never reads the table. ``ix_requests_digest_created`` replaces
``ix_requests_team_channel_created`` (same leading columns, plus the assignee). ``digest_runs.week_key``
grows from 10 to 20 characters for ``2026-W48-so-far``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_requests_digest_created": ["team_id", "channel_id", "created_at", "assignee_id"],
    "ix_requests_digest_closed": [
        "team_id",
        "channel_id",
        "closed_at",
        "state",
        "assignee_id",
        "created_at",
        "response_due_at",
        "acknowledged_at",
        "due_at",
    ],
    "ix_requests_digest_response_due": [
        "team_id",
        "channel_id",
        "response_due_at",
        "state",
        "acknowledged_at",
        "assignee_id",
    ],
    "ix_requests_digest_acknowledged": [
        "team_id",
        "channel_id",
        "acknowledged_at",
        "created_at",
        "assignee_id",
    ],
}


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_team_channel_created")
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("digest_runs", schema=None) as batch_op:
        batch_op.alter_column(
            "week_key",
            existing_type=sa.String(length=10),
            type_=sa.String(length=20),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Week-so-far keys do not fit the old column; they are only a record of on-demand posts.
    op.execute("DELETE FROM digest_runs WHERE week_key LIKE '%-so-far'")
    with op.batch_alter_table("digest_runs", schema=None) as batch_op:
        batch_op.alter_column(
            "week_key",
            existing_type=sa.String(length=20),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index(
            "ix_requests_team_channel_created", ["team_id", "channel_id", "created_at"], unique=False
        )
