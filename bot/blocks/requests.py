"""Pure Block Kit builders: data in, dicts out. No Slack calls, no database; tested on their own.

Every builder renders for one ``Reader`` — the person who will see it, in their language and time
zone. User text always passes through ``safe_user_text`` before it reaches mrkdwn.
"""

from __future__ import annotations

import json
from typing import Any

from bot.blocks.kit import (
    KIND_LABELS,
    Block,
    Reader,
    actions,
    button,
    context,
    excerpt,
    input_block,
    modal,
    notice,
    plain,
    quote,
    section,
    state_label,
    times_fields,
    title,
)
from bot.domain.text import MAX_REASON_TEXT, MAX_REQUEST_TEXT, plain_text, safe_user_text, shorten
from bot.i18n import N_
from models import Request, State

__all__ = ["Block", "Reader", "context", "notice", "section", "state_label"]

# Callback ids of our modals (stable: in-flight views carry them).
NEW_REQUEST_VIEW = "request_new"
MESSAGE_SHORTCUT = "request_from_message"
DECLINE_VIEW = "request_decline_view"
REASSIGN_VIEW = "request_reassign_view"


# --- messages ----------------------------------------------------------------------------------


def assignee_card(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    """The assignee's DM: what, who asked, the times, and one-click answers while it is active."""
    tr = reader.tr
    value = str(request.id)
    header = tr._(
        "{title} — <@{requester}> asks you:", title=title(request, reader), requester=request.requester_id
    )
    blocks: list[Block] = [section(header + "\n" + quote(request.text), fields=times_fields(request, reader))]
    if request.state == State.OPEN.value:
        blocks.append(
            actions(
                button(tr._("Got it"), "request_ack", value, style="primary"),
                button(tr._("Done"), "request_done", value),
                button(tr._("Need more time"), "request_propose", value),
                button(tr._("Snooze"), "request_snooze", value),
                button(tr._("Reassign"), "request_reassign", value),
                button(tr._("Decline"), "request_decline", value, style="danger"),
                block_id=f"request_{request.id}_actions",
            )
        )
    elif request.state == State.ACKNOWLEDGED.value:
        blocks.append(
            actions(
                button(tr._("Done"), "request_done", value, style="primary"),
                button(tr._("Need more time"), "request_propose", value),
                button(tr._("Snooze"), "request_snooze", value),
                button(tr._("Reassign"), "request_reassign", value),
                button(tr._("Decline"), "request_decline", value, style="danger"),
                block_id=f"request_{request.id}_actions",
            )
        )
        blocks.append(
            context(tr._("You answered — thank you. <@{requester}> knows.", requester=request.requester_id))
        )
    else:
        blocks.append(context(closed_line(request, reader)))
    fallback = tr._(
        "Request #{number} from {requester}: {text}",
        number=request.number,
        requester=f"<@{request.requester_id}>",
        text=plain_text(shorten(request.text, 120)),
    )
    return fallback, blocks


def closed_line(request: Request, reader: Reader) -> str:
    tr = reader.tr
    when = reader.when(request.closed_at) if request.closed_at else ""
    if request.state == State.DONE.value:
        return tr._(":white_check_mark: Done · {when}", when=when)
    if request.state == State.DECLINED.value:
        return tr._(
            ":no_entry_sign: Declined · {when} · Reason: {reason}",
            when=when,
            reason=safe_user_text(shorten(request.decline_reason or "", 300)),
        )
    return tr._(":heavy_multiplication_x: Cancelled by the requester · {when}", when=when)


def requester_confirmation(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    tr = reader.tr
    text = tr._(
        "Request *#{number}* to <@{assignee}> is filed. I'll keep you posted.",
        number=request.number,
        assignee=request.assignee_id,
    )
    blocks = [
        # The confirmation is read the moment it arrives, so a relative hint cannot go stale.
        section(
            text + "\n" + quote(request.text),
            fields=times_fields(request, reader, seen_at=request.created_at),
        ),
        actions(button(tr._("Cancel request"), "request_cancel", str(request.id))),
    ]
    return tr._("Request #{number} is filed.", number=request.number), blocks


REQUESTER_NEWS = {
    "acknowledged": N_("<@{assignee}> has seen your request *#{number}* and is on it."),
    "done": N_(":white_check_mark: <@{assignee}> has finished your request *#{number}*."),
    "declined": N_("<@{assignee}> can't take on your request *#{number}*. Their reason:"),
    "reassigned": N_("<@{previous}> has handed your request *#{number}* to <@{assignee}>."),
    "snoozed": N_("<@{assignee}> has paused reminders for *#{number}* until {until}. The agreed times stay."),
}


def requester_news(
    request: Request, kind: str, reader: Reader, detail: dict[str, Any]
) -> tuple[str, list[Block]]:
    """The DM that closes the loop with the requester after the assignee acted."""
    tr = reader.tr
    until = reader.when(request.snoozed_until) if request.snoozed_until else ""
    text = tr._(
        REQUESTER_NEWS[kind],
        assignee=request.assignee_id,
        number=request.number,
        previous=detail.get("from_assignee_id", ""),
        until=until,
    )
    body = text
    if kind == "declined":
        body += "\n" + quote(request.decline_reason or "")
    blocks = [
        section(body),
        context(tr._("Your request: {text}", text=safe_user_text(shorten(request.text, 200)))),
    ]
    return plain_text(shorten(text.replace("*", ""), 150)), blocks


def assignee_cancelled(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    text = reader.tr._(
        "<@{requester}> has cancelled request *#{number}* — no need to do anything more.",
        requester=request.requester_id,
        number=request.number,
    )
    return plain_text(text.replace("*", "")), [section(text + "\n" + excerpt(request))]


def previous_assignee_handed_over(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    text = reader.tr._(
        ":arrow_right: You handed *#{number}* to <@{assignee}>. Thank you for passing it on.",
        number=request.number,
        assignee=request.assignee_id,
    )
    return plain_text(text.replace("*", "")), [section(text + "\n" + excerpt(request))]


# --- help and list -----------------------------------------------------------------------------


def help_blocks(reader: Reader, *, command: str = "/request") -> list[Block]:
    tr = reader.tr
    return [
        section(
            tr._(
                "*Ask a colleague for something — with an agreed time.*\n"
                "`{command} @person what [within <time>] [by <date>]`\n"
                "Examples:\n"
                "• `{command} @bob Send the Q3 numbers within 4h`\n"
                "• `{command} @carol Call back the supplier within 2 business days by Friday`",
                command=command,
            )
        ),
        section(
            tr._(
                "*More*\n"
                "• `{command}` alone opens a form\n"
                "• `{command} list` shows your open requests, both directions\n"
                "• `{command} digest` posts a weekly summary in this channel\n"
                "• `{command} language de|en|auto` picks the language I write to you in\n"
                "• `{command} help` shows this help",
                command=command,
            )
        ),
        context(
            tr._(
                "Response times count working hours in the assignee's time zone. "
                "Reminders are friendly, at most one a day, and only during working hours."
            )
        ),
    ]


def list_blocks(
    asked_of_me: list[Request], my_asks: list[Request], reader: Reader, *, limit: int = 15
) -> list[Block]:
    tr = reader.tr
    if not asked_of_me and not my_asks:
        return [section(tr._("Nothing open — neither asked of you nor by you. :sparkles:"))]
    blocks: list[Block] = []
    for heading, items, other in (
        (tr._("*Asked of you*"), asked_of_me, "requester_id"),
        (tr._("*Your asks*"), my_asks, "assignee_id"),
    ):
        if not items:
            continue
        lines = [heading]
        for request in items[:limit]:
            lines.append(
                tr._(
                    "• *#{number}* <@{who}> — {text} · {state} · answer by {when}",
                    number=request.number,
                    who=getattr(request, other),
                    text=safe_user_text(shorten(request.text, 80)),
                    state=state_label(reader, request.state),
                    when=reader.when(request.response_due_at),
                )
            )
        if len(items) > limit:
            lines.append(tr.n_("…and {n} more", "…and {n} more", len(items) - limit))
        blocks.append(section("\n".join(lines)))
    return blocks


def read_origin(metadata: str) -> dict[str, str]:
    """Where a new-request form came from: ``{"channel": …, "thread_ts": …}`` (both optional)."""
    try:
        origin = json.loads(metadata) if metadata else {}
    except ValueError:
        return {}
    return (
        {k: str(v) for k, v in origin.items() if k in ("channel", "thread_ts") and v}
        if isinstance(origin, dict)
        else {}
    )


def new_request_modal(
    reader: Reader,
    *,
    channel_id: str = "",
    thread_ts: str | None = None,
    assignee_id: str | None = None,
    text: str = "",
) -> dict[str, Any]:
    tr = reader.tr
    user_select: dict[str, Any] = {"type": "users_select", "action_id": "assignee"}
    if assignee_id:
        user_select["initial_user"] = assignee_id
    what: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "text",
        "multiline": True,
        "max_length": MAX_REQUEST_TEXT,
    }
    if text:
        what["initial_value"] = text[:MAX_REQUEST_TEXT]
    kind_options = [{"text": plain(tr._(label)), "value": value} for value, label in KIND_LABELS.items()]
    return modal(
        NEW_REQUEST_VIEW,
        tr._("New request"),
        tr._("Send"),
        reader,
        [
            input_block("assignee", tr._("Who is it for?"), user_select),
            input_block("text", tr._("What do you need?"), what),
            input_block(
                "kind",
                tr._("Kind"),
                {
                    "type": "static_select",
                    "action_id": "kind",
                    "options": kind_options,
                    "initial_option": kind_options[0],
                },
            ),
            input_block(
                "within",
                tr._("First answer within"),
                {
                    "type": "plain_text_input",
                    "action_id": "within",
                    "placeholder": plain(tr._("e.g. 4h or 2 business days")),
                },
                optional=True,
                hint=tr._("Working time in their time zone. Leave empty for the default."),
            ),
            input_block(
                "due_date", tr._("Due date"), {"type": "datepicker", "action_id": "due_date"}, optional=True
            ),
            input_block(
                "due_time", tr._("Due time"), {"type": "timepicker", "action_id": "due_time"}, optional=True
            ),
        ],
        metadata=json.dumps({"channel": channel_id, "thread_ts": thread_ts or ""}),
    )


def decline_modal(request: Request, reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return modal(
        DECLINE_VIEW,
        tr._("Decline request"),
        tr._("Decline"),
        reader,
        [
            section(tr._("*#{number}*", number=request.number) + "\n" + excerpt(request, 500)),
            input_block(
                "reason",
                tr._("Why can't you take it on?"),
                {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": MAX_REASON_TEXT,
                },
                hint=tr._(
                    "The requester will read this. A kind word and a pointer to who could help go a long way."
                ),
            ),
        ],
        metadata=str(request.id),
    )


def reassign_modal(request: Request, reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return modal(
        REASSIGN_VIEW,
        tr._("Reassign request"),
        tr._("Reassign"),
        reader,
        [
            section(tr._("*#{number}*", number=request.number) + "\n" + excerpt(request, 500)),
            input_block(
                "assignee", tr._("Who should take it?"), {"type": "users_select", "action_id": "assignee"}
            ),
        ],
        metadata=str(request.id),
    )
