"""What one person's App Home shows: asked of them (most urgent first), their asks with the promised
times, recently done, and their own numbers this month. Private to that person, so it may show their
own overdue items plainly — that is where the blameless digest points people.

A fixed number of queries per Home, whatever the number of requests; lists are cut to ``limit`` and
the totals say how many more there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, exc, func, insert, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.digest_stats import MonthNumbers, median_duration, month_start
from bot.services import calendars as calendar_service
from bot.services import views
from models import ACTIVE_STATES, Kudos, Rating, Request, State
from models.db import connection_for
from models.digest import HomeVisit

R = Request

#: How far back "recently done" looks.
RECENT = timedelta(days=14)


@dataclass(frozen=True)
class HomeData:
    asked_of_me: list[Request]
    asked_of_me_total: int
    my_asks: list[Request]
    my_asks_total: int
    #: (request, the rating it got or None), newest first; both directions.
    recently_done: list[tuple[Request, Rating | None]]
    numbers: MonthNumbers
    #: Team requests nobody has taken yet, of the teams this person is in (oldest first), and their total.
    team_open: list[Request] = field(default_factory=list)
    team_open_total: int = 0
    #: Of all asked of them (not only those shown), how many are past an agreed time.
    asked_of_me_overdue: int = 0


def next_deadline(request: Request) -> datetime | None:
    """The agreed time that matters next: the first answer until given, then the due date."""
    return request.response_due_at if request.acknowledged_at is None else request.due_at


def is_overdue(request: Request, now: datetime) -> bool:
    """Past an agreed time: no first answer by the response time, or not finished by the due date
    (the rule of ``/request list overdue``, so App Home and the list agree)."""
    return views.is_overdue(request, now)


def _urgency() -> tuple[ColumnElement[Any], ...]:
    deadline = case((R.acknowledged_at.is_(None), R.response_due_at), else_=R.due_at)
    return (deadline.is_(None), deadline, R.id)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _active(session: Session, condition: ColumnElement[bool], limit: int) -> tuple[list[Request], int]:
    where = and_(condition, R.state.in_(ACTIVE_STATES))
    rows = list(session.scalars(select(R).where(where).order_by(*_urgency()).limit(limit)))
    total = len(rows) if len(rows) < limit else session.scalar(select(func.count(R.id)).where(where))
    return rows, int(total or 0)


def record_visit(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    visit = session.get(HomeVisit, (team_id, user_id))
    if visit is not None:
        visit.opened_at = now
        session.flush()
        return
    try:
        with session.begin_nested():
            session.execute(insert(HomeVisit).values(team_id=team_id, user_id=user_id, opened_at=now))
    except exc.IntegrityError:
        pass  # the same person opened it twice at once


def visitors(session: Session, *, team_id: str, user_ids: list[str]) -> list[str]:
    """Those of ``user_ids`` who have opened App Home at least once (one query)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    found = set(
        connection_for(session).execute(_VISITORS, {"team_id": team_id, "user_ids": wanted}).scalars()
    )
    return [user for user in wanted if user in found]


#: ``visitors``' query, built once (it runs for every change that may redraw someone's App Home).
_VISITORS = select(HomeVisit.user_id).where(
    HomeVisit.team_id == bindparam("team_id"), HomeVisit.user_id.in_(bindparam("user_ids", expanding=True))
)


