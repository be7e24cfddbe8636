"""The requester's living card and what goes with it: edit and reopen forms, undo offers, the words
relayed between the two cards' threads, and the confirm dialogs of buttons that cannot be taken back
silently. Pure builders: data in, dicts out; user text always through ``safe_user_text``/``quote``.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.kit import (
    Block,
    Reader,
    actions,
    button,
    confirm_dialog,
    context,
    excerpt,
    input_block,
    modal,
    quote,
    section,
    times_fields,
    title,
)
from bot.domain.text import MAX_REASON_TEXT, MAX_REQUEST_TEXT, plain_text, shorten
from models import Proposal, Request, RequestEvent, State

EDIT_ACTION = "request_edit"
REOPEN_ACTION = "request_reopen"
UNDO_ACTION = "request_undo"
CANCEL_ACTION = "request_cancel"
EDIT_VIEW = "request_edit_view"
REOPEN_VIEW = "request_reopen_view"


# --- confirm dialogs ------------------------------------------------------------------------------------


def confirm_done(reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return confirm_dialog(
        tr._("Mark as done?"),
        tr._("The requester is told it is finished. You can undo it for 10 minutes."),
        tr._("Yes, it's done"),
        tr._("Not yet"),
    )


def confirm_cancel(reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return confirm_dialog(
        tr._("Cancel this request?"),
        tr._("The person you asked is told that nothing more is needed. You can undo it for 10 minutes."),
        tr._("Yes, cancel it"),
        tr._("Keep it"),
        danger=True,
    )


def confirm_ask_channel(reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return confirm_dialog(
        tr._("Ask in the channel?"),
        tr._("A short, friendly post asks the channel where you filed it for help. Everyone there sees it."),
        tr._("Post it"),
        tr._("Not now"),
    )


def cancel_button(request: Request, reader: Reader) -> dict[str, Any]:
    return button(
        reader.tr._("Cancel request"), CANCEL_ACTION, str(request.id), confirm=confirm_cancel(reader)
    )


def _asked(request: Request) -> str:
    """Who was asked, as mrkdwn: the person — or the team while nobody has taken it yet."""
    if request.assignee_id:
        return f"<@{request.assignee_id}>"
    from bot.blocks.teams import team_ref

    return team_ref(request.group_id) or "?"


def card_block_id(request: Request) -> str:
    """The card's first block: how the card is told from the replies in its thread."""
    return f"rcard_{request.id}"


# --- the card ---------------------------------------------------------------------------------------------


def _proposal_line(request: Request, proposal: Proposal, reader: Reader) -> str:
    tr = reader.tr
    parts = []
    if proposal.response_due_at is not None:
        parts.append(tr._("first answer by {when}", when=reader.agreed(proposal.response_due_at, request)))
    if proposal.due_at is not None:
        parts.append(tr._("due {when}", when=reader.agreed(proposal.due_at, request)))
    times = ", ".join(parts)
    if proposal.proposed_by == request.requester_id:
        return tr._(
            ":hourglass_flowing_sand: Your new times wait for {assignee}'s answer: {times}.",
            assignee=_asked(request),
            times=times,
        )
    return tr._(
        ":calendar: <@{assignee}> proposes new times: {times}. Accept or keep yours in the thread below.",
        assignee=request.assignee_id,
        times=times,
    )


def requester_card(
    request: Request,
    reader: Reader,
    *,
    proposal: Proposal | None = None,
    reminders_sent: int = 0,
    last_reminder_at: Any = None,
    next_check_at: Any = None,
    latest: RequestEvent | None = None,
    away: str | None = None,
) -> tuple[str, list[Block]]:
    """The requester's DM for one request, redrawn in place on every change. ``away``: the line saying
    that the assignee is away (until when, their deputy)."""
    tr = reader.tr
    value = str(request.id)
    header = tr._(
        "Your request {title} to {assignee}", title=title(request, reader), assignee=_asked(request)
    )
    head = section(header + "\n" + quote(request.text), fields=times_fields(request, reader))
    head["block_id"] = card_block_id(request)
    blocks: list[Block] = [head]
    notes: list[str] = [away] if away else []
    if proposal is not None and not request.is_closed:
        notes.append(_proposal_line(request, proposal, reader))
    if reminders_sent:
        notes.append(
            tr.n_(
                ":bell: {count} reminder went to <@{assignee}>, the last {when}.",
                ":bell: {count} reminders went to <@{assignee}>, the last {when}.",
                reminders_sent,
                count=reminders_sent,
                assignee=request.assignee_id,
                when=reader.when(last_reminder_at) if last_reminder_at else "",
            )
        )
    elif not request.is_closed:
        notes.append(tr._(":bell: No reminder was needed so far."))
    if next_check_at is not None and not request.is_closed:
        notes.append(tr._("Next reminder not before {when}.", when=reader.when(next_check_at)))
    if latest is not None and isinstance(latest.detail, dict) and latest.detail.get("text"):
        notes.append(
            tr._(
                "*Latest from <@{author}>* · {when}",
                author=latest.actor_id or "",
                when=reader.when(latest.at),
            )
            + "\n"
            + quote(shorten(str(latest.detail["text"]), 500))
        )
    if request.state == State.DECLINED.value and request.decline_reason:
        notes.append(tr._("*Their reason:*") + "\n" + quote(shorten(request.decline_reason, 500)))
    if notes:
        blocks.append(section("\n".join(notes)))
    if not request.is_closed:
        blocks.append(
            actions(
                button(tr._("Edit"), EDIT_ACTION, value),
                cancel_button(request, reader),
                block_id=f"requester_card_{request.id}",
            )
        )
        blocks.append(context(tr._("A reply in this thread reaches {assignee}.", assignee=_asked(request))))
    else:
        from bot.blocks.requests import closed_line

        blocks.append(context(closed_line(request, reader)))
        if request.state in (State.DONE.value, State.DECLINED.value):
            blocks.append(
                actions(button(tr._("Reopen"), REOPEN_ACTION, value), block_id=f"requester_card_{request.id}")
            )
    fallback = tr._(
        "Your request #{number}: {text}", number=request.number, text=plain_text(shorten(request.text, 120))
    )
    return fallback, blocks


