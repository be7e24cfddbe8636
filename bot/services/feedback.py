"""Closing the loop: the requester rates a done request (1–5, tone, comment) and thanks the assignee.

One rating per request, by its requester; changing it later updates the same row and keeps the moment
it was first given (that is the week it counts in). A thank-you is one click and reaches the assignee
as kudos, at most once per request and sender. Every change is recorded in the request's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exc, insert, select
from sqlalchemy.orm import Session

from bot.services.requests import NotAllowed, NotNow, ServiceError, load, record
from models import Kudos, Rating, Request, State

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT = 1_000


@dataclass
class Rated:
    request: Request
    rating: Rating
    #: The first rating for this request (not a change of an earlier one).
    first: bool
    changed: bool


@dataclass
class Thanked:
    request: Request
    kudos: Kudos
    #: False when this requester had already thanked for this request: nothing new to deliver.
    created: bool


def _rateable(session: Session, *, team_id: str, request_id: int, actor_id: str) -> Request:
    request = load(session, team_id=team_id, request_id=request_id)
    if actor_id != request.requester_id:
        raise NotAllowed("rating_not_requester", number=request.number, requester_id=request.requester_id)
    if request.state != State.DONE.value:
        raise NotNow("rating_not_done", number=request.number)
    return request


def rating_of(session: Session, request_id: int) -> Rating | None:
    return session.get(Rating, request_id)


def has_thanked(session: Session, *, request_id: int, from_id: str) -> bool:
    return (
        session.scalar(select(Kudos.id).where(Kudos.request_id == request_id, Kudos.from_id == from_id))
        is not None
    )


def check_rating(*, score: int | None, comment: str | None) -> ServiceError | None:
    """What a rating form can be told before anything is stored (None: fine)."""
    if score is not None and not MIN_SCORE <= score <= MAX_SCORE:
        return ServiceError("rating_bad_score", low=MIN_SCORE, high=MAX_SCORE)
    if comment and len(comment.strip()) > MAX_COMMENT:
        return ServiceError("too_long", length=len(comment.strip()), limit=MAX_COMMENT)
    return None


def rate(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    score: int | None = None,
    tone_respectful: bool | None = None,
    comment: str | None = None,
) -> Rated:
    """Give or change the rating. ``score`` may be left out when only tone/comment change."""
    request = _rateable(session, team_id=team_id, request_id=request_id, actor_id=actor_id)
    if score is not None and not MIN_SCORE <= score <= MAX_SCORE:
        raise ServiceError("rating_bad_score", low=MIN_SCORE, high=MAX_SCORE)
    if comment is not None:
        comment = comment.strip() or None
        if comment and len(comment) > MAX_COMMENT:
            raise ServiceError("too_long", length=len(comment), limit=MAX_COMMENT)
    rating = session.get(Rating, request.id)
    first = rating is None
    if rating is None:
        if score is None:
            raise ServiceError("rating_score_missing")
        try:
            with session.begin_nested():
                session.execute(
                    insert(Rating).values(
                        request_id=request.id,
                        team_id=request.team_id,
                        rater_id=actor_id,
                        score=score,
                        tone_respectful=tone_respectful,
                        comment=comment,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except exc.IntegrityError:
            first = False  # a double click from another process got there first; treat ours as a change
        rating = session.get(Rating, request.id, populate_existing=True)
        assert rating is not None
        if first:
            record(session, request, kind="rated", actor_id=actor_id, now=now, score=score)
            session.flush()
            return Rated(request, rating, first=True, changed=True)
    before = (rating.score, rating.tone_respectful, rating.comment)
    if score is not None:
        rating.score = score
    if tone_respectful is not None:
        rating.tone_respectful = tone_respectful
    if comment is not None:
        rating.comment = comment
    changed = (rating.score, rating.tone_respectful, rating.comment) != before
    if changed:
        rating.updated_at = now
        detail: dict[str, object] = {"score": rating.score}
        if tone_respectful is not None:
            detail["tone_respectful"] = tone_respectful
        if comment is not None:
            detail["comment"] = True  # the text itself lives in the rating, not in every event
        record(session, request, kind="rating_changed", actor_id=actor_id, now=now, **detail)
    session.flush()
    return Rated(request, rating, first=False, changed=changed)


def thank(session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime) -> Thanked:
    """The requester's one-click thank-you; a second click changes nothing."""
    request = _rateable(session, team_id=team_id, request_id=request_id, actor_id=actor_id)
    existing = session.scalars(
        select(Kudos).where(Kudos.request_id == request.id, Kudos.from_id == actor_id)
    ).one_or_none()
    if existing is not None:
        return Thanked(request, existing, created=False)
    try:
        with session.begin_nested():
            session.execute(
                insert(Kudos).values(
                    team_id=request.team_id,
                    request_id=request.id,
                    from_id=actor_id,
                    to_id=request.assignee_id,
                    created_at=now,
                )
            )
    except exc.IntegrityError:
        created = False
    else:
        created = True
        record(session, request, kind="thanked", actor_id=actor_id, now=now, to_id=request.assignee_id)
    kudos = session.scalars(
        select(Kudos).where(Kudos.request_id == request.id, Kudos.from_id == actor_id)
    ).one()
    session.flush()
    return Thanked(request, kudos, created=created)
