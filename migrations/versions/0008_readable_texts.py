"""readable texts and guarded changes: Slack's references in stored request texts become what a person
reads; requests get a version column for conditional updates

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01

Request texts from ``/request`` used to keep Slack's references as Slack sent them (``<@U1|bob>``,
``<#C1|general>``, ``<!subteam^S1|@team>``), and showed them as live mentions. Text is now stored as the
person typed it with references made readable (``@bob``, ``#general``, ``@team``) and every message
escapes what people wrote, so these rows are brought into that form. The downgrade keeps the readable
texts (the references cannot be told apart from typed text any more; nothing depends on them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFERENCE = re.compile(r"<([@#!][^<>]*)>")


def _readable(reference: str) -> str:
    target, _, label = reference.partition("|")
    if target.startswith("@"):
        return "@" + (label.lstrip("@") if label else target[1:])
    if target.startswith("#"):
        return "#" + (label.lstrip("#") if label else target[1:])
    if target.startswith("!subteam^"):
        return label if label.startswith("@") else "@" + (label or "team")
    return "@" + (label.lstrip("@") if label else target[1:])


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    requests = sa.table("requests", sa.column("id", sa.Integer), sa.column("text", sa.Text))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(requests.c.id, requests.c.text).where(requests.c.text.like("%<%>%"))
    ).all()
    for row_id, text in rows:
        readable = _REFERENCE.sub(lambda m: _readable(m.group(1)), text)
        if readable != text:
            connection.execute(sa.update(requests).where(requests.c.id == row_id).values(text=readable))


def downgrade() -> None:
    """The version column goes; readable texts stay (they read the same to the older code)."""
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("version")