# --- undo -------------------------------------------------------------------------------------------------


def undo_value(request: Request, change: str, event_id: int) -> str:
    return f"{request.id}:{change}:{event_id}"


def undo_offer(
    request: Request, reader: Reader, *, change: str, event_id: int, state: str = "offered"
) -> tuple[str, list[Block]]:
    """The message that confirms Done or Cancel, with the undo for ten minutes (``state``: offered,
    undone)."""
    tr = reader.tr
    if state == "undone":
        text = tr._(
            ":leftwards_arrow_with_hook: Undone — {title} is as it was before.", title=title(request, reader)
        )
        return plain_text(text.replace("*", "")), [section(text)]
    if change == "done":
        text = tr._(
            ":white_check_mark: You marked {title} as done. <@{requester}> is told.",
            title=title(request, reader),
            requester=request.requester_id,
        )
    else:
        text = tr._(
            ":heavy_multiplication_x: You cancelled {title}. {assignee} is told.",
            title=title(request, reader),
            assignee=_asked(request),
        )
    blocks = [
        section(text),
        actions(
            button(tr._("Undo"), UNDO_ACTION, undo_value(request, change, event_id)),
            block_id=f"undo_{event_id}",
        ),
        context(tr._("Changed your mind? Undo works for 10 minutes.")),
    ]
    return plain_text(text.replace("*", "")), blocks


def undone_for_other(request: Request, reader: Reader, *, change: str) -> tuple[str, list[Block]]:
    tr = reader.tr
    if change == "done":
        text = tr._(
            ":leftwards_arrow_with_hook: <@{assignee}> took back the Done on your request {title} — "
            "it is open again, with the times as they were.",
            assignee=request.assignee_id,
            title=title(request, reader),
        )
    else:
        text = tr._(
            ":leftwards_arrow_with_hook: <@{requester}> took back the cancellation of {title} — "
            "it is active again, with the times as they were.",
            requester=request.requester_id,
            title=title(request, reader),
        )
    return plain_text(text.replace("*", "")), [section(text + "\n" + excerpt(request, 200))]


