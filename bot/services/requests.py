"""The request lifecycle: filing, answering, closing — each a function on one session (one transaction).

Services take keyword arguments and ``now``; they check who may do what and record every change in
the audit trail. They never talk to Slack: the caller renders and delivers what the outcome says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exc, insert, or_, select, update
from sqlalchemy.orm import Session, instrumentation, make_transient_to_detached

from models import ACTIVE_STATES, Kind, Proposal, Request, RequestEvent, State, Workspace
from models.db import connection_for
from models.reminder import schedule_new_request


class ServiceError(Exception):
    """Something the user should be told about; ``code`` picks the message, ``params`` fill it."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class NotFound(ServiceError):
    pass


class NotAllowed(ServiceError):
    pass


class NotNow(ServiceError):
    """The request is in a state where this action makes no sense (e.g. already done)."""


@dataclass
class Outcome:
    request: Request
    kind: str
    actor_id: str
    previous_state: str
    detail: dict[str, Any] = field(default_factory=dict)
    #: The audit-trail entry of the change (its id keys the messages the change causes: exactly once).
    event_id: int | None = None

    @property
    def changed(self) -> bool:
        return self.kind != "noop"


def _ensure_workspace(session: Session, team_id: str, now: datetime) -> None:
    if session.get(Workspace, team_id) is not None:
        return
    try:
        with session.begin_nested():
            session.execute(insert(Workspace).values(team_id=team_id, last_request_number=0, created_at=now))
    except exc.IntegrityError:
        pass  # another process created it at the same moment


#: ``next_number``'s counter step, built once (it runs for every request filed).
_NEXT_NUMBER = (
    update(Workspace)
    .where(Workspace.team_id == bindparam("counter_of"))
    .values(last_request_number=Workspace.last_request_number + 1)
    .returning(Workspace.last_request_number)
)


def next_number(session: Session, team_id: str, now: datetime) -> int:
    """Per-workspace numbers (#1, #2, …) from a counter row: atomic on SQLite and PostgreSQL alike."""
    number = connection_for(session).execute(_NEXT_NUMBER, {"counter_of": team_id}).scalar()
    if number is not None:
        return number
    _ensure_workspace(session, team_id, now)  # the workspace's first request
    return connection_for(session).execute(_NEXT_NUMBER, {"counter_of": team_id}).scalar_one()


def record(
    session: Session, request: Request, *, kind: str, actor_id: str | None, now: datetime, **detail: Any
) -> RequestEvent:
    event = RequestEvent(request=request, at=now, actor_id=actor_id, kind=kind, detail=detail)
    session.add(event)
    return event


def file_request(
    session: Session,
    *,
    team_id: str,
    requester_id: str,
    assignee_id: str | None,
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
    group_id: str | None = None,
    **created: Any,
) -> Request:
    """A new request, open, with its ``created`` event (``created``: more facts for that event). Without
    an assignee it is a team's (``group_id``) that nobody has taken yet."""
    if assignee_id == requester_id:
        raise ServiceError("self_request")
    if due_at is not None and due_at <= now:
        raise ServiceError("past_date")
    values = {
        "team_id": team_id,
        "number": next_number(session, team_id, now),
        "requester_id": requester_id,
        "assignee_id": assignee_id,
        "group_id": group_id,
        "text": text,
        "kind": Kind(kind).value,
        "channel_id": channel_id,
        "state": State.OPEN.value,
        "created_at": now,
        "updated_at": now,
        "response_due_at": response_due_at,
        "due_at": due_at,
        "due_date_only": due_date_only and due_at is not None,
        "urgent": urgent,
        "thread_channel_id": thread_channel_id,
        "thread_ts": thread_ts,
        "version": 1,
    }
    # Inserted with statements built once, not through the ORM's unit of work (several times the cost
    # of the inserts, and on SQLite all of it while holding the one write lock); what the mapper's
    # insert hook would add (``schedule_new_request``) is added here.
    connection = connection_for(session)
    request_id = connection.execute(_INSERT_REQUEST, values).scalar_one()
    schedule_new_request(connection, request_id, now)
    detail = {
        "assignee_id": assignee_id,
        "response_due_at": response_due_at.isoformat(),
        "due_at": due_at.isoformat() if due_at else None,
        "urgent": urgent,
        **({"group_id": group_id} if group_id else {}),
        **created,
    }
    connection.execute(
        _INSERT_EVENT,
        {"request_id": request_id, "at": now, "actor_id": requester_id, "kind": "created", "detail": detail},
    )
    # The session gets the request as it is stored, every column known, without reading it back: the
    # values go straight into a new instance, as the ORM's loader writes them (``Request(**values)``
    # runs the attribute events for each of its columns: several times the cost, under the write lock).
    request = _REQUEST_CLASS.new_instance()
    request.__dict__.update(_NO_VALUES, **values, id=request_id)
    make_transient_to_detached(request)
    session.add(request)
    return request


