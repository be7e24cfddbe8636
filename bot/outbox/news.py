"""Who is told what after a change — written to the outbox in the transaction of the change.

Listeners and jobs call these right after the service that made the change, in the same transaction:
the change and everything it causes to be said commit together (``bot.outbox.store``). Nothing here
renders or talks to Slack; ``bot.outbox.messages`` renders each row when its turn comes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox import conversation
from bot.outbox.store import enqueue, say, written_together
from bot.services import home as home_service
from bot.services.requests import Outcome
from models import Request
from models.outbox import PRIORITY_BULK, PRIORITY_NOW
from models.reminder import Reminder

#: Outcomes the requester hears about as news (``bot.blocks.requests.REQUESTER_NEWS``).
NEWS = frozenset({"acknowledged", "declined", "reassigned", "snoozed", "taken_over"})
#: Outcomes by which a request reaches a new assignee: a fresh card for them.
HANDOVERS = frozenset({"reassigned", "taken_over", "redirected"})


@dataclass(frozen=True)
class Origin:
    """Where a click or a command came from: the message to redraw and the response_url to answer on."""

    response_url: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    #: The answer replaces the message clicked (a question the bot asked), instead of following it.
    replace: bool = False


def _card_sequence(request: Request) -> str:
    return f"card:{request.id}"


def refresh_card(session: Session, request: Request, *, now: datetime) -> None:
    """The assignee's card shows the request as it is (a redraw, collapsed with any still pending)."""
    enqueue(
        session,
        team_id=request.team_id,
        kind="card_redraw",
        key=f"redraw:card:{request.id}",
        collapse=True,
        sequence=_card_sequence(request),
        now=now,
        recipient=request.assignee_id or "",  # a team request nobody has taken yet has no card
        request_id=request.id,
    )


def refresh_reminders(session: Session, request: Request, *, now: datetime) -> None:
    """Reminder messages that listed this request show its new state too: no stale buttons linger."""
    messages = session.execute(
        select(Reminder.channel_id, Reminder.message_ts)
        .where(Reminder.request_id == request.id, Reminder.state == "sent", Reminder.message_ts.is_not(None))
        .distinct()
    ).all()
    for channel, ts in messages:
        key = f"redraw:reminder:{channel}:{ts}"
        enqueue(
            session,
            team_id=request.team_id,
            kind="reminder_redraw",
            key=key,
            collapse=True,
            sequence=key,
            now=now,
            payload={"channel": channel, "ts": ts},
        )


def refresh_homes(
    session: Session,
    *,
    team_id: str,
    user_ids: list[str | None],
    now: datetime,
    visitors: Collection[str] | None = None,
) -> None:
    """App Home again for those of ``user_ids`` who use it (one collapsed refresh each). ``visitors``:
    those of them who use it, read before the transaction (none of this one's statements, then)."""
    people = [user for user in dict.fromkeys(user_ids) if user]
    if visitors is None:
        users = home_service.visitors(session, team_id=team_id, user_ids=people)
    else:
        users = [user for user in people if user in visitors]
    for user_id in users:
        key = f"home:{team_id}:{user_id}"
        enqueue(
            session,
            team_id=team_id,
            kind="home",
            key=key,
            collapse=True,
            sequence=key,
            priority=PRIORITY_BULK,
            now=now,
            recipient=user_id,
        )


def filed(
    session: Session,
    request: Request,
    *,
    now: datetime,
    origin: Origin | None = None,
    unread: tuple[str, ...] = (),
    visitors: Collection[str] | None = None,
) -> None:
    """A new request: the assignee's card, the requester's confirmation where they filed it (naming the
    ``unread`` words that looked like a time but were not read as one), App Homes (of ``visitors``, if
    read before: ``refresh_homes``) — written in one statement."""
    with written_together(session):
        _filed(session, request, now=now, origin=origin, unread=unread, visitors=visitors)


def _filed(
    session: Session,
    request: Request,
    *,
    now: datetime,
    origin: Origin | None,
    unread: tuple[str, ...],
    visitors: Collection[str] | None,
) -> None:
    say(
        session,
        request,
        "card",
        request.assignee_id,
        f"card:{request.id}:{request.assignee_id}:0",
        now=now,
        sequence=_card_sequence(request),
    )
    from bot.outbox import card_news

    card_news.post_requester_card(session, request, now=now)
    payload: dict[str, Any] = {}
    if origin is not None and origin.response_url:
        payload["response_url"] = origin.response_url
        if origin.replace:
            payload["replace_original"] = True  # the question it answers gives way to the confirmation
    elif origin is not None and origin.channel_id:
        payload["channel"] = origin.channel_id
    if unread:
        payload["unread"] = list(unread)
    say(
        session,
        request,
        "confirmation",
        request.requester_id,
        f"confirmation:{request.id}",
        now=now,
        payload=payload,
        priority=PRIORITY_NOW,
    )
    refresh_homes(
        session,
        team_id=request.team_id,
        user_ids=[request.requester_id, request.assignee_id],
        now=now,
        visitors=visitors,
    )


