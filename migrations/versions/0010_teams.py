"""teams: requests to a Slack user group, claimed by a member or rotated; the team's settings

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01

``teams`` holds a user group's settings (claim or rotate, intake channel, response time, working hours,
holiday region); ``team_members`` the members Slack last listed; ``team_cards`` where each *I'll take
it* card of a team request was posted. ``requests.group_id`` names the user group a request was asked
of, and ``requests.assignee_id`` may now be empty: a team request in claim mode has no assignee until a
member takes it. Every existing request keeps its assignee. The downgrade refuses to run while a team
request is still unclaimed (it could not be given an assignee).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("usergroup_id", sa.String(length=32), nullable=False),
        sa.Column("handle", sa.String(length=255), server_default="", nullable=False),
        sa.Column("mode", sa.String(length=16), server_default="claim", nullable=False),
        sa.Column("intake_channel_id", sa.String(length=32), nullable=True),
        sa.Column("response_minutes", sa.Integer(), nullable=True),
        sa.Column("response_days", sa.Integer(), nullable=True),
        sa.Column("work_start", sa.Time(), nullable=True),
        sa.Column("work_end", sa.Time(), nullable=True),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("holiday_subdivision", sa.String(length=32), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "usergroup_id", name=op.f("pk_teams")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("usergroup_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("seen_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "usergroup_id", "user_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index("ix_team_members_user", ["team_id", "user_id"], unique=False)
    op.create_table(
        "team_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_team_cards_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_cards")),
        sa.UniqueConstraint("request_id", "recipient_id", name=op.f("uq_team_cards_request_id_recipient_id")),
    )
    # On SQLite this rebuilds the table (migrations/env.py turns foreign keys off for it, so the rebuild
    # cannot cascade into the request's events, reminders and ratings).
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.String(length=32), nullable=True))
        batch_op.alter_column("assignee_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.create_index("ix_requests_group_state", ["team_id", "group_id", "state"], unique=False)


def downgrade() -> None:
    requests = sa.table("requests", sa.column("assignee_id", sa.String))
    unclaimed = op.get_bind().execute(
        sa.select(sa.func.count()).select_from(requests).where(requests.c.assignee_id.is_(None))
    )
    if unclaimed.scalar_one():
        raise RuntimeError(
            "some team requests have not been taken by anyone yet; they need an assignee before "
            "this downgrade (or cancel them)"
        )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_group_state")
        batch_op.alter_column("assignee_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column("group_id")
    op.drop_table("team_cards")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index("ix_team_members_user")
    op.drop_table("team_members")
    op.drop_table("teams")
