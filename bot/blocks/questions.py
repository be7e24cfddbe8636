"""Pure builders for the questions `/request` asks back instead of guessing: which of two dates or
times was meant, and what to do with a due date on a day the assignee does not work.

Nothing is filed until the requester picks: each option is a button whose (sealed) value carries the
command text and the choice; "Open the form" sets the times by hand. Only the requester sees these.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.kit import Block, Reader, actions, button, context, section
from bot.domain.text import safe_user_text, shorten
from bot.i18n import N_

#: An option's button: files the request with that choice.
CHOOSE_ACTION = "request_choose"
#: Opens the new-request form, prefilled with what was understood.
FORM_ACTION = "request_form"

AMBIGUITY_QUESTIONS = {
    "ambiguous_date": N_("*{text}* could mean more than one date. Which one do you mean?"),
    "ambiguous_time": N_("*{text}* could mean more than one time. Which one do you mean?"),
    "ambiguous_weekday": N_("Does *{text}* mean today or the same day next week?"),
}


@dataclass(frozen=True)
class Option:
    label: str
    value: str  # sealed: what the click brings back


def _buttons(reader: Reader, options: list[Option], form_value: str | None) -> list[Block]:
    elements = [button(option.label, CHOOSE_ACTION, option.value) for option in options]
    if form_value is not None:
        elements.append(button(reader.tr._("Open the form"), FORM_ACTION, form_value))
    return [actions(*elements, block_id="request_question")] if elements else []


def ambiguity_question(
    reader: Reader, *, code: str, text: str, options: list[Option], form_value: str | None
) -> tuple[str, list[Block]]:
    tr = reader.tr
    question = tr._(AMBIGUITY_QUESTIONS[code], text=safe_user_text(shorten(text, 80)))
    hint = (
        tr._("Nothing is filed yet. Pick one, or open the form to set the times yourself.")
        if options
        else tr._("Nothing is filed yet. Open the form to set the times, or write the date as 2026-12-04.")
    )
    blocks = [section(question), *_buttons(reader, options, form_value), context(hint)]
    return question.replace("*", ""), blocks


def due_question(
    reader: Reader,
    *,
    kind: str,
    day: str,
    assignee: str,
    holiday: str | None,
    their_time: str,
    keep: Option | None,
    alternative: Option | None,
    form_value: str | None,
) -> tuple[str, list[Block]]:
    """A due date on a day off for the assignee (or whose working day is over for them)."""
    tr = reader.tr
    if kind == "over":
        question = tr._(
            "The working day of {day} is already over for <@{assignee}> — it's {time} where they are. "
            "When should it be due?",
            day=day,
            assignee=assignee,
            time=their_time,
        )
    elif kind == "holiday" and holiday:
        question = tr._(
            "{day} is a public holiday for <@{assignee}> ({holiday}). Keep that due date anyway?",
            day=day,
            assignee=assignee,
            holiday=safe_user_text(holiday),
        )
    elif kind == "holiday":
        question = tr._(
            "{day} is a public holiday for <@{assignee}>. Keep that due date anyway?",
            day=day,
            assignee=assignee,
        )
    else:
        question = tr._(
            "{day} isn't a working day for <@{assignee}>. Keep that due date anyway?",
            day=day,
            assignee=assignee,
        )
    options = [option for option in (keep, alternative) if option is not None]
    blocks = [
        section(question),
        *_buttons(reader, options, form_value),
        context(tr._("Nothing is filed yet. Only you see this.")),
    ]
    return question.replace("*", ""), blocks


def keep_label(reader: Reader, day: str) -> str:
    return reader.tr._("Keep {day}", day=day)


def alternative_label(reader: Reader, day: str) -> str:
    return reader.tr._("{day} instead", day=day)
