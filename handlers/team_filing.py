"""Filing a request to a team (a Slack user group) from the command text or the form.

The group is read from Slack first (its handle and members, fresh), then the clocks on the team's own
calendar (the workspace's zone with the team's hours, holidays and default response time), then one
transaction stores the request and what it causes to be said: in claim mode the *I'll take it* cards,
in rotate mode the chosen member's ordinary card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from datetime import datetime
from typing import Any

from bot import groups
from bot.blocks import teams as team_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.domain.parsing import Deadline, Duration, RequestDraft, guess_kind
from bot.domain.text import from_slack
from bot.outbox import news, team_news
from bot.outbox.news import Origin
from bot.services import deliveries
from bot.services import teams as team_service
from bot.services.agreement import response_due
from bot.services.requests import ServiceError
from handlers.common import Interaction
from handlers.filing import check_text, due_for_assignee
from models import Request
from models.db import reading, transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamFiling:
    team_id: str
    requester_id: str
    usergroup_id: str
    text: str
    kind: str = "task"
    channel_id: str | None = None
    within: Duration | None = None
    due: Deadline | None = None
    thread_channel_id: str | None = None
    thread_ts: str | None = None
    delivery_key: str | None = None
    urgent: bool = False
    unread: tuple[str, ...] = ()


def _usable_members(deps: Deps, team_id: str, group: team_service.Group) -> team_service.Group:
    """Only people who can be asked: no bots, no deactivated accounts."""
    deps.people.prefetch({(team_id, member) for member in group.members})
    usable = []
    for member in group.members:
        person = deps.people.get(team_id, member)
        if person is not None and person.usable:
            usable.append(member)
    return team_service.Group(group.id, group.handle, tuple(usable))


def file_to_team(
    deps: Deps, filing: TeamFiling, *, now: datetime, origin: Origin | None = None
) -> Request | None:
    """Check, look the group up, and file. Raises ServiceError; None when this delivery was filed before."""
    text = check_text(filing.text)
    group = _usable_members(deps, filing.team_id, groups.look_up(deps, filing.team_id, filing.usergroup_id))
    with reading(deps.sessions) as session:
        team = team_service.team_of(session, team_id=filing.team_id, usergroup_id=group.id)
        calendar = team_service.team_calendar(deps.settings, team)
        within = filing.within or team_service.team_response(team)
    if team is not None and team.mode == "rotate":
        # Who is away decides who gets it: the members' Slack statuses, read now unless read a moment ago.
        deps.statuses.refresh_many((filing.team_id, member) for member in group.members)
    respond_by = response_due(
        deps.settings, tz=None, now=now, within=within, calendar=calendar, urgent=filing.urgent
    )
    due = None
    if filing.due is not None:
        requester_tz = deps.people.reader(filing.team_id, filing.requester_id).tz
        due = due_for_assignee(filing.due, requester_tz=requester_tz, calendar=calendar)
    response_due_at = due.at if due is not None and due.at < respond_by else respond_by
    with transaction(deps.sessions) as session:
        if not deliveries.first_time(session, team_id=filing.team_id, key=filing.delivery_key, now=now):
            return None
        request, team = team_service.file_team_request(
            session,
            team_id=filing.team_id,
            requester_id=filing.requester_id,
            group=group,
            text=text,
            now=now,
            response_due_at=response_due_at,
            due_at=due.at if due else None,
            due_date_only=bool(due and due.date_only),
            kind=filing.kind,
            channel_id=filing.channel_id,
            thread_channel_id=filing.thread_channel_id,
            thread_ts=filing.thread_ts,
            urgent=filing.urgent,
        )
        if request.assignee_id is not None:  # rotate: an ordinary request for the chosen member
            news.filed(session, request, now=now, origin=origin, unread=filing.unread)
        else:
            members = team_service.eligible(group, requester_id=filing.requester_id)
            team_news.filed(
                session, request, team=team, members=members, now=now, origin=origin, unread=filing.unread
            )
    return request


def file_draft(interaction: Interaction, draft: RequestDraft, *, delivery: str | None, replace: bool) -> None:
    """``/request @team …`` read from text: filed to the team, refusals told in the person's language."""
    filing = TeamFiling(
        team_id=interaction.team_id,
        requester_id=interaction.user_id,
        usergroup_id=draft.assignee.id,
        text=from_slack(draft.description),
        kind=guess_kind(draft.description),
        channel_id=interaction.channel_id,
        within=draft.response_within,
        due=draft.due,
        delivery_key=delivery,
        urgent=draft.urgent,
        unread=tuple(from_slack(fragment) for fragment in draft.unread),
    )
    origin = dataclass_replace(interaction.origin, replace=replace)
    try:
        file_to_team(interaction.deps, filing, now=interaction.now, origin=origin)
    except ServiceError as error:
        interaction.tell(
            error_text(interaction.reader(), error.code, **{"team": draft.assignee.id, **error.params})
        )


def team_options(interaction: Interaction) -> list[dict[str, Any]] | None:
    """The workspace's user groups for the new-request form's team choice; None when Slack won't say
    (an app installed before it asked for ``usergroups:read``): the form then asks for a person only."""
    try:
        found = groups.workspace_groups(interaction.deps, interaction.team_id)
    except Exception:
        logger.warning("could not list the user groups for the form", exc_info=True)
        return None
    return team_blocks.team_options(interaction.reader(), found) or None


def file_from_form(interaction: Interaction, filing: TeamFiling, *, origin: Origin | None) -> None:
    try:
        file_to_team(interaction.deps, filing, now=interaction.now, origin=origin)
    except ServiceError as error:
        interaction.tell(
            error_text(interaction.reader(), error.code, **{"team": filing.usergroup_id, **error.params})
        )
