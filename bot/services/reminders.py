"""Reminders in the database: plan what the ladder says is due, claim it, record what happened.

The sweep (``bot.sweep``) runs three phases, each in short transactions of its own:

1. **Plan.** Read ``nudge_schedule`` rows with ``next_at <= now`` (an index range: the cost follows
   the number of requests that may need a reminder, not the number stored), ask the pure ladder
   (``bot.domain.ladder``) what is due, insert those reminders as ``pending`` and write back the
   next moment to look. Inserts use ``ON CONFLICT DO NOTHING`` against two unique keys —
   ``(request, step, key)`` and ``(request, audience, business day)`` — so concurrent planners
   cannot plan the same reminder twice. On PostgreSQL the schedule rows are taken with
   ``FOR UPDATE SKIP LOCKED`` so parallel sweeps split the work instead of repeating it.
2. **Claim.** Mark due ``pending`` rows (and ``claimed`` rows whose lease ran out) as ``claimed`` by
   this sweep with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the single writer and a
   conditional ``UPDATE … RETURNING`` do the same). A recipient's rows are claimed together, so they
   arrive as one message.
3. **Record.** After posting, the rows become ``sent`` (or ``failed`` with the Slack error, or go back
   to ``pending`` with a back-off after a transient error).

Crash safety, the choice made: *claim, post, then record*. A sweep killed after claiming loses
nothing — once the lease (``LEASE``, 10 minutes) has passed, the next sweep claims the rows again. A
sweep killed between posting and recording causes at worst **one repeat** of that one message after
the lease. The alternative (record first, post after) would lose reminders instead, and a lost
reminder is a broken promise while a repeat is merely a little noise. A sweep only records rows it
still owns (``claimed_by``), and checks ownership again right before it posts, so a sweep that was
merely slow never duplicates a message another sweep took over.

Services never call Slack: the caller renders and posts between ``claim`` and ``mark_sent``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Insert, and_, bindparam, delete, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.ladder import Audience, Clocks, LadderRules, Sent, Step, plan, still_wanted
from bot.domain.person import PersonInfo
from bot.services.agreement import calendar_for
from bot.services.requests import NotAllowed, NotFound, NotNow
from models import ACTIVE_STATES, Proposal, Request, RequestEvent
from models.reminder import NudgeSchedule, Reminder

#: How long a claim protects rows from other sweeps; longer than any sweep takes to post its batch.
LEASE = timedelta(minutes=10)
#: Transient Slack failures (after slack_sdk's own retries) are tried again this often, then given up.
MAX_ATTEMPTS = 5
PLAN_BATCH = 500
CLAIM_BATCH = 200


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
    )


def clocks_of(request: Request, *, proposal_pending: bool) -> Clocks:
    return Clocks(
        state=request.state,
        created_at=request.created_at,
        response_due_at=request.response_due_at,
        due_at=request.due_at,
        snoozed_until=request.snoozed_until,
        proposal_pending=proposal_pending,
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
            select(Proposal.request_id).where(Proposal.request_id.in_(ids), Proposal.state == "pending")
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


def plan_batch(
    session: Session,
    *,
    settings: Settings,
    now: datetime,
    people: PersonLookup,
    after: Cursor | None = None,
    limit: int = PLAN_BATCH,
) -> PlanBatch:
    """Plan the reminders due at ``now`` for up to ``limit`` scheduled requests after the cursor.

    The rows come in index order, (next_at, request_id), so the database reads only the due range.
    """
    query = select(NudgeSchedule.request_id, NudgeSchedule.version, NudgeSchedule.next_at).where(
        NudgeSchedule.next_at <= now
    )
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
    for entry in session.execute(
        select(Reminder.request_id, Reminder.step, Reminder.key, Reminder.day_key).where(
            Reminder.request_id.in_(ids)
        )
    ):
        history.setdefault(entry.request_id, []).append(
            Sent(Step(entry.step), entry.key, date.fromisoformat(entry.day_key))
        )
    proposals = _pending_proposals(session, ids)
    people.prefetch(
        session,
        {(r.team_id, r.assignee_id) for r in requests.values()}
        | {(r.team_id, r.requester_id) for r in requests.values()},
    )
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
        recipients = {
            Audience.ASSIGNEE: request.assignee_id,
            Audience.REQUESTER: request.requester_id,
        }
        calendars = {}
        for audience, user_id in recipients.items():
            person = people(session, request.team_id, user_id)
            calendars[audience] = (
                calendar_for(settings, person.tz) if person is not None and person.usable else None
            )
        result = plan(
            clocks_of(request, proposal_pending=request.id in proposals),
            assignee=calendars[Audience.ASSIGNEE],
            requester=calendars[Audience.REQUESTER],
            history=history.get(request.id, ()),
            rules=rules,
            now=now,
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


# --- 2. claim ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    request_id: int
    team_id: str
    recipient_id: str
    audience: str
    step: str
    key: str
    day_key: str
    attempts: int


def claim(
    session: Session,
    *,
    now: datetime,
    lease_now: datetime,
    worker: str,
    lease: timedelta = LEASE,
    limit: int = CLAIM_BATCH,
) -> list[Claimed]:
    """Take up to ``limit`` due reminders (whole recipients) for this sweep; [] when none are left.

    ``now`` decides what is due; ``lease_now`` (wall-clock time) decides which leases have run out.
    """
    found: list[tuple[int, str, str]] = []
    for condition in (
        and_(Reminder.state == "pending", Reminder.due_at <= now),
        and_(Reminder.state == "claimed", Reminder.lease_until <= lease_now),
    ):
        found += session.execute(
            select(Reminder.id, Reminder.team_id, Reminder.recipient_id)
            .where(condition)
            .order_by(Reminder.team_id, Reminder.recipient_id, Reminder.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if found:
            break
    if not found:
        return []
    ids = {row[0] for row in found}
    if len(found) >= limit:
        # The batch may have cut the last recipient's items in two; take the rest of theirs too.
        _, team_id, recipient_id = max(found, key=lambda row: (row[1], row[2]))
        ids.update(
            session.scalars(
                select(Reminder.id)
                .where(
                    Reminder.team_id == team_id,
                    Reminder.recipient_id == recipient_id,
                    Reminder.state == "pending",
                    Reminder.due_at <= now,
                )
                .with_for_update(skip_locked=True)
            )
        )
    claimed = session.execute(
        update(Reminder)
        .where(
            Reminder.id.in_(ids),
            or_(
                and_(Reminder.state == "pending", Reminder.due_at <= now),
                and_(Reminder.state == "claimed", Reminder.lease_until <= lease_now),
            ),
        )
        .values(
            state="claimed",
            claimed_by=worker,
            lease_until=lease_now + lease,
            attempts=Reminder.attempts + 1,
        )
        .returning(
            Reminder.id,
            Reminder.request_id,
            Reminder.team_id,
            Reminder.recipient_id,
            Reminder.audience,
            Reminder.step,
            Reminder.key,
            Reminder.day_key,
            Reminder.attempts,
        )
    ).all()
    return sorted((Claimed(*row) for row in claimed), key=lambda c: (c.team_id, c.recipient_id, c.id))


def claimable(session: Session, *, now: datetime, lease_now: datetime) -> list[Claimed]:
    """What ``claim`` would take, without taking it (for ``sweep --dry-run``)."""
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
            Reminder.attempts,
        )
        .where(
            or_(
                and_(Reminder.state == "pending", Reminder.due_at <= now),
                and_(Reminder.state == "claimed", Reminder.lease_until <= lease_now),
            )
        )
        .order_by(Reminder.team_id, Reminder.recipient_id, Reminder.id)
    ).all()
    return [Claimed(*row) for row in rows]


def renew(
    session: Session, ids: Iterable[int], *, worker: str, lease_now: datetime, lease: timedelta = LEASE
) -> set[int]:
    """Right before posting: extend the lease on the rows this sweep still owns; returns their ids."""
    ids = list(ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.claimed_by == worker, Reminder.state == "claimed")
            .values(lease_until=lease_now + lease)
            .returning(Reminder.id)
        )
    )


@dataclass(frozen=True)
class Verdict:
    """What to do with one claimed row right before posting."""

    send: bool
    request: Request | None
    reason: str = ""


def review(session: Session, rows: list[Claimed], *, now: datetime) -> dict[int, Verdict]:
    """Re-check each claimed row against the request as it is now (a click may have won the race)."""
    pending = (
        select(Proposal.id).where(Proposal.request_id == Request.id, Proposal.state == "pending").exists()
    )
    requests, proposals = {}, set()
    for request, has_proposal in session.execute(
        select(Request, pending).where(Request.id.in_({row.request_id for row in rows}))
    ):
        requests[request.id] = request
        if has_proposal:
            proposals.add(request.id)
    verdicts: dict[int, Verdict] = {}
    for row in rows:
        request = requests.get(row.request_id)
        if request is None:
            verdicts[row.id] = Verdict(False, None, "request_gone")
            continue
        recipient = request.assignee_id if row.audience == Audience.ASSIGNEE else request.requester_id
        if recipient != row.recipient_id:
            verdicts[row.id] = Verdict(False, request, "reassigned")
        elif not still_wanted(
            Step(row.step), row.key, clocks_of(request, proposal_pending=request.id in proposals), now
        ):
            verdicts[row.id] = Verdict(False, request, "no_longer_due")
        else:
            verdicts[row.id] = Verdict(True, request)
    return verdicts


# --- 3. record -----------------------------------------------------------------------------------


def mark_sent(
    session: Session,
    ids: Iterable[int],
    *,
    worker: str,
    at: datetime,
    channel_id: str,
    message_ts: str,
) -> int:
    """The message is out: record it on the rows and in each request's audit trail."""
    sent = session.execute(
        update(Reminder)
        .where(Reminder.id.in_(list(ids)), Reminder.claimed_by == worker, Reminder.state == "claimed")
        .values(
            state="sent",
            sent_at=at,
            lease_until=None,
            channel_id=channel_id,
            message_ts=message_ts,
            error=None,
        )
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
    return len(sent)


@dataclass(frozen=True)
class SentMessage:
    """A reminder message already in someone's DMs: where it is and what it listed."""

    team_id: str
    recipient_id: str
    channel_id: str
    message_ts: str
    rows: list[tuple[Request, str, str]]  # (request, step, key) in the order they were sent


def sent_messages_about(session: Session, *, request_id: int) -> list[SentMessage]:
    """The reminder messages that listed ``request_id`` — so they can be redrawn when it changes.

    Two queries however many messages: the messages' keys, then all rows of those messages.
    """
    keys = session.execute(
        select(Reminder.channel_id, Reminder.message_ts)
        .where(Reminder.request_id == request_id, Reminder.state == "sent", Reminder.message_ts.is_not(None))
        .distinct()
    ).all()
    if not keys:
        return []
    rows = session.execute(
        select(Reminder, Request)
        .join(Request, Request.id == Reminder.request_id)
        .where(tuple_(Reminder.channel_id, Reminder.message_ts).in_([tuple(k) for k in keys]))
        .order_by(Reminder.id)
    ).all()
    messages: dict[tuple[str, str], SentMessage] = {}
    for reminder, request in rows:
        key = (reminder.channel_id or "", reminder.message_ts or "")
        if key not in messages:
            messages[key] = SentMessage(reminder.team_id, reminder.recipient_id, key[0], key[1], [])
        messages[key].rows.append((request, reminder.step, reminder.key))
    return list(messages.values())


def mark_skipped(session: Session, ids: Iterable[int], *, worker: str, reason: str) -> None:
    """No longer wanted (answered, closed, snoozed, reassigned): keep the row, so its slot stays used."""
    ids = list(ids)
    if ids:
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.claimed_by == worker, Reminder.state == "claimed")
            .values(state="skipped", lease_until=None, error=reason)
        )


