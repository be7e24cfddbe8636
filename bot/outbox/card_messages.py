"""Outbox kinds of the requester's card and the conversation between the two cards (``CARD_KINDS``,
merged into ``bot.outbox.messages.KINDS``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import absences as absence_blocks
from bot.blocks import card as card_blocks
from bot.outbox.messages import POST, UPDATE, Context, Delivery, Drop, Kind, Sent, in_thread_of
from bot.services import card as card_service
from models import Proposal, Request, RequestEvent
from models.reminder import Reminder


def _requester_card_blocks(ctx: Context, request: Request) -> tuple[str, list[dict[str, Any]]]:
    facts = card_service.card_facts(ctx.session, request, now=ctx.now)
    reader = ctx.reader(request.requester_id)
    away = None
    if request.assignee_id and not request.is_closed:
        info = ctx.absence_of(request.team_id, request.assignee_id)
        if info is not None:
            away = absence_blocks.away_line(
                reader, person=request.assignee_id, until=info.until, deputy=info.deputy_id
            )
    return card_blocks.requester_card(
        request,
        reader,
        away=away,
        proposal=facts.proposal,
        reminders_sent=facts.reminders_sent,
        last_reminder_at=facts.last_reminder_at,
        next_check_at=facts.next_check_at,
        latest=facts.latest,
    )


def _requester_card(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    if request.requester_message_ts:
        return Drop("already_posted")
    text, blocks = _requester_card_blocks(ctx, request)
    return Delivery(POST, text=text, blocks=blocks, channel=request.requester_id)


def _requester_card_after(session: Session, ctx: Context, sent: Sent) -> None:
    if ctx.row.request_id is not None:
        card_service.remember_requester_card(
            session, request_id=ctx.row.request_id, channel_id=sent.channel, message_ts=sent.ts
        )


def _requester_card_redraw(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    if not (request.requester_channel_id and request.requester_message_ts):
        return Drop("no_card")  # the card's post is still on its way and draws the latest state itself
    text, blocks = _requester_card_blocks(ctx, request)
    return Delivery(
        UPDATE,
        text=text,
        blocks=blocks,
        channel=request.requester_channel_id,
        ts=request.requester_message_ts,
    )


def _event(ctx: Context) -> RequestEvent | None:
    event_id = ctx.payload.get("event_id")
    return ctx.session.get(RequestEvent, event_id) if isinstance(event_id, int) else None


def _undo_offer(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    change, event_id = str(ctx.payload.get("change")), int(ctx.payload.get("event_id") or 0)
    text, blocks = card_blocks.undo_offer(
        request, ctx.reader(ctx.row.recipient), change=change, event_id=event_id
    )
    return in_thread_of(request, ctx.row.recipient, text, blocks)


def _undo_redraw(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    channel, ts = ctx.payload.get("channel"), ctx.payload.get("ts")
    if request is None or not (channel and ts):
        return Drop("nowhere")
    text, blocks = card_blocks.undo_offer(
        request,
        ctx.reader(ctx.row.recipient),
        change=str(ctx.payload.get("change")),
        event_id=0,
        state="undone",
    )
    return Delivery(UPDATE, text=text, blocks=blocks, channel=channel, ts=ts)


def _undone_notice(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    text, blocks = card_blocks.undone_for_other(
        request, ctx.reader(ctx.row.recipient), change=str(ctx.payload.get("change"))
    )
    return in_thread_of(request, ctx.row.recipient, text, blocks)


def _rating_withdrawn(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    channel, ts = ctx.payload.get("channel"), ctx.payload.get("ts")
    if request is None or not (channel and ts):
        return Drop("nowhere")
    text, blocks = card_blocks.rating_withdrawn(request, ctx.reader(ctx.row.recipient))
    return Delivery(UPDATE, text=text, blocks=blocks, channel=channel, ts=ts)


def _relay(ctx: Context) -> Delivery | Drop:
    request, event = ctx.request(), _event(ctx)
    if request is None or event is None or not isinstance(event.detail, dict):
        return Drop("request_gone")
    recipient = request.assignee_id if event.detail.get("side") == "requester" else request.requester_id
    text, blocks = card_blocks.relayed(
        request,
        ctx.reader(recipient),
        author_id=event.actor_id or "",
        text=str(event.detail.get("text") or ""),
    )
    return in_thread_of(request, recipient, text, blocks)


def _edited(ctx: Context) -> Delivery | Drop:
    request, event = ctx.request(), _event(ctx)
    if request is None or event is None:
        return Drop("request_gone")
    detail = event.detail if isinstance(event.detail, dict) else {}
    proposal_id = detail.get("proposal_id")
    proposal = ctx.session.get(Proposal, proposal_id) if isinstance(proposal_id, int) else None
    if not detail.get("text_changed") and (proposal is None or proposal.state != "pending"):
        return Drop("nothing_left")  # only new times, and they were decided meanwhile
    text, blocks = card_blocks.edited_for_assignee(
        request,
        ctx.reader(request.assignee_id),
        text_changed=bool(detail.get("text_changed")),
        text_before=str(detail.get("text_before") or ""),
        proposal=proposal,
    )
    return in_thread_of(request, request.assignee_id, text, blocks)


def _reopened(ctx: Context) -> Delivery | Drop:
    request, event = ctx.request(), _event(ctx)
    if request is None or event is None:
        return Drop("request_gone")
    reason = str((event.detail or {}).get("reason") or "")
    text, blocks = card_blocks.reopened_for_assignee(request, ctx.reader(request.assignee_id), reason=reason)
    return in_thread_of(request, request.assignee_id, text, blocks)


def _requester_proposal_decided(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    for_requester = ctx.row.recipient == request.requester_id
    text, blocks = card_blocks.requester_proposal_decided(
        request,
        ctx.reader(ctx.row.recipient),
        accepted=bool(ctx.payload.get("accepted")),
        for_requester=for_requester,
    )
    return in_thread_of(request, ctx.row.recipient, text, blocks)


def redraw_after_reminders(session: Session, ctx: Context, reminder_ids: list[int]) -> None:
    """Reminders went out: the requesters' cards count them."""
    from bot.outbox import card_news

    if not reminder_ids:
        return
    ids = set(session.scalars(select(Reminder.request_id).where(Reminder.id.in_(reminder_ids))))
    for request in session.scalars(select(Request).where(Request.id.in_(sorted(ids)))):
        card_news.refresh_requester_card(session, request, now=ctx.now)


CARD_KINDS: dict[str, Kind] = {
    "requester_card": Kind(POST, _requester_card, after=_requester_card_after),
    "requester_card_redraw": Kind(UPDATE, _requester_card_redraw),
    "undo_offer": Kind(POST, _undo_offer),
    "undo_redraw": Kind(UPDATE, _undo_redraw),
    "undone_notice": Kind(POST, _undone_notice),
    "rating_withdrawn": Kind(UPDATE, _rating_withdrawn),
    "relay": Kind(POST, _relay),
    "edited": Kind(POST, _edited),
    "reopened": Kind(POST, _reopened),
    "requester_proposal_decided": Kind(POST, _requester_proposal_decided),
}
