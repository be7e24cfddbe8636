"""Pure Block Kit builders for the nudge ladder and the agreement: reminders (one message per person
and sweep), the escalation offer, counter-proposals and their decisions. No Slack calls, no database.

Tone: a reminder is a courtesy between colleagues — short, warm, never guilt-tripping. Channel posts
name no one but the person asking for help (blameless) and never use @channel or @here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import absences as absence_blocks
from bot.blocks.card import confirm_ask_channel, confirm_done
from bot.blocks.conversation import take_over_button
from bot.blocks.requests import (
    Block,
    Reader,
    actions,
    button,
    closed_line,
    context,
    excerpt,
    input_block,
    modal,
    plain,
    quote,
    section,
    times_fields,
    title,
)
from bot.domain.text import plain_text, shorten
from models import Proposal, Request, State

# Callback ids of our modals (stable: in-flight views carry them).
PROPOSE_VIEW = "request_propose_view"
ESCALATE_VIEW = "request_escalate_view"

#: Slack allows 50 blocks per message; each item takes two, the frame up to four.
MAX_MESSAGE_BLOCKS = 50
MAX_ITEMS = 20
NOTE_LIMIT = 500

ASSIGNEE_STEPS = ("overdue", "response", "check_in", "heads_up")
REQUESTER_STEPS = ("capped", "waiting", "escalate")
#: A reminder to the deputy of an absent assignee about their overdue request.
DEPUTY_STEP = "deputy"


@dataclass(frozen=True)
class ReminderItem:
    """One request in a reminder message, and which ladder step brought it up."""

    request: Request
    step: str
    key: str = ""


def _assignee_line(item: ReminderItem, reader: Reader) -> str:
    tr, request = reader.tr, item.request
    if request.state == State.WAITING.value:
        # Redrawn after the assignee asked the requester something: their clock is paused.
        return tr._(
            "You're waiting for an answer from <@{requester}> — no reminders about this until they reply.",
            requester=request.requester_id,
        )
    if item.step == "check_in":
        return tr._(
            "You said *Got it* on {when} and it's been quiet since. Still on it? A word in the thread, "
            "*Done* or *Need more time* lets <@{requester}> know where it stands.",
            when=reader.when(request.acknowledged_at or request.created_at),
            requester=request.requester_id,
        )
    if item.step == "overdue" and request.due_at is not None:
        day, clock = reader.due_day_time(request)
        if clock is None:
            return tr._(
                "This was due {day}. Need more time? Propose a new date — <@{requester}> can accept it "
                "with one click.",
                day=day,
                requester=request.requester_id,
            )
        return tr._(
            "This was due {day} at {time}. Need more time? Propose a new date — <@{requester}> can "
            "accept it with one click.",
            day=day,
            time=clock,
            requester=request.requester_id,
        )
    if item.step == "heads_up" and request.due_at is not None:
        day, clock = reader.due_day_time(request)
        if clock is None:
            return tr._("Just a heads-up: this is due {day}.", day=day)
        return tr._("Just a heads-up: this is due {day} at {time}.", day=day, time=clock)
    if request.state != State.OPEN.value:
        # Redrawn after *Got it*: the hint to press it would be stale.
        return tr._(
            "The first answer was planned for {when}. Thanks — <@{requester}> knows you're on it.",
            when=reader.when(request.response_due_at),
            requester=request.requester_id,
        )
    return tr._(
        "The first answer was planned for {when}. A quick *Got it* lets <@{requester}> know it's in good "
        "hands.",
        when=reader.when(request.response_due_at),
        requester=request.requester_id,
    )


def _assignee_buttons(request: Request, reader: Reader) -> Block:
    tr, value = reader.tr, str(request.id)
    elements = []
    if request.state == State.OPEN.value:
        elements.append(button(tr._("Got it"), "request_ack", value, style="primary"))
    elements += [
        button(tr._("Done"), "request_done", value, confirm=confirm_done(reader)),
        button(tr._("Need more time"), "request_propose", value),
        button(tr._("Snooze"), "request_snooze", value),
        button(tr._("Decline"), "request_decline", value, style="danger"),
    ]
    return actions(*elements, block_id=f"reminder_{request.id}")


def _team_of(request: Request) -> str:
    """The user group an unclaimed team request was asked of, as Slack shows it (our own id)."""
    return f"<!subteam^{request.group_id}>"


def _unclaimed_escalation_line(item: ReminderItem, reader: Reader) -> str:
    """A team request nobody has taken yet: the requester may ask elsewhere, as for a person."""
    tr, request = reader.tr, item.request
    if item.key.startswith("due@") and request.due_at is not None:
        return tr._(
            "Your request {title} to {team} was due {when} and nobody in the team has taken it yet. "
            "Would you like to ask someone for help?",
            title=title(request, reader),
            team=_team_of(request),
            when=reader.when(request.due_at),
        )
    return tr._(
        "Your request {title} to {team} hasn't been taken by anyone in the team yet (a first answer was "
        "planned for {when}). Would you like to ask someone for help?",
        title=title(request, reader),
        team=_team_of(request),
        when=reader.when(request.response_due_at),
    )


def _escalation_line(item: ReminderItem, reader: Reader) -> str:
    tr, request = reader.tr, item.request
    if request.assignee_id is None and request.group_id is not None:
        return _unclaimed_escalation_line(item, reader)
    if item.key.startswith("due@") and request.due_at is not None:
        day, clock = reader.due_day_time(request)
        if clock is None:
            return tr._(
                "Your request {title} to <@{assignee}> was due {day} and isn't marked done yet. "
                "Would you like to ask someone for help?",
                title=title(request, reader),
                assignee=request.assignee_id,
                day=day,
            )
        return tr._(
            "Your request {title} to <@{assignee}> was due {day} at {time} and isn't marked done yet. "
            "Would you like to ask someone for help?",
            title=title(request, reader),
            assignee=request.assignee_id,
            day=day,
            time=clock,
        )
    return tr._(
        "Your request {title} to <@{assignee}> hasn't had a first answer yet (planned for {when}). "
        "<@{assignee}> may simply be swamped. Would you like to ask someone for help?",
        title=title(request, reader),
        assignee=request.assignee_id,
        when=reader.when(request.response_due_at),
    )


def filed_in_channel(request: Request) -> bool:
    """A public or private channel we could post to (not a DM)."""
    return bool(request.channel_id) and request.channel_id[0] in "CG"


def _escalation_buttons(request: Request, reader: Reader) -> Block:
    tr, value = reader.tr, str(request.id)
    elements = []
    if filed_in_channel(request):
        elements.append(
            button(
                tr._("Ask in the channel"),
                "request_escalate_channel",
                value,
                confirm=confirm_ask_channel(reader),
            )
        )
    elements.append(button(tr._("Ask someone else"), "request_escalate_person", value))
    return actions(*elements, block_id=f"escalate_{request.id}")


def capped_round(item: ReminderItem) -> int:
    """Which question after the cap this is (0 for the first, 1 after one *keep waiting* …)."""
    _, _, number = item.key.partition("@")
    return int(number) if number.isdigit() else 0


def _kept_waiting(request: Request) -> int:
    return sum(1 for event in request.events if event.kind == "kept_waiting")


def _reminded(request: Request) -> int:
    return sum(
        1
        for event in request.events
        if event.kind == "reminded" and (event.detail or {}).get("step") in ("response", "overdue")
    )


def _confirm(title_text: str, text: str, yes: str, no: str) -> dict[str, Any]:
    return {"title": plain(title_text), "text": plain(text), "confirm": plain(yes), "deny": plain(no)}


def _capped_block(item: ReminderItem, reader: Reader) -> list[Block]:
    """The cap was reached: the requester decides (once) — keep waiting, ask someone else, or close it."""
    tr, request = reader.tr, item.request
    question = capped_round(item)
    if _kept_waiting(request) > question:
        return [
            section(
                tr._(
                    "You chose to keep waiting for {title}. I'll remind <@{assignee}> a few more times, "
                    "spaced out, and ask you again if nothing happens.",
                    title=title(request, reader),
                    assignee=request.assignee_id,
                )
                + "\n"
                + excerpt(request, 200)
            )
        ]
    text = tr.n_(
        "I've reminded <@{assignee}> once about your request {title} without an answer, so I'll stop "
        "reminding them now. What would you like to do?",
        "I've reminded <@{assignee}> {n} times about your request {title} without an answer, so I'll "
        "stop reminding them now. What would you like to do?",
        max(1, _reminded(request)),
        assignee=request.assignee_id,
        title=title(request, reader),
    )
    value = str(request.id)
    close = button(tr._("Close it"), "request_cancel", value, style="danger")
    close["confirm"] = _confirm(
        tr._("Close request #{number}?", number=request.number),
        tr._("The request is cancelled and the assignee is told. You can undo it for 10 minutes."),
        tr._("Close it"),
        tr._("Keep it"),
    )
    return [
        section(text + "\n" + excerpt(request, 200)),
        actions(
            button(tr._("Keep waiting"), "request_keep_waiting", value, style="primary"),
            button(tr._("Ask someone else"), "request_escalate_person", value),
            close,
            block_id=f"capped_{request.id}_{question}",
        ),
    ]


def _waiting_block(item: ReminderItem, reader: Reader) -> list[Block]:
    """The request waits on the requester: a courteous nudge to them (the assignee's clock is paused)."""
    tr, request = reader.tr, item.request
    if request.state != State.WAITING.value:
        return [
            section(
                tr._("Thanks — {title} is moving again.", title=title(request, reader))
                + "\n"
                + excerpt(request, 200)
            )
        ]
    text = tr._(
        "<@{assignee}> asked you something about your request {title} on {when} and is waiting for your "
        "answer. Their clock is paused until you reply — a reply in the thread of your request's card "
        "reaches them.",
        assignee=request.assignee_id,
        title=title(request, reader),
        when=reader.when(request.waiting_since or request.updated_at),
    )
    return [
        section(text + "\n" + excerpt(request, 200)),
        actions(
            button(tr._("Reply"), "request_reply", str(request.id), style="primary"),
            block_id=f"waiting_{request.id}",
        ),
    ]


def _deputy_items(items: list[ReminderItem], reader: Reader) -> list[Block]:
    blocks: list[Block] = []
    for item in items:
        request = item.request
        header = reader.tr._(
            "{title} from <@{requester}>", title=title(request, reader), requester=request.requester_id
        )
        if request.is_closed:
            blocks.append(section(header + "\n" + excerpt(request)))
            blocks.append(context(closed_line(request, reader)))
            continue
        if reader.user_id is not None and request.assignee_id == reader.user_id:
            blocks.append(section(header + "\n" + excerpt(request)))
            blocks.append(context(reader.tr._("You took this over — it's on your card now.")))
            continue
        blocks.append(
            section(header + "\n" + excerpt(request) + "\n" + absence_blocks.deputy_line(request, reader))
        )
        blocks.append(absence_blocks.deputy_buttons(request, reader))
    return blocks


def reminder_message(items: list[ReminderItem], reader: Reader) -> tuple[str, list[Block]]:
    """Everything due for one person in one sweep, as ONE message with per-item buttons.

    Assignee items (overdue, response, heads-up) come first, then escalation offers on the person's own
    requests. More than ``MAX_ITEMS`` end in "and N more — /request list".
    """
    tr = reader.tr
    order = {step: index for index, step in enumerate((*ASSIGNEE_STEPS, DEPUTY_STEP, *REQUESTER_STEPS))}
    items = sorted(items, key=lambda i: (order.get(i.step, 9), i.request.number))
    shown, hidden = items[:MAX_ITEMS], items[MAX_ITEMS:]
    mine = [i for i in shown if i.step not in REQUESTER_STEPS and i.step != DEPUTY_STEP]
    standing_in = [i for i in shown if i.step == DEPUTY_STEP]
    theirs = [i for i in shown if i.step in REQUESTER_STEPS]
    blocks: list[Block] = []
    if mine:
        blocks.append(
            section(
                tr.n_(
                    ":wave: A friendly reminder about a request for you:",
                    ":wave: A friendly reminder about {n} requests for you:",
                    len([i for i in items if i.step not in REQUESTER_STEPS and i.step != DEPUTY_STEP]),
                )
            )
        )
        for item in mine:
            request = item.request
            header = tr._(
                "{title} from <@{requester}>", title=title(request, reader), requester=request.requester_id
            )
            if request.is_closed:
                blocks.append(section(header + "\n" + excerpt(request)))
                blocks.append(context(closed_line(request, reader)))
                continue
            blocks.append(section(header + "\n" + excerpt(request) + "\n" + _assignee_line(item, reader)))
            blocks.append(_assignee_buttons(request, reader))
    if standing_in:
        if mine:
            blocks.append({"type": "divider"})
        blocks += _deputy_items(standing_in, reader)
    if theirs:
        if mine or standing_in:
            blocks.append({"type": "divider"})
        for item in theirs:
            if item.request.is_closed:
                blocks.append(section(title(item.request, reader) + "\n" + excerpt(item.request, 200)))
                blocks.append(context(closed_line(item.request, reader)))
                continue
            if item.step == "capped":
                blocks += _capped_block(item, reader)
                continue
            if item.step == "waiting":
                blocks += _waiting_block(item, reader)
                continue
            blocks.append(section(_escalation_line(item, reader) + "\n" + excerpt(item.request, 200)))
            blocks.append(_escalation_buttons(item.request, reader))
    if hidden:
        blocks.append(
            context(
                tr.n_(
                    "…and {n} more — see `/request list`.",
                    "…and {n} more — see `/request list`.",
                    len(hidden),
                )
            )
        )
    notes = []
    if mine or standing_in:
        notes.append(
            tr._("Reminders come only during your working hours, and less often the longer a request waits.")
        )
    if any(i.step == "escalate" for i in theirs):
        notes.append(tr._("Only you see this. Nothing is posted unless you choose to."))
    elif any(i.step == "capped" for i in theirs):
        notes.append(tr._("Only you see this. The request stays open until you decide."))
    elif theirs:
        notes.append(tr._("Only you see this."))
    blocks.append(context(" ".join(notes)))
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    first = items[0].request
    if len(items) == 1:
        fallback = tr._(
            "A friendly reminder: #{number} {text}", number=first.number, text=shorten(first.text, 80)
        )
    else:
        fallback = tr.n_(
            "A friendly reminder about {n} request", "A friendly reminder about {n} requests", len(items)
        )
    return plain_text(fallback), blocks


# --- the agreement ---------------------------------------------------------------------------------


def _local_date(moment: datetime | None, reader: Reader) -> str | None:
    return moment.astimezone(reader.tz).date().isoformat() if moment else None


def _local_time(moment: datetime | None, reader: Reader) -> str | None:
    return moment.astimezone(reader.tz).strftime("%H:%M") if moment else None


def _date_time_inputs(prefix: str, label: str, moment: datetime | None, reader: Reader) -> list[Block]:
    day: dict[str, Any] = {"type": "datepicker", "action_id": f"{prefix}_date"}
    clock: dict[str, Any] = {"type": "timepicker", "action_id": f"{prefix}_time"}
    if moment is not None:
        day["initial_date"] = _local_date(moment, reader)
        clock["initial_time"] = _local_time(moment, reader)
    return [
        input_block(f"{prefix}_date", label, day, optional=True),
        input_block(f"{prefix}_time", reader.tr._("Time"), clock, optional=True),
    ]


def propose_modal(request: Request, reader: Reader) -> dict[str, Any]:
    """ "Need more time": the assignee proposes other times; empty fields keep the agreed value."""
    tr = reader.tr
    blocks: list[Block] = [
        section(
            tr._("{title} from <@{requester}>", title=title(request, reader), requester=request.requester_id)
            + "\n"
            + excerpt(request, 500),
            fields=times_fields(request, reader),
        )
    ]
    if request.state == State.OPEN.value:
        blocks += _date_time_inputs("response", tr._("First answer by"), request.response_due_at, reader)
    blocks += _date_time_inputs("due", tr._("Done by"), request.due_at, reader)
    blocks.append(
        input_block(
            "note",
            tr._("A short note"),
            {"type": "plain_text_input", "action_id": "note", "multiline": True, "max_length": NOTE_LIMIT},
            optional=True,
        )
    )
    # A hint is plain text, where a mention shows as raw markup: the name goes into mrkdwn below.
    blocks.append(
        context(
            tr._(
                "<@{requester}> sees your proposal and accepts or keeps the old times with one click.",
                requester=request.requester_id,
            )
        )
    )
    return modal(PROPOSE_VIEW, tr._("Need more time"), tr._("Propose"), reader, blocks, str(request.id))


def _change_fields(request: Request, proposal: Proposal, reader: Reader) -> list[str]:
    tr = reader.tr
    fields = []
    if proposal.response_due_at is not None:
        fields.append(
            tr._(
                "*First answer by*\n~{old}~ → {new}",
                old=reader.when(request.response_due_at),
                new=reader.when(proposal.response_due_at),
            )
        )
    if proposal.due_at is not None:
        old = reader.due(request) if request.due_at else tr._("no due date")
        fields.append(tr._("*Due*\n~{old}~ → {new}", old=old, new=reader.when(proposal.due_at)))
    return fields


def proposal_for_requester(request: Request, proposal: Proposal, reader: Reader) -> tuple[str, list[Block]]:
    """The requester decides with one click; the block id names the proposal, so stale clicks are caught."""
    tr = reader.tr
    text = tr._(
        "<@{assignee}> proposes new times for your request {title}:",
        assignee=request.assignee_id,
        title=title(request, reader),
    )
    body = text + "\n" + excerpt(request, 200)
    if proposal.note:
        body += "\n" + tr._("Their note:") + "\n" + quote(proposal.note)
    blocks = [
        section(body, fields=_change_fields(request, proposal, reader)),
        actions(
            button(tr._("Accept"), "request_accept_proposal", str(request.id), style="primary"),
            button(tr._("Keep the original times"), "request_reject_proposal", str(request.id)),
            block_id=f"proposal_{proposal.id}",
        ),
    ]
    fallback = tr._("New times proposed for request #{number}", number=request.number)
    return fallback, blocks


def proposal_sent(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    text = reader.tr._(
        "Thanks — I've sent your proposal for {title} to <@{requester}>. Reminders pause until they decide.",
        title=title(request, reader),
        requester=request.requester_id,
    )
    return plain_text(text.replace("*", "")), [section(text)]


def proposal_decided_for_requester(
    request: Request, accepted: bool, reader: Reader
) -> tuple[str, list[Block]]:
    """Replaces the proposal message once the requester clicked."""
    tr = reader.tr
    if accepted:
        text = tr._(
            ":handshake: You accepted the new times for {title}. <@{assignee}> knows.",
            title=title(request, reader),
            assignee=request.assignee_id,
        )
    else:
        text = tr._(
            "You kept the original times for {title}. <@{assignee}> knows.",
            title=title(request, reader),
            assignee=request.assignee_id,
        )
    return plain_text(text.replace("*", "")), [section(text, fields=times_fields(request, reader))]


def proposal_decided_for_assignee(
    request: Request, accepted: bool, reader: Reader
) -> tuple[str, list[Block]]:
    tr = reader.tr
    if accepted:
        text = tr._(
            ":handshake: <@{requester}> accepted your proposed times for {title}. Thanks for saying early.",
            requester=request.requester_id,
            title=title(request, reader),
        )
    else:
        text = tr._(
            "<@{requester}> would like to keep the original times for {title}. If they can't work, a "
            "quick word in the thread or a kind decline helps most.",
            requester=request.requester_id,
            title=title(request, reader),
        )
    return plain_text(text.replace("*", "")), [section(text, fields=times_fields(request, reader))]


# --- escalation (always the requester's choice) -----------------------------------------------------


def escalate_modal(request: Request, reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return modal(
        ESCALATE_VIEW,
        tr._("Ask for help"),
        tr._("Ask"),
        reader,
        [
            section(title(request, reader) + "\n" + excerpt(request, 500)),
            input_block(
                "person", tr._("Whom would you like to ask?"), {"type": "users_select", "action_id": "person"}
            ),
            input_block(
                "note",
                tr._("A short note"),
                {
                    "type": "plain_text_input",
                    "action_id": "note",
                    "multiline": True,
                    "max_length": NOTE_LIMIT,
                },
                optional=True,
            ),
            context(
                tr._("I'll let <@{assignee}> know too, so nobody is surprised.", assignee=request.assignee_id)
                if request.assignee_id is not None
                else tr._(
                    "Nobody in {team} has taken it yet; if they do first, you'll hear who.",
                    team=_team_of(request),
                )
            ),
        ],
        str(request.id),
    )


def channel_help_post(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    """Blameless: names only the person asking for help; never @channel."""
    tr = reader.tr
    text = tr._(
        ":raising_hand: <@{requester}> is looking for help with request *#{number}*:",
        requester=request.requester_id,
        number=request.number,
    )
    blocks = [
        section(text + "\n" + excerpt(request, 500)),
        context(
            tr._(
                "If you can help or know who can, please reach out to <@{requester}>. Posted at their request.",
                requester=request.requester_id,
            )
        ),
    ]
    return plain_text(tr._("Looking for help with request #{number}", number=request.number)), blocks


def person_help_dm(request: Request, reader: Reader, note: str | None) -> tuple[str, list[Block]]:
    tr = reader.tr
    text = tr._(
        "<@{requester}> wonders whether you could help with request *#{number}*, filed {when}:",
        requester=request.requester_id,
        number=request.number,
        when=reader.when(request.created_at),
    )
    body = text + "\n" + excerpt(request, 500)
    if note:
        body += "\n" + tr._("Their note:") + "\n" + quote(note)
    blocks = [
        section(body),
        context(
            tr._(
                "No obligation — a quick reply to <@{requester}> helps either way. If you can do it, "
                "*Take it over* makes it yours; <@{requester}> and <@{assignee}> are told.",
                requester=request.requester_id,
                assignee=request.assignee_id,
            )
            if request.assignee_id is not None
            else tr._(
                "No obligation — a quick reply to <@{requester}> helps either way. Nobody in {team} has "
                "taken it yet; if you can do it, *Take it over* makes it yours and <@{requester}> is told.",
                requester=request.requester_id,
                team=_team_of(request),
            )
        ),
    ]
    if not request.is_closed:
        blocks.append(take_over_button(request, reader))
    return plain_text(tr._("Can you help with request #{number}?", number=request.number)), blocks


def assignee_escalation_notice(
    request: Request, reader: Reader, *, channel_id: str | None = None, person_id: str | None = None
) -> tuple[str, list[Block]]:
    """Nothing happens behind anyone's back: the assignee hears where help was asked for."""
    tr = reader.tr
    if channel_id:
        text = tr._(
            "Just so you know: <@{requester}> has asked in <#{channel}> whether someone can help with {title}.",
            requester=request.requester_id,
            channel=channel_id,
            title=title(request, reader),
        )
    else:
        text = tr._(
            "Just so you know: <@{requester}> has asked <@{person}> whether they can help with {title}.",
            requester=request.requester_id,
            person=person_id,
            title=title(request, reader),
        )
    text += " " + tr._("If you're already on it, a quick *Got it* or a word in the thread helps.")
    return plain_text(text.replace("*", "")), [section(text + "\n" + excerpt(request, 200))]


def escalation_confirmation(
    reader: Reader, *, channel_id: str | None = None, person_id: str | None = None
) -> str:
    if channel_id:
        return reader.tr._("Done — I've asked for help in <#{channel}>.", channel=channel_id)
    return reader.tr._("Done — I've asked <@{person}> for help.", person=person_id)


__all__ = [
    "ESCALATE_VIEW",
    "MAX_ITEMS",
    "PROPOSE_VIEW",
    "REQUESTER_STEPS",
    "ReminderItem",
    "assignee_escalation_notice",
    "capped_round",
    "channel_help_post",
    "escalate_modal",
    "escalation_confirmation",
    "filed_in_channel",
    "person_help_dm",
    "proposal_decided_for_assignee",
    "proposal_decided_for_requester",
    "proposal_for_requester",
    "proposal_sent",
    "propose_modal",
    "reminder_message",
]
