"""Reminders in the database: plan what the ladder says is due, queue it in the outbox, record it.

The sweep (``bot.jobs.sweep``) runs two phases, each in short transactions of its own; the outbox's
delivery workers do the rest:

1. **Plan.** Read ``nudge_schedule`` rows with ``next_at <= now`` (an index range: the cost follows
   the number of requests that may need a reminder, not the number stored), ask the pure ladder
   (``bot.domain.ladder``) what is due, insert those reminders as ``pending`` and write back the
   next moment to look. Inserts use ``ON CONFLICT DO NOTHING`` against two unique keys —
   ``(request, step, key)`` and ``(request, audience, business day)`` — so concurrent planners
   cannot plan the same reminder twice. On PostgreSQL the schedule rows are taken with
   ``FOR UPDATE SKIP LOCKED`` so parallel sweeps split the work instead of repeating it.
2. **Queue.** Due ``pending`` rows become ``queued``, a recipient's rows together under ONE outbox
   message (kind ``reminder``), in the same transaction — so they arrive as one DM, exactly once.
3. **Deliver** (``bot.outbox``): right before rendering, each row is checked again against its request
   (a click may have answered it meanwhile); then the message is posted and the rows become ``sent``
   (or ``skipped``, or ``failed`` with a permanent Slack error) in the transaction that records the
   delivery. Crash safety and retries are the outbox's: nothing is lost, nothing is sent twice.

Services never call Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Insert, bindparam, delete, func, insert, select, true, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.ladder import (
    Audience,
    Clocks,
    LadderRules,
    Sent,
    Step,
    allowance,
    capped_key,
    next_reminder_moment,
    plan,
    still_wanted,
)
from bot.domain.person import PersonInfo
from bot.outbox import store as outbox
from bot.services import absences as absence_service
from bot.services import calendars as calendar_service
from bot.services.agreement import NO_CHOICE, calendar_for, reminder_time_for
from bot.services.requests import NotAllowed, NotFound, NotNow, Outcome, load, record
from models import ACTIVE_STATES, Proposal, Request, RequestEvent
from models.outbox import PRIORITY_BULK
from models.reminder import NudgeSchedule, Reminder

PLAN_BATCH = 500
QUEUE_BATCH = 500
#: The requester chose *keep waiting* after the cap (the audit trail's kind; the ladder counts them).
KEPT_WAITING = "kept_waiting"


class PersonLookup(Protocol):
    """Who a person is (time zone, still active?): the sweep passes a cached users.info look-up."""

    def __call__(self, session: Session, team_id: str, user_id: str) -> PersonInfo | None:
        """The person, or None when Slack does not know them."""

    def prefetch(self, session: Session, pairs: Iterable[tuple[str, str]]) -> None:
        """Load many people at once (one query instead of one per person)."""


def rules_from(settings: Settings) -> LadderRules:
    return LadderRules(
        reminder_time=settings.reminder_hour,
        heads_up_days=settings.heads_up_days,
        escalate_after_days=settings.escalate_after_days,
        max_reminders=settings.max_reminders,
    )


@dataclass(frozen=True)
class Activity:
    """What the ladder learns from a request's history: the latest sign of life and *keep waiting*."""

    last_at: datetime | None = None
    kept_waiting: int = 0
    kept_waiting_at: datetime | None = None


NO_ACTIVITY = Activity()


def activity(session: Session, request_ids: Iterable[int]) -> dict[int, Activity]:
    """Per request: the latest event by a person (any answer, message, click or change counts as a sign
    of life; the bot's own ``reminded`` entries do not) and the requester's *keep waiting* choices."""
    ids = list(request_ids)
    if not ids:
        return {}
    last = dict(
        session.execute(
            select(RequestEvent.request_id, func.max(RequestEvent.at))
            .where(RequestEvent.request_id.in_(ids), RequestEvent.actor_id.is_not(None))
            .group_by(RequestEvent.request_id)
        ).all()
    )
    kept = {
        request_id: (count, at)
        for request_id, count, at in session.execute(
            select(RequestEvent.request_id, func.count(), func.max(RequestEvent.at))
            .where(RequestEvent.request_id.in_(ids), RequestEvent.kind == KEPT_WAITING)
            .group_by(RequestEvent.request_id)
        )
    }
    return {
        request_id: Activity(last.get(request_id), *kept.get(request_id, (0, None)))
        for request_id in set(last) | set(kept)
    }


