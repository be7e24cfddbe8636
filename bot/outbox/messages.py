"""Every kind of outbox message: how it is rendered for its reader, and what happens once it is out.

A kind renders from the database as it is when its turn comes (so a redraw shows the latest state) and
from the row's payload (what only the moment of the change knew). ``render`` returns a ``Delivery``
(what to call in Slack) or a ``Drop`` (nothing left to say); ``after`` runs in the transaction that
records the delivery (remember where a card landed, mark reminders sent), ``failed`` in the one that
records a permanent failure.

``KINDS`` lists them all; ``bot.outbox.news`` decides which are written after a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from bot.blocks import absences as absence_blocks
from bot.blocks import conversation as conversation_blocks
from bot.blocks import digest as digest_blocks
from bot.blocks import feedback as feedback_blocks
from bot.blocks import reminders as reminder_blocks
from bot.blocks import requests as blocks
from bot.blocks import settings as settings_blocks
from bot.blocks.errors import error_text
from bot.blocks.home import home_view
from bot.blocks.kit import Reader
from bot.blocks.reminders import ReminderItem, reminder_message
from bot.domain.conversation import CardNotes
from bot.outbox.store import Claimed
from bot.services import absences as absence_service
from bot.services import calendars as calendar_service
from bot.services import card as card_service
from bot.services import conversation as conversation_service
from bot.services import digest as digest_service
from bot.services import feedback as feedback_service
from bot.services import handover as handover_service
from bot.services import home as home_service
from bot.services import reminders as reminder_service
from bot.services.agreement import calendar_for
from models import DigestSubscription, Proposal, Request, RequestEvent
from models.db import connection_for
from models.reminder import Reminder

if TYPE_CHECKING:
    from bot.deps import Deps

POST = "chat.postMessage"
UPDATE = "chat.update"
PUBLISH = "views.publish"
EPHEMERAL = "chat.postEphemeral"
RESPOND = "response_url"


@dataclass(frozen=True)
class Delivery:
    """One Slack call: ``method`` and what it needs."""

    method: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    channel: str = ""  # POST: a channel or user id; UPDATE/EPHEMERAL: the channel
    ts: str = ""  # UPDATE: the message
    user: str = ""  # PUBLISH / EPHEMERAL: the person
    view: dict[str, Any] | None = None  # PUBLISH
    response_url: str = ""  # RESPOND
    replace_original: bool = False  # RESPOND
    thread_ts: str | None = None  # POST / EPHEMERAL: a reply in a thread
    #: EPHEMERAL / RESPOND: when Slack cannot show it there (bot not in the channel, URL expired), DM it.
    dm_fallback: str = ""
    #: What the renderer decided, for its ``after`` hook (e.g. which reminders the message showed).
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Drop:
    """Nothing to say any more (the request changed meanwhile): the row is closed as dropped."""

    reason: str


class Undeliverable(Exception):
    """A renderer found the message can never be delivered (the person is gone): a permanent failure."""


@dataclass(frozen=True)
class Sent:
    """Where a delivery landed (and the renderer's ``meta``)."""

    channel: str = ""
    ts: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What a renderer may use: the database as it is now (read-only), who reads, the business clock."""

    deps: Deps
    session: Session
    row: Claimed
    now: datetime
    _request: Request | None = field(default=None, init=False, repr=False)

    def reader(self, user_id: str, requests: list[Request] | None = None) -> Reader:
        """Who reads: their language and zone, and the zones of the other people of ``requests`` (by
        default the row's request), so agreed times can show the other side's clock too."""
        reader = self.deps.people.reader(self.row.team_id, user_id)
        if requests is None:
            request = self.request()
            requests = [request] if request is not None else []
        others = {
            person
            for request in requests
            for person in (request.requester_id, request.assignee_id)
            if person and person != user_id
        }
        zones = {person: self.deps.people.reader(self.row.team_id, person).tz for person in sorted(others)}
        return reader.knowing(user_id, zones)

    def request(self) -> Request | None:
        """The row's request as it was when rendering began (read once: a renderer asks several times)."""
        if self.row.request_id is None:
            return None
        if self._request is None:
            self._request = self.session.get(Request, self.row.request_id)
        return self._request

    def absence_of(self, team_id: str, user_id: str) -> absence_service.AbsenceInfo | None:
        """Is ``user_id`` away now (``absences.absence_of``), read once for all the rows rendered in this
        session: a filing's requester card and confirmation both show the assignee's absence. (The
        renderers' session only reads, so what it found stays true while it is open.)"""
        known = self.session.info.setdefault(_ABSENCES, {})
        key = (team_id, user_id, self.now)
        if key not in known:
            known[key] = absence_service.absence_of(
                self.session, team_id=team_id, user_id=user_id, now=self.now
            )
        return known[key]

    @property
    def payload(self) -> dict[str, Any]:
        return self.row.payload or {}


_ABSENCES = "kundenfokus_render_absences"


Render = Callable[[Context], "Delivery | Drop"]
After = Callable[[Session, Context, Sent], None]
Failed = Callable[[Session, Context, str], None]


@dataclass(frozen=True)
class Kind:
    method: str
    render: Render
    after: After | None = None
    failed: Failed | None = None


def _dm(user_id: str, text: str, message: list[dict[str, Any]]) -> Delivery:
    return Delivery(POST, text=text, blocks=message, channel=user_id)


def in_thread_of(request: Request, recipient: str, text: str, message: list[dict[str, Any]]) -> Delivery:
    """A message for one party about their request: a reply in the thread of their card (the requester's
    living card, the assignee's card), or a DM while that card is not there."""
    if recipient == request.requester_id and request.requester_channel_id and request.requester_message_ts:
        channel, ts = request.requester_channel_id, request.requester_message_ts
    elif recipient == request.assignee_id and request.assignee_channel_id and request.assignee_message_ts:
        channel, ts = request.assignee_channel_id, request.assignee_message_ts
    else:
        return _dm(recipient, text, message)
    return Delivery(POST, text=text, blocks=message, channel=channel, thread_ts=ts)


# --- the assignee's card -----------------------------------------------------------------------------


def _card_notes(ctx: Context, request: Request) -> CardNotes:
    """How the request came to its assignee, and the question it waits on (for their card)."""
    question = conversation_service.waiting_question(ctx.session, request)
    return CardNotes(
        handover=handover_service.last_handover(ctx.session, request),
        question=(question.detail or {}).get("text") if question is not None else None,
    )


def _card(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    if request.assignee_id != ctx.row.recipient:
        return Drop("reassigned")
    text, card = blocks.assignee_card(
        request,
        ctx.reader(request.assignee_id),
        notes=_card_notes(ctx, request),
        edited=card_service.was_edited(ctx.session, request.id),
    )
    return _dm(request.assignee_id, text, card)


def _card_after(session: Session, ctx: Context, sent: Sent) -> None:
    # One update by id, nothing loaded: a request that is gone matches no row.
    request_id = ctx.row.request_id
    if request_id is None:
        return
    connection_for(session).execute(
        _CARD_PLACE,
        {
            "card_of": request_id,
            "assignee": ctx.row.recipient,
            "card_channel": sent.channel,
            "card_ts": sent.ts,
        },
    )


def _card_place() -> Any:
    """Built once (it runs for every card posted, while SQLite's one write lock is held): the card's place,
    unless the request was handed over meanwhile; and the card's thread becomes the request's thread
    unless it has one already (a reply there is an answer). Each ``CASE`` reads the row as it was."""
    ours = Request.assignee_id == bindparam("assignee")
    threadless = Request.thread_ts.is_(None)
    channel = bindparam("card_channel", type_=Request.assignee_channel_id.type)
    ts = bindparam("card_ts", type_=Request.assignee_message_ts.type)
    return (
        update(Request)
        .where(Request.id == bindparam("card_of"), or_(ours, threadless))
        .values(
            assignee_channel_id=case((ours, channel), else_=Request.assignee_channel_id),
            assignee_message_ts=case((ours, ts), else_=Request.assignee_message_ts),
            thread_channel_id=case((threadless, channel), else_=Request.thread_channel_id),
            thread_ts=case((threadless, ts), else_=Request.thread_ts),
        )
    )


_CARD_PLACE = _card_place()


def _card_redraw(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    if not (request.assignee_channel_id and request.assignee_message_ts):
        return Drop("no_card")
    text, card = blocks.assignee_card(
        request,
        ctx.reader(request.assignee_id),
        notes=_card_notes(ctx, request),
        edited=card_service.was_edited(ctx.session, request.id),
    )
    return Delivery(
        UPDATE, text=text, blocks=card, channel=request.assignee_channel_id, ts=request.assignee_message_ts
    )


def _handed_over(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    channel, ts = ctx.payload.get("channel"), ctx.payload.get("ts")
    if request is None or not (channel and ts):
        return Drop("no_card")
    reader = ctx.reader(ctx.row.recipient)
    if ctx.payload.get("via") == "deputy":
        text, card = absence_blocks.taken_over_card(
            request, reader, asked=ctx.payload.get("event") == "asked_deputy"
        )
    elif ctx.payload.get("taken_over"):
        text, card = conversation_blocks.taken_over_previous(request, reader, request.assignee_id)
    else:
        text, card = blocks.previous_assignee_handed_over(request, reader)
    return Delivery(UPDATE, text=text, blocks=card, channel=channel, ts=ts)


# --- news for the other side ----------------------------------------------------------------------------


def _news(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    event = ctx.payload.get("event", "")
    if event not in blocks.REQUESTER_NEWS:
        return Drop("unknown_news")
    text, message = blocks.requester_news(request, event, ctx.reader(ctx.row.recipient), ctx.payload)
    return in_thread_of(request, ctx.row.recipient, text, message)


def _cancelled(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = blocks.assignee_cancelled(request, ctx.reader(ctx.row.recipient))
    return _dm(ctx.row.recipient, text, message)


def _confirmation(ctx: Context) -> Delivery | Drop:
    """The requester's confirmation right after filing: where they filed it (response_url or ephemeral)."""
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    unread = [str(words) for words in ctx.payload.get("unread") or []]
    reader = ctx.reader(ctx.row.recipient)
    text, message = blocks.requester_confirmation(request, reader, unread=unread)
    message = message + _away_note(ctx, request, reader)
    if ctx.payload.get("response_url"):
        return Delivery(
            RESPOND,
            text=text,
            blocks=message,
            response_url=ctx.payload["response_url"],
            replace_original=bool(ctx.payload.get("replace_original")),
            dm_fallback=ctx.row.recipient,
        )
    if ctx.payload.get("channel"):
        return Delivery(
            EPHEMERAL,
            text=text,
            blocks=message,
            channel=ctx.payload["channel"],
            user=ctx.row.recipient,
            dm_fallback=ctx.row.recipient,
        )
    return _dm(ctx.row.recipient, text, message)


def _away_note(ctx: Context, request: Request, reader: Reader) -> list[dict[str, Any]]:
    """The person asked is away: say so at once, with the deputy (and one click to ask them instead)."""
    away = ctx.absence_of(request.team_id, request.assignee_id)
    if away is None or request.is_closed:
        return []
    deputy = away.deputy_id if away.deputy_id != request.requester_id else None
    return absence_blocks.confirmation_note(request, reader, until=away.until, deputy=deputy)


def _absence_slip(ctx: Context) -> Delivery | Drop:
    """The requester: the absence of the person asked moved the times of their request."""
    request = ctx.request()
    if request is None or request.is_closed:
        return Drop("request_gone")
    if request.assignee_id != ctx.payload.get("assignee"):
        return Drop("reassigned")
    until = ctx.payload.get("until")
    text, message = absence_blocks.slip_message(
        request,
        ctx.reader(ctx.row.recipient),
        until=datetime.fromisoformat(until) if isinstance(until, str) else None,
        deputy=ctx.payload.get("deputy") if ctx.payload.get("deputy") != request.requester_id else None,
    )
    return _dm(ctx.row.recipient, text, message)


def _closed_reply(ctx: Context) -> Delivery | Drop:
    """Replace the message a requester cancelled from (the ephemeral confirmation) with its closed line."""
    request = ctx.request()
    if request is None or not ctx.payload.get("response_url"):
        return Drop("nowhere")
    line = blocks.closed_line(request, ctx.reader(ctx.row.recipient))
    return Delivery(
        RESPOND,
        text=line,
        blocks=blocks.notice(line),
        response_url=ctx.payload["response_url"],
        replace_original=True,
    )


# --- the agreement ----------------------------------------------------------------------------------------


def _proposal(session: Session, ctx: Context) -> Proposal | None:
    proposal_id = ctx.payload.get("proposal_id")
    return session.get(Proposal, proposal_id) if proposal_id else None


def _proposal_for_requester(ctx: Context) -> Delivery | Drop:
    request, proposal = ctx.request(), _proposal(ctx.session, ctx)
    if request is None or proposal is None:
        return Drop("request_gone")
    if proposal.state != "pending":
        return Drop("proposal_decided")
    text, message = reminder_blocks.proposal_for_requester(request, proposal, ctx.reader(ctx.row.recipient))
    return in_thread_of(request, ctx.row.recipient, text, message)


def _proposal_sent(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = reminder_blocks.proposal_sent(request, ctx.reader(ctx.row.recipient))
    return _dm(ctx.row.recipient, text, message)


def _proposal_decided(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    accepted = bool(ctx.payload.get("accepted"))
    reader = ctx.reader(ctx.row.recipient)
    if ctx.row.recipient == request.requester_id:
        text, message = reminder_blocks.proposal_decided_for_requester(request, accepted, reader)
        if ctx.payload.get("response_url"):
            return Delivery(
                RESPOND,
                text=text,
                blocks=message,
                response_url=ctx.payload["response_url"],
                replace_original=True,
                dm_fallback=ctx.row.recipient,
            )
        return in_thread_of(request, ctx.row.recipient, text, message)
    text, message = reminder_blocks.proposal_decided_for_assignee(request, accepted, reader)
    return _dm(ctx.row.recipient, text, message)


# --- asking others for help (only because the requester chose to) --------------------------------------


def _channel_help(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None or not request.channel_id:
        return Drop("no_channel")
    reader = Reader.of(ctx.deps.people.workspace_language(ctx.row.team_id), ctx.deps.settings.timezone)
    text, message = reminder_blocks.channel_help_post(request, reader)
    return Delivery(POST, text=text, blocks=message, channel=request.channel_id)


def _channel_help_after(session: Session, ctx: Context, sent: Sent) -> None:
    """Recorded only once the post is really there; the assignee and the requester hear of it."""
    request = ctx.request()
    if request is None:
        return
    _record_escalation(session, ctx, request, to="channel", target_id=sent.channel)
    _enqueue_follow_up(
        session,
        ctx,
        request,
        kind="escalation_notice",
        recipient=request.assignee_id,
        payload={"channel": sent.channel},
    )
    _enqueue_follow_up(
        session,
        ctx,
        request,
        kind="escalation_done",
        recipient=ctx.payload["requester_id"],
        payload={"channel": sent.channel, "response_url": ctx.payload.get("response_url")},
    )


def _channel_help_failed(session: Session, ctx: Context, error: str) -> None:
    request = ctx.request()
    if request is None:
        return
    _enqueue_follow_up(
        session,
        ctx,
        request,
        kind="notice",
        recipient=ctx.payload["requester_id"],
        payload={
            "code": "escalate_channel_failed",
            "params": {"channel": request.channel_id or ""},
            "response_url": ctx.payload.get("response_url"),
        },
    )


def _person_help(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = reminder_blocks.person_help_dm(
        request, ctx.reader(ctx.row.recipient), ctx.payload.get("note") or None
    )
    return _dm(ctx.row.recipient, text, message)


def _person_help_after(session: Session, ctx: Context, sent: Sent) -> None:
    request = ctx.request()
    if request is None:
        return
    _record_escalation(session, ctx, request, to="person", target_id=ctx.row.recipient)
    _enqueue_follow_up(
        session,
        ctx,
        request,
        kind="escalation_notice",
        recipient=request.assignee_id,
        payload={"person": ctx.row.recipient},
    )
    _enqueue_follow_up(
        session,
        ctx,
        request,
        kind="escalation_done",
        recipient=ctx.payload["requester_id"],
        payload={"person": ctx.row.recipient, "response_url": ctx.payload.get("response_url")},
    )


def _person_help_failed(session: Session, ctx: Context, error: str) -> None:
    request = ctx.request()
    if request is not None:
        _enqueue_follow_up(
            session,
            ctx,
            request,
            kind="notice",
            recipient=ctx.payload["requester_id"],
            payload={"code": "internal", "params": {}},
        )


def _record_escalation(session: Session, ctx: Context, request: Request, *, to: str, target_id: str) -> None:
    session.add(
        RequestEvent(
            request_id=request.id,
            at=ctx.now,
            actor_id=ctx.payload.get("requester_id"),
            kind="escalated",
            detail={"to": to, "target_id": target_id},
        )
    )


def _enqueue_follow_up(
    session: Session,
    ctx: Context,
    request: Request,
    *,
    kind: str,
    recipient: str | None,
    payload: dict[str, Any],
) -> None:
    from bot.outbox.store import enqueue

    if not recipient:
        return  # nobody to tell (an escalation notice for a team request nobody has taken)
    enqueue(
        session,
        team_id=request.team_id,
        kind=kind,
        key=f"{kind}:{ctx.row.id}:{recipient}",
        now=ctx.now,
        recipient=recipient,
        request_id=request.id,
        payload=payload,
    )


def _escalation_notice(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = reminder_blocks.assignee_escalation_notice(
        request,
        ctx.reader(ctx.row.recipient),
        channel_id=ctx.payload.get("channel"),
        person_id=ctx.payload.get("person"),
    )
    return _dm(ctx.row.recipient, text, message)


def _escalation_done(ctx: Context) -> Delivery | Drop:
    reader = ctx.reader(ctx.row.recipient)
    text = reminder_blocks.escalation_confirmation(
        reader, channel_id=ctx.payload.get("channel"), person_id=ctx.payload.get("person")
    )
    if ctx.payload.get("response_url"):
        return Delivery(
            RESPOND, text=text, response_url=ctx.payload["response_url"], dm_fallback=ctx.row.recipient
        )
    return _dm(ctx.row.recipient, text, [])


def _notice(ctx: Context) -> Delivery | Drop:
    """A short line for one person, by error/notice code, in their language (DM, or where they clicked)."""
    text = error_text(
        ctx.reader(ctx.row.recipient), ctx.payload.get("code", "internal"), **ctx.payload.get("params", {})
    )
    if ctx.payload.get("response_url"):
        return Delivery(
            RESPOND, text=text, response_url=ctx.payload["response_url"], dm_fallback=ctx.row.recipient
        )
    return _dm(ctx.row.recipient, text, [])


# --- ratings and thanks ---------------------------------------------------------------------------------


def _rating_blocks(ctx: Context, request: Request) -> tuple[str, list[dict[str, Any]]]:
    rating = feedback_service.rating_of(ctx.session, request.id)
    thanked = feedback_service.has_thanked(ctx.session, request_id=request.id, from_id=request.requester_id)
    return feedback_blocks.rating_prompt(
        request, ctx.reader(request.requester_id), rating=rating, thanked=thanked
    )


def _rating_prompt(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = _rating_blocks(ctx, request)
    return in_thread_of(request, request.requester_id, text, message)


def _rating_redraw(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    channel, ts = ctx.payload.get("channel"), ctx.payload.get("ts")
    if request is None or not (channel and ts):
        return Drop("nowhere")
    text, message = _rating_blocks(ctx, request)
    return Delivery(UPDATE, text=text, blocks=message, channel=channel, ts=ts)


def _kudos(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = feedback_blocks.kudos_message(request, ctx.reader(ctx.row.recipient))
    return _dm(ctx.row.recipient, text, message)


# --- App Home ---------------------------------------------------------------------------------------------


def _home(ctx: Context) -> Delivery | Drop:
    user_id = ctx.row.recipient
    reader = ctx.reader(user_id, [])
    data = home_service.home_data(
        ctx.session,
        settings=ctx.deps.settings,
        team_id=ctx.row.team_id,
        user_id=user_id,
        now=ctx.now,
        tz=reader.tz.key,
    )
    listed = [*data.asked_of_me, *data.my_asks, *data.team_open]
    ctx.deps.people.prefetch(
        {(ctx.row.team_id, p) for r in listed for p in (r.requester_id, r.assignee_id) if p}
    )
    reader = ctx.reader(user_id, listed)
    view = home_view(data, reader, user_id=user_id, now=ctx.now)
    away = absence_service.absence_of(ctx.session, team_id=ctx.row.team_id, user_id=user_id, now=ctx.now)
    if away is not None:
        view["blocks"][2:2] = absence_blocks.home_absence(
            reader, user_id=user_id, until=away.until, deputy=away.deputy_id
        )
    return Delivery(PUBLISH, user=user_id, view=view)


# --- reminders ---------------------------------------------------------------------------------------------


def _reminder_rows(ctx: Context) -> list[Reminder]:
    ids = ctx.payload.get("reminders") or []
    rows = ctx.session.scalars(select(Reminder).where(Reminder.id.in_(ids)).order_by(Reminder.id))
    return [row for row in rows if row.state == "queued" and row.outbox_id == ctx.row.id]


@dataclass(frozen=True)
class _Sorted:
    """The queued rows of one reminder message, sorted by what is to become of them."""

    wanted: list[Reminder]
    skipped: dict[int, str]
    stale: list[int]
    requests: dict[int, Request]


def _reminder_moment(ctx: Context) -> datetime:
    """When to judge the reminders: now — or the moment they were planned for, if that is later (a
    ``sweep --at`` ahead of the clock)."""
    planned = ctx.payload.get("at")
    try:
        at = datetime.fromisoformat(planned) if isinstance(planned, str) else None
    except ValueError:
        at = None
    return max(ctx.now, at) if at is not None and at.tzinfo is not None else ctx.now


def _sort_reminders(ctx: Context) -> _Sorted:
    rows = _reminder_rows(ctx)
    now = _reminder_moment(ctx)
    verdicts = reminder_service.review(ctx.session, rows, now=now)
    person = ctx.deps.people.get(ctx.row.team_id, ctx.row.recipient)
    if person is None or not person.usable:
        raise Undeliverable("user_not_found" if person is None else "account_inactive")
    today = calendar_for(ctx.deps.settings, person.tz).local_business_day(now).isoformat()
    wanted, skipped, stale = [], {}, []
    for row in rows:
        verdict = verdicts[row.id]
        if not verdict.send:
            skipped[row.id] = verdict.reason
        elif row.day_key != today:
            # Its business day is over (delivery was held up past it): plan afresh for today.
            stale.append(row.id)
        else:
            wanted.append(row)
    requests = {row.id: verdicts[row.id].request for row in wanted}
    return _Sorted(wanted, skipped, stale, requests)  # type: ignore[arg-type]


def _reminder(ctx: Context) -> Delivery | Drop:
    """The nudge ladder's message for one person: everything due for them, as one DM."""
    if not _reminder_rows(ctx):
        return Drop("nothing_queued")
    rows = _sort_reminders(ctx)
    if not rows.wanted:
        return Drop("no_longer_due")
    items = [ReminderItem(rows.requests[row.id], row.step, row.key) for row in rows.wanted]
    text, message = reminder_message(items, ctx.reader(ctx.row.recipient, [item.request for item in items]))
    shown = {"sent": [row.id for row in rows.wanted], "skipped": rows.skipped, "stale": rows.stale}
    return Delivery(POST, text=text, blocks=message, channel=ctx.row.recipient, meta=shown)


def _reminder_after(session: Session, ctx: Context, sent: Sent) -> None:
    """Exactly what the message showed is recorded as sent."""
    reminder_service.record_delivery(
        session,
        sent_ids=sent.meta.get("sent", []),
        skipped=sent.meta.get("skipped", {}),
        stale=sent.meta.get("stale", []),
        at=_reminder_moment(ctx),
        channel_id=sent.channel,
        message_ts=sent.ts,
    )
    card_messages.redraw_after_reminders(session, ctx, sent.meta.get("sent", []))


def _reminder_dropped(session: Session, ctx: Context, reason: str) -> None:
    if not _reminder_rows(ctx):
        return
    try:
        rows = _sort_reminders(ctx)
    except Undeliverable as gone:
        reminder_service.record_failure(session, [row.id for row in _reminder_rows(ctx)], error=str(gone))
        return
    reminder_service.record_delivery(
        session,
        sent_ids=[],
        skipped={**rows.skipped, **{row.id: reason for row in rows.wanted}},
        stale=rows.stale,
        at=ctx.now,
        channel_id=None,
        message_ts=None,
    )


def _reminder_failed(session: Session, ctx: Context, error: str) -> None:
    reminder_service.record_failure(session, [row.id for row in _reminder_rows(ctx)], error=error)


def _reminder_redraw(ctx: Context) -> Delivery | Drop:
    channel, ts = ctx.payload.get("channel"), ctx.payload.get("ts")
    message = reminder_service.sent_message(ctx.session, channel_id=channel or "", message_ts=ts or "")
    if message is None:
        return Drop("nowhere")
    items = [ReminderItem(listed, step, key) for listed, step, key in message.rows]
    text, redrawn = reminder_message(
        items, ctx.reader(message.recipient_id, [item.request for item in items])
    )
    return Delivery(UPDATE, text=text, blocks=redrawn, channel=message.channel_id, ts=message.message_ts)


# --- the weekly digest -------------------------------------------------------------------------------------


def _digest(ctx: Context) -> Delivery | Drop:
    text, message = ctx.payload.get("text") or "", ctx.payload.get("blocks") or []
    if not text:
        return Drop("empty")
    return Delivery(POST, text=text, blocks=message, channel=ctx.row.recipient)


def _digest_after(session: Session, ctx: Context, sent: Sent) -> None:
    digest_service.mark_posted(
        session,
        subscription_id=ctx.payload["subscription_id"],
        week_key=ctx.payload["week_key"],
        now=ctx.now,
        message_ts=sent.ts,
    )


def _digest_failed_post(session: Session, ctx: Context, error: str) -> None:
    """A permanent failure: the week is not tried again, a vanished channel is unsubscribed, and whoever
    subscribed it is told (a passing failure was retried by the outbox, not here)."""
    from bot.jobs.digest import GONE_ERRORS  # the list of Slack errors that end a subscription

    subscription_id, week_key = ctx.payload["subscription_id"], ctx.payload["week_key"]
    digest_service.mark_failed(
        session,
        subscription_id=subscription_id,
        week_key=week_key,
        error=error,
        deactivate=error in GONE_ERRORS,
    )
    subscription = session.get(DigestSubscription, subscription_id)
    if subscription is not None:
        from bot.outbox import news

        news.digest_failed(session, subscription, error=error, now=ctx.now)


def _digest_failed_notice(ctx: Context) -> Delivery | Drop:
    reader = ctx.reader(ctx.row.recipient)
    text = digest_blocks.failure_notice(
        reader, channel_id=ctx.payload.get("channel", ""), error=ctx.payload.get("error", "")
    )
    return _dm(ctx.row.recipient, text, [])


# --- personal settings -------------------------------------------------------------------------------------


def _settings_saved(ctx: Context) -> Delivery | Drop:
    reader = ctx.reader(ctx.row.recipient)
    person = ctx.deps.people.get(ctx.row.team_id, ctx.row.recipient)
    view = calendar_service.calendar_view(
        ctx.session,
        ctx.deps.settings,
        team_id=ctx.row.team_id,
        user_id=ctx.row.recipient,
        tz=person.tz if person else None,
    )
    return _dm(ctx.row.recipient, settings_blocks.settings_saved(reader, view), [])


# --- the conversation: answers, questions back, replies, take-overs ------------------------------------


def _to_requester(request: Request, text: str, message: list[dict[str, Any]]) -> Delivery:
    """To the requester about their request: a reply in their card's thread if they have one, else a DM."""
    if request.requester_channel_id and request.requester_message_ts:
        return Delivery(
            POST,
            text=text,
            blocks=message,
            channel=request.requester_channel_id,
            thread_ts=request.requester_message_ts,
        )
    return _dm(request.requester_id, text, message)


def _has_card(request: Request) -> bool:
    return bool(request.requester_channel_id and request.requester_message_ts)


def _answer(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = conversation_blocks.answer_message(
        request,
        ctx.reader(request.requester_id),
        str(ctx.payload.get("text") or ""),
        finished=bool(ctx.payload.get("finished")),
        in_thread=_has_card(request),
    )
    return _to_requester(request, text, message)


def _question(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = conversation_blocks.question_message(
        request,
        ctx.reader(request.requester_id),
        str(ctx.payload.get("text") or ""),
        in_thread=_has_card(request),
    )
    return _to_requester(request, text, message)


def _question_after(session: Session, ctx: Context, sent: Sent) -> None:
    """Where the question landed: a reply in its thread answers it."""
    event_id = ctx.payload.get("event_id")
    if ctx.row.request_id is not None and isinstance(event_id, int) and sent.channel and sent.ts:
        conversation_service.remember_question(
            session,
            request_id=ctx.row.request_id,
            event_id=event_id,
            channel_id=sent.channel,
            message_ts=sent.ts,
        )


def _question_reply(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    if request.assignee_id != ctx.row.recipient:
        return Drop("reassigned")
    waited = timedelta(seconds=int(ctx.payload.get("waited_seconds") or 0))
    text, message = conversation_blocks.reply_message(
        request, ctx.reader(ctx.row.recipient), str(ctx.payload.get("text") or ""), waited
    )
    return _dm(ctx.row.recipient, text, message)


def _question_answered(ctx: Context) -> Delivery | Drop:
    """The question message shows it was answered (no Reply button left)."""
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    question = conversation_service.latest_question(ctx.session, request)
    detail = question.detail if question is not None else {}
    channel, ts = detail.get("posted_channel"), detail.get("posted_ts")
    if not (channel and ts):
        return Drop("nowhere")
    text, message = conversation_blocks.question_answered(
        request, ctx.reader(request.requester_id), str(detail.get("text") or "")
    )
    return Delivery(UPDATE, text=text, blocks=message, channel=channel, ts=ts)


def _taken_over(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, message = conversation_blocks.taken_over_previous(
        request, ctx.reader(ctx.row.recipient), str(ctx.payload.get("assignee_id") or request.assignee_id)
    )
    return _dm(ctx.row.recipient, text, message)


def _redirected(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text = conversation_blocks.redirected_confirmation(
        ctx.reader(ctx.row.recipient), request.assignee_id, request.number
    )
    return _dm(ctx.row.recipient, text, blocks.notice(text))


# --- the list ---------------------------------------------------------------------------------------------

#: What ``Kind.failed`` runs for a drop as well (reminders must learn they were skipped).
DROPPED: dict[str, Failed] = {"reminder": _reminder_dropped}

KINDS: dict[str, Kind] = {
    "card": Kind(POST, _card, after=_card_after),
    "card_redraw": Kind(UPDATE, _card_redraw),
    "handed_over": Kind(UPDATE, _handed_over),
    "news": Kind(POST, _news),
    "cancelled": Kind(POST, _cancelled),
    "confirmation": Kind(RESPOND, _confirmation),
    "closed_reply": Kind(RESPOND, _closed_reply),
    "proposal": Kind(POST, _proposal_for_requester),
    "proposal_sent": Kind(POST, _proposal_sent),
    "proposal_decided": Kind(POST, _proposal_decided),
    "channel_help": Kind(POST, _channel_help, after=_channel_help_after, failed=_channel_help_failed),
    "person_help": Kind(POST, _person_help, after=_person_help_after, failed=_person_help_failed),
    "escalation_notice": Kind(POST, _escalation_notice),
    "escalation_done": Kind(POST, _escalation_done),
    "notice": Kind(POST, _notice),
    "rating_prompt": Kind(POST, _rating_prompt),
    "rating_redraw": Kind(UPDATE, _rating_redraw),
    "kudos": Kind(POST, _kudos),
    "home": Kind(PUBLISH, _home),
    "reminder": Kind(POST, _reminder, after=_reminder_after, failed=_reminder_failed),
    "reminder_redraw": Kind(UPDATE, _reminder_redraw),
    "digest": Kind(POST, _digest, after=_digest_after, failed=_digest_failed_post),
    "digest_failed": Kind(POST, _digest_failed_notice),
    "settings_saved": Kind(POST, _settings_saved),
    "answer": Kind(POST, _answer),
    "question": Kind(POST, _question, after=_question_after),
    "question_reply": Kind(POST, _question_reply),
    "question_answered": Kind(UPDATE, _question_answered),
    "taken_over": Kind(POST, _taken_over),
    "redirected": Kind(POST, _redirected),
    "absence_slip": Kind(POST, _absence_slip),
}

# The requester's card and the conversation (imported last: it builds on the parts above).
from bot.outbox import card_messages  # noqa: E402

KINDS.update(card_messages.CARD_KINDS)
# The team kinds live with the team feature (imported last: they build on this module's parts).
from bot.outbox.team_messages import TEAM_KINDS  # noqa: E402

KINDS.update(TEAM_KINDS)
