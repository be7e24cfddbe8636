"""Pure builders for the conversation around a request: the Answer and Ask-back buttons and forms, the
answer and the question as the requester reads them, the reply as the assignee reads it, and the
hand-overs (take over, ask someone else after a decline).

User text (answers, questions, replies, notes) always passes through ``quote``/``safe_user_text``;
mentions only in mrkdwn, never in ``plain_text`` labels, hints or titles.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.blocks.card import cancel_button, confirm_done
from bot.blocks.kit import (
    Block,
    Reader,
    actions,
    button,
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
from bot.domain.conversation import CardNotes, Handover, looks_like_question
from bot.domain.text import MAX_REQUEST_TEXT, plain_text, shorten
from models import Kind, Request, State

# Callback ids of our modals (stable: in-flight views carry them).
ANSWER_VIEW = "request_answer_view"
ASK_BACK_VIEW = "request_ask_back_view"
REPLY_VIEW = "request_reply_view"
REDIRECT_VIEW = "request_redirect_view"

ANSWER_ACTION = "request_answer"
ASK_BACK_ACTION = "request_ask_back"
REPLY_ACTION = "request_reply"
TAKE_OVER_ACTION = "request_take_over"
#: On the requester's news of a decline: ask someone else (a picker that hands the request on).
REDIRECT_ACTION = "request_redirect"
FINISH_OPTION = "finish"
NOTE_LIMIT = 500


def is_question(request: Request) -> bool:
    return request.kind == Kind.QUESTION.value or looks_like_question(request.text)


# --- the assignee's card ----------------------------------------------------------------------------


def card_buttons(request: Request, reader: Reader, main: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The card's buttons with *Answer* and *Ask back* among them: *Answer* first (and the primary one)
    when the request is a question, else after the first answers (Got it, Done)."""
    tr = reader.tr
    value = str(request.id)
    question = is_question(request)
    answer = button(tr._("Answer"), ANSWER_ACTION, value, style="primary" if question else None)
    extra = [answer]
    if request.state != State.WAITING.value:
        extra.append(button(tr._("Ask back"), ASK_BACK_ACTION, value))
    if question:
        rest = [{k: v for k, v in element.items() if k != "style" or v == "danger"} for element in main]
        return [*extra, *rest]
    cut = next((i + 1 for i, e in enumerate(main) if e["action_id"] == "request_done"), len(main))
    return [*main[:cut], *extra, *main[cut:]]


def handover_line(request: Request, reader: Reader, handover: Handover) -> str:
    """Above the request on the new assignee's card: who handed it over, and why — not a new ask."""
    tr = reader.tr
    if handover.kind == "redirected":
        line = tr._(
            ":arrow_right: <@{requester}> asks you this after <@{previous}> couldn't take it on.",
            requester=request.requester_id,
            previous=handover.from_id or "",
        )
    elif handover.kind == "taken_over":
        line = tr._(
            ":handshake: You took this over from <@{previous}> — thank you.", previous=handover.from_id or ""
        )
    else:
        line = tr._(
            ":arrow_right: <@{by}> handed this request over to you; <@{requester}> asked for it.",
            by=handover.by_id or handover.from_id or "",
            requester=request.requester_id,
        )
    if handover.note:
        line += "\n" + tr._("Their note:") + "\n" + quote(handover.note)
    return line


def waiting_line(request: Request, reader: Reader, question: str | None) -> str:
    tr = reader.tr
    line = tr._(
        ":hourglass_flowing_sand: You asked <@{requester}> — your clock is paused until they answer.",
        requester=request.requester_id,
    )
    if question:
        line += "\n" + quote(shorten(question, 500))
    return line


def card_note_blocks(request: Request, reader: Reader, notes: CardNotes | None) -> list[Block]:
    """Context on the card that comes before the buttons (the hand-over)."""
    if notes is None or notes.handover is None:
        return []
    return [context(handover_line(request, reader, notes.handover))]


def waiting_blocks(request: Request, reader: Reader, notes: CardNotes | None) -> list[Block]:
    """The card while the request waits on the requester: the question, and what can still be done."""
    tr = reader.tr
    value = str(request.id)
    return [
        section(waiting_line(request, reader, notes.question if notes else None)),
        actions(
            button(tr._("Answer"), ANSWER_ACTION, value),
            button(tr._("Done"), "request_done", value, confirm=confirm_done(reader)),
            button(tr._("Reassign"), "request_reassign", value),
            button(tr._("Decline"), "request_decline", value, style="danger"),
            block_id=f"request_{request.id}_actions",
        ),
    ]