def clocks_of(request: Request, *, proposal_pending: bool, seen: Activity = NO_ACTIVITY) -> Clocks:
    return Clocks(
        state=request.state,
        created_at=request.created_at,
        response_due_at=request.response_due_at,
        due_at=request.due_at,
        snoozed_until=request.snoozed_until,
        proposal_pending=proposal_pending,
        waiting_since=request.waiting_since,
        last_activity=max(filter(None, (seen.last_at, request.acknowledged_at)), default=None),
        kept_waiting=seen.kept_waiting,
        kept_waiting_at=seen.kept_waiting_at,
    )


def _insert(session: Session) -> Callable[[Any], Insert]:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert  # type: ignore[return-value]


def _pending_proposals(session: Session, request_ids: Iterable[int]) -> set[int]:
    ids = list(request_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Proposal.request_id)
            .join(Request, Request.id == Proposal.request_id)
            # Only the assignee's own proposal pauses their reminders; times the requester proposed
            # (an edit from their card) wait for the assignee, who is still reminded.
            .where(
                Proposal.request_id.in_(ids),
                Proposal.state == "pending",
                Proposal.proposed_by != Request.requester_id,
            )
        )
    )


# --- 1. plan -------------------------------------------------------------------------------------


#: Where a planning pass stands: (next_at, request_id) of the last schedule row it looked at.
Cursor = tuple[datetime, int]


@dataclass(frozen=True)
class PlanBatch:
    cursor: Cursor | None  #: keyset cursor for the next batch; None when nothing was left
    looked_at: int
    planned: int


def _not_in_teams(skip_teams: Collection[str]) -> Any:
    """Scheduled requests outside ``skip_teams`` (workspaces that are paused: uninstalled, revoked)."""
    return NudgeSchedule.request_id.not_in(select(Request.id).where(Request.team_id.in_(sorted(skip_teams))))


def due_people(
    session: Session,
    *,
    now: datetime,
    after: Cursor | None = None,
    limit: int = PLAN_BATCH,
    skip_teams: Collection[str] = (),
) -> set[tuple[str, str]]:
    """The people (team, user) ``plan_batch`` with the same arguments will look at: read first, so their
    look-ups (which may ask Slack and write the cache) happen before the planning transaction."""
    query = select(NudgeSchedule.request_id).where(NudgeSchedule.next_at <= now)
    if skip_teams:
        query = query.where(_not_in_teams(skip_teams))
    if after is not None:
        query = query.where(tuple_(NudgeSchedule.next_at, NudgeSchedule.request_id) > after)
    due = query.order_by(NudgeSchedule.next_at, NudgeSchedule.request_id).limit(limit).subquery()
    pairs: set[tuple[str, str]] = set()
    for team_id, assignee_id, requester_id in session.execute(
        select(Request.team_id, Request.assignee_id, Request.requester_id).where(Request.id.in_(select(due)))
    ):
        pairs.update(
            {(team_id, assignee_id), (team_id, requester_id)} if assignee_id else {(team_id, requester_id)}
        )
    # The deputies of those who are away may get reminders in their stead.
    pairs.update((team_id, deputy) for (team_id, _user), deputy in _deputies(session, pairs, now).items())
    return pairs


def _deputies(
    session: Session, pairs: Iterable[tuple[str, str]], now: datetime
) -> dict[tuple[str, str], str]:
    return absence_service.deputies_of(session, pairs, now=now)


