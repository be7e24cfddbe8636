"""*I'll take it* (``request_claim``) on a team request's card or the team's reminder.

The group's members are read from Slack at the moment of the click (someone who just left the group
takes nothing); the claim itself is one conditional change (``bot.services.teams.claim``), so of two
members pressing at once exactly one becomes the assignee and the other is told who did.
"""

from __future__ import annotations

from slack_bolt import App

from bot import groups
from bot.deps import Deps
from bot.services import requests as request_service
from bot.services import teams as team_service
from bot.services.requests import NotNow
from handlers.common import NOW, Interaction, on_action
from models.db import reading, transaction


def claim(click: Interaction) -> None:
    with reading(click.deps.sessions) as session:
        request = request_service.load(
            session, team_id=click.team_id, request_id=click.request_id or 0, lock=False
        )
        group_id, number = request.group_id, request.number
    if group_id is None:
        raise NotNow("not_a_team_request", number=number)
    members = groups.members(click.deps, click.team_id, group_id)
    outcome = click.change(team_service.claim, members=members)
    if outcome is not None and outcome.changed:
        with transaction(click.deps.sessions) as session:
            team_service.remember_members(
                session,
                team_id=click.team_id,
                group=team_service.Group(group_id, "", members),
                now=click.now,
            )


def register(app: App, deps: Deps) -> None:
    on_action(app, deps, "request_claim", claim, priority=NOW)
