"""Who is told what when someone is away — written to the outbox in the transaction of the change.

* Their clocks moved: the cards and reminder messages show the new times; a requester whose promise
  slipped hears why, with the usual choices (ask the deputy, or someone else).
* A deputy took a request over, or the requester asked the deputy instead: the deputy gets the card,
  the absent person's card says who has it now, the other side hears of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.outbox import news
from bot.outbox.news import Origin
from bot.outbox.store import enqueue
from bot.services.absences import Change
from bot.services.requests import Outcome
from models.outbox import PRIORITY_NORMAL


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def clocks_moved(session: Session, change: Change, *, team_id: str, now: datetime) -> None:
    """After an absence began, changed or ended."""
    if not change.changed:
        return
    news.refresh_homes(session, team_id=team_id, user_ids=[change.user_id], now=now)
    absence = change.absence
    for moved in change.moved:
        request = moved.request
        news.refresh_card(session, request, now=now)
        news.refresh_reminders(session, request, now=now)
        news.refresh_homes(session, team_id=team_id, user_ids=[request.requester_id], now=now)
        if not moved.slipped or absence is None or request.created_at >= now:
            continue  # just filed: the confirmation says it already
        enqueue(
            session,
            team_id=team_id,
            kind="absence_slip",
            # Once per absence as announced: an absence until further notice moves the clocks on every
            # day it lasts, but the requester hears of it once (and again only if its end changes).
            key=f"absence_slip:{request.id}:{_iso(absence.until) or 'open'}:{absence.deputy_id or ''}",
            now=now,
            recipient=request.requester_id,
            request_id=request.id,
            payload={
                "assignee": request.assignee_id,
                "until": _iso(absence.until),
                "deputy": absence.deputy_id,
            },
            priority=PRIORITY_NORMAL,
        )


def handed_to_deputy(
    session: Session, outcome: Outcome, *, now: datetime, origin: Origin | None = None
) -> None:
    """A request went to the absent person's deputy (``taken_over`` or ``asked_deputy``)."""
    if not outcome.changed:
        return
    request = outcome.request
    key = f"{outcome.kind}:{request.id}:{outcome.event_id}"
    previous = outcome.detail.get("from_assignee_id") or ""
    channel, ts = outcome.detail.get("previous_message") or (None, None)
    if channel and ts:
        enqueue(
            session,
            team_id=request.team_id,
            kind="handed_over",
            key=f"{key}:handed_over",
            now=now,
            recipient=previous,
            request_id=request.id,
            payload={"channel": channel, "ts": ts, "via": "deputy", "event": outcome.kind},
            sequence=f"card:{request.id}",
        )
    enqueue(
        session,
        team_id=request.team_id,
        kind="card",
        key=f"card:{request.id}:{request.assignee_id}:{outcome.event_id}",
        now=now,
        recipient=request.assignee_id,
        request_id=request.id,
        sequence=f"card:{request.id}",
    )
    news.refresh_reminders(session, request, now=now)
    params: dict[str, Any] = {"number": request.number, "assignee": request.assignee_id, "person": previous}
    if outcome.kind == "taken_over":
        news.notice(
            session,
            team_id=request.team_id,
            recipient=request.requester_id,
            code="deputy_took_over",
            key=f"{key}:requester",
            now=now,
            params=params,
        )
        news.notice(
            session,
            team_id=request.team_id,
            recipient=previous,
            code="deputy_took_over_yours",
            key=f"{key}:previous",
            now=now,
            params=params,
        )
    else:
        news.notice(
            session,
            team_id=request.team_id,
            recipient=request.requester_id,
            code="asked_deputy",
            key=f"{key}:requester",
            now=now,
            params=params,
            response_url=origin.response_url if origin is not None else None,
        )
    news.refresh_homes(
        session,
        team_id=request.team_id,
        user_ids=[request.requester_id, previous, request.assignee_id],
        now=now,
    )


def kept_with_assignee(
    session: Session,
    *,
    team_id: str,
    recipient: str,
    number: int,
    assignee: str,
    key: str,
    now: datetime,
    response_url: str | None,
) -> None:
    """The requester keeps the request with the absent person: the question is answered."""
    news.notice(
        session,
        team_id=team_id,
        recipient=recipient,
        code="kept_with_assignee",
        key=key,
        now=now,
        params={"number": number, "assignee": assignee},
        response_url=response_url,
    )
