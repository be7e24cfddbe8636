"""Teams: requests to a Slack user group — filed, claimed by one member or rotated, and the team's settings.

* **claim** (the default): every member (or the intake channel) gets a card with *I'll take it*; the
  first to press it becomes the assignee. ``claim`` loads the request ``FOR UPDATE`` and changes it
  through the ORM, which updates ``WHERE id = … AND version = <the one read>``: two members pressing at
  the same moment — in two processes, on PostgreSQL or SQLite — cannot both win; the second finds it
  taken (or its update matches nothing, ``StaleDataError``) and is told who has it.
* **rotate**: the bot assigns the present member with the fewest open requests (ties: the one this team
  gave a request to least recently, then the order Slack lists them in); from then on it is an ordinary
  request.

Who belongs to a team is what Slack's ``usergroups.users.list`` says *now* — the caller asks before the
transaction and passes ``members``; the list is also kept in ``team_members`` for App Home and the
team reminders. Absence plugs in at one place only: ``present``.

Services never call Slack; they take ``now`` and raise ``ServiceError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.calendar import BusinessCalendar
from bot.domain.parsing import Duration
from bot.services import absences as absence_service
from bot.services.agreement import CalendarChoice, calendar_for
from bot.services.requests import (
    NotAllowed,
    NotNow,
    Outcome,
    ServiceError,
    file_request,
    load,
    record,
)
from models import ACTIVE_STATES, Kind, Request, Team, TeamCard, TeamMember, TeamMode

#: At most this many members get a card of their own (a bigger group should use an intake channel).
MAX_MEMBERS = 100


def present(session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """Is this member there to take a request now? The one place absence plugs in (rotate skips absent
    members; claim mode's reminders leave them alone): present unless away (a Slack status that says so,
    or ``/request away``), as ``absences`` knows it now."""
    return not absence_service.is_away(session, team_id, user_id, now)


@dataclass(frozen=True)
class Group:
    """A user group as Slack describes it now: its id, handle and current members."""

    id: str
    handle: str
    members: tuple[str, ...]


# --- settings ------------------------------------------------------------------------------------


def team_of(session: Session, *, team_id: str, usergroup_id: str) -> Team | None:
    return session.get(Team, (team_id, usergroup_id))


def _ensure_team(session: Session, *, team_id: str, group: Group, now: datetime) -> Team:
    team = team_of(session, team_id=team_id, usergroup_id=group.id)
    if team is None:
        team = Team(
            team_id=team_id,
            usergroup_id=group.id,
            handle=group.handle,
            mode=TeamMode.CLAIM.value,
            created_at=now,
            updated_at=now,
        )
        session.add(team)
    elif group.handle and team.handle != group.handle:
        team.handle = group.handle
    session.flush()
    return team


@dataclass(frozen=True)
class TeamChange:
    """What ``/request team @x …`` or the team form changes; ``UNSET`` fields stay as they are."""

    mode: TeamMode | None = None
    #: A channel id, ``""`` for "no intake channel", None to keep it.
    intake_channel_id: str | None = None
    #: ``Duration()`` (zero) goes back to the workspace's default.
    response: Duration | None = None
    #: ``()`` goes back to the workspace's working hours.
    hours: tuple[time, time] | tuple[()] | None = None
    #: (country, subdivision); ("", None) goes back to the workspace's holidays.
    holidays: tuple[str, str | None] | None = None

    @property
    def empty(self) -> bool:
        return all(
            value is None
            for value in (self.mode, self.intake_channel_id, self.response, self.hours, self.holidays)
        )


def change_team(
    session: Session, *, team_id: str, group: Group, actor_id: str, change: TeamChange, now: datetime
) -> Team:
    """Change a team's settings — only a member of the team may."""
    if actor_id not in group.members:
        raise NotAllowed("not_team_member", team=group.id)
    if change.empty:
        raise ServiceError("team_nothing_to_change", team=group.id)
    team = _ensure_team(session, team_id=team_id, group=group, now=now)
    if change.mode is not None:
        team.mode = change.mode.value
    if change.intake_channel_id is not None:
        team.intake_channel_id = change.intake_channel_id or None
    if change.response is not None:
        team.response_days, team.response_minutes = (
            (change.response.days, change.response.minutes) if change.response else (None, None)
        )
    if change.hours == ():
        team.work_start = team.work_end = None
    elif change.hours is not None:
        start, end = change.hours
        if not start < end:
            raise ServiceError("team_hours_invalid")
        team.work_start, team.work_end = start, end
    if change.holidays is not None:
        country, subdivision = change.holidays
        team.holiday_country, team.holiday_subdivision = (country or None), subdivision
    team.updated_at = now
    session.flush()
    return team