# --- forms ----------------------------------------------------------------------------------------


def _text_input(action_id: str, *, initial: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": True,
        "max_length": MAX_REQUEST_TEXT,
    }
    if initial:
        element["initial_value"] = initial[:MAX_REQUEST_TEXT]
    return element


def answer_modal(request: Request, reader: Reader) -> dict[str, Any]:
    """The assignee's answer; ticking *This finishes it* also marks the request done."""
    tr = reader.tr
    finish = {"text": plain(tr._("This finishes it — mark the request done")), "value": FINISH_OPTION}
    return modal(
        ANSWER_VIEW,
        tr._("Answer"),
        tr._("Send"),
        reader,
        [
            section(title(request, reader) + "\n" + excerpt(request, 500)),
            input_block(
                "answer",
                tr._("Your answer"),
                _text_input("answer"),
                hint=tr._("The requester reads it as you write it, and it is kept in the request's history."),
            ),
            input_block(
                "finish",
                tr._("Finished?"),
                {"type": "checkboxes", "action_id": "finish", "options": [finish]},
                optional=True,
            ),
        ],
        metadata=str(request.id),
    )


def ask_back_modal(request: Request, reader: Reader) -> dict[str, Any]:
    tr = reader.tr
    return modal(
        ASK_BACK_VIEW,
        tr._("Ask back"),
        tr._("Ask"),
        reader,
        [
            section(title(request, reader) + "\n" + excerpt(request, 500)),
            input_block(
                "question",
                tr._("What do you need from the requester?"),
                _text_input("question"),
                hint=tr._(
                    "They get your question with a button to reply. Your times pause until they answer, "
                    "and move on by the time it took."
                ),
            ),
        ],
        metadata=str(request.id),
    )


def reply_modal(request: Request, reader: Reader, question: str | None) -> dict[str, Any]:
    tr = reader.tr
    asked = tr._("<@{assignee}> asks about *#{number}*:", assignee=request.assignee_id, number=request.number)
    return modal(
        REPLY_VIEW,
        tr._("Reply"),
        tr._("Send"),
        reader,
        [
            section(asked + "\n" + quote(shorten(question or "", 1500))),
            context(tr._("Your request: {text}", text=plain_text(shorten(request.text, 200)))),
            input_block("reply", tr._("Your reply"), _text_input("reply")),
        ],
        metadata=str(request.id),
    )


