"""Who is told what about a team request — written to the outbox in the transaction of the change.

* Filed in claim mode: one *I'll take it* card per member (not the requester), or ONE card in the
  team's intake channel; the requester's confirmation; App Homes.
* Claimed: the new assignee gets their ordinary card, every team card shows who took it (a redraw of
  each, collapsed), the requester is told.
* Any other change (cancelled …): the team cards show it.
* The team reminders already sent about it are redrawn too (collapsed, like the cards): "Taken by @x"
  or closed, no *I'll take it* any more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox.news import Origin, refresh_homes
from bot.outbox.store import enqueue
from bot.services import teams as team_service
from bot.services.requests import Outcome
from models import OutboxMessage, Request, Team
from models.outbox import PRIORITY_NORMAL, PRIORITY_NOW


def _team_sequence(request: Request, recipient: str) -> str:
    return f"team_card:{request.id}:{recipient}"


def filed(
    session: Session,
    request: Request,
    *,
    team: Team,
    members: list[str],
    now: datetime,
    origin: Origin | None = None,
    unread: tuple[str, ...] = (),
) -> None:
    """A team request nobody has taken yet: the cards, the requester's confirmation, App Homes."""
    recipients = [team.intake_channel_id] if team.intake_channel_id else members
    for recipient in recipients:
        enqueue(
            session,
            team_id=request.team_id,
            kind="team_card",
            key=f"team_card:{request.id}:{recipient}",
            now=now,
            recipient=recipient,
            request_id=request.id,
            sequence=_team_sequence(request, recipient),
        )
    payload: dict[str, Any] = {"intake_channel_id": team.intake_channel_id}
    if origin is not None and origin.response_url:
        payload["response_url"] = origin.response_url
        if origin.replace:
            payload["replace_original"] = True
    elif origin is not None and origin.channel_id:
        payload["channel"] = origin.channel_id
    if unread:
        payload["unread"] = list(unread)
    enqueue(
        session,
        team_id=request.team_id,
        kind="team_confirmation",
        key=f"team_confirmation:{request.id}",
        now=now,
        recipient=request.requester_id,
        request_id=request.id,
        payload=payload,
        priority=PRIORITY_NOW,
    )
    refresh_homes(session, team_id=request.team_id, user_ids=[request.requester_id, *members], now=now)


def redraw_cards(session: Session, request: Request, *, now: datetime) -> None:
    """Every team card of the request shows it as it is now."""
    for card in team_service.cards_of(session, request.id):
        if not (card.channel_id and card.message_ts):
            continue
        key = f"redraw:team_card:{card.id}"
        enqueue(
            session,
            team_id=request.team_id,
            kind="team_card_redraw",
            key=key,
            collapse=True,
            sequence=_team_sequence(request, card.recipient_id),
            now=now,
            recipient=card.recipient_id,
            request_id=request.id,
            payload={"card_id": card.id},
        )


def redraw_reminder(session: Session, reminder: OutboxMessage, *, now: datetime) -> None:
    """A sent team reminder (its outbox row knows where it landed) shows its requests as they are now."""
    enqueue(
        session,
        team_id=reminder.team_id,
        kind="team_reminder_redraw",
        key=f"redraw:team_reminder:{reminder.id}",
        collapse=True,
        sequence=reminder.sequence_key,
        now=now,
        recipient=reminder.recipient,
        payload={"outbox_id": reminder.id},
    )


def redraw_reminders(session: Session, request: Request, *, now: datetime) -> None:
    """Every team reminder sent about the request is redrawn. The outbox keeps sent rows (with where
    they landed) for ``KEEP_FINISHED``; an older reminder keeps its button, and a click on it is told
    who took the request."""
    sent = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.team_id == request.team_id,
            OutboxMessage.kind == "team_reminder",
            OutboxMessage.message_ts.is_not(None),
            OutboxMessage.created_at >= request.created_at,
        )
    )
    for reminder in sent:
        if request.id in ((reminder.payload or {}).get("requests") or []):
            redraw_reminder(session, reminder, now=now)


def announce(session: Session, outcome: Outcome, *, now: datetime) -> None:
    """After a change to a team request (``bot.outbox.news.announce`` calls this)."""
    request = outcome.request
    if request.group_id is None or not outcome.changed:
        return
    redraw_cards(session, request, now=now)
    redraw_reminders(session, request, now=now)
    members = team_service.members_of(session, team_id=request.team_id, usergroup_id=request.group_id)
    if outcome.kind == "claimed":
        enqueue(
            session,
            team_id=request.team_id,
            kind="card",
            key=f"card:{request.id}:{request.assignee_id}:{outcome.event_id}",
            now=now,
            recipient=request.assignee_id or "",
            request_id=request.id,
            sequence=f"card:{request.id}",
            priority=PRIORITY_NOW,
        )
        enqueue(
            session,
            team_id=request.team_id,
            kind="team_news",
            key=f"claimed:{request.id}:{outcome.event_id}:news",
            now=now,
            recipient=request.requester_id,
            request_id=request.id,
            payload={"event": "claimed"},
            priority=PRIORITY_NORMAL,
        )
    refresh_homes(session, team_id=request.team_id, user_ids=members, now=now)


def team_reminder_key(team_id: str, recipient: str, day: str) -> str:
    return f"team_reminder:{team_id}:{recipient}:{day}"


def team_reminder(
    session: Session, *, team_id: str, recipient: str, request_ids: list[int], day: str, now: datetime
) -> None:
    """The bundled reminder of unclaimed team requests: at most one per recipient and business day."""
    enqueue(
        session,
        team_id=team_id,
        kind="team_reminder",
        key=team_reminder_key(team_id, recipient, day),
        now=now,
        recipient=recipient,
        payload={"requests": sorted(request_ids), "at": now.isoformat()},
        sequence=f"team_reminder:{team_id}:{recipient}",
    )


def settings_saved(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    usergroup_id: str,
    response_url: str | None,
    now: datetime,
) -> None:
    """Whoever changed a team's settings sees what is in force now."""
    enqueue(
        session,
        team_id=team_id,
        kind="team_settings",
        key=f"team_settings:{team_id}:{usergroup_id}:{user_id}:{now.isoformat()}",
        now=now,
        recipient=user_id,
        payload={"usergroup_id": usergroup_id, "response_url": response_url},
        priority=PRIORITY_NOW,
    )


def members_changed(session: Session, *, team_id: str, user_ids: list[str], now: datetime) -> None:
    """Who joined or left a team sees its open requests (or no longer) in App Home."""
    refresh_homes(session, team_id=team_id, user_ids=list(user_ids), now=now)