_INSERT_REQUEST = insert(Request).returning(Request.id)
_INSERT_EVENT = insert(RequestEvent)
#: Every column unset: a new request's columns that ``file_request`` does not name are NULL.
_NO_VALUES: dict[str, Any] = {column.key: None for column in Request.__table__.columns}
_REQUEST_CLASS = instrumentation.manager_of_class(Request)


def new_proposal(
    session: Session,
    request: Request,
    *,
    actor_id: str,
    response_due_at: datetime | None,
    due_at: datetime | None,
    now: datetime,
    note: str | None = None,
) -> Proposal:
    """A pending proposal of new times; one still pending before it is superseded."""
    session.execute(
        update(Proposal)
        .where(Proposal.request_id == request.id, Proposal.state == "pending")
        .values(state="superseded", decided_at=now)
    )
    proposal = Proposal(
        request_id=request.id,
        proposed_by=actor_id,
        response_due_at=response_due_at,
        due_at=due_at,
        note=note,
        state="pending",
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    return proposal


def load(session: Session, *, team_id: str, request_id: int, lock: bool = True) -> Request:
    """The request, scoped to its workspace; locked for update so two clicks cannot race.

    A locking load reads the row afresh (``populate_existing``): an earlier unlocked read in the same
    session must not hand back what it saw before the lock. Every change is also a conditional update
    (``Request.version``): if two writers ever got past each other, the second changes nothing.
    """
    query = select(Request).where(Request.id == request_id, Request.team_id == team_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = session.scalars(query).one_or_none()
    if request is None:
        raise NotFound("not_found")
    return request


def _as_assignee(request: Request, actor_id: str) -> None:
    if actor_id != request.assignee_id:
        raise NotAllowed("not_assignee", number=request.number, assignee_id=request.assignee_id)


def _as_requester(request: Request, actor_id: str) -> None:
    if actor_id != request.requester_id:
        raise NotAllowed("not_requester", number=request.number, requester_id=request.requester_id)


def _still_open(request: Request) -> None:
    if request.is_closed:
        raise NotNow("already_closed", number=request.number, state=request.state)


def _transition(
    session: Session,
    request: Request,
    *,
    kind: str,
    actor_id: str,
    now: datetime,
    state: State | None,
    **detail: Any,
) -> Outcome:
    previous = request.state
    if previous == State.WAITING.value and state not in (None, State.WAITING) and kind != "waiting_ended":
        # Leaving the wait another way (done, declined, handed over …): the waiting period ends here too.
        since, request.waiting_since = request.waiting_since, None
        record(
            session, request, kind="waiting_ended", actor_id=actor_id, now=now, since=_iso(since), via=kind
        )
    if state is not None:
        request.state = state.value
        if state.is_closed:
            request.closed_at = now
    request.updated_at = now
    event = record(session, request, kind=kind, actor_id=actor_id, now=now, previous_state=previous, **detail)
    session.flush()
    return Outcome(
        request=request,
        kind=kind,
        actor_id=actor_id,
        previous_state=previous,
        detail=detail,
        event_id=event.id,
    )


def acknowledge(
    session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime, via: str = "button"
) -> Outcome:
    request = load(session, team_id=team_id, request_id=request_id)
    _as_assignee(request, actor_id)
    _still_open(request)
    if request.state == State.ACKNOWLEDGED.value:
        return Outcome(request=request, kind="noop", actor_id=actor_id, previous_state=request.state)
    request.acknowledged_at = now
    return _transition(
        session, request, kind="acknowledged", actor_id=actor_id, now=now, state=State.ACKNOWLEDGED, via=via
    )


def complete(session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime) -> Outcome:
    request = load(session, team_id=team_id, request_id=request_id)
    _as_assignee(request, actor_id)
    _still_open(request)
    restore = _restorable(request)
    if request.acknowledged_at is None:
        request.acknowledged_at = now  # finishing it is the best first answer
    return _transition(
        session, request, kind="done", actor_id=actor_id, now=now, state=State.DONE, restore=restore
    )


def decline(
    session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime, reason: str
) -> Outcome:
    request = load(session, team_id=team_id, request_id=request_id)
    _as_assignee(request, actor_id)
    _still_open(request)
    if not reason.strip():
        raise ServiceError("reason_required")
    request.decline_reason = reason.strip()
    if request.acknowledged_at is None:
        request.acknowledged_at = now  # a clear "no" is an answer too
    return _transition(
        session,
        request,
        kind="declined",
        actor_id=actor_id,
        now=now,
        state=State.DECLINED,
        reason=reason.strip(),
    )


def cancel(session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime) -> Outcome:
    """The requester calls it off — also after a decline, instead of asking someone else."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_requester(request, actor_id)
    if request.state != State.DECLINED.value:
        _still_open(request)
    restore = _restorable(request)
    return _transition(
        session, request, kind="cancelled", actor_id=actor_id, now=now, state=State.CANCELLED, restore=restore
    )


def _restorable(request: Request) -> dict[str, Any]:
    """What an undo of this change puts back (``bot.services.card``)."""
    from bot.services.card import snapshot

    return snapshot(request)


def reassign(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    new_assignee_id: str,
    response_due_at: datetime,
    note: str | None = None,
) -> Outcome:
    """Hand the request to someone else: it starts over as open for them, with a fresh response time.
    ``note`` (optional) tells them why; their card shows who handed it over."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_assignee(request, actor_id)
    _still_open(request)
    if new_assignee_id == request.assignee_id:
        raise ServiceError("reassign_same")
    if new_assignee_id == request.requester_id:
        raise ServiceError("reassign_to_requester")
    previous_assignee = request.assignee_id
    previous_message = (request.assignee_channel_id, request.assignee_message_ts)
    request.assignee_id = new_assignee_id
    request.acknowledged_at = None
    request.snoozed_until = None
    request.response_due_at = response_due_at
    request.assignee_channel_id = request.assignee_message_ts = None
    outcome = _transition(
        session,
        request,
        kind="reassigned",
        actor_id=actor_id,
        now=now,
        state=State.OPEN,
        from_assignee_id=previous_assignee,
        to_assignee_id=new_assignee_id,
        response_due_at=response_due_at.isoformat(),
        note=(note or "").strip()[:500] or None,
    )
    outcome.detail["previous_message"] = previous_message
    return outcome


def snooze(
    session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime, until: datetime
) -> Outcome:
    """Postpone reminders; the request stays visible and its agreed times do not move."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_assignee(request, actor_id)
    _still_open(request)
    if until <= now:
        raise ServiceError("past_date")
    request.snoozed_until = until
    return _transition(
        session, request, kind="snoozed", actor_id=actor_id, now=now, state=None, until=until.isoformat()
    )


def remember_card(session: Session, *, request: Request, channel_id: str, message_ts: str) -> None:
    """Where the assignee's card was posted, so later actions can update it in place."""
    request.assignee_channel_id = channel_id
    request.assignee_message_ts = message_ts
    if request.thread_ts is None:
        # The card's thread is the request's thread: a reply there is an answer.
        request.thread_channel_id, request.thread_ts = channel_id, message_ts
    session.flush()


def find_by_thread(session: Session, *, team_id: str, channel_id: str, thread_ts: str) -> Request | None:
    return session.scalars(
        select(Request).where(
            Request.team_id == team_id,
            or_(
                (Request.thread_channel_id == channel_id) & (Request.thread_ts == thread_ts),
                (Request.assignee_channel_id == channel_id) & (Request.assignee_message_ts == thread_ts),
            ),
        )
    ).first()


def open_requests_for(session: Session, *, team_id: str, user_id: str) -> tuple[list[Request], list[Request]]:
    """(asked of me, my asks) — the active ones, most urgent first."""
    active = Request.state.in_(ACTIVE_STATES)
    asked_of_me = session.scalars(
        select(Request)
        .where(Request.team_id == team_id, Request.assignee_id == user_id, active)
        .order_by(Request.response_due_at, Request.id)
    ).all()
    my_asks = session.scalars(
        select(Request)
        .where(Request.team_id == team_id, Request.requester_id == user_id, active)
        .order_by(Request.response_due_at, Request.id)
    ).all()
    return list(asked_of_me), list(my_asks)


# --- the agreement: counter-proposals ------------------------------------------------------------


def pending_proposal(session: Session, *, request_id: int, lock: bool = False) -> Proposal | None:
    """The proposal waiting for the requester's decision, if any (at most one is pending)."""
    if lock:
        locked = _PENDING_PROPOSAL.with_for_update().execution_options(populate_existing=True)
        return session.scalars(locked, {"request_id": request_id}).first()
    return session.scalars(_PENDING_PROPOSAL, {"request_id": request_id}).first()


#: ``pending_proposal``'s query, built once (every card drawn asks it).
_PENDING_PROPOSAL = (
    select(Proposal)
    .where(Proposal.request_id == bindparam("request_id"), Proposal.state == "pending")
    .order_by(Proposal.id.desc())
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def check_proposal(
    request: Request,
    *,
    actor_id: str,
    now: datetime,
    response_due_at: datetime | None,
    due_at: datetime | None,
) -> datetime | None:
    """May ``actor_id`` propose these times? Raises ServiceError; returns the response time that counts
    (once the request is acknowledged only the due date is still open to change)."""
    _as_assignee(request, actor_id)
    _still_open(request)
    if request.state != State.OPEN.value:
        response_due_at = None
    if response_due_at is None and due_at is None:
        raise ServiceError("proposal_needs_time")
    if any(moment is not None and moment <= now for moment in (response_due_at, due_at)):
        raise ServiceError("past_date")
    if response_due_at in (None, request.response_due_at) and due_at in (None, request.due_at):
        raise ServiceError("proposal_unchanged", number=request.number)
    return response_due_at


def propose(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    response_due_at: datetime | None = None,
    due_at: datetime | None = None,
    note: str | None = None,
) -> Outcome:
    """The assignee proposes other times; the requester accepts or rejects with one click.

    A newer proposal replaces a pending one. Once the request is acknowledged only the due date is
    still open to change, so a proposed response time is ignored then.
    """
    request = load(session, team_id=team_id, request_id=request_id)
    response_due_at = check_proposal(
        request, actor_id=actor_id, now=now, response_due_at=response_due_at, due_at=due_at
    )
    note = (note or "").strip() or None
    proposal = new_proposal(
        session,
        request,
        actor_id=actor_id,
        response_due_at=response_due_at,
        due_at=due_at,
        note=note,
        now=now,
    )
    outcome = _transition(
        session,
        request,
        kind="proposed",
        actor_id=actor_id,
        now=now,
        state=None,
        proposal_id=proposal.id,
        response_due_at=_iso(response_due_at),
        due_at=_iso(due_at),
        note=note,
    )
    outcome.detail["proposal"] = proposal
    return outcome


def _decide(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    proposal_id: int | None,
    accept: bool,
) -> Outcome:
    request = load(session, team_id=team_id, request_id=request_id)
    proposal = pending_proposal(session, request_id=request.id, lock=True)
    # The other side decides: the requester on the assignee's proposal, the assignee on the requester's
    # (an edit of the times from the requester's card).
    by_requester = proposal is not None and proposal.proposed_by == request.requester_id
    decider = request.assignee_id if by_requester else request.requester_id
    if actor_id != decider:
        if by_requester:
            raise NotAllowed("not_assignee", number=request.number, assignee_id=request.assignee_id)
        raise NotAllowed("not_requester_decide", number=request.number, requester_id=request.requester_id)
    _still_open(request)
    if proposal is None or (proposal_id is not None and proposal.id != proposal_id):
        raise NotNow("no_pending_proposal", number=request.number)
    proposal.state = "accepted" if accept else "rejected"
    proposal.decided_at = now
    if not accept:
        outcome = _transition(
            session,
            request,
            kind="proposal_rejected",
            actor_id=actor_id,
            now=now,
            state=None,
            proposal_id=proposal.id,
        )
        outcome.detail["proposal"] = proposal
        return outcome
    before = {"response_due_at": _iso(request.response_due_at), "due_at": _iso(request.due_at)}
    if proposal.response_due_at is not None:
        request.response_due_at = proposal.response_due_at
    if proposal.due_at is not None:
        request.due_at = proposal.due_at
        request.due_date_only = False  # a proposal names a time of day
    new_state = None
    if request.state == State.OPEN.value:
        # Agreeing on new times is the first answer.
        request.acknowledged_at = now
        new_state = State.ACKNOWLEDGED
    outcome = _transition(
        session,
        request,
        kind="proposal_accepted",
        actor_id=actor_id,
        now=now,
        state=new_state,
        proposal_id=proposal.id,
        before=before,
        after={"response_due_at": _iso(request.response_due_at), "due_at": _iso(request.due_at)},
    )
    outcome.detail["proposal"] = proposal
    return outcome


def accept_proposal(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    proposal_id: int | None = None,
) -> Outcome:
    """The requester agrees: the proposed times become the agreed ones (and count as the first answer)."""
    return _decide(
        session,
        team_id=team_id,
        request_id=request_id,
        actor_id=actor_id,
        now=now,
        proposal_id=proposal_id,
        accept=True,
    )


def reject_proposal(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    proposal_id: int | None = None,
) -> Outcome:
    """The requester keeps the original times; the reminders pick them up again."""
    return _decide(
        session,
        team_id=team_id,
        request_id=request_id,
        actor_id=actor_id,
        now=now,
        proposal_id=proposal_id,
        accept=False,
    )


# --- the requester sets the times of a request just filed ---------------------------------------


def set_times(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    response_due_at: datetime | None = None,
    due_at: datetime | None = None,
    due_date_only: bool = False,
) -> Outcome:
    """The requester corrects the times they proposed (e.g. words that were not read as a time) —
    only while nobody has answered yet: once the assignee has, the times are an agreement and change
    only by a proposal. None keeps a value."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_requester(request, actor_id)
    _still_open(request)
    if request.state != State.OPEN.value or pending_proposal(session, request_id=request.id) is not None:
        raise NotNow("times_agreed", number=request.number, assignee=request.assignee_id)
    if response_due_at is None and due_at is None:
        raise ServiceError("proposal_needs_time")
    if any(moment is not None and moment <= now for moment in (response_due_at, due_at)):
        raise ServiceError("past_date")
    before = {"response_due_at": _iso(request.response_due_at), "due_at": _iso(request.due_at)}
    if response_due_at is not None:
        request.response_due_at = response_due_at
    if due_at is not None:
        request.due_at, request.due_date_only = due_at, due_date_only
    if request.due_at is not None and request.due_at < request.response_due_at:
        request.response_due_at = request.due_at  # an answer can't be due after the work itself
    return _transition(
        session,
        request,
        kind="times_set",
        actor_id=actor_id,
        now=now,
        state=None,
        before=before,
        after={"response_due_at": _iso(request.response_due_at), "due_at": _iso(request.due_at)},
    )