def plan_batch(
    session: Session,
    *,
    settings: Settings,
    now: datetime,
    people: PersonLookup,
    after: Cursor | None = None,
    limit: int = PLAN_BATCH,
    skip_teams: Collection[str] = (),
) -> PlanBatch:
    """Plan the reminders due at ``now`` for up to ``limit`` scheduled requests after the cursor.

    The rows come in index order, (next_at, request_id), so the database reads only the due range.
    Requests of ``skip_teams`` stay on the schedule untouched, to be planned once their workspace is back.
    """
    query = select(NudgeSchedule.request_id, NudgeSchedule.version, NudgeSchedule.next_at).where(
        NudgeSchedule.next_at <= now
    )
    if skip_teams:
        query = query.where(_not_in_teams(skip_teams))
    if after is not None:
        query = query.where(tuple_(NudgeSchedule.next_at, NudgeSchedule.request_id) > after)
    rows = session.execute(
        query.order_by(NudgeSchedule.next_at, NudgeSchedule.request_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return PlanBatch(None, 0, 0)
    ids = [row.request_id for row in rows]
    cursor = (rows[-1].next_at, rows[-1].request_id)
    # FOR KEY SHARE (PostgreSQL) keeps the lock order one-way: a click that holds its request FOR UPDATE
    # and then touches the schedule row never waits for a planner that waits for it. Busy requests are
    # skipped; the click puts them back on the schedule anyway.
    requests = {
        r.id: r
        for r in session.scalars(
            select(Request)
            .where(Request.id.in_(ids))
            .with_for_update(read=True, key_share=True, skip_locked=True, of=Request)
        )
    }
    busy: set[int] = set()
    if len(requests) < len(ids):
        busy = set(session.scalars(select(Request.id).where(Request.id.in_(set(ids) - set(requests)))))
    history: dict[int, list[Sent]] = {}
    deputy_days: dict[int, list[date]] = {}
    for entry in session.execute(
        select(Reminder.request_id, Reminder.step, Reminder.key, Reminder.day_key).where(
            Reminder.request_id.in_(ids)
        )
    ):
        if entry.step == DEPUTY_STEP:
            deputy_days.setdefault(entry.request_id, []).append(date.fromisoformat(entry.day_key))
            continue
        history.setdefault(entry.request_id, []).append(
            Sent(Step(entry.step), entry.key, date.fromisoformat(entry.day_key))
        )
    proposals = _pending_proposals(session, ids)
    seen = activity(session, ids)
    pairs = {(r.team_id, r.assignee_id) for r in requests.values() if r.assignee_id} | {
        (r.team_id, r.requester_id) for r in requests.values()
    }
    # Who is away (their calendar is closed then: nothing reaches them) and who stands in for them.
    deputies = _deputies(session, pairs, now)
    pairs |= {(team_id, deputy) for (team_id, _user), deputy in deputies.items()}
    people.prefetch(session, pairs)
    # Each person's own calendar as it is now: a changed choice counts from the next plan on.
    chosen = calendar_service.choices(session, pairs)
    away_time = absence_service.intervals_of(session, pairs, now=now)
    rules = rules_from(settings)
    new_rows: list[dict[str, Any]] = []
    forget: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for row in rows:
        if row.request_id in busy:
            continue
        request = requests.get(row.request_id)
        if request is None or request.state not in ACTIVE_STATES:
            # Closed requests get no reminders: forget them (unless a change raced us).
            forget.append({"b_request_id": row.request_id, "b_version": row.version})
            continue
        if request.assignee_id is None and request.group_id is None:
            moves.append({"b_request_id": request.id, "b_version": row.version, "b_next_at": None})
            continue
        # A team request nobody has taken: the team hears of it (bot.services.team_reminders); only the
        # requester's steps (the escalation offer) apply, its silent days counted on the team's calendar.
        # The assignee's ladder starts once a member takes it (the claim moves this row's next_at).
        silence = _team_calendar(session, settings, request) if request.assignee_id is None else None
        recipients = {Audience.REQUESTER: request.requester_id}
        if request.assignee_id is not None:
            recipients = {Audience.ASSIGNEE: request.assignee_id, **recipients}
        calendars: dict[Audience, Any] = {Audience.ASSIGNEE: None}
        for audience, user_id in recipients.items():
            person = people(session, request.team_id, user_id)
            calendars[audience] = (
                calendar_for(settings, person.tz, chosen.get((request.team_id, user_id), NO_CHOICE)).away(
                    away_time.get((request.team_id, user_id), ())
                )
                if person is not None and person.usable
                else None
            )
        result = plan(
            clocks_of(
                request, proposal_pending=request.id in proposals, seen=seen.get(request.id, NO_ACTIVITY)
            ),
            assignee=calendars[Audience.ASSIGNEE],
            requester=calendars[Audience.REQUESTER],
            history=history.get(request.id, ()),
            rules=replace(
                rules,
                reminder_time=reminder_time_for(
                    settings, chosen.get((request.team_id, request.assignee_id), NO_CHOICE)
                ),
                requester_reminder_time=reminder_time_for(
                    settings, chosen.get((request.team_id, request.requester_id), NO_CHOICE)
                ),
            ),
            now=now,
            silence=silence,
        )
        for due in result.due:
            new_rows.append(
                {
                    "request_id": request.id,
                    "team_id": request.team_id,
                    "recipient_id": recipients[due.audience],
                    "audience": due.audience.value,
                    "step": due.step.value,
                    "key": due.key,
                    "day_key": due.day.isoformat(),
                    "due_at": now,
                    "state": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
            )
        next_at = result.next_check
        deputy = deputies.get((request.team_id, request.assignee_id))
        if deputy is not None and deputy != request.requester_id:
            slot = _deputy_slot(
                session,
                settings,
                request,
                deputy,
                people=people,
                chosen=chosen.get((request.team_id, deputy), NO_CHOICE),
                away=away_time.get((request.team_id, deputy), ()),
                sent_days=deputy_days.get(request.id, ()),
                now=now,
            )
            if slot is not None and slot[0] == now:
                new_rows.append(
                    {
                        "request_id": request.id,
                        "team_id": request.team_id,
                        "recipient_id": deputy,
                        "audience": DEPUTY_STEP,
                        "step": DEPUTY_STEP,
                        "key": slot[1].isoformat(),
                        "day_key": slot[1].isoformat(),
                        "due_at": now,
                        "state": "pending",
                        "attempts": 0,
                        "created_at": now,
                    }
                )
                slot = _deputy_slot(
                    session,
                    settings,
                    request,
                    deputy,
                    people=people,
                    chosen=chosen.get((request.team_id, deputy), NO_CHOICE),
                    away=away_time.get((request.team_id, deputy), ()),
                    sent_days=[*deputy_days.get(request.id, ()), slot[1]],
                    now=now,
                )
            if slot is not None and (next_at is None or slot[0] < next_at):
                next_at = slot[0]
        if next_at is not None and next_at <= now:  # cannot happen; never spin on a row
            next_at = now + timedelta(minutes=1)
        moves.append({"b_request_id": request.id, "b_version": row.version, "b_next_at": next_at})
    schedule = NudgeSchedule.__table__
    mine = (schedule.c.request_id == bindparam("b_request_id")) & (
        schedule.c.version == bindparam("b_version")
    )
    connection = session.connection()
    if forget:
        connection.execute(delete(schedule).where(mine), forget)
    if moves:  # one executemany; a version that moved meanwhile (a change raced us) is left alone
        connection.execute(update(schedule).where(mine).values(next_at=bindparam("b_next_at")), moves)
    if new_rows:
        session.execute(_insert(session)(Reminder).values(new_rows).on_conflict_do_nothing())
    return PlanBatch(cursor, len(rows), len(new_rows))


def _team_calendar(session: Session, settings: Settings, request: Request) -> Any:
    """The business calendar of the team a request was asked of (its hours and holidays)."""
    from bot.services import teams as team_service  # teams builds on requests, as this module does

    team = team_service.team_of(session, team_id=request.team_id, usergroup_id=request.group_id or "")
    return team_service.team_calendar(settings, team)


#: The step (and audience) of a reminder to the deputy of an absent assignee about an overdue request.
DEPUTY_STEP = "deputy"


def _deputy_slot(
    session: Session,
    settings: Settings,
    request: Request,
    deputy: str,
    *,
    people: PersonLookup,
    chosen: Any,
    away: tuple[tuple[datetime, datetime], ...],
    sent_days: Iterable[date],
    now: datetime,
) -> tuple[datetime, date] | None:
    """When the deputy may next hear about the absent assignee's overdue request (one a business day,
    at their reminder moments), and that day; None while it is not overdue (a change replans it)."""
    if not absence_service.overdue(request, now):
        due = [request.response_due_at] if request.state == "open" else []
        if request.due_at is not None:
            due.append(request.due_at)
        later = [moment for moment in due if moment > now]
        if not later:
            return None
        earliest = min(later)
    else:
        earliest = now
    person = people(session, request.team_id, deputy)
    if person is None or not person.usable:
        return None
    calendar = calendar_for(settings, person.tz, chosen).away(away)
    last = max(sent_days, default=None)
    moment = next_reminder_moment(
        calendar, earliest, not_before=reminder_time_for(settings, chosen), after_day=last
    )
    return moment, calendar.local_business_day(moment)


# --- 2. queue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A planned reminder as the delivery sees it (attribute names as on ``Reminder``)."""

    id: int
    request_id: int
    team_id: str
    recipient_id: str
    audience: str
    step: str
    key: str
    day_key: str


def queue_due(
    session: Session, *, now: datetime, limit: int = QUEUE_BATCH, skip_teams: Collection[str] = ()
) -> list[int]:
    """Hand due ``pending`` reminders to the outbox: one message per recipient, in this transaction.

    Returns the new outbox rows' ids ([] when nothing is due). Safe with several sweeps at once: rows are
    taken with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) or under SQLite's single writer, and only
    ``pending`` rows become ``queued``.
    """
    found = session.execute(
        select(Reminder.id, Reminder.team_id, Reminder.recipient_id)
        .where(Reminder.state == "pending", Reminder.due_at <= now)
        .where(Reminder.team_id.not_in(sorted(skip_teams)) if skip_teams else true())
        .order_by(Reminder.team_id, Reminder.recipient_id, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not found:
        return []
    groups: dict[tuple[str, str], list[int]] = {}
    for row_id, team_id, recipient_id in found:
        groups.setdefault((team_id, recipient_id), []).append(row_id)
    if len(found) >= limit:
        # The batch may have cut the last recipient's items in two; take the rest of theirs too.
        team_id, recipient_id = max(groups)
        groups[(team_id, recipient_id)] = list(
            session.scalars(
                select(Reminder.id)
                .where(
                    Reminder.team_id == team_id,
                    Reminder.recipient_id == recipient_id,
                    Reminder.state == "pending",
                    Reminder.due_at <= now,
                )
                .order_by(Reminder.id)
                .with_for_update(skip_locked=True)
            )
        )
    queued: list[int] = []
    for (team_id, recipient_id), ids in groups.items():
        key = f"reminder:{team_id}:{recipient_id}:{min(ids)}"
        outbox.enqueue(
            session,
            team_id=team_id,
            kind="reminder",
            key=key,
            now=now,
            recipient=recipient_id,
            payload={"reminders": ids, "at": now.isoformat()},
            priority=PRIORITY_BULK,
            sequence=f"reminders:{team_id}:{recipient_id}",
        )
        [outbox_id] = outbox.ids_for(session, [key])
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.state == "pending")
            .values(state="queued", outbox_id=outbox_id)
        )
        queued.append(outbox_id)
    return queued


def due_now(session: Session, *, now: datetime) -> list[Due]:
    """What ``queue_due`` would take, without taking it (for ``sweep --dry-run``)."""
    rows = session.execute(
        select(
            Reminder.id,
            Reminder.request_id,
            Reminder.team_id,
            Reminder.recipient_id,
            Reminder.audience,
            Reminder.step,
            Reminder.key,
            Reminder.day_key,
        )
        .where(Reminder.state == "pending", Reminder.due_at <= now)
        .order_by(Reminder.team_id, Reminder.recipient_id, Reminder.id)
    ).all()
    return [Due(*row) for row in rows]


@dataclass(frozen=True)
class Verdict:
    """What to do with one claimed row right before posting."""

    send: bool
    request: Request | None
    reason: str = ""


def review(session: Session, rows: Sequence[Any], *, now: datetime) -> dict[int, Verdict]:
    """Re-check each row (a ``Reminder`` or ``Due``) against its request as it is now, right before it is
    rendered and sent: a click may have won the race."""
    pending = (
        select(Proposal.id)
        .where(
            Proposal.request_id == Request.id,
            Proposal.state == "pending",
            Proposal.proposed_by != Request.requester_id,  # as in ``_pending_proposals``
        )
        .exists()
    )
    requests, proposals = {}, set()
    for request, has_proposal in session.execute(
        select(Request, pending).where(Request.id.in_({row.request_id for row in rows}))
    ):
        requests[request.id] = request
        if has_proposal:
            proposals.add(request.id)
    seen = activity(session, requests)
    verdicts: dict[int, Verdict] = {}
    for row in rows:
        request = requests.get(row.request_id)
        if request is None:
            verdicts[row.id] = Verdict(False, None, "request_gone")
            continue
        if row.audience == DEPUTY_STEP:
            wanted = absence_service.deputy_still_wanted(session, request, row.recipient_id, now)
            verdicts[row.id] = Verdict(wanted, request, "" if wanted else "no_longer_due")
            continue
        recipient = request.assignee_id if row.audience == Audience.ASSIGNEE else request.requester_id
        if recipient != row.recipient_id:
            verdicts[row.id] = Verdict(False, request, "reassigned")
        elif absence_service.is_away(session, request.team_id, recipient, now):
            # Their status changed since the plan: no reminder reaches someone who is away.
            verdicts[row.id] = Verdict(False, request, "away")
        elif recipient != row.recipient_id:
            verdicts[row.id] = Verdict(False, request, "reassigned")
        elif not still_wanted(
            Step(row.step),
            row.key,
            clocks_of(
                request, proposal_pending=request.id in proposals, seen=seen.get(request.id, NO_ACTIVITY)
            ),
            now,
        ):
            verdicts[row.id] = Verdict(False, request, "no_longer_due")
        else:
            verdicts[row.id] = Verdict(True, request)
    return verdicts


# --- 3. record ---------------------------------------------------------------------------------


def record_delivery(
    session: Session,
    *,
    sent_ids: Iterable[int],
    skipped: dict[int, str],
    stale: Iterable[int] = (),
    at: datetime,
    channel_id: str | None,
    message_ts: str | None,
) -> int:
    """The message is out (or had nothing left to say): record it on the rows and in the audit trail.

    ``skipped`` rows were no longer wanted (answered, closed, snoozed, reassigned) and keep their slot;
    ``stale`` rows belong to a business day that is over (delivery was held up past it): they are dropped
    and their requests planned afresh for today, so even a one-off heads-up is not lost.
    """
    sent = session.execute(
        update(Reminder)
        .where(Reminder.id.in_(list(sent_ids)), Reminder.state == "queued")
        .values(state="sent", sent_at=at, channel_id=channel_id, message_ts=message_ts, error=None)
        .returning(Reminder.request_id, Reminder.recipient_id, Reminder.step)
    ).all()
    if sent:
        session.execute(
            insert(RequestEvent),
            [
                {
                    "request_id": row.request_id,
                    "at": at,
                    "actor_id": None,
                    "kind": "reminded",
                    "detail": {"step": row.step, "recipient_id": row.recipient_id},
                }
                for row in sent
            ],
        )
    for reason in set(skipped.values()):
        ids = [row_id for row_id, why in skipped.items() if why == reason]
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.state == "queued")
            .values(state="skipped", error=reason)
        )
    stale = list(stale)
    if stale:
        request_ids = set(session.scalars(select(Reminder.request_id).where(Reminder.id.in_(stale))))
        session.execute(
            update(NudgeSchedule)
            .where(NudgeSchedule.request_id.in_(request_ids))
            .values(next_at=at, version=NudgeSchedule.version + 1)
        )
        session.execute(delete(Reminder).where(Reminder.id.in_(stale), Reminder.state == "queued"))
    return len(sent)


def record_failure(session: Session, ids: Iterable[int], *, error: str) -> None:
    """A permanent Slack error (user gone, account inactive): recorded on the rows, never retried."""
    ids = list(ids)
    if ids:
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.state == "queued")
            .values(state="failed", error=error)
        )


