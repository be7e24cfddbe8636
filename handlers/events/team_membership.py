"""``subteam_members_changed`` and ``subteam_updated``: a user group's members (or handle) changed.

The cached member list (``team_members``) of a team the bot knows is refreshed, so that someone who
left the group no longer gets its team reminders and a new member sees its open requests in App Home.
Filing and claiming read the members from Slack anyway; this keeps the cache honest in between. Groups
nobody ever asked are not stored.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot import groups, payloads
from bot.deps import Deps
from bot.outbox import team_news
from bot.services import teams as team_service
from bot.services.requests import ServiceError
from models.db import reading, transaction

logger = logging.getLogger(__name__)


def _refresh(
    deps: Deps, team_id: str, usergroup_id: str, *, handle: str = "", users: list[str] | None = None
) -> None:
    with reading(deps.sessions) as session:
        if team_service.team_of(session, team_id=team_id, usergroup_id=usergroup_id) is None:
            return  # a group nobody asked: nothing of it is kept
    if users is None:
        try:
            users = list(groups.members(deps, team_id, usergroup_id))
        except ServiceError:  # deleted or disabled meanwhile: it has nobody to remind
            users = []
    now = deps.now()
    with transaction(deps.sessions) as session:
        changed = team_service.refresh_members(
            session,
            team_id=team_id,
            group=team_service.Group(usergroup_id, handle, tuple(users)),
            now=now,
        )
        team_news.members_changed(session, team_id=team_id, user_ids=changed, now=now)


def _users(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [user for user in value if isinstance(user, str) and user]


def register(app: App, deps: Deps) -> None:
    def later(team_id: str, usergroup_id: str, **kwargs: Any) -> None:
        def run() -> None:
            try:
                _refresh(deps, team_id, usergroup_id, **kwargs)
            except Exception:  # an event has nobody to answer; the next filing or click reads Slack
                logger.exception("could not refresh the members of %s", usergroup_id)

        deps.work.submit(run, label="team_members")

    @app.event("subteam_members_changed")
    def on_members_changed(event: dict[str, Any], body: dict[str, Any]) -> None:
        if not isinstance(event, dict) or not isinstance(event.get("subteam_id"), str):
            return
        team_id = payloads.team_id(body.get("team_id") or event.get("team_id"), "team_id")
        later(team_id, event["subteam_id"])  # the event lists changes only: ask for the whole list

    @app.event("subteam_updated")
    def on_updated(event: dict[str, Any], body: dict[str, Any]) -> None:
        subteam = event.get("subteam") if isinstance(event, dict) else None
        if not isinstance(subteam, dict) or not isinstance(subteam.get("id"), str):
            return
        team_id = payloads.team_id(body.get("team_id") or subteam.get("team_id"), "team_id")
        users = [] if subteam.get("date_delete") else _users(subteam.get("users"))
        later(team_id, subteam["id"], handle=str(subteam.get("handle") or ""), users=users)
