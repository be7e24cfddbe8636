"""The requester's side of a request: their living card, edit, reopen, undo, and the conversation
relayed between the two cards' threads.

Like every service: keyword arguments, ``now`` passed in, one session, coded ``ServiceError``s, never
Slack. The rules live here once: only the requester edits, reopens or cancels; only whoever made a
change undoes it, within ``UNDO_WINDOW``; only the two parties' words are relayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, select, update
from sqlalchemy.orm import Session

from bot.services.requests import (
    NotAllowed,
    NotNow,
    Outcome,
    ServiceError,
    _iso,
    _still_open,
    _transition,
    find_by_thread,
    load,
    new_proposal,
    record,
)
from models import Proposal, Rating, Request, RequestEvent, State
from models.db import connection_for
from models.outbox import OutboxMessage
from models.reminder import NudgeSchedule, Reminder

#: How long Done and Cancel can be taken back from the message that confirms them.
UNDO_WINDOW = timedelta(minutes=10)
#: The changes that offer an undo (the event kinds).
UNDOABLE = ("done", "cancelled")
#: Events after which an older undo no longer restores what the person saw.
_STATE_CHANGES = (
    "acknowledged",
    "done",
    "declined",
    "cancelled",
    "reassigned",
    "reopened",
    "undone",
    "proposal_accepted",
)
#: The clocks and state a change may move, as stored in an event's ``restore``.
_CLOCKS = ("acknowledged_at", "closed_at", "response_due_at", "due_at", "snoozed_until", "waiting_since")


def snapshot(request: Request) -> dict[str, Any]:
    """Everything Done or Cancel changes, as it was: stored on the event, so an undo restores it exactly."""
    saved: dict[str, Any] = {name: _iso(getattr(request, name)) for name in _CLOCKS}
    saved["state"] = request.state
    saved["due_date_only"] = bool(request.due_date_only)
    return saved


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


# --- where the requester's card is ------------------------------------------------------------------


def remember_requester_card(session: Session, *, request_id: int, channel_id: str, message_ts: str) -> None:
    connection_for(session).execute(
        _REMEMBER_CARD, {"card_of": request_id, "card_channel": channel_id, "card_ts": message_ts}
    )


def is_requester_card(request: Request, channel_id: str | None, message_ts: str | None) -> bool:
    return bool(
        message_ts
        and request.requester_message_ts == message_ts
        and request.requester_channel_id == channel_id
    )


@dataclass(frozen=True)
class CardFacts:
    """What the requester's card shows besides the request itself."""

    proposal: Proposal | None
    reminders_sent: int
    last_reminder_at: datetime | None
    next_check_at: datetime | None
    latest: RequestEvent | None  #: the latest message relayed or answer given
    edited: bool


# The card's queries, built once: the card is drawn on every change of every request. What it shows
# besides the request is one statement (one row of subqueries); the objects it names are then loaded by
# id, and only where there are any — a request just filed has none of them.
_ASKED = bindparam("request_id")
_SENT_REMINDERS = (Reminder.request_id == _ASKED, Reminder.state == "sent", Reminder.audience == "assignee")
_FACTS = select(
    select(func.count(Reminder.id)).where(*_SENT_REMINDERS).scalar_subquery(),
    select(func.max(Reminder.sent_at)).where(*_SENT_REMINDERS).scalar_subquery(),
    select(NudgeSchedule.next_at).where(NudgeSchedule.request_id == _ASKED).scalar_subquery(),
    # The latest message relayed or answer given; the pending proposal (at most one, the latest).
    select(func.max(RequestEvent.id))
    .where(RequestEvent.request_id == _ASKED, RequestEvent.kind.in_(("message", "answered")))
    .scalar_subquery(),
    select(func.max(Proposal.id))
    .where(Proposal.request_id == _ASKED, Proposal.state == "pending")
    .scalar_subquery(),
    exists().where(RequestEvent.request_id == _ASKED, RequestEvent.kind == "edited"),
)
_EDITS = select(RequestEvent.detail).where(
    RequestEvent.request_id == bindparam("request_id"), RequestEvent.kind == "edited"
)
_REMEMBER_CARD = (
    update(Request)
    .where(Request.id == bindparam("card_of"))
    .values(requester_channel_id=bindparam("card_channel"), requester_message_ts=bindparam("card_ts"))
)