@dataclass(frozen=True)
class SentMessage:
    """A reminder message already in someone's DMs: where it is and what it listed."""

    team_id: str
    recipient_id: str
    channel_id: str
    message_ts: str
    rows: list[tuple[Request, str, str]]  # (request, step, key) in the order they were sent


def sent_message(session: Session, *, channel_id: str, message_ts: str) -> SentMessage | None:
    """One reminder message as it was sent, with each request as it is now (to redraw it)."""
    rows = session.execute(
        select(Reminder, Request)
        .join(Request, Request.id == Reminder.request_id)
        .where(Reminder.channel_id == channel_id, Reminder.message_ts == message_ts)
        .order_by(Reminder.id)
    ).all()
    if not rows:
        return None
    first = rows[0][0]
    return SentMessage(
        first.team_id,
        first.recipient_id,
        channel_id,
        message_ts,
        [(request, reminder.step, reminder.key) for reminder, request in rows],
    )


# --- escalation on the requester's behalf --------------------------------------------------------


def check_escalation(session: Session, *, team_id: str, request_id: int, actor_id: str) -> Request:
    """Only the requester may ask others for help, and only while the request is active."""
    request = session.scalars(
        select(Request).where(Request.id == request_id, Request.team_id == team_id)
    ).one_or_none()
    if request is None:
        raise NotFound("not_found")
    if actor_id != request.requester_id:
        raise NotAllowed("not_requester_escalate", number=request.number, requester_id=request.requester_id)
    if request.state not in ACTIVE_STATES:
        raise NotNow("already_closed", number=request.number, state=request.state)
    return request


