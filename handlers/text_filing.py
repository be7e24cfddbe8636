"""`/request @person what …` as text: read it, ask back what is ambiguous, then file — never guess.

* The parser reads the text in the requester's zone, language and working hours. What it could not
  read as a time (``RequestDraft.unread``) is filed as it is and named in the confirmation, with a
  button to set the times.
* ``ambiguous_date`` / ``ambiguous_time`` / ``ambiguous_weekday``: nothing is filed; the requester gets
  one button per reading (in their zone and language) and "Open the form". A button's value is sealed
  (``bot.payloads.seal``: the command text, the choice, the question's id, for this person only), so a
  stranger's click or a forged value files nothing. The choice is applied by writing the chosen reading
  into the text unambiguously (``12/04`` -> ``2026-12-04``, ``um 8`` -> ``2026-11-28 20:00``) and
  reading it again — only readings that come out exactly as offered get a button.
* A due date on a day the assignee does not work (weekend, their public holiday, a closing day), or
  whose working day is already over for them, is asked back too: keep it, the working day before, or
  the form.
* A question's id stays the same through the answers it leads to, and is the filing's delivery key:
  however often and wherever the requester clicks, the request is filed once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bot import payloads
from bot.blocks import questions
from bot.blocks import requests as blocks
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.domain.calendar import BusinessCalendar
from bot.domain.list_filters import starts_with_mention, user_mentions
from bot.domain.parsing import (
    Duration,
    ParseError,
    RequestDraft,
    guess_kind,
    parse_mention,
    parse_request_command,
)
from bot.domain.text import from_slack
from bot.services.requests import ServiceError
from handlers import team_filing
from handlers.common import Interaction
from handlers.filing import DueCheck, Filing, Prepared, calendar_of, due_check, prepare, store

AMBIGUOUS = frozenset(questions.AMBIGUITY_QUESTIONS)
#: The slashed or dashed date inside an ambiguous fragment ("12/04", "12-04-2027").
_DATE_TOKEN = re.compile(r"\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?")


@dataclass(frozen=True)
class Answer:
    """What a click on one of our questions brings back (unsealed and checked)."""

    text: str
    question: str
    pick: tuple[str, str] | None = None  # (the words as written, what to read instead)
    due: str | None = None  # "keep", or the ISO day to move the due date to
    form: bool = False

    @classmethod
    def unseal(cls, click: Interaction, value: Any) -> Answer:
        fields = payloads.unseal(value, key=_seal_key(click), team_id=click.team_id, user_id=click.user_id)
        text, question, pick, due = fields.get("t"), fields.get("q"), fields.get("p"), fields.get("d")
        if not isinstance(text, str) or not isinstance(question, str) or not question:
            raise payloads.BadPayload("value")
        if pick is not None and not (
            isinstance(pick, list) and len(pick) == 2 and all(isinstance(part, str) for part in pick)
        ):
            raise payloads.BadPayload("value.pick")
        if due is not None and due != "keep":
            try:
                date.fromisoformat(due)
            except (TypeError, ValueError):
                raise payloads.BadPayload("value.due") from None
        return cls(text, question, tuple(pick) if pick else None, due, bool(fields.get("m") == "form"))


def _seal_key(interaction: Interaction) -> str:
    return interaction.deps.settings.slack_signing_secret or "kundenfokus"


def _seal(interaction: Interaction, **fields: Any) -> str | None:
    return payloads.seal(
        {key: value for key, value in fields.items() if value is not None},
        key=_seal_key(interaction),
        team_id=interaction.team_id,
        user_id=interaction.user_id,
    )


def _question_id(command: Interaction) -> str:
    """The same for a command Slack delivers twice (its trigger), so a retry cannot file twice."""
    if command.trigger_id:
        return hashlib.sha256(command.trigger_id.encode()).hexdigest()[:16]
    return secrets.token_hex(8)


def _applied(text: str, pick: tuple[str, str] | None) -> str:
    if pick is None:
        return text
    fragment, reading = pick
    at = text.rfind(fragment)
    return text if at < 0 else text[:at] + reading + text[at + len(fragment) :]


def _own_calendar(interaction: Interaction) -> BusinessCalendar:
    person = interaction.deps.people.get(interaction.team_id, interaction.user_id)
    return calendar_of(
        interaction.deps, interaction.team_id, interaction.user_id, person.tz if person else None
    )


def _parse(text: str, *, now: datetime, reader: Reader, own: BusinessCalendar) -> RequestDraft:
    return parse_request_command(
        text,
        now=now,
        tz=reader.tz,
        language=reader.tr.language,
        end_of_day=own.hours.end,
        start_of_day=own.hours.start,
    )


def tell_parse_error(interaction: Interaction, error: ParseError) -> None:
    reader = interaction.reader()
    # What the person wrote, as they wrote it (the way out escapes it).
    params = {
        key: from_slack(value) if isinstance(value, str) else value for key, value in error.params.items()
    }
    code = error.code
    if code == "missing_assignee" and params.get("name"):
        code = "unknown_name"
    elif (
        code == "invalid_date"
        and params.get("reason") == "weekday_mismatch"
        and isinstance(params.get("date"), date)
    ):
        code = "weekday_mismatch"
        params["date"] = reader.tr.day(params["date"])
    if isinstance(params.get("at"), datetime):
        params["at"] = reader.when(params["at"])
    params.setdefault("text", "")
    params.setdefault("assignee", "")
    params.pop("options", None)
    interaction.tell(error_text(reader, code, **params))


def file_from_text(interaction: Interaction, text: str, *, answer: Answer | None = None) -> None:
    """Read ``text`` (already unescaped), ask back or file. ``answer``: a click on our question."""
    reader = interaction.reader()
    deps, now = interaction.deps, interaction.now
    own = _own_calendar(interaction)
    question = answer.question if answer else _question_id(interaction)
    source = _applied(text, answer.pick if answer else None)
    try:
        draft = _parse(source, now=now, reader=reader, own=own)
    except ParseError as error:
        if error.code in AMBIGUOUS:
            _ask_which(interaction, source, error, own=own, question=question, replace=answer is not None)
        else:
            tell_parse_error(interaction, error)
        return
    # Someone else named in the text is never pinged by us, so they are named as text ("@carol").
    others = (
        [
            "@" + (label or user)
            for user, label in user_mentions(draft.description).items()
            if user != draft.assignee.id
        ]
        if draft.assignee.kind == "user"
        else []
    )
    if others and starts_with_mention(draft.description):
        # "/request @bob @carol …": a request goes to one person — which one is theirs to say.
        interaction.tell(error_text(reader, "two_people", assignee=draft.assignee.id, name=others[0]))
        return
    delivery = (
        f"question:{question}"
        if answer
        else (f"trigger:{interaction.trigger_id}" if interaction.trigger_id else None)
    )
    if draft.assignee.kind == "usergroup":
        team_filing.file_draft(interaction, draft, delivery=delivery, replace=answer is not None)
        return
    filing = Filing(
        team_id=interaction.team_id,
        requester_id=interaction.user_id,
        assignee_id=draft.assignee.id,
        text=from_slack(draft.description),
        kind=guess_kind(draft.description),
        channel_id=interaction.channel_id,
        within=draft.response_within,
        due=draft.due,
        delivery_key=delivery,
        urgent=draft.urgent,
        unread=tuple(from_slack(fragment) for fragment in draft.unread),
    )
    try:
        prepared = prepare(deps, filing, now=now)
        if answer is not None and answer.due not in (None, "keep"):
            prepared = prepared.with_due_day(date.fromisoformat(answer.due or ""))
        elif answer is None or answer.due is None:
            check = due_check(prepared, now=now, language=reader.tr.language)
            if check is not None:
                _ask_due(interaction, source, check, prepared, question=question, replace=answer is not None)
                return
        filed = store(deps, prepared, now=now, origin=replace(interaction.origin, replace=answer is not None))
    except ServiceError as error:
        interaction.tell(error_text(reader, error.code, **{"assignee": draft.assignee.id, **error.params}))
        return
    if filed is None and answer is not None:
        interaction.tell(error_text(reader, "question_answered"))
    elif filed is not None and others:
        interaction.tell(error_text(reader, "mentioned_only", assignee=draft.assignee.id, name=others[0]))


# --- asking back ---------------------------------------------------------------------------------


def _reading(code: str, fragment: str, option: Any, reader: Reader) -> tuple[str, str] | None:
    """The label of an option and what to write instead of ``fragment`` so that it is read that way."""
    if code == "ambiguous_time" and isinstance(option, datetime):
        return reader.when(option), option.astimezone(reader.tz).strftime("%Y-%m-%d %H:%M")
    if code == "ambiguous_weekday" and isinstance(option, datetime):
        return reader.tr.date(option, reader.tz), option.astimezone(reader.tz).date().isoformat()
    if code == "ambiguous_date" and isinstance(option, date) and _DATE_TOKEN.search(fragment):
        return reader.tr.day(option), _DATE_TOKEN.sub(option.isoformat(), fragment, count=1)
    return None


def _reads_as(draft: RequestDraft, code: str, option: Any, reader: Reader) -> bool:
    if draft.due is None:
        return False
    if code == "ambiguous_time":
        return draft.due.at == option
    if code == "ambiguous_weekday":
        return (
            draft.due.date_only
            and draft.due.at.astimezone(reader.tz).date() == option.astimezone(reader.tz).date()
        )
    return draft.due.at.astimezone(reader.tz).date() == option


def _ask_which(
    interaction: Interaction,
    text: str,
    error: ParseError,
    *,
    own: BusinessCalendar,
    question: str,
    replace: bool,
) -> None:
    reader = interaction.reader()
    fragment = str(error.params.get("text") or "")
    options: list[questions.Option] = []
    first_pick: tuple[str, str] | None = None
    for option in error.params.get("options") or ():
        reading = _reading(error.code, fragment, option, reader)
        if reading is None or text.rfind(fragment) < 0:
            continue
        label, written = reading
        pick = (fragment, written)
        try:
            draft = _parse(_applied(text, pick), now=interaction.now, reader=reader, own=own)
        except ParseError:
            continue
        if not _reads_as(draft, error.code, option, reader):
            continue
        value = _seal(interaction, t=text, q=question, p=list(pick))
        if value is not None:
            options.append(questions.Option(label, value))
            first_pick = first_pick or pick
    form = _seal(interaction, t=text, q=question, p=list(first_pick) if first_pick else None, m="form")
    fallback, message = questions.ambiguity_question(
        reader, code=error.code, text=fragment, options=options, form_value=form
    )
    interaction.reply(fallback, message, replace=replace)


def _ask_due(
    interaction: Interaction, text: str, check: DueCheck, prepared: Prepared, *, question: str, replace: bool
) -> None:
    reader = interaction.reader()
    day = reader.tr.day(check.day)
    keep = None
    if check.kind != "over":
        value = _seal(interaction, t=text, q=question, d="keep")
        keep = questions.Option(questions.keep_label(reader, day), value) if value else None
    alternative = None
    if check.alternative is not None:
        value = _seal(interaction, t=text, q=question, d=check.alternative.isoformat())
        if value:
            alternative = questions.Option(
                questions.alternative_label(reader, reader.tr.day(check.alternative)), value
            )
    fallback, message = questions.due_question(
        reader,
        kind=check.kind,
        day=day,
        assignee=prepared.filing.assignee_id,
        holiday=check.holiday,
        their_time=reader.tr.time(interaction.now, prepared.calendar.tz),
        keep=keep,
        alternative=alternative,
        form_value=_seal(interaction, t=text, q=question, m="form"),
    )
    interaction.reply(fallback, message, replace=replace)


# --- the form, prefilled --------------------------------------------------------------------------


def duration_text(duration: Duration | None) -> str:
    """A response time as the form's field reads it back ("2d 1h 30m")."""
    if not duration:
        return ""
    hours, minutes = divmod(duration.minutes, 60)
    parts = [
        f"{duration.days}d" if duration.days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return " ".join(part for part in parts if part)


def prefilled_form(interaction: Interaction, answer: Answer) -> dict[str, Any]:
    """The new-request form with what the text said; an ambiguous due date is left for the person."""
    reader = interaction.reader()
    own = _own_calendar(interaction)
    try:
        draft = _parse(_applied(answer.text, answer.pick), now=interaction.now, reader=reader, own=own)
    except ParseError:
        mention = parse_mention(answer.text)
        return blocks.new_request_modal(
            reader,
            channel_id=interaction.channel_id or "",
            assignee_id=mention[0].id if mention and mention[0].kind == "user" else None,
            text=from_slack(mention[1] if mention else answer.text).strip(),
        )
    due = None if answer.pick else draft.due  # a picked reading is the person's to set in the form
    local = due.at.astimezone(reader.tz) if due else None
    return blocks.new_request_modal(
        reader,
        channel_id=interaction.channel_id or "",
        assignee_id=draft.assignee.id if draft.assignee.kind == "user" else None,
        text=from_slack(draft.description),
        within=duration_text(draft.response_within),
        due_date=local.date() if local else None,
        due_time=local.time() if local and due and not due.date_only else None,
        urgent=draft.urgent,
    )
