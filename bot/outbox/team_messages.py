"""How the team kinds of outbox message are rendered, and what follows their delivery
(``bot.outbox.messages.KINDS`` includes ``TEAM_KINDS``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import teams as team_blocks
from bot.blocks.kit import Reader
from bot.outbox.messages import EPHEMERAL, POST, RESPOND, UPDATE, Context, Delivery, Drop, Kind, Sent, _dm
from bot.services import teams as team_service
from models import ACTIVE_STATES, OutboxMessage, Request, TeamCard


def _is_channel(recipient: str) -> bool:
    return recipient[:1] in ("C", "G")


def _reader(ctx: Context, recipient: str) -> Reader:
    """A member reads in their own language; an intake channel in the workspace's."""
    if _is_channel(recipient):
        return Reader.of(ctx.deps.people.workspace_language(ctx.row.team_id), ctx.deps.settings.timezone)
    return ctx.reader(recipient)


def _team_card(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    if request.assignee_id is not None or request.is_closed:
        return Drop("taken")  # taken (or cancelled) before this card's turn came: nothing to offer
    recipient = ctx.row.recipient
    text, card = team_blocks.team_card(request, _reader(ctx, recipient), viewer=recipient)
    return Delivery(POST, text=text, blocks=card, channel=recipient)


def _team_card_after(session: Session, ctx: Context, sent: Sent) -> None:
    request_id = ctx.row.request_id
    if request_id is None:
        return
    team_service.remember_team_card(
        session,
        request_id=request_id,
        recipient_id=ctx.row.recipient,
        channel_id=sent.channel,
        message_ts=sent.ts,
        now=ctx.now,
    )
    request = session.get(Request, request_id)
    if request is not None and (request.assignee_id is not None or request.is_closed):
        # Taken while this card was on its way: it must not go on offering the request.
        from bot.outbox import team_news

        team_news.redraw_cards(session, request, now=ctx.now)


def _team_card_failed(session: Session, ctx: Context, error: str) -> None:
    """The intake channel refused the card (the bot is not in it, it was archived): the requester hears
    of it instead of waiting for a team that never saw the request."""
    request = session.get(Request, ctx.row.request_id) if ctx.row.request_id else None
    if request is None or not _is_channel(ctx.row.recipient):
        return
    from bot.outbox import news

    news.notice(
        session,
        team_id=request.team_id,
        recipient=request.requester_id,
        code="team_intake_failed",
        key=f"team_intake_failed:{request.id}",
        now=ctx.now,
        params={"number": request.number, "channel": ctx.row.recipient, "team": request.group_id or ""},
    )


def _team_card_redraw(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    card = ctx.session.get(TeamCard, (ctx.payload or {}).get("card_id") or 0)
    if request is None or card is None or not (card.channel_id and card.message_ts):
        return Drop("no_card")
    text, blocks = team_blocks.team_card(request, _reader(ctx, card.recipient_id), viewer=card.recipient_id)
    return Delivery(UPDATE, text=text, blocks=blocks, channel=card.channel_id, ts=card.message_ts)


def _team_confirmation(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None:
        return Drop("request_gone")
    unread = [str(words) for words in ctx.payload.get("unread") or []]
    text, message = team_blocks.team_confirmation(
        request,
        ctx.reader(ctx.row.recipient),
        intake_channel_id=ctx.payload.get("intake_channel_id"),
        unread=unread,
    )
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


def _team_news(ctx: Context) -> Delivery | Drop:
    request = ctx.request()
    if request is None or request.assignee_id is None:
        return Drop("request_gone")
    text, message = team_blocks.claimed_news(request, ctx.reader(ctx.row.recipient))
    return _dm(ctx.row.recipient, text, message)


def _reminder_ids(payload: dict | None) -> list[int]:
    return [int(value) for value in (payload or {}).get("requests") or [] if isinstance(value, int)]


def _reminder_reader(ctx: Context, recipient: str, requests: list[Request]) -> Reader:
    """A member reads in their own language; an intake channel in the workspace's."""
    if _is_channel(recipient):
        return Reader.of(ctx.deps.people.workspace_language(ctx.row.team_id), ctx.deps.settings.timezone)
    return ctx.reader(recipient, requests)


def _render_reminder(ctx: Context, recipient: str, requests: list[Request]) -> tuple[str, list]:
    handles = team_service.handles(
        ctx.session, team_id=ctx.row.team_id, usergroup_ids=[r.group_id for r in requests if r.group_id]
    )
    return team_blocks.team_reminder(
        requests,
        _reminder_reader(ctx, recipient, requests),
        now=ctx.now,
        handles=handles,
        viewer=None if _is_channel(recipient) else recipient,
    )


def _team_reminder(ctx: Context) -> Delivery | Drop:
    """Only what is still unclaimed and active when its turn comes."""
    waiting = list(
        ctx.session.scalars(
            select(Request)
            .where(
                Request.id.in_(_reminder_ids(ctx.payload)),
                Request.team_id == ctx.row.team_id,
                Request.assignee_id.is_(None),
                Request.state.in_(ACTIVE_STATES),
            )
            .order_by(Request.created_at, Request.id)
        )
    )
    if not waiting:
        return Drop("all_taken")
    text, message = _render_reminder(ctx, ctx.row.recipient, waiting)
    return Delivery(POST, text=text, blocks=message, channel=ctx.row.recipient)


def _team_reminder_after(session: Session, ctx: Context, sent: Sent) -> None:
    """Taken (or closed) while this reminder was on its way: redraw it at once, without its button."""
    ids = _reminder_ids(ctx.payload)
    moved = session.scalar(
        select(Request.id)
        .where(Request.id.in_(ids), (Request.assignee_id.is_not(None)) | Request.state.not_in(ACTIVE_STATES))
        .limit(1)
    )
    if moved is not None:
        from bot.outbox import team_news

        team_news.redraw_reminder(session, ctx.row, now=ctx.now)


def _team_reminder_redraw(ctx: Context) -> Delivery | Drop:
    """A sent team reminder as its requests are now: who took which, what was closed."""
    original = ctx.session.get(OutboxMessage, (ctx.payload or {}).get("outbox_id") or 0)
    if original is None or not (original.channel_id and original.message_ts):
        return Drop("no_message")
    requests = list(
        ctx.session.scalars(
            select(Request)
            .where(Request.id.in_(_reminder_ids(original.payload)), Request.team_id == ctx.row.team_id)
            .order_by(Request.created_at, Request.id)
        )
    )
    if not requests:
        return Drop("request_gone")
    text, message = _render_reminder(ctx, original.recipient, requests)
    return Delivery(UPDATE, text=text, blocks=message, channel=original.channel_id, ts=original.message_ts)


def _team_settings(ctx: Context) -> Delivery | Drop:
    usergroup_id = str(ctx.payload.get("usergroup_id") or "")
    team = team_service.team_of(ctx.session, team_id=ctx.row.team_id, usergroup_id=usergroup_id)
    text = team_blocks.team_settings_text(
        ctx.reader(ctx.row.recipient), usergroup_id, team_service.describe(team)
    )
    if ctx.payload.get("response_url"):
        return Delivery(
            RESPOND, text=text, response_url=ctx.payload["response_url"], dm_fallback=ctx.row.recipient
        )
    return _dm(ctx.row.recipient, text, [])


TEAM_KINDS: dict[str, Kind] = {
    "team_settings": Kind(POST, _team_settings),
    "team_card": Kind(POST, _team_card, after=_team_card_after, failed=_team_card_failed),
    "team_card_redraw": Kind(UPDATE, _team_card_redraw),
    "team_confirmation": Kind(RESPOND, _team_confirmation),
    "team_news": Kind(POST, _team_news),
    "team_reminder": Kind(POST, _team_reminder, after=_team_reminder_after),
    "team_reminder_redraw": Kind(UPDATE, _team_reminder_redraw),
}
