"""the conversation around a request: the requester's card, waiting on the requester, what was said

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requester_channel_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("requester_message_ts", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("waiting_since", models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("waiting_since")
        batch_op.drop_column("requester_message_ts")
        batch_op.drop_column("requester_channel_id")
