"""The conversation around a request: the assignee's answer, a question back to the requester (the
request then *waits* on them, and the assignee's clocks pause), and the requester's reply that resumes it.

Like every service: keyword arguments, ``now`` passed in, one session (the caller's transaction), coded
``ServiceError`` refusals, never Slack. What is said goes into the audit trail, so the export shows the
answers and every waiting period (``waiting_started`` … ``waiting_ended``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.calendar import BusinessCalendar
from bot.domain.conversation import shift_by_wait
from bot.domain.text import MAX_REQUEST_TEXT
from bot.services.requests import (
    NotAllowed,
    NotNow,
    Outcome,
    ServiceError,
    _as_assignee,
    _iso,
    _still_open,
    _transition,
    load,
    record,
)
from models import Request, RequestEvent, State

#: Longest answer, question or reply (Slack's section limit, with room for our words around it).
MAX_ANSWER_TEXT = MAX_REQUEST_TEXT

ANSWERED = "answered"
WAITING_STARTED = "waiting_started"
WAITING_ENDED = "waiting_ended"


def check_answer_text(text: str) -> str:
    """What someone wrote in an answer, question or reply: not empty, not too long."""
    text = (text or "").strip()
    if not text:
        raise ServiceError("answer_required")
    if len(text) > MAX_ANSWER_TEXT:
        raise ServiceError("answer_too_long", length=len(text), limit=MAX_ANSWER_TEXT)
    return text


def _as_requester(request: Request, actor_id: str) -> None:
    if actor_id != request.requester_id:
        raise NotAllowed("not_requester_reply", number=request.number, requester_id=request.requester_id)


def answer(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    text: str,
    finish: bool = False,
) -> Outcome:
    """The assignee answers; the text reaches the requester. The first answer is the first response
    (like *Got it*). With ``finish`` the answer closes the request: the done path, rating and all."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_assignee(request, actor_id)
    _still_open(request)
    text = check_answer_text(text)
    first = request.acknowledged_at is None
    if first:
        request.acknowledged_at = now
    if finish:
        record(session, request, kind=ANSWERED, actor_id=actor_id, now=now, text=text, finished=True)
        return _transition(
            session, request, kind="done", actor_id=actor_id, now=now, state=State.DONE, answer=text
        )
    new_state = State.ACKNOWLEDGED if request.state == State.OPEN.value else None
    return _transition(
        session, request, kind=ANSWERED, actor_id=actor_id, now=now, state=new_state, text=text, first=first
    )


def ask_back(
    session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime, text: str
) -> Outcome:
    """The assignee needs something from the requester: the request waits on them, the assignee's clocks
    pause from ``now`` (``waiting_since``) until the reply."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_assignee(request, actor_id)
    _still_open(request)
    if request.state == State.WAITING.value:
        raise NotNow("already_waiting", number=request.number, requester_id=request.requester_id)
    text = check_answer_text(text)
    request.waiting_since = now
    return _transition(
        session, request, kind=WAITING_STARTED, actor_id=actor_id, now=now, state=State.WAITING, text=text
    )


def waiting_question(session: Session, request: Request) -> RequestEvent | None:
    """The question the request waits on (the latest ``waiting_started``), while it waits."""
    if request.state != State.WAITING.value:
        return None
    return latest_question(session, request)


def latest_question(session: Session, request: Request) -> RequestEvent | None:
    """The assignee's latest question back to the requester (answered or not)."""
    return session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request.id, RequestEvent.kind == WAITING_STARTED)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    ).first()


def _resume_state(started: RequestEvent | None, request: Request) -> State:
    previous = (started.detail or {}).get("previous_state") if started is not None else None
    if previous in (State.OPEN.value, State.ACKNOWLEDGED.value):
        return State(previous)
    return State.ACKNOWLEDGED if request.acknowledged_at is not None else State.OPEN


def waited(request: Request, calendar: BusinessCalendar, now: datetime) -> timedelta:
    """How much of the assignee's working time the request has waited on the requester so far."""
    if request.waiting_since is None or now <= request.waiting_since:
        return timedelta(0)
    return calendar.business_time_between(request.waiting_since, now)


def reply_to_question(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    text: str,
    now: datetime,
    calendar: BusinessCalendar,
) -> Outcome:
    """The requester answers the assignee's question: the request resumes as it was (open or
    acknowledged), and its agreed times move later by the business time it waited, counted on the
    assignee's ``calendar`` (a response time only while no first answer was given: a late answer stays
    late). The waiting period ends in the audit trail with the reply."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_requester(request, actor_id)
    _still_open(request)
    if request.state != State.WAITING.value:
        raise NotNow("not_waiting", number=request.number)
    text = check_answer_text(text)
    resume = _resume_state(waiting_question(session, request), request)
    pause = waited(request, calendar, now)
    since = request.waiting_since
    before = {"response_due_at": _iso(request.response_due_at), "due_at": _iso(request.due_at)}
    if resume == State.OPEN:
        request.response_due_at = shift_by_wait(request.response_due_at, pause, calendar)
    if request.due_at is not None:
        request.due_at = shift_by_wait(request.due_at, pause, calendar, date_only=request.due_date_only)
    request.waiting_since = None
    return _transition(
        session,
        request,
        kind=WAITING_ENDED,
        actor_id=actor_id,
        now=now,
        state=resume,
        text=text,
        since=_iso(since),
        waited_seconds=int(pause.total_seconds()),
        before=before,
        after={"response_due_at": _iso(request.response_due_at), "due_at": _iso(request.due_at)},
    )


def remember_question(
    session: Session, *, request_id: int, event_id: int, channel_id: str, message_ts: str
) -> None:
    """Where the question landed for the requester: a reply in its thread answers it."""
    event = session.get(RequestEvent, event_id)
    if event is None or event.request_id != request_id:
        return
    event.detail = {**(event.detail or {}), "posted_channel": channel_id, "posted_ts": message_ts}
    session.flush()


def find_waiting_by_thread(
    session: Session, *, team_id: str, user_id: str, channel_id: str, thread_ts: str
) -> Request | None:
    """The request of ``user_id``'s that waits on them and whose question (or requester card) has the
    thread ``thread_ts`` in ``channel_id`` — a reply there is their answer."""
    waiting = session.scalars(
        select(Request)
        .where(
            Request.team_id == team_id,
            Request.requester_id == user_id,
            Request.state == State.WAITING.value,
        )
        .order_by(Request.id)
    ).all()
    for request in waiting:
        if (request.requester_channel_id, request.requester_message_ts) == (channel_id, thread_ts):
            return request
        question = waiting_question(session, request)
        detail = question.detail if question is not None else {}
        if (detail.get("posted_channel"), detail.get("posted_ts")) == (channel_id, thread_ts):
            return request
    return None
