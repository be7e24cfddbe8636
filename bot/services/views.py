"""What one person may see of the requests: one request with its whole history (``/request 12``), and
their own requests page by page, filtered (``/request list [overdue|waiting|done|from @x|to @x]``).

Who may see a request is decided here, once: the two parties and the people who were involved in it
(a previous assignee, the person asked to help). Everyone else is told it is not theirs.
Lists only ever hold requests the reader is a party to, so a page's cursor or filters need no secret:
a forged one can only show the reader their own requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.list_filters import ListFilter
from bot.services.requests import NotAllowed, NotFound, pending_proposal
from models import ACTIVE_STATES, Proposal, Request, RequestEvent, State

R = Request
#: The default list: every active request, both directions.
EVERYTHING_OPEN = ListFilter()

#: How many requests one page of ``/request list`` shows (each is one section: well within 50 blocks).
PAGE_SIZE = 10

# --- one request -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a request's history (an audit-trail event, reminders that went out included)."""

    at: datetime
    kind: str
    actor_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestView:
    request: Request
    history: list[HistoryEntry]
    #: Everyone who may look at it (the parties, previous assignees, people asked to help).
    involved: frozenset[str]
    proposal: Proposal | None = None


def by_number(session: Session, *, team_id: str, number: int) -> Request:
    request = session.scalars(select(R).where(R.team_id == team_id, R.number == number)).one_or_none()
    if request is None:
        raise NotFound("unknown_number", number=number)
    return request


def involved_in(request: Request, events: list[RequestEvent]) -> frozenset[str]:
    people = {request.requester_id, request.assignee_id}
    for event in events:
        detail = event.detail or {}
        if event.kind == "reassigned":
            people.update(filter(None, (detail.get("from_assignee_id"), detail.get("to_assignee_id"))))
        elif event.kind == "escalated" and detail.get("to") == "person":
            people.add(str(detail.get("target_id") or ""))
        elif isinstance(detail.get("helper_id"), str):
            people.add(detail["helper_id"])
    people.discard("")
    return frozenset(people)


def request_view(session: Session, *, team_id: str, number: int, reader_id: str) -> RequestView:
    """``/request 12``: the request and its history, for someone involved in it (else ``not_yours``)."""
    request = by_number(session, team_id=team_id, number=number)
    events = list(
        session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
        )
    )
    involved = involved_in(request, events)
    if reader_id not in involved:
        raise NotAllowed("not_yours", number=number)
    history = [HistoryEntry(e.at, e.kind, e.actor_id, dict(e.detail or {})) for e in events]
    return RequestView(
        request=request,
        history=history,
        involved=involved,
        proposal=pending_proposal(session, request_id=request.id),
    )


# --- lists -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Request]
    #: How many requests match the filter in all, how many of those are past an agreed time.
    total: int
    overdue: int
    #: How many matching requests come before this page; the cursor of the next page (None: last page).
    before: int
    next_after: int | None


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Past an agreed time: no first answer by the response time, or not done by the due date. A
    request waiting for the requester is not late (the assignee's clock is paused)."""
    return and_(
        R.state.in_((State.OPEN.value, State.ACKNOWLEDGED.value)),
        or_(
            and_(R.acknowledged_at.is_(None), R.response_due_at < now),
            and_(R.due_at.is_not(None), R.due_at < now),
        ),
    )


def is_overdue(request: Request, now: datetime) -> bool:
    """The same rule as ``overdue_condition``, for one request already loaded."""
    if request.state not in (State.OPEN.value, State.ACKNOWLEDGED.value):
        return False
    late_answer = request.acknowledged_at is None and request.response_due_at < now
    return late_answer or (request.due_at is not None and request.due_at < now)


def _matching(*, team_id: str, user_id: str, filters: ListFilter, now: datetime) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [
        R.team_id == team_id,
        or_(R.requester_id == user_id, R.assignee_id == user_id),
    ]
    if filters.state == "overdue":
        conditions.append(overdue_condition(now))
    elif filters.state == "waiting":
        conditions.append(R.state == State.WAITING.value)
    elif filters.state == "done":
        conditions.append(R.state == State.DONE.value)
    else:
        conditions.append(R.state.in_(ACTIVE_STATES))
    if filters.from_id:
        conditions.append(R.requester_id == filters.from_id)
    if filters.to_id:
        conditions.append(R.assignee_id == filters.to_id)
    return and_(*conditions)


def list_page(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    filters: ListFilter = EVERYTHING_OPEN,
    after: int = 0,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of the reader's requests in the order they were filed (oldest first: those have waited
    longest). The cursor is the last number shown, so a page never repeats or skips a request, even
    when others are filed or closed between two pages."""
    where = _matching(team_id=team_id, user_id=user_id, filters=filters, now=now)
    rows = list(session.scalars(select(R).where(where, R.number > after).order_by(R.number).limit(size + 1)))
    total, overdue, before = session.execute(
        select(
            func.count(R.id),
            func.coalesce(func.sum(_case(overdue_condition(now))), 0),
            func.coalesce(func.sum(_case(R.number <= after)), 0),
        ).where(where)
    ).one()
    items = rows[:size]
    return Page(
        items=items,
        total=int(total or 0),
        overdue=int(overdue or 0),
        before=int(before or 0),
        next_after=items[-1].number if len(rows) > size else None,
    )


def _case(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)
