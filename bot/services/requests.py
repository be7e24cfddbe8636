"""The request lifecycle: filing, answering, closing — each a function on one session (one transaction).

Services take keyword arguments and ``now``; they check who may do what and record every change in
the audit trail. They never talk to Slack: the caller renders and delivers what the outcome says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exc, insert, or_, select, update
from sqlalchemy.orm import Session

from models import ACTIVE_STATES, Kind, Request, RequestEvent, State, Workspace


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


def next_number(session: Session, team_id: str, now: datetime) -> int:
    """Per-workspace numbers (#1, #2, …) from a counter row: atomic on SQLite and PostgreSQL alike."""
    _ensure_workspace(session, team_id, now)
    return session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id)
        .values(last_request_number=Workspace.last_request_number + 1)
        .returning(Workspace.last_request_number)
    ).scalar_one()


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
    assignee_id: str,
    text: str,
    now: datetime,
    response_due_at: datetime,
    due_at: datetime | None = None,
    kind: str = Kind.TASK.value,
    channel_id: str | None = None,
    thread_channel_id: str | None = None,
    thread_ts: str | None = None,
) -> Request:
    if assignee_id == requester_id:
        raise ServiceError("self_request")
    if due_at is not None and due_at <= now:
        raise ServiceError("past_date")
    request = Request(
        team_id=team_id,
        number=next_number(session, team_id, now),
        requester_id=requester_id,
        assignee_id=assignee_id,
        text=text,
        kind=Kind(kind).value,
        channel_id=channel_id,
        state=State.OPEN.value,
        created_at=now,
        updated_at=now,
        response_due_at=response_due_at,
        due_at=due_at,
        thread_channel_id=thread_channel_id,
        thread_ts=thread_ts,
    )
    session.add(request)
    record(
        session,
        request,
        kind="created",
        actor_id=requester_id,
        now=now,
        assignee_id=assignee_id,
        response_due_at=response_due_at.isoformat(),
        due_at=due_at.isoformat() if due_at else None,
    )
    session.flush()
    return request


def load(session: Session, *, team_id: str, request_id: int, lock: bool = True) -> Request:
    """The request, scoped to its workspace; locked for update so two clicks cannot race."""
    query = select(Request).where(Request.id == request_id, Request.team_id == team_id)
    if lock:
        query = query.with_for_update()
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
    if state is not None:
        request.state = state.value
        if state.is_closed:
            request.closed_at = now
    request.updated_at = now
    record(session, request, kind=kind, actor_id=actor_id, now=now, previous_state=previous, **detail)
    session.flush()
    return Outcome(request=request, kind=kind, actor_id=actor_id, previous_state=previous, detail=detail)


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
    if request.acknowledged_at is None:
        request.acknowledged_at = now  # finishing it is the best first answer
    return _transition(session, request, kind="done", actor_id=actor_id, now=now, state=State.DONE)


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
    request = load(session, team_id=team_id, request_id=request_id)
    _as_requester(request, actor_id)
    _still_open(request)
    return _transition(session, request, kind="cancelled", actor_id=actor_id, now=now, state=State.CANCELLED)


def reassign(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    new_assignee_id: str,
    response_due_at: datetime,
) -> Outcome:
    """Hand the request to someone else: it starts over as open for them, with a fresh response time."""
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