def rating_withdrawn(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    text = reader.tr._(
        "{title} is not finished after all — <@{assignee}> took back the Done. No rating needed for now.",
        title=title(request, reader),
        assignee=request.assignee_id,
    )
    return plain_text(text.replace("*", "")), [section(text)]


# --- the conversation ------------------------------------------------------------------------------------


def relayed(request: Request, reader: Reader, *, author_id: str, text: str) -> tuple[str, list[Block]]:
    """A party's words from their card's thread, in the other card's thread — attributed, escaped."""
    tr = reader.tr
    line = tr._("<@{author}> wrote in {title}:", author=author_id, title=title(request, reader))
    fallback = tr._("New message about request #{number}", number=request.number)
    return fallback, [section(line + "\n" + quote(shorten(text, 2800)))]


# --- edit and reopen as the assignee reads them ------------------------------------------------------------


def edited_for_assignee(
    request: Request, reader: Reader, *, text_changed: bool, text_before: str, proposal: Proposal | None
) -> tuple[str, list[Block]]:
    """The requester changed their request: the new words marked as edited, new times to accept or counter."""
    tr = reader.tr
    intro = tr._(
        ":pencil2: <@{requester}> edited their request {title}.",
        requester=request.requester_id,
        title=title(request, reader),
    )
    blocks: list[Block] = []
    body = intro
    if text_changed:
        body += "\n" + tr._("*Now (edited):*") + "\n" + excerpt(request, 1200)
        body += "\n" + tr._("*Before:*") + "\n" + quote(shorten(text_before, 600))
    blocks.append(section(body))
    if proposal is not None and proposal.state == "pending":
        from bot.blocks.reminders import _change_fields

        blocks.append(
            section(
                tr._("They propose new times. Do they work for you?"),
                fields=_change_fields(request, proposal, reader),
            )
        )
        blocks.append(
            actions(
                button(tr._("Accept"), "request_accept_proposal", str(request.id), style="primary"),
                button(tr._("Propose other times"), "request_propose", str(request.id)),
                button(tr._("Keep the current times"), "request_reject_proposal", str(request.id)),
                block_id=f"proposal_{proposal.id}",
            )
        )
    fallback = tr._("Request #{number} was edited", number=request.number)
    return fallback, blocks


def requester_proposal_decided(
    request: Request, reader: Reader, *, accepted: bool, for_requester: bool
) -> tuple[str, list[Block]]:
    tr = reader.tr
    if for_requester:
        text = (
            tr._(
                ":handshake: <@{assignee}> accepted your new times for {title}.",
                assignee=request.assignee_id,
                title=title(request, reader),
            )
            if accepted
            else tr._(
                "<@{assignee}> would like to keep the current times for {title}.",
                assignee=request.assignee_id,
                title=title(request, reader),
            )
        )
    else:
        text = (
            tr._(
                ":handshake: You accepted <@{requester}>'s new times for {title}. They know.",
                requester=request.requester_id,
                title=title(request, reader),
            )
            if accepted
            else tr._(
                "You kept the current times for {title}. <@{requester}> knows.",
                requester=request.requester_id,
                title=title(request, reader),
            )
        )
    return plain_text(text.replace("*", "")), [section(text, fields=times_fields(request, reader))]


def reopened_for_assignee(request: Request, reader: Reader, *, reason: str) -> tuple[str, list[Block]]:
    tr = reader.tr
    text = tr._(
        ":arrows_counterclockwise: <@{requester}> reopened {title}. Their reason:",
        requester=request.requester_id,
        title=title(request, reader),
    )
    blocks = [
        section(text + "\n" + quote(shorten(reason, 1000))),
        context(
            tr._(
                "The clocks start again from now: first answer by {when}.",
                when=reader.agreed(request.response_due_at, request),
            )
        ),
    ]
    return plain_text(tr._("Request #{number} was reopened", number=request.number)), blocks


# --- the forms --------------------------------------------------------------------------------------------


def edit_modal(request: Request, reader: Reader) -> dict[str, Any]:
    """Text, response time and due date; changed times go to the assignee as a proposal."""
    tr = reader.tr
    day: dict[str, Any] = {"type": "datepicker", "action_id": "due_date"}
    clock: dict[str, Any] = {"type": "timepicker", "action_id": "due_time"}
    if request.due_at is not None:
        zone = reader.zone_of(request.assignee_id) if request.due_date_only else reader.tz
        local = request.due_at.astimezone(zone or reader.tz)
        day["initial_date"] = local.date().isoformat()
        if not request.due_date_only:
            clock["initial_time"] = local.strftime("%H:%M")
    blocks: list[Block] = [
        section(tr._("*#{number}*", number=request.number), fields=times_fields(request, reader)),
        input_block(
            "text",
            tr._("What do you need?"),
            {
                "type": "plain_text_input",
                "action_id": "text",
                "multiline": True,
                "max_length": MAX_REQUEST_TEXT,
                "initial_value": request.text[:MAX_REQUEST_TEXT],
            },
            hint=tr._("A changed text is shown to the person you asked, marked as edited."),
        ),
    ]
    if request.state == State.OPEN.value:
        blocks.append(
            input_block(
                "within",
                tr._("First answer within"),
                {"type": "plain_text_input", "action_id": "within"},
                optional=True,
                hint=tr._("Counted from now, in their working time. Leave empty to keep it."),
            )
        )
    blocks += [
        input_block(
            "due_date",
            tr._("Due date"),
            day,
            optional=True,
            hint=tr._("New times are a proposal: the person you asked accepts them or proposes others."),
        ),
        input_block("due_time", tr._("Due time"), clock, optional=True),
    ]
    return modal(EDIT_VIEW, tr._("Edit request"), tr._("Save"), reader, blocks, metadata=str(request.id))


def reopen_modal(request: Request, reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return modal(
        REOPEN_VIEW,
        tr._("Reopen request"),
        tr._("Reopen"),
        reader,
        [
            section(tr._("*#{number}*", number=request.number) + "\n" + excerpt(request, 500)),
            input_block(
                "reason",
                tr._("What is still missing?"),
                {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": MAX_REASON_TEXT,
                },
                hint=tr._("The person you asked reads this. The clocks start again from now."),
            ),
        ],
        metadata=str(request.id),
    )