def release_stale(session: Session, ids: Iterable[int], *, worker: str, now: datetime) -> None:
    """Rows whose business day is over (a sweep died and nobody took over in time): drop them and let
    the ladder plan afresh for today, so a one-off step such as the heads-up is not lost."""
    ids = list(ids)
    if not ids:
        return
    # The schedule first, then the rows: the same lock order as a planner (no deadlock).
    request_ids = set(session.scalars(select(Reminder.request_id).where(Reminder.id.in_(ids))))
    session.execute(
        update(NudgeSchedule)
        .where(NudgeSchedule.request_id.in_(request_ids))
        .values(next_at=now, version=NudgeSchedule.version + 1)
    )
    session.execute(
        delete(Reminder).where(
            Reminder.id.in_(ids), Reminder.claimed_by == worker, Reminder.state == "claimed"
        )
    )


def mark_failed(
    session: Session,
    rows: Iterable[Claimed],
    *,
    worker: str,
    error: str,
    permanent: bool,
    retry_at: datetime,
) -> None:
    """A permanent error (user gone, channel archived) is recorded and never retried; a transient one
    (rate limit or server error left after slack_sdk's retries) is tried again later, a few times."""
    for row in rows:
        give_up = permanent or row.attempts >= MAX_ATTEMPTS
        session.execute(
            update(Reminder)
            .where(Reminder.id == row.id, Reminder.claimed_by == worker, Reminder.state == "claimed")
            .values(
                state="failed" if give_up else "pending",
                error=error,
                lease_until=None,
                claimed_by=None if not give_up else worker,
                due_at=Reminder.due_at if give_up else retry_at,
            )
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