def card_facts(session: Session, request: Request, *, now: datetime) -> CardFacts:
    sent, last_sent_at, next_at, latest_id, proposal_id, any_edit = (
        connection_for(session).execute(_FACTS, {"request_id": request.id}).one()
    )
    return CardFacts(
        proposal=session.get(Proposal, proposal_id) if proposal_id is not None else None,
        reminders_sent=int(sent or 0),
        last_reminder_at=last_sent_at,
        next_check_at=next_at if next_at is not None and next_at > now and not request.is_closed else None,
        latest=session.get(RequestEvent, latest_id) if latest_id is not None else None,
        edited=bool(any_edit) and was_edited(session, request.id),
    )


def was_edited(session: Session, request_id: int) -> bool:
    """The requester changed the words after filing (the assignee's card marks it)."""
    details = connection_for(session).execute(_EDITS, {"request_id": request_id}).scalars()
    return any(isinstance(detail, dict) and detail.get("text_changed") for detail in details)


# --- edit -------------------------------------------------------------------------------------------


def edit(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    text: str | None = None,
    response_due_at: datetime | None = None,
    due_at: datetime | None = None,
) -> Outcome:
    """The requester changes the words at once and proposes new times: the assignee accepts them or
    counters (``bot.services.requests.propose``), as with any proposal. Once the request is
    acknowledged only the due date is still open to change."""
    request = load(session, team_id=team_id, request_id=request_id)
    _as_card_owner(request, actor_id)
    _still_open(request)
    if request.state != State.OPEN.value:
        response_due_at = None
    new_text = text.strip() if text is not None else None
    text_changed = bool(new_text) and new_text != request.text
    if response_due_at == request.response_due_at:
        response_due_at = None
    if due_at == request.due_at:
        due_at = None
    if not text_changed and response_due_at is None and due_at is None:
        raise ServiceError("edit_unchanged", number=request.number)
    if any(moment is not None and moment <= now for moment in (response_due_at, due_at)):
        raise ServiceError("past_date")
    detail: dict[str, Any] = {"text_changed": text_changed}
    if text_changed:
        detail["text_before"], detail["text_after"] = request.text, new_text
        request.text = new_text or request.text
    proposal = None
    if response_due_at is not None or due_at is not None:
        proposal = new_proposal(
            session, request, actor_id=actor_id, response_due_at=response_due_at, due_at=due_at, now=now
        )
        detail.update(proposal_id=proposal.id, response_due_at=_iso(response_due_at), due_at=_iso(due_at))
    outcome = _transition(session, request, kind="edited", actor_id=actor_id, now=now, state=None, **detail)
    outcome.detail.pop("text_before", None)  # the event keeps the words; the news reads them from there
    outcome.detail["proposal"] = proposal
    return outcome


# --- reopen -------------------------------------------------------------------------------------------


def _as_card_owner(request: Request, actor_id: str) -> None:
    if actor_id != request.requester_id:
        raise NotAllowed("not_requester_card", number=request.number, requester_id=request.requester_id)


def check_reopen(request: Request, *, actor_id: str) -> None:
    _as_card_owner(request, actor_id)
    if request.state not in (State.DONE.value, State.DECLINED.value):
        raise NotNow("reopen_not_closed", number=request.number)


def reopen(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    reason: str,
    response_due_at: datetime,
) -> Outcome:
    """Done or declined, but not settled for the requester: open again, the clocks counted from now."""
    request = load(session, team_id=team_id, request_id=request_id)
    check_reopen(request, actor_id=actor_id)
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason_required")
    before = snapshot(request)
    request.acknowledged_at = request.closed_at = request.snoozed_until = request.waiting_since = None
    request.decline_reason = None
    request.response_due_at = response_due_at
    if request.due_at is not None and request.due_at <= now:
        request.due_at, request.due_date_only = None, False  # a past due date would be overdue at once
    outcome = _transition(
        session,
        request,
        kind="reopened",
        actor_id=actor_id,
        now=now,
        state=State.OPEN,
        reason=reason,
        restore=before,
        response_due_at=_iso(response_due_at),
        due_at=_iso(request.due_at),
    )
    return outcome