def month_numbers(
    session: Session, *, settings: Settings, team_id: str, user_id: str, now: datetime, tz: str
) -> MonthNumbers:
    since = month_start(now, tz)
    mine = and_(R.team_id == team_id, R.assignee_id == user_id)
    due_so_far = and_(R.response_due_at >= since, R.response_due_at < now)
    # Requests cancelled before anyone answered are not counted, like in the digest.
    counted = or_(R.state != State.CANCELLED.value, R.acknowledged_at.is_not(None))
    totals = session.execute(
        select(
            _count_if(and_(mine, R.created_at >= since)),
            _count_if(and_(mine, R.state == State.DONE.value, R.closed_at >= since)),
            _count_if(and_(mine, due_so_far, counted)),
            _count_if(
                and_(
                    mine,
                    due_so_far,
                    counted,
                    R.acknowledged_at.is_not(None),
                    R.acknowledged_at <= R.response_due_at,
                )
            ),
            _count_if(and_(R.requester_id == user_id, R.created_at >= since)),
        ).where(
            R.team_id == team_id,
            or_(R.assignee_id == user_id, R.requester_id == user_id),
            or_(R.created_at >= since, R.closed_at >= since, R.response_due_at >= since),
        )
    ).one()
    asked, done, due, in_time, my_asks = (int(value or 0) for value in totals)

    calendar = calendar_service.personal_calendar(session, settings, team_id=team_id, user_id=user_id, tz=tz)
    answers = session.execute(
        select(R.created_at, R.acknowledged_at).where(
            mine, R.acknowledged_at >= since, R.acknowledged_at < now
        )
    ).all()
    median = median_duration([calendar.business_time_between(a, b) for a, b in answers])

    ratings, average = session.execute(
        select(func.count(Rating.request_id), func.avg(Rating.score))
        .join(R, R.id == Rating.request_id)
        .where(mine, Rating.created_at >= since)
    ).one()
    kudos = session.scalar(
        select(func.count(Kudos.id)).where(
            Kudos.team_id == team_id, Kudos.to_id == user_id, Kudos.created_at >= since
        )
    )
    return MonthNumbers(
        since=since,
        asked_of_me=asked,
        done_by_me=done,
        answers_due=due,
        answered_in_time=in_time,
        median_first_answer=median,
        ratings=int(ratings or 0),
        rating_average=float(average) if average is not None else None,
        kudos_received=int(kudos or 0),
        my_asks=my_asks,
    )


def home_data(
    session: Session,
    *,
    settings: Settings,
    team_id: str,
    user_id: str,
    now: datetime,
    tz: str,
    limit: int = 10,
    recent_limit: int = 8,
) -> HomeData:
    asked_of_me, asked_total = _active(session, and_(R.team_id == team_id, R.assignee_id == user_id), limit)
    my_asks, my_total = _active(session, and_(R.team_id == team_id, R.requester_id == user_id), limit)
    recent = session.execute(
        select(R, Rating)
        .outerjoin(Rating, Rating.request_id == R.id)
        .where(
            R.team_id == team_id,
            or_(R.assignee_id == user_id, R.requester_id == user_id),
            R.state == State.DONE.value,
            R.closed_at >= now - RECENT,
        )
        .order_by(R.closed_at.desc(), R.id.desc())
        .limit(recent_limit)
    ).all()
    mine = and_(R.team_id == team_id, R.assignee_id == user_id)
    overdue = (
        sum(1 for request in asked_of_me if is_overdue(request, now))
        if asked_total <= len(asked_of_me)
        else session.scalar(select(func.count(R.id)).where(mine, views.overdue_condition(now)))
    )
    return HomeData(
        asked_of_me_overdue=int(overdue or 0),
        asked_of_me=asked_of_me,
        asked_of_me_total=asked_total,
        my_asks=my_asks,
        my_asks_total=my_total,
        recently_done=[(row[0], row[1]) for row in recent],
        numbers=month_numbers(session, settings=settings, team_id=team_id, user_id=user_id, now=now, tz=tz),
        **_team_open(session, team_id=team_id, user_id=user_id, limit=limit),
    )


def _team_open(session: Session, *, team_id: str, user_id: str, limit: int) -> dict[str, Any]:
    from bot.services import teams as team_service  # teams builds on the requests, not the other way

    rows, total = team_service.open_team_requests(session, team_id=team_id, user_id=user_id, limit=limit)
    return {"team_open": rows, "team_open_total": total}