def record_escalation(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    to: str,
    target_id: str,
) -> Request:
    """The requester asked for help (``to`` "channel" or "person"): into the audit trail it goes."""
    request = check_escalation(session, team_id=team_id, request_id=request_id, actor_id=actor_id)
    session.add(
        RequestEvent(
            request_id=request.id,
            at=now,
            actor_id=actor_id,
            kind="escalated",
            detail={"to": to, "target_id": target_id},
        )
    )
    session.flush()
    return request


# --- after the cap: the requester's choice ---------------------------------------------------------


def kept_waiting(session: Session, request_id: int) -> int:
    """How often the requester chose *keep waiting* (the ladder's round)."""
    return session.scalar(
        select(func.count())
        .select_from(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind == KEPT_WAITING)
    )


def keep_waiting(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    settings: Settings,
    question: int | None = None,
) -> Outcome:
    """The requester chose to keep waiting after the cap: the assignee may be reminded again, spaced
    from today and with a smaller allowance (``bot.domain.ladder.allowance``). Only the requester may;
    a second click on the same question (``question``: which one after the cap) changes nothing."""
    request = load(session, team_id=team_id, request_id=request_id)
    if actor_id != request.requester_id:
        raise NotAllowed(
            "not_requester_keep_waiting", number=request.number, requester_id=request.requester_id
        )
    if request.state not in ACTIVE_STATES:
        raise NotNow("already_closed", number=request.number, state=request.state)
    current = kept_waiting(session, request.id)
    if question is not None and question != current:
        return Outcome(request=request, kind="noop", actor_id=actor_id, previous_state=request.state)
    asked = session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.request_id == request.id,
            Reminder.step == Step.CAPPED.value,
            Reminder.key == capped_key(current),
        )
    )
    if not asked:
        # Nothing was stopped yet: there is nothing to keep waiting for.
        return Outcome(request=request, kind="noop", actor_id=actor_id, previous_state=request.state)
    allowed = allowance(settings.max_reminders, current + 1)
    request.updated_at = now  # puts the request back on the schedule (models.reminder)
    event = record(session, request, kind=KEPT_WAITING, actor_id=actor_id, now=now, allowance=allowed)
    session.flush()
    return Outcome(
        request=request,
        kind=KEPT_WAITING,
        actor_id=actor_id,
        previous_state=request.state,
        detail={"allowance": allowed},
        event_id=event.id,
    )