def announce(session: Session, outcome: Outcome, *, now: datetime, origin: Origin | None = None) -> None:
    """After a change to a request: its card, the other side, the reminder messages, App Homes."""
    if not outcome.changed:
        return
    from bot.outbox import card_news

    request = outcome.request
    kind = outcome.kind
    key = f"{kind}:{request.id}:{outcome.event_id}"
    if kind in HANDOVERS:
        channel, ts = outcome.detail.get("previous_message") or (None, None)
        previous = outcome.detail.get("from_assignee_id") or ""
        if channel and ts:
            say(
                session,
                request,
                "handed_over",
                previous,
                f"{key}:handed_over",
                now=now,
                payload={"channel": channel, "ts": ts, "taken_over": kind == "taken_over"},
                sequence=_card_sequence(request),
            )
        say(
            session,
            request,
            "card",
            request.assignee_id,
            f"card:{request.id}:{request.assignee_id}:{outcome.event_id}",
            now=now,
            sequence=_card_sequence(request),
        )
    else:
        refresh_card(session, request, now=now)
    refresh_reminders(session, request, now=now)
    conversation.tell(session, outcome, key=key, now=now, origin=origin)
    if kind == "cancelled":
        if (
            outcome.previous_state != "declined" and request.assignee_id
        ):  # who declined needs no word; an unclaimed team request has nobody to tell
            say(session, request, "cancelled", request.assignee_id, f"{key}:assignee", now=now)
        if (
            origin is not None
            and origin.response_url
            and not card_news.clicked_on_requester_card(request, origin)
        ):
            say(
                session,
                request,
                "closed_reply",
                outcome.actor_id,
                f"{key}:reply",
                now=now,
                payload={"response_url": origin.response_url},
                priority=PRIORITY_NOW,
            )
    elif kind == "done":
        # The news and "how did it go?" in one DM (after the answer it carried, if any).
        say(
            session,
            request,
            "rating_prompt",
            request.requester_id,
            f"{key}:rating",
            now=now,
            sequence=conversation.requester_sequence(request),
        )
    elif kind in NEWS:
        payload = {"event": kind, "from_assignee_id": outcome.detail.get("from_assignee_id")}
        say(session, request, "news", request.requester_id, f"{key}:news", now=now, payload=payload)
    elif kind == "proposed":
        proposal = outcome.detail["proposal"]
        say(
            session,
            request,
            "proposal",
            request.requester_id,
            f"{key}:requester",
            now=now,
            payload={"proposal_id": proposal.id},
        )
        say(
            session,
            request,
            "proposal_sent",
            request.assignee_id,
            f"{key}:assignee",
            now=now,
            priority=PRIORITY_NOW,
        )
    elif kind == "times_set":
        notice(
            session,
            team_id=request.team_id,
            recipient=request.requester_id,
            code="times_set",
            key=f"{key}:requester",
            now=now,
            params={"number": request.number, "assignee": request.assignee_id},
        )
    elif kind in ("proposal_accepted", "proposal_rejected") and _by_requester(outcome):
        card_news.requester_proposal_decided(session, outcome, now=now)
    elif kind in ("proposal_accepted", "proposal_rejected"):
        accepted = kind == "proposal_accepted"
        reply: dict[str, Any] = {"accepted": accepted}
        if origin is not None and origin.response_url:
            reply["response_url"] = origin.response_url
        say(
            session,
            request,
            "proposal_decided",
            request.requester_id,
            f"{key}:requester",
            now=now,
            payload=reply,
            priority=PRIORITY_NOW,
        )
        say(
            session,
            request,
            "proposal_decided",
            request.assignee_id,
            f"{key}:assignee",
            now=now,
            payload={"accepted": accepted},
        )
    card_news.after_change(session, outcome, now=now, origin=origin)
    involved = [request.requester_id, request.assignee_id, outcome.detail.get("from_assignee_id")]
    refresh_homes(session, team_id=request.team_id, user_ids=involved, now=now)
    if request.group_id is not None:
        from bot.outbox import team_news  # the team cards (claimed, cancelled …)

        team_news.announce(session, outcome, now=now)


