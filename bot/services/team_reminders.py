"""Reminders for team requests nobody has taken yet — courteous and bundled.

Once a team request's response time has passed and nobody has pressed *I'll take it*, the team hears of
it: in its intake channel, or as one DM per present member. Each recipient gets at most ONE such message
per business day (the outbox's dedupe key holds the day), listing all of the team requests waiting for
them, and only inside the team's working hours and after the workspace's reminder time. Once a member
takes a request, the ordinary ladder (``bot.services.reminders``) takes over for its assignee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.outbox import team_news
from bot.services import teams as team_service
from bot.services.agreement import reminder_time_for
from models import ACTIVE_STATES, OutboxMessage, Request


def waiting(session: Session, *, now: datetime, skip_teams: Collection[str] = ()) -> list[Request]:
    """Unclaimed team requests whose response time has come (and that are not snoozed)."""
    query = select(Request).where(
        Request.assignee_id.is_(None),
        Request.group_id.is_not(None),
        Request.state.in_(ACTIVE_STATES),
        Request.response_due_at <= now,
    )
    if skip_teams:
        query = query.where(Request.team_id.not_in(sorted(skip_teams)))
    rows = session.scalars(query.order_by(Request.team_id, Request.group_id, Request.id))
    return [row for row in rows if row.snoozed_until is None or row.snoozed_until <= now]


@dataclass(frozen=True)
class TeamReminder:
    """One bundled team reminder due now: to a member or an intake channel, on a business day."""

    team_id: str
    recipient: str
    day: str
    request_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        """The outbox's dedupe key: one message per recipient and business day."""
        return team_news.team_reminder_key(self.team_id, self.recipient, self.day)


def plan_team_reminders(
    session: Session, *, settings: Settings, now: datetime, skip_teams: Collection[str] = ()
) -> list[TeamReminder]:
    """Today's team reminders, one per recipient (whether already sent today or not: see ``unsent``)."""
    by_team: dict[tuple[str, str], list[Request]] = defaultdict(list)
    for request in waiting(session, now=now, skip_teams=skip_teams):
        by_team[(request.team_id, request.group_id or "")].append(request)
    bundles: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for (team_id, usergroup_id), requests in by_team.items():
        team = team_service.team_of(session, team_id=team_id, usergroup_id=usergroup_id)
        calendar = team_service.team_calendar(settings, team)
        if not calendar.is_working_time(now):
            continue
        if now.astimezone(calendar.tz).time() < reminder_time_for(settings):
            continue
        day = calendar.local_business_day(now).isoformat()
        if team is not None and team.intake_channel_id:
            bundles[(team_id, team.intake_channel_id, day)] += [request.id for request in requests]
            continue
        for member in team_service.members_of(session, team_id=team_id, usergroup_id=usergroup_id):
            if not team_service.present(session, team_id, member, now):
                continue
            mine = [request.id for request in requests if request.requester_id != member]
            if mine:
                bundles[(team_id, member, day)] += mine
    return [
        TeamReminder(team_id, recipient, day, tuple(sorted(ids)))
        for (team_id, recipient, day), ids in bundles.items()
    ]


def unsent(session: Session, planned: list[TeamReminder]) -> list[TeamReminder]:
    """Those of ``planned`` that have not been written to the outbox yet (not sent today)."""
    if not planned:
        return []
    known = set(
        session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_([p.key for p in planned]))
        )
    )
    return [reminder for reminder in planned if reminder.key not in known]


def queue_team_reminders(
    session: Session, *, settings: Settings, now: datetime, skip_teams: Collection[str] = ()
) -> list[tuple[int, TeamReminder]]:
    """Write today's team reminders to the outbox (in this transaction): at most one per recipient and
    business day. Returns the new outbox rows with what each is about (for the sweep's lines)."""
    fresh = unsent(session, plan_team_reminders(session, settings=settings, now=now, skip_teams=skip_teams))
    for reminder in fresh:
        team_news.team_reminder(
            session,
            team_id=reminder.team_id,
            recipient=reminder.recipient,
            request_ids=list(reminder.request_ids),
            day=reminder.day,
            now=now,
        )
    ids = (
        dict(
            session.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.id).where(
                    OutboxMessage.dedupe_key.in_([reminder.key for reminder in fresh])
                )
            ).all()
        )
        if fresh
        else {}
    )
    return [(ids[reminder.key], reminder) for reminder in fresh if reminder.key in ids]
