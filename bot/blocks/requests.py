"""Pure Block Kit builders: data in, dicts out. No Slack calls, no database; tested on their own.

Every builder renders for one ``Reader`` — the person who will see it, in their language and time
zone. User text always passes through ``safe_user_text`` before it reaches mrkdwn.
"""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

from bot.blocks import conversation
from bot.blocks.card import cancel_button, confirm_done
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
    urgent_marker,
)
from bot.domain.conversation import CardNotes
from bot.domain.text import MAX_REASON_TEXT, MAX_REQUEST_TEXT, plain_text, safe_user_text, shorten
from bot.i18n import N_
from models import Request, State

__all__ = ["Block", "Reader", "context", "notice", "section", "state_label"]

# Callback ids of our modals (stable: in-flight views carry them).
NEW_REQUEST_VIEW = "request_new"
MESSAGE_SHORTCUT = "request_from_message"
DECLINE_VIEW = "request_decline_view"
REASSIGN_VIEW = "request_reassign_view"
SET_TIMES_VIEW = "request_set_times_view"
#: On the requester's confirmation when words were not read as a time: opens ``set_times_modal``.
SET_TIMES_ACTION = "request_set_times"


# --- messages ----------------------------------------------------------------------------------


def assignee_card(
    request: Request, reader: Reader, *, notes: CardNotes | None = None, edited: bool = False
) -> tuple[str, list[Block]]:
    """The assignee's DM: what, who asked, the times, and one-click answers while it is active.
    ``notes``: how it came to them (a hand-over) and the question it waits on; an ``edited`` text (the
    requester changed it after filing) is marked as such."""
    tr = reader.tr
    value = str(request.id)
    header = tr._(
        "{title} — <@{requester}> asks you:", title=title(request, reader), requester=request.requester_id
    )
    blocks: list[Block] = conversation.card_note_blocks(request, reader, notes)
    body = header + "\n" + quote(request.text)
    if edited:
        body += "\n" + tr._("_(edited by <@{requester}>)_", requester=request.requester_id)
    blocks.append(section(body, fields=times_fields(request, reader)))
    if request.state == State.OPEN.value:
        main = [
            button(tr._("Got it"), "request_ack", value, style="primary"),
            button(tr._("Done"), "request_done", value, confirm=confirm_done(reader)),
            button(tr._("Need more time"), "request_propose", value),
            button(tr._("Snooze"), "request_snooze", value),
            button(tr._("Reassign"), "request_reassign", value),
            button(tr._("Decline"), "request_decline", value, style="danger"),
        ]
        blocks.append(
            actions(
                *conversation.card_buttons(request, reader, main), block_id=f"request_{request.id}_actions"
            )
        )
    elif request.state == State.WAITING.value:
        blocks.extend(conversation.waiting_blocks(request, reader, notes))
    elif request.state == State.ACKNOWLEDGED.value:
        main = [
            button(tr._("Done"), "request_done", value, style="primary", confirm=confirm_done(reader)),
            button(tr._("Need more time"), "request_propose", value),
            button(tr._("Snooze"), "request_snooze", value),
            button(tr._("Reassign"), "request_reassign", value),
            button(tr._("Decline"), "request_decline", value, style="danger"),
        ]
        blocks.append(
            actions(
                *conversation.card_buttons(request, reader, main), block_id=f"request_{request.id}_actions"
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


def requester_confirmation(
    request: Request, reader: Reader, *, unread: list[str] | tuple[str, ...] = ()
) -> tuple[str, list[Block]]:
    """What the requester sees right after filing. ``unread``: words that looked like a time but were
    not read as one — named exactly, with what applies instead and a button to set the times."""
    tr = reader.tr
    text = tr._(
        "Request *#{number}* to <@{assignee}> is filed. I'll keep you posted.",
        number=request.number,
        assignee=request.assignee_id,
    )
    blocks: list[Block] = [
        # The confirmation is read the moment it arrives, so a relative hint cannot go stale.
        section(
            text + "\n" + quote(request.text),
            fields=times_fields(request, reader, seen_at=request.created_at),
        ),
    ]
    if request.urgent:
        blocks.append(
            context(
                tr._(
                    "{urgent} — so <@{assignee}> is asked for a first answer within one working hour "
                    "(sooner, if you named a shorter time).",
                    urgent=urgent_marker(reader),
                    assignee=request.assignee_id,
                )
            )
        )
    buttons = [cancel_button(request, reader)]
    if unread:
        blocks.append(section(unread_note(request, reader, unread)))
        buttons.insert(0, button(tr._("Set the times"), SET_TIMES_ACTION, str(request.id), style="primary"))
    blocks.append(actions(*buttons))
    return tr._("Request #{number} is filed.", number=request.number), blocks


def unread_note(request: Request, reader: Reader, unread: list[str] | tuple[str, ...]) -> str:
    """ "I didn't read *soon* as a time. What counts instead: …" — every such word, as written."""
    tr = reader.tr
    words = ", ".join("*" + safe_user_text(shorten(item, 80)) + "*" for item in unread)
    response = reader.agreed(request.response_due_at, request)
    if request.due_at is None:
        return tr.n_(
            ":mag: I didn't read {words} as a time. What counts instead: the first answer by {response}, "
            "and no due date.",
            ":mag: I didn't read {words} as times. What counts instead: the first answer by {response}, "
            "and no due date.",
            len(unread),
            words=words,
            response=response,
        )
    day, clock = reader.due_day_time(request)
    if clock is None:
        return tr.n_(
            ":mag: I didn't read {words} as a time. What counts instead: the first answer by {response}, "
            "due {day}.",
            ":mag: I didn't read {words} as times. What counts instead: the first answer by {response}, "
            "due {day}.",
            len(unread),
            words=words,
            response=response,
            day=day,
        )
    return tr.n_(
        ":mag: I didn't read {words} as a time. What counts instead: the first answer by {response}, "
        "due {day} at {time}.",
        ":mag: I didn't read {words} as times. What counts instead: the first answer by {response}, "
        "due {day} at {time}.",
        len(unread),
        words=words,
        response=response,
        day=day,
        time=clock,
    )


REQUESTER_NEWS = {
    "acknowledged": N_("<@{assignee}> has seen your request *#{number}* and is on it."),
    "done": N_(":white_check_mark: <@{assignee}> has finished your request *#{number}*."),
    "declined": N_("<@{assignee}> can't take on your request *#{number}*. Their reason:"),
    "reassigned": N_("<@{previous}> has handed your request *#{number}* to <@{assignee}>."),
    "taken_over": N_("<@{assignee}> has taken over your request *#{number}* from <@{previous}>."),
    "snoozed": N_("<@{assignee}> has paused reminders for *#{number}* until {until}. The agreed times stay."),
}


def requester_news(
    request: Request, kind: str, reader: Reader, detail: dict[str, Any]
) -> tuple[str, list[Block]]:
    """The DM that closes the loop with the requester after the assignee acted."""
    tr = reader.tr
    until = reader.when(request.snoozed_until) if request.snoozed_until else ""
    if kind == "taken_over" and not detail.get("from_assignee_id") and request.group_id:
        # Taken over from a team nobody in which had taken it yet: there is no previous person to name.
        text = tr._(
            "<@{assignee}> has taken over your request *#{number}* to <!subteam^{team}>.",
            assignee=request.assignee_id,
            number=request.number,
            team=request.group_id,
        )
    else:
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
    # A new assignee means new times: the requester sees them right away.
    new_times = kind in ("reassigned", "taken_over") and not request.is_closed
    blocks = [
        section(body, fields=times_fields(request, reader) if new_times else None),
        context(tr._("Your request: {text}", text=safe_user_text(shorten(request.text, 200)))),
    ]
    if kind == "declined" and request.state == State.DECLINED.value:
        blocks.append(conversation.decline_offers(request, reader))
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
                "• `{command} @carol Call back the supplier within 2 business days by Friday`\n"
                "• `{command} @bob Urgent: the login page is down` — marked urgent, first answer within "
                "one working hour",
                command=command,
            )
        ),
        section(
            tr._(
                "*Ask a team* (a Slack user group)\n"
                "• `{command} @it-support My laptop won't start` — every member sees it; the first to "
                "take it is the assignee\n"
                "• `{command} team @it-support` — the team's settings: claim or rotate, intake channel, "
                "response time, working hours, holidays",
                command=command,
            )
        ),
        section(
            tr._(
                "*More*\n"
                "• `{command}` alone opens a form\n"
                "• `{command} digest` posts a weekly summary in this channel\n"
                "• `{command} language de|en|auto` picks the language I write to you in\n"
                "• `{command} settings` sets your working hours and days, holidays, language and the "
                "earliest time for reminders\n"
                "• `{command} help` shows this help",
                command=command,
            )
        ),
        section(
            tr._(
                "*See and steer*\n"
                "• `{command} 12` (or `#12`, `show 12`) shows request #12: both people, the agreed times, "
                "its state and whole history, with your buttons\n"
                "• `{command} cancel 12` cancels your request #12\n"
                "• `{command} list` shows your open requests, both directions, page by page; narrow it "
                "with `overdue`, `waiting`, `done`, `from @person` or `to @person`",
                command=command,
            )
        ),
        section(
            tr._(
                "*Talk it through*\n"
                "• Write in the thread of your request's card — the other person reads it in theirs\n"
                "• Asked something? *Answer* sends your answer back (and can finish the request); *Ask "
                "back* asks the requester a question and pauses your clock while the request is `waiting`\n"
                "• Your own request: *Edit* (text or times), *Cancel*, *Reopen* after it was done or "
                "declined; *Done* and *Cancel* can be undone for 10 minutes"
            )
        ),
        section(
            tr._(
                "*Away?*\n"
                "• `{command} away until 2026-12-28 deputy @carol` — your clocks pause, no reminders reach "
                "you, whoever asks you is told at once (a Slack status like :palm_tree: Vacation does the same)\n"
                "• `{command} back` — you're back",
                command=command,
            )
        ),
        context(
            tr._(
                "Response times count the assignee's working hours, in their time zone and with their "
                "holidays; a date without a time means the end of their working day. Reminders are "
                "friendly, only during working hours and further apart over time; after a few I ask the "
                "requester how to go on."
            )
        ),
    ]


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
    within: str = "",
    due_date: date | None = None,
    due_time: time | None = None,
    urgent: bool = False,
    team_options: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The new-request form, optionally prefilled (from a message, or from a `/request` text whose
    times were asked back). With ``team_options`` (the workspace's user groups) a person *or* a team
    can be asked: both fields are optional then, and the form checks that exactly one is chosen."""
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
    within_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "within",
        "placeholder": plain(tr._("e.g. 4h or 2 business days")),
    }
    if within:
        within_input["initial_value"] = within
    day_input: dict[str, Any] = {"type": "datepicker", "action_id": "due_date"}
    if due_date is not None:
        day_input["initial_date"] = due_date.isoformat()
    time_input: dict[str, Any] = {"type": "timepicker", "action_id": "due_time"}
    if due_time is not None:
        time_input["initial_time"] = due_time.strftime("%H:%M")
    urgent_option = {"text": plain(tr._("Urgent: first answer within one working hour")), "value": "urgent"}
    urgent_input: dict[str, Any] = {"type": "checkboxes", "action_id": "urgent", "options": [urgent_option]}
    if urgent:
        urgent_input["initial_options"] = [urgent_option]
    return modal(
        NEW_REQUEST_VIEW,
        tr._("New request"),
        tr._("Send"),
        reader,
        [
            *_whom_blocks(reader, user_select, team_options),
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
                within_input,
                optional=True,
                hint=tr._("Working time in their time zone. Leave empty for the default."),
            ),
            input_block("urgent", tr._("Urgency"), urgent_input, optional=True),
            input_block(
                "due_date",
                tr._("Due date"),
                day_input,
                optional=True,
                hint=tr._("Without a time: the end of their working day."),
            ),
            input_block("due_time", tr._("Due time"), time_input, optional=True),
        ],
        metadata=json.dumps({"channel": channel_id, "thread_ts": thread_ts or ""}),
    )


def _whom_blocks(
    reader: Reader, user_select: dict[str, Any], team_options: list[dict[str, Any]] | None
) -> list[Block]:
    tr = reader.tr
    if not team_options:
        return [input_block("assignee", tr._("Who is it for?"), user_select)]
    team_select = {"type": "static_select", "action_id": "team", "options": team_options}
    return [
        input_block("assignee", tr._("Who is it for?"), user_select, optional=True),
        input_block(
            "team",
            tr._("…or a team"),
            team_select,
            optional=True,
            hint=tr._("Ask a person or a team (a Slack user group), not both."),
        ),
    ]


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
            conversation.note_input(
                tr._("Why them? A short note"),
                tr._("They read it on the request, with who handed it over."),
            ),
        ],
        metadata=str(request.id),
    )


def set_times_modal(request: Request, reader: Reader) -> dict[str, Any]:
    """The requester sets the times of a request just filed (before the assignee has answered), e.g.
    after some words were not read as a time. Empty fields keep what is set."""
    tr = reader.tr
    day: dict[str, Any] = {"type": "datepicker", "action_id": "due_date"}
    clock: dict[str, Any] = {"type": "timepicker", "action_id": "due_time"}
    if request.due_at is not None:
        zone = reader.zone_of(request.assignee_id) if request.due_date_only else reader.tz
        local = request.due_at.astimezone(zone or reader.tz)
        day["initial_date"] = local.date().isoformat()
        if not request.due_date_only:
            clock["initial_time"] = local.strftime("%H:%M")
    return modal(
        SET_TIMES_VIEW,
        tr._("Set the times"),
        tr._("Save"),
        reader,
        [
            section(
                tr._("*#{number}* to <@{assignee}>", number=request.number, assignee=request.assignee_id)
                + "\n"
                + excerpt(request, 500),
                fields=times_fields(request, reader),
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
                hint=tr._("Counted from now, in their working time. Leave empty to keep the time above."),
            ),
            input_block(
                "due_date",
                tr._("Due date"),
                day,
                optional=True,
                hint=tr._("Without a time: the end of their working day."),
            ),
            input_block("due_time", tr._("Due time"), clock, optional=True),
        ],
        metadata=str(request.id),
    )
