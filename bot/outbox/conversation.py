"""Who hears what in the conversation around a request — written to the outbox in the change's
transaction (``bot.outbox.news.announce`` calls ``tell`` after every change).

- an answer (``answered``, or ``done`` carrying one) → the requester: a reply in their card's thread, or a DM;
- a question back (``waiting_started``) → the requester, with a Reply button;
- the requester's reply (``waiting_ended``) → the assignee, with the moved times; the question message
  loses its Reply button;
- a take-over → the previous assignee hears who took it; a redirect after a decline → the requester
  hears whom it went to.

Nothing here renders or talks to Slack (``bot.outbox.messages`` renders the kinds named here).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.outbox.store import say
from models import Request
from models.outbox import PRIORITY_NOW

if TYPE_CHECKING:
    from bot.outbox.news import Origin
    from bot.services.requests import Outcome


def requester_sequence(request: Request) -> str:
    """What the requester hears about one request arrives in the order it was said."""
    return f"requester:{request.id}"


def tell(session: Session, outcome: Outcome, *, key: str, now: datetime, origin: Origin | None) -> None:
    """The conversation's messages after ``outcome`` (nothing for other kinds of change)."""
    request, kind, detail = outcome.request, outcome.kind, outcome.detail
    if kind == "answered" or (kind == "done" and detail.get("answer")):
        text = detail.get("text") if kind == "answered" else detail.get("answer")
        say(
            session,
            request,
            "answer",
            request.requester_id,
            f"{key}:answer",
            now=now,
            payload={"text": text, "finished": kind == "done"},
            sequence=requester_sequence(request),
        )
    elif kind == "waiting_started":
        say(
            session,
            request,
            "question",
            request.requester_id,
            f"{key}:question",
            now=now,
            payload={"text": detail.get("text"), "event_id": outcome.event_id},
            sequence=requester_sequence(request),
        )
    elif kind == "waiting_ended":
        say(
            session,
            request,
            "question_reply",
            request.assignee_id,
            f"{key}:reply",
            now=now,
            payload={"text": detail.get("text"), "waited_seconds": detail.get("waited_seconds", 0)},
        )
        say(
            session,
            request,
            "question_answered",
            request.requester_id,
            f"{key}:answered",
            now=now,
            payload={},
            sequence=requester_sequence(request),
        )
    elif kind == "taken_over":
        previous = detail.get("from_assignee_id")
        if previous:
            say(
                session,
                request,
                "taken_over",
                previous,
                f"{key}:previous",
                now=now,
                payload={"assignee_id": request.assignee_id},
            )
    elif kind == "redirected":
        say(
            session,
            request,
            "redirected",
            request.requester_id,
            f"{key}:requester",
            now=now,
            payload={"assignee_id": request.assignee_id},
            priority=PRIORITY_NOW,
        )
