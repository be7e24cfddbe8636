"""calendars: each person's own working calendar, urgent requests, due dates that name a day

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-02

``person_calendars`` holds what a person chose in ``/request settings`` (working hours and days, holiday
region, earliest reminder time); an empty column follows the workspace default. ``requests.urgent``
marks requests asked for as urgent; ``requests.due_date_only`` says the due date names a day (its
``due_at`` is the end of the assignee's working day), so it is shown as a date without a clock time.
Existing requests are neither urgent nor date-only (their due dates were shown with a time until now).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0007"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_calendars",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("work_start", sa.Time(), nullable=True),
        sa.Column("work_end", sa.Time(), nullable=True),
        sa.Column("working_days", sa.String(length=32), nullable=True),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("holiday_subdivision", sa.String(length=32), nullable=True),
        sa.Column("reminder_time", sa.Time(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_person_calendars")),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_date_only", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("urgent")
        batch_op.drop_column("due_date_only")
    op.drop_table("person_calendars")