def _by_requester(outcome: Outcome) -> bool:
    """A decision on times the requester proposed (an edit from their card), not the assignee."""
    proposal = outcome.detail.get("proposal")
    return proposal is not None and proposal.proposed_by == outcome.request.requester_id


def rated(session: Session, request: Request, *, now: datetime, origin: Origin | None) -> None:
    """A rating stored or changed: the prompt the person clicked shows it; App Homes follow."""
    redraw_rating_prompt(session, request, now=now, origin=origin)
    refresh_homes(
        session, team_id=request.team_id, user_ids=[request.requester_id, request.assignee_id], now=now
    )


def thanked(
    session: Session, request: Request, *, now: datetime, created: bool, origin: Origin | None
) -> None:
    if created:
        say(
            session,
            request,
            "kudos",
            request.assignee_id,
            f"kudos:{request.id}:{request.requester_id}",
            now=now,
        )
    redraw_rating_prompt(session, request, now=now, origin=origin)
    refresh_homes(session, team_id=request.team_id, user_ids=[request.assignee_id], now=now)


def redraw_rating_prompt(session: Session, request: Request, *, now: datetime, origin: Origin | None) -> None:
    if origin is None or not (origin.channel_id and origin.message_ts):
        return  # a click in App Home: the Home refresh shows it
    key = f"redraw:rating:{origin.channel_id}:{origin.message_ts}"
    enqueue(
        session,
        team_id=request.team_id,
        kind="rating_redraw",
        key=key,
        collapse=True,
        sequence=key,
        priority=PRIORITY_NOW,
        now=now,
        recipient=request.requester_id,
        request_id=request.id,
        payload={"channel": origin.channel_id, "ts": origin.message_ts},
    )


def ask_channel(
    session: Session, request: Request, *, now: datetime, requester_id: str, origin: Origin | None
) -> None:
    """The requester chose to ask in the channel the request was filed in: one post, recorded once it is out."""
    say(
        session,
        request,
        "channel_help",
        request.channel_id or "",
        f"channel_help:{request.id}:{now.isoformat()}",
        now=now,
        payload={"requester_id": requester_id, "response_url": origin.response_url if origin else None},
    )


def ask_person(
    session: Session, request: Request, *, now: datetime, requester_id: str, person_id: str, note: str | None
) -> None:
    """The requester chose to ask a colleague for help: a DM to them, recorded once it is out."""
    say(
        session,
        request,
        "person_help",
        person_id,
        f"person_help:{request.id}:{person_id}:{now.isoformat()}",
        now=now,
        payload={"requester_id": requester_id, "note": note},
    )


def notice(
    session: Session,
    *,
    team_id: str,
    recipient: str,
    code: str,
    key: str,
    now: datetime,
    params: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> None:
    """A short line for one person (by error/notice code), delivered like any other message."""
    enqueue(
        session,
        team_id=team_id,
        kind="notice",
        key=key,
        now=now,
        recipient=recipient,
        payload={"code": code, "params": params or {}, "response_url": response_url},
        priority=PRIORITY_NOW,
    )


def digest_key(team_id: str, channel_id: str, week_key: str) -> str:
    return f"digest:{team_id}:{channel_id}:{week_key}"


def digest(
    session: Session,
    subscription: Any,
    *,
    week_key: str,
    text: str,
    blocks: list[dict[str, Any]],
    now: datetime,
) -> None:
    """A channel's weekly digest, rendered already (its numbers are computed for all channels at once)."""
    enqueue(
        session,
        team_id=subscription.team_id,
        kind="digest",
        key=digest_key(subscription.team_id, subscription.channel_id, week_key),
        now=now,
        recipient=subscription.channel_id,
        payload={"subscription_id": subscription.id, "week_key": week_key, "text": text, "blocks": blocks},
        priority=PRIORITY_BULK,
    )


def digest_failed(session: Session, subscription: Any, *, error: str, now: datetime) -> None:
    """The person who subscribed a channel learns why its digest could not be posted."""
    enqueue(
        session,
        team_id=subscription.team_id,
        kind="digest_failed",
        key=f"digest_failed:{subscription.id}:{error}:{now.date().isoformat()}",
        now=now,
        recipient=subscription.created_by,
        payload={"channel": subscription.channel_id, "error": error},
    )


def settings_saved(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    """A person saved their own settings: they hear what is in force now; their App Home shows it."""
    enqueue(
        session,
        team_id=team_id,
        kind="settings_saved",
        key=f"settings_saved:{team_id}:{user_id}:{now.isoformat()}",
        now=now,
        recipient=user_id,
        priority=PRIORITY_NOW,
    )
    refresh_homes(session, team_id=team_id, user_ids=[user_id], now=now)