def team_response(team: Team | None) -> Duration | None:
    """The team's default response time (None: the workspace's)."""
    if team is None or (team.response_days is None and team.response_minutes is None):
        return None
    return Duration(minutes=team.response_minutes or 0, days=team.response_days or 0) or None


def team_calendar(settings: Settings, team: Team | None) -> BusinessCalendar:
    """The team's business calendar: the workspace's zone with the team's hours and holiday region."""
    if team is None:
        return calendar_for(settings, None)
    choice = CalendarChoice(
        work_start=team.work_start,
        work_end=team.work_end,
        holiday_country=team.holiday_country,
        holiday_subdivision=team.holiday_subdivision,
    )
    return calendar_for(settings, None, choice)


def remember_members(session: Session, *, team_id: str, group: Group, now: datetime) -> None:
    """Keep ``team_members`` as Slack listed the group just now."""
    session.execute(
        delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.usergroup_id == group.id)
    )
    members = list(dict.fromkeys(group.members))
    if members:
        session.execute(
            insert(TeamMember),
            [
                {"team_id": team_id, "usergroup_id": group.id, "user_id": user_id, "seen_at": now}
                for user_id in members
            ],
        )


def refresh_members(session: Session, *, team_id: str, group: Group, now: datetime) -> list[str]:
    """Slack says the group's members (or handle) changed: keep ``team_members`` as it says now, for a
    team the bot knows. Returns who joined or left (their App Home shows their teams' requests)."""
    team = team_of(session, team_id=team_id, usergroup_id=group.id)
    if team is None:
        return []
    before = set(members_of(session, team_id=team_id, usergroup_id=group.id))
    remember_members(session, team_id=team_id, group=group, now=now)
    if group.handle and team.handle != group.handle:
        team.handle = group.handle
        team.updated_at = now
    session.flush()
    return sorted(before ^ set(group.members))


# --- filing ----------------------------------------------------------------------------------------


def eligible(group: Group, *, requester_id: str) -> list[str]:
    """The members who may take a request of ``requester_id`` (not the requester themself)."""
    return [member for member in dict.fromkeys(group.members) if member != requester_id]


def pick_rotating(
    session: Session, *, team_id: str, group_id: str, candidates: Sequence[str], now: datetime
) -> str | None:
    """The present candidate with the fewest open requests; ties go to whom this team asked least
    recently, then to Slack's order. None when nobody is present."""
    people = [user for user in candidates if present(session, team_id, user, now)]
    if not people:
        return None
    open_counts = dict(
        session.execute(
            select(Request.assignee_id, func.count(Request.id))
            .where(
                Request.team_id == team_id,
                Request.assignee_id.in_(people),
                Request.state.in_(ACTIVE_STATES),
            )
            .group_by(Request.assignee_id)
        ).all()
    )
    last_given = dict(
        session.execute(
            select(Request.assignee_id, func.max(Request.id))
            .where(Request.team_id == team_id, Request.group_id == group_id, Request.assignee_id.in_(people))
            .group_by(Request.assignee_id)
        ).all()
    )
    order = {user: index for index, user in enumerate(people)}
    return min(people, key=lambda user: (open_counts.get(user, 0), last_given.get(user, 0), order[user]))


def file_team_request(
    session: Session,
    *,
    team_id: str,
    requester_id: str,
    group: Group,
    text: str,
    now: datetime,
    response_due_at: datetime,
    due_at: datetime | None = None,
    kind: str = Kind.TASK.value,
    channel_id: str | None = None,
    thread_channel_id: str | None = None,
    thread_ts: str | None = None,
    due_date_only: bool = False,
    urgent: bool = False,
) -> tuple[Request, Team]:
    """A request to a team: in ``rotate`` mode it has its assignee at once, in ``claim`` mode nobody yet."""
    if due_at is not None and due_at <= now:
        raise ServiceError("past_date")
    candidates = eligible(group, requester_id=requester_id)
    if not candidates:
        raise ServiceError("team_empty", team=group.id)
    team = _ensure_team(session, team_id=team_id, group=group, now=now)
    if len(candidates) > MAX_MEMBERS and team.team_mode == TeamMode.CLAIM and not team.intake_channel_id:
        raise ServiceError("team_too_big", team=group.id, limit=MAX_MEMBERS)
    remember_members(session, team_id=team_id, group=group, now=now)
    assignee_id = None
    if team.team_mode == TeamMode.ROTATE:
        assignee_id = pick_rotating(
            session, team_id=team_id, group_id=group.id, candidates=candidates, now=now
        )
        if assignee_id is None:
            raise ServiceError("team_nobody_present", team=group.id)
    request = file_request(
        session,
        team_id=team_id,
        requester_id=requester_id,
        assignee_id=assignee_id,
        group_id=group.id,
        text=text,
        now=now,
        response_due_at=response_due_at,
        due_at=due_at,
        kind=kind,
        channel_id=channel_id,
        thread_channel_id=thread_channel_id,
        thread_ts=thread_ts,
        due_date_only=due_date_only,
        urgent=urgent,
        mode=team.mode,
    )
    return request, team