# --- undo ---------------------------------------------------------------------------------------------


def undo(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    event_id: int,
    change: str,
) -> Outcome:
    """Take back Done or Cancel within ``UNDO_WINDOW``: state and every clock exactly as before."""
    request = load(session, team_id=team_id, request_id=request_id)
    event = session.get(RequestEvent, event_id)
    if event is None or event.request_id != request.id or event.kind != change or change not in UNDOABLE:
        raise NotNow("undo_unknown", number=request.number)
    if event.actor_id != actor_id:
        raise NotAllowed("undo_not_yours", number=request.number, actor=event.actor_id or "")
    if now - event.at > UNDO_WINDOW:
        raise NotNow("undo_too_late", number=request.number, minutes=int(UNDO_WINDOW.total_seconds() // 60))
    later = session.scalar(
        select(RequestEvent.id)
        .where(
            RequestEvent.request_id == request.id,
            RequestEvent.id > event.id,
            RequestEvent.kind.in_(_STATE_CHANGES),
        )
        .limit(1)
    )
    restore = event.detail.get("restore") if isinstance(event.detail, dict) else None
    if (
        later is not None
        or not restore
        or request.state != (State.DONE if change == "done" else State.CANCELLED)
    ):
        raise NotNow("undo_stale", number=request.number)
    state = State(restore["state"])
    for name in _CLOCKS:
        if name == "response_due_at":
            request.response_due_at = _moment(restore[name]) or request.response_due_at
        else:
            setattr(request, name, _moment(restore.get(name)))
    request.due_date_only = bool(restore.get("due_date_only"))
    # A rating given in those minutes rated a finish that did not happen: it goes with the Done.
    rating_removed = False
    if change == "done":
        rating_removed = bool(session.execute(delete(Rating).where(Rating.request_id == request.id)).rowcount)
    outcome = _transition(
        session,
        request,
        kind="undone",
        actor_id=actor_id,
        now=now,
        state=state,
        undid=event.id,
        change=change,
        rating_removed=rating_removed,
    )
    request.closed_at = _moment(restore.get("closed_at"))
    session.flush()
    return outcome


def rating_prompt_of(session: Session, *, request_id: int, done_event_id: int) -> tuple[str, str] | None:
    """Where the rating prompt of one Done landed (to withdraw it when the Done is undone)."""
    row = session.execute(
        select(OutboxMessage.channel_id, OutboxMessage.message_ts).where(
            OutboxMessage.request_id == request_id,
            OutboxMessage.dedupe_key == f"done:{request_id}:{done_event_id}:rating",
        )
    ).first()
    if row is None or not (row.channel_id and row.message_ts):
        return None
    return row.channel_id, row.message_ts


# --- the conversation between the two cards ---------------------------------------------------------


#: Which side of the talk a thread is.
ASSIGNEE_SIDE = "assignee"
REQUESTER_SIDE = "requester"


def find_thread(
    session: Session, *, team_id: str, channel_id: str, thread_ts: str
) -> tuple[Request, str] | None:
    """The request whose card (or filed-in thread) this thread is, and whose side it is."""
    request = session.scalars(
        select(Request).where(
            Request.team_id == team_id,
            Request.requester_channel_id == channel_id,
            Request.requester_message_ts == thread_ts,
        )
    ).first()
    if request is not None:
        return request, REQUESTER_SIDE
    request = find_by_thread(session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts)
    return (request, ASSIGNEE_SIDE) if request is not None else None


def record_message(
    session: Session, request: Request, *, side: str, actor_id: str, text: str, now: datetime
) -> RequestEvent | None:
    """A party's words in their side's thread, kept in the history (the relay reads them from there).
    Someone who is neither party, or a party writing in the other side's thread, is not relayed: the
    cards are private to the two, and a relay back to oneself would only echo."""
    author_side = (
        REQUESTER_SIDE
        if actor_id == request.requester_id
        else ASSIGNEE_SIDE
        if actor_id == request.assignee_id
        else None
    )
    if author_side is None or author_side != side or not text.strip():
        return None
    event = record(session, request, kind="message", actor_id=actor_id, now=now, side=side, text=text)
    session.flush()
    return event
