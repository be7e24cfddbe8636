"""Workspaces as installations see them (OAuth mode): which org each belongs to, and which are paused
because the app was uninstalled there or its tokens revoked.

A paused workspace gets no reminders, no digests and no messages until the app is installed there again;
its requests, people and figures stay until an operator erases them (``kundenfokus forget``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exc, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import Workspace
from models.db import transaction


def _ensure(session: Session, team_id: str, now: datetime) -> None:
    if session.get(Workspace, team_id) is not None:
        return
    try:
        with session.begin_nested():
            session.execute(insert(Workspace).values(team_id=team_id, last_request_number=0, created_at=now))
    except exc.IntegrityError:
        pass  # another process created it a moment ago


def remember_org(sessions: sessionmaker[Session], *, team_id: str, enterprise_id: str, now: datetime) -> None:
    """``team_id`` belongs to the Enterprise Grid org ``enterprise_id`` (learnt from Slack's payloads)."""
    with transaction(sessions) as session:
        workspace = session.get(Workspace, team_id)
        if workspace is not None and workspace.enterprise_id == enterprise_id:
            return
        if workspace is None:
            try:
                with session.begin_nested():
                    session.execute(
                        insert(Workspace).values(
                            team_id=team_id,
                            last_request_number=0,
                            enterprise_id=enterprise_id,
                            created_at=now,
                        )
                    )
                return
            except exc.IntegrityError:
                pass
        session.execute(
            update(Workspace).where(Workspace.team_id == team_id).values(enterprise_id=enterprise_id)
        )


def mark_installed(
    session: Session, *, team_id: str | None, enterprise_id: str | None, now: datetime
) -> None:
    """An install (of one workspace, or org-wide with ``team_id`` None) was stored: nothing is paused."""
    if team_id:
        _ensure(session, team_id, now)
        values: dict[str, object] = {"uninstalled_at": None}
        if enterprise_id:
            values["enterprise_id"] = enterprise_id
        session.execute(update(Workspace).where(Workspace.team_id == team_id).values(**values))
    if enterprise_id and not team_id:
        session.execute(
            update(Workspace).where(Workspace.enterprise_id == enterprise_id).values(uninstalled_at=None)
        )


def mark_uninstalled(
    session: Session, *, team_id: str | None, enterprise_id: str | None, org_wide: bool, now: datetime
) -> list[str]:
    """Pause the workspace (or, for an org-wide install, every workspace of the org); the teams paused."""
    if team_id:
        _ensure(session, team_id, now)
    condition = Workspace.team_id == team_id
    if org_wide and enterprise_id:
        condition = or_(condition, Workspace.enterprise_id == enterprise_id)
    session.execute(
        update(Workspace).where(condition, Workspace.uninstalled_at.is_(None)).values(uninstalled_at=now)
    )
    return list(session.scalars(select(Workspace.team_id).where(condition)))


def paused_teams(session: Session) -> set[str]:
    return set(session.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))))


def all_teams(session: Session) -> list[str]:
    return list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))