# --- claiming ----------------------------------------------------------------------------------------


def claim(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    members: Iterable[str],
) -> Outcome:
    """``actor_id`` takes the team request: exactly one member wins, whoever presses at the same time."""
    request = load(session, team_id=team_id, request_id=request_id)
    if request.group_id is None:
        raise NotNow("not_a_team_request", number=request.number)
    if actor_id not in set(members):
        raise NotAllowed("not_team_member", team=request.group_id)
    if request.is_closed:
        raise NotNow("already_closed", number=request.number, state=request.state)
    if request.assignee_id is not None:
        if request.assignee_id == actor_id:
            return Outcome(request=request, kind="noop", actor_id=actor_id, previous_state=request.state)
        raise NotNow("already_claimed", number=request.number, assignee_id=request.assignee_id)
    if actor_id == request.requester_id:
        raise ServiceError("self_request")
    previous = request.state
    request.assignee_id = actor_id
    request.updated_at = now
    event = record(
        session,
        request,
        kind="claimed",
        actor_id=actor_id,
        now=now,
        group_id=request.group_id,
        to_id=actor_id,
    )
    session.flush()  # UPDATE … WHERE version = <read>: a concurrent claim that got in first leaves 0 rows
    return Outcome(
        request=request,
        kind="claimed",
        actor_id=actor_id,
        previous_state=previous,
        detail={"group_id": request.group_id},
        event_id=event.id,
    )


def cards_of(session: Session, request_id: int) -> list[TeamCard]:
    return list(
        session.scalars(select(TeamCard).where(TeamCard.request_id == request_id).order_by(TeamCard.id))
    )


def remember_team_card(
    session: Session, *, request_id: int, recipient_id: str, channel_id: str, message_ts: str, now: datetime
) -> None:
    """Where a card landed, so it can be updated once someone takes the request."""
    card = session.scalars(
        select(TeamCard).where(TeamCard.request_id == request_id, TeamCard.recipient_id == recipient_id)
    ).first()
    if card is None:
        session.add(
            TeamCard(
                request_id=request_id,
                recipient_id=recipient_id,
                channel_id=channel_id,
                message_ts=message_ts,
                created_at=now,
            )
        )
    else:
        card.channel_id, card.message_ts = channel_id, message_ts
    session.flush()


# --- reading ------------------------------------------------------------------------------------------


def groups_of(session: Session, *, team_id: str, user_id: str) -> list[str]:
    """The user groups ``user_id`` was last seen in."""
    return list(
        session.scalars(
            select(TeamMember.usergroup_id)
            .where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
            .order_by(TeamMember.usergroup_id)
        )
    )


def members_of(session: Session, *, team_id: str, usergroup_id: str) -> list[str]:
    return list(
        session.scalars(
            select(TeamMember.user_id)
            .where(TeamMember.team_id == team_id, TeamMember.usergroup_id == usergroup_id)
            .order_by(TeamMember.user_id)
        )
    )


def open_team_requests(
    session: Session, *, team_id: str, user_id: str, limit: int = 10
) -> tuple[list[Request], int]:
    """The unclaimed requests of the teams ``user_id`` belongs to (not their own asks), oldest first."""
    where = and_(
        Request.team_id == team_id,
        Request.group_id.in_(
            select(TeamMember.usergroup_id).where(
                TeamMember.team_id == team_id, TeamMember.user_id == user_id
            )
        ),
        Request.assignee_id.is_(None),
        Request.requester_id != user_id,
        Request.state.in_(ACTIVE_STATES),
    )
    rows = list(
        session.scalars(select(Request).where(where).order_by(Request.created_at, Request.id).limit(limit))
    )
    total = (
        len(rows)
        if len(rows) < limit
        else int(session.scalar(select(func.count(Request.id)).where(where)) or 0)
    )
    return rows, total


def handles(session: Session, *, team_id: str, usergroup_ids: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(usergroup_ids))
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Team.usergroup_id, Team.handle).where(Team.team_id == team_id, Team.usergroup_id.in_(ids))
        ).all()
    )


def describe(team: Team | None) -> dict[str, Any]:
    """A team's settings as facts for a message (None fields follow the workspace defaults)."""
    if team is None:
        return {"mode": TeamMode.CLAIM.value}
    return {
        "mode": team.mode,
        "intake_channel_id": team.intake_channel_id,
        "response": team_response(team),
        "hours": (team.work_start, team.work_end) if team.work_start and team.work_end else None,
        "holidays": (team.holiday_country, team.holiday_subdivision) if team.holiday_country else None,
    }