def redirect_modal(request: Request, reader: Reader) -> dict[str, Any]:
    """After a decline: whom to ask instead — the same request goes to them."""
    tr = reader.tr
    return modal(
        REDIRECT_VIEW,
        tr._("Ask someone else"),
        tr._("Ask"),
        reader,
        [
            section(title(request, reader) + "\n" + excerpt(request, 500)),
            input_block(
                "assignee",
                tr._("Whom would you like to ask?"),
                {"type": "users_select", "action_id": "assignee"},
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
        ],
        metadata=str(request.id),
    )


def note_input(label: str, hint: str) -> Block:
    """An optional note (e.g. why a request is handed over)."""
    return input_block(
        "note",
        label,
        {"type": "plain_text_input", "action_id": "note", "multiline": True, "max_length": NOTE_LIMIT},
        optional=True,
        hint=hint,
    )


# --- messages ---------------------------------------------------------------------------------------


def answer_message(
    request: Request, reader: Reader, text: str, *, finished: bool, in_thread: bool
) -> tuple[str, list[Block]]:
    """The assignee's answer as the requester reads it (in their card's thread, or as a DM)."""
    tr = reader.tr
    if finished:
        head = tr._(
            ":speech_balloon: <@{assignee}> answered your request *#{number}* and marked it done:",
            assignee=request.assignee_id,
            number=request.number,
        )
    else:
        head = tr._(
            ":speech_balloon: <@{assignee}> answered your request *#{number}*:",
            assignee=request.assignee_id,
            number=request.number,
        )
    blocks: list[Block] = [section(head + "\n" + quote(text))]
    if not in_thread:
        blocks.append(context(tr._("Your request: {text}", text=plain_text(shorten(request.text, 200)))))
    fallback = tr._(
        "{assignee} answered #{number}: {text}",
        assignee=f"<@{request.assignee_id}>",
        number=request.number,
        text=plain_text(shorten(text, 120)),
    )
    return fallback, blocks


def question_message(
    request: Request, reader: Reader, question: str, *, in_thread: bool
) -> tuple[str, list[Block]]:
    """The assignee's question as the requester reads it, with a button to reply."""
    tr = reader.tr
    head = tr._(
        ":raised_hand: <@{assignee}> needs something from you to go on with your request *#{number}*:",
        assignee=request.assignee_id,
        number=request.number,
    )
    blocks: list[Block] = [section(head + "\n" + quote(question))]
    if not in_thread:
        blocks.append(context(tr._("Your request: {text}", text=plain_text(shorten(request.text, 200)))))
    blocks.append(
        actions(
            button(tr._("Reply"), REPLY_ACTION, str(request.id), style="primary"),
            block_id=f"reply_{request.id}",
        )
    )
    blocks.append(
        context(
            tr._(
                "Reply with the button or right here in the thread. Until then <@{assignee}>'s clock is paused.",
                assignee=request.assignee_id,
            )
        )
    )
    fallback = tr._(
        "{assignee} asks about #{number}: {text}",
        assignee=f"<@{request.assignee_id}>",
        number=request.number,
        text=plain_text(shorten(question, 120)),
    )
    return fallback, blocks


def question_answered(request: Request, reader: Reader, question: str) -> tuple[str, list[Block]]:
    """The question message once it has been answered: no Reply button left to press."""
    tr = reader.tr
    head = tr._(
        "<@{assignee}> asked about your request *#{number}*:",
        assignee=request.assignee_id,
        number=request.number,
    )
    return plain_text(head.replace("*", "")), [
        section(head + "\n" + quote(question)),
        context(tr._(":white_check_mark: Answered — thank you.")),
    ]


def waited_words(reader: Reader, waited: timedelta) -> str:
    return reader.tr.duration(waited) if waited > timedelta(0) else reader.tr._("no working time")


def reply_message(request: Request, reader: Reader, text: str, waited: timedelta) -> tuple[str, list[Block]]:
    """The requester's reply as the assignee reads it: the words, and the times moved by the wait."""
    tr = reader.tr
    head = tr._(
        ":leftwards_arrow_with_hook: <@{requester}> replied to your question on *#{number}*:",
        requester=request.requester_id,
        number=request.number,
    )
    blocks: list[Block] = [
        section(head + "\n" + quote(text), fields=times_fields(request, reader)),
        context(
            tr._(
                "Your clock runs again. The waiting took {waited} of your working time, so your times moved "
                "by that much.",
                waited=waited_words(reader, waited),
            )
        ),
    ]
    fallback = tr._(
        "{requester} replied on #{number}: {text}",
        requester=f"<@{request.requester_id}>",
        number=request.number,
        text=plain_text(shorten(text, 120)),
    )
    return fallback, blocks


def take_over_button(request: Request, reader: Reader) -> Block:
    """For the person asked to help: one click makes the request theirs."""
    return actions(
        button(reader.tr._("Take it over"), TAKE_OVER_ACTION, str(request.id), style="primary"),
        block_id=f"take_over_{request.id}",
    )


def taken_over_previous(request: Request, reader: Reader, new_assignee: str) -> tuple[str, list[Block]]:
    """The previous assignee's card and DM after someone took the request over."""
    text = reader.tr._(
        ":handshake: <@{assignee}> has taken over *#{number}* — no need to do anything more. Thank you!",
        assignee=new_assignee,
        number=request.number,
    )
    return plain_text(text.replace("*", "")), [section(text + "\n" + excerpt(request))]


def decline_offers(request: Request, reader: Reader) -> Block:
    """Under a decline the requester reads: ask someone else, or let it go."""
    tr = reader.tr
    value = str(request.id)
    return actions(
        button(tr._("Ask someone else"), REDIRECT_ACTION, value, style="primary"),
        cancel_button(request, reader),
        block_id=f"declined_{request.id}",
    )


def redirected_confirmation(reader: Reader, assignee: str, number: int) -> str:
    return reader.tr._(
        "Done — I've asked <@{assignee}> to take on *#{number}*. I'll keep you posted.",
        assignee=assignee,
        number=number,
    )
