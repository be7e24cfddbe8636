"""Hand-overs that keep their context: who may take a request over, taking it over, asking someone else
after a decline, and what the new assignee's card says about how the request came to them.

The rules live here, once: ``may_take_over`` decides who may take a request over with one click (today:
the person the requester asked for help via *Ask someone else*; an absent person's deputy is to come).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.domain.conversation import Handover
from bot.services import absences as absence_service
from bot.services.requests import (
    NotAllowed,
    NotNow,
    Outcome,
    ServiceError,
    _as_requester,
    _iso,
    _still_open,
    _transition,
    load,
)
from models import Request, RequestEvent, State
from models.db import connection_for

#: The audit-trail kinds by which a request reaches a new assignee.
HANDOVER_KINDS = ("reassigned", "taken_over", "redirected")
NOTE_LIMIT = 500


def asked_to_help(session: Session, request: Request, user_id: str) -> bool:
    """Whether the requester asked ``user_id`` for help with ``request`` (*Ask someone else*)."""
    details = session.scalars(
        select(RequestEvent.detail).where(
            RequestEvent.request_id == request.id, RequestEvent.kind == "escalated"
        )
    )
    return any(
        isinstance(detail, dict) and detail.get("to") == "person" and detail.get("target_id") == user_id
        for detail in details
    )


def may_take_over(session: Session, request: Request, user_id: str, now: datetime) -> bool:
    """May ``user_id`` make ``request`` theirs with one click (``request_take_over``)? Only while it is
    active, never its requester or assignee, and only someone the requester asked to help."""
    if request.is_closed or user_id in (request.assignee_id, request.requester_id):
        return False
    return asked_to_help(session, request, user_id)


def by_deputy(session: Session, *, team_id: str, request_id: int, user_id: str, now: datetime) -> bool:
    """Is ``user_id`` taking ``request_id`` over as the deputy of its absent assignee (rather than as
    someone the requester asked to help)? Both use ``request_take_over``; the deputy's way is
    ``absences.take_over_as_deputy``."""
    request = session.scalar(select(Request).where(Request.team_id == team_id, Request.id == request_id))
    if request is None:
        return False
    if absence_service.may_take_over_as_deputy(session, request, user_id, now):
        return True
    if asked_to_help(session, request, user_id):
        return False
    # Neither: while the assignee is away with a deputy, the refusal names the deputy's right.
    info = absence_service.absence_of(session, team_id=team_id, user_id=request.assignee_id, now=now)
    return info is not None and info.deputy_id is not None


def _clean_note(note: str | None) -> str | None:
    return (note or "").strip()[:NOTE_LIMIT] or None


def take_over(session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime) -> Outcome:
    """The person asked to help takes the request: they are its assignee now, and taking it is an answer
    (acknowledged). The requester and the previous assignee are told."""
    request = load(session, team_id=team_id, request_id=request_id)
    _still_open(request)
    if actor_id == request.assignee_id:
        raise NotNow("take_over_yours", number=request.number)
    if not may_take_over(session, request, actor_id, now):
        raise NotAllowed("not_asked_to_help", number=request.number, requester_id=request.requester_id)
    previous_assignee = request.assignee_id
    previous_message = (request.assignee_channel_id, request.assignee_message_ts)
    request.assignee_id = actor_id
    request.snoozed_until = None
    request.assignee_channel_id = request.assignee_message_ts = None
    if request.acknowledged_at is None:
        request.acknowledged_at = now
    outcome = _transition(
        session,
        request,
        kind="taken_over",
        actor_id=actor_id,
        now=now,
        state=State.ACKNOWLEDGED,
        from_assignee_id=previous_assignee,
        to_assignee_id=actor_id,
    )
    outcome.detail["previous_message"] = previous_message
    return outcome


def redirect(
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
    """After a decline the requester asks someone else: the same request, open again for them, with a
    fresh response time on their calendar (the decline stays in the history)."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_requester(request, actor_id)
    if request.state != State.DECLINED.value:
        _still_open(request)
        raise NotNow("not_declined", number=request.number)
    if new_assignee_id == request.requester_id:
        raise ServiceError("self_request")
    if new_assignee_id == request.assignee_id:
        raise ServiceError("redirect_same", assignee=request.assignee_id)
    previous_assignee = request.assignee_id
    request.assignee_id = new_assignee_id
    request.acknowledged_at = request.closed_at = request.snoozed_until = None
    request.decline_reason = None
    request.response_due_at = response_due_at
    if request.due_at is not None and request.due_at <= now:
        request.due_at, request.due_date_only = None, False  # a due date long gone would be late at once
    request.assignee_channel_id = request.assignee_message_ts = None
    return _transition(
        session,
        request,
        kind="redirected",
        actor_id=actor_id,
        now=now,
        state=State.OPEN,
        from_assignee_id=previous_assignee,
        to_assignee_id=new_assignee_id,
        response_due_at=_iso(response_due_at),
        note=_clean_note(note),
    )


#: ``last_handover``'s query, built once (every assignee's card asks it).
_LAST_HANDOVER = (
    select(RequestEvent.kind, RequestEvent.actor_id, RequestEvent.detail)
    .where(RequestEvent.request_id == bindparam("request_id"), RequestEvent.kind.in_(HANDOVER_KINDS))
    .order_by(RequestEvent.id.desc())
    .limit(1)
)


def last_handover(session: Session, request: Request) -> Handover | None:
    """The hand-over that made the current assignee the assignee, if the request was not filed to them."""
    # The columns it needs, without the ORM's object (every assignee card asks).
    event = connection_for(session).execute(_LAST_HANDOVER, {"request_id": request.id}).first()
    detail = event.detail if event is not None and isinstance(event.detail, dict) else {}
    if event is None or detail.get("to_assignee_id") != request.assignee_id:
        return None
    note = detail.get("note")
    return Handover(
        kind=event.kind,
        by_id=event.actor_id,
        from_id=detail.get("from_assignee_id"),
        note=note if isinstance(note, str) and note else None,
    )
