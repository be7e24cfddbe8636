"""Who hears what about the requester's card, undo, edit, reopen and the relayed conversation —
outbox rows in the transaction of the change (like ``bot.outbox.news``, which calls in here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.outbox.news import Origin
from bot.outbox.store import enqueue, say
from bot.services import card as card_service
from bot.services.requests import Outcome
from models import Request, RequestEvent
from models.outbox import PRIORITY_NORMAL, PRIORITY_NOW


def requester_sequence(request: Request) -> str:
    """The requester's card and the replies in its thread go out in order (the card first)."""
    return f"rcard:{request.id}"


def _assignee_sequence(request: Request) -> str:
    return f"card:{request.id}"  # as ``bot.outbox.news`` orders the assignee's card


def _sequence_for(request: Request, recipient: str | None) -> str:
    return requester_sequence(request) if recipient == request.requester_id else _assignee_sequence(request)


def _say(
    session: Session,
    request: Request,
    kind: str,
    recipient: str | None,
    key: str,
    *,
    now: datetime,
    payload: dict[str, Any] | None = None,
    priority: int = PRIORITY_NORMAL,
) -> None:
    if not recipient:
        return  # a team request nobody has taken yet: nobody's card to talk to
    say(
        session,
        request,
        kind,
        recipient,
        key,
        now=now,
        payload=payload,
        priority=priority,
        sequence=_sequence_for(request, recipient),
    )


def post_requester_card(session: Session, request: Request, *, now: datetime) -> None:
    """At filing: the requester's own card for the request, besides the confirmation."""
    _say(session, request, "requester_card", request.requester_id, f"requester_card:{request.id}", now=now)


def refresh_requester_card(session: Session, request: Request, *, now: datetime) -> None:
    """The requester's card shows the request as it is (a redraw, collapsed with any still pending)."""
    enqueue(
        session,
        team_id=request.team_id,
        kind="requester_card_redraw",
        key=f"redraw:rcard:{request.id}",
        collapse=True,
        sequence=requester_sequence(request),
        now=now,
        recipient=request.requester_id,
        request_id=request.id,
    )


def clicked_on_requester_card(request: Request, origin: Origin | None) -> bool:
    """The click came from the requester's card (which stays: it is redrawn, never replaced)."""
    return origin is not None and card_service.is_requester_card(
        request, origin.channel_id, origin.message_ts
    )


def after_change(session: Session, outcome: Outcome, *, now: datetime, origin: Origin | None) -> None:
    """Called by ``bot.outbox.news.announce`` after every change: the card, and what only this area says."""
    request, kind = outcome.request, outcome.kind
    key = f"{kind}:{request.id}:{outcome.event_id}"
    refresh_requester_card(session, request, now=now)
    if kind in card_service.UNDOABLE and outcome.event_id is not None:
        _say(
            session,
            request,
            "undo_offer",
            outcome.actor_id,
            f"{key}:undo",
            now=now,
            payload={"change": kind, "event_id": outcome.event_id},
            priority=PRIORITY_NOW,
        )
    elif kind == "undone":
        change = str(outcome.detail.get("change"))
        if origin is not None and origin.channel_id and origin.message_ts:
            _say(
                session,
                request,
                "undo_redraw",
                outcome.actor_id,
                f"{key}:redraw",
                now=now,
                payload={"channel": origin.channel_id, "ts": origin.message_ts, "change": change},
                priority=PRIORITY_NOW,
            )
        other = request.requester_id if change == "done" else request.assignee_id
        _say(session, request, "undone_notice", other, f"{key}:other", now=now, payload={"change": change})
        if change == "done":
            prompt = card_service.rating_prompt_of(
                session, request_id=request.id, done_event_id=int(outcome.detail.get("undid") or 0)
            )
            if prompt is not None:
                _say(
                    session,
                    request,
                    "rating_withdrawn",
                    request.requester_id,
                    f"{key}:rating",
                    now=now,
                    payload={"channel": prompt[0], "ts": prompt[1]},
                )
    elif kind == "edited":
        _say(
            session,
            request,
            "edited",
            request.assignee_id,
            f"{key}:assignee",
            now=now,
            payload={"event_id": outcome.event_id},
        )
    elif kind == "reopened":
        _say(
            session,
            request,
            "reopened",
            request.assignee_id,
            f"{key}:assignee",
            now=now,
            payload={"event_id": outcome.event_id},
        )


def requester_proposal_decided(session: Session, outcome: Outcome, *, now: datetime) -> None:
    """The assignee accepted or kept the times the requester proposed with an edit: both hear it."""
    request = outcome.request
    key = f"{outcome.kind}:{request.id}:{outcome.event_id}"
    accepted = outcome.kind == "proposal_accepted"
    for recipient in (request.requester_id, request.assignee_id):
        _say(
            session,
            request,
            "requester_proposal_decided",
            recipient,
            f"{key}:{recipient}",
            now=now,
            payload={"accepted": accepted},
        )


def relay(session: Session, request: Request, event: RequestEvent, *, now: datetime) -> None:
    """A party's words go to the other card's thread (the key is the event's: exactly once)."""
    recipient = request.assignee_id if event.detail.get("side") == "requester" else request.requester_id
    _say(  # (nobody yet for a team request not taken: the words stay in the history)
        session,
        request,
        "relay",
        recipient,
        f"relay:{event.id}",
        now=now,
        payload={"event_id": event.id},
        priority=PRIORITY_NOW,
    )
    refresh_requester_card(session, request, now=now)
