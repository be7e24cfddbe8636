"""Block Kit basics every builder shares: who reads a message (``Reader``), and small pure parts.

No Slack calls, no database. User text always passes through ``safe_user_text`` before it reaches mrkdwn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.text import safe_user_text, shorten
from bot.i18n import N_, Translator, translator
from models import Request, State

Block = dict[str, Any]

#: Relative hints ("in 4 hours") only for moments this close; beyond, the date says more.
RELATIVE_HORIZON = timedelta(days=2)


STATE_LABELS = {
    State.OPEN.value: N_("Open"),
    State.ACKNOWLEDGED.value: N_("Acknowledged"),
    State.WAITING.value: N_("Waiting for the requester"),
    State.DONE.value: N_("Done"),
    State.DECLINED.value: N_("Declined"),
    State.CANCELLED.value: N_("Cancelled"),
}
KIND_LABELS = {
    "task": N_("Task"),
    "question": N_("Question"),
    "callback": N_("Call-back"),
}


@dataclass(frozen=True)
class Reader:
    """Who reads a message: their language and their time zone."""

    tr: Translator
    tz: ZoneInfo

    @classmethod
    def of(cls, language: str, tz: str | ZoneInfo) -> Reader:
        return cls(tr=translator(language), tz=ZoneInfo(tz) if isinstance(tz, str) else tz)

    def when(self, moment: datetime, *, seen_at: datetime | None = None) -> str:
        """``Fri, Dec 4, 2:00 PM``; with ``seen_at`` (for messages read at once, never for ones that stay
        around and would go stale) a relative hint is added when it is near: ``… (in 4 hours)``."""
        absolute = self.tr.datetime(moment, self.tz)
        if seen_at is None or not timedelta(0) < moment - seen_at < RELATIVE_HORIZON:
            return absolute
        return self.tr._("{when} ({relative})", when=absolute, relative=self.tr.relative(moment - seen_at))


# --- small parts -------------------------------------------------------------------------------


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def section(text: str, *, fields: list[str] | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text[:3000])}
    if fields:
        block["fields"] = [mrkdwn(f[:2000]) for f in fields[:10]]
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t[:3000]) for t in texts[:10]]}


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(label), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def quote(text: str) -> str:
    """User text as a mrkdwn block quote, escaped."""
    return "\n".join("> " + line for line in safe_user_text(text).splitlines() or [""])


def excerpt(request: Request, limit: int = 300) -> str:
    """The request's words, shortened and quoted (escaped) — how every message shows what was asked."""
    return quote(shorten(request.text, limit))


def state_label(reader: Reader, state: str) -> str:
    return reader.tr._(STATE_LABELS.get(state, state))


def times_fields(request: Request, reader: Reader, *, seen_at: datetime | None = None) -> list[str]:
    tr = reader.tr
    fields = [tr._("*First answer by*\n{when}", when=reader.when(request.response_due_at, seen_at=seen_at))]
    if request.due_at is not None:
        fields.append(tr._("*Due*\n{when}", when=reader.when(request.due_at, seen_at=seen_at)))
    fields.append(tr._("*State*\n{state}", state=state_label(reader, request.state)))
    if request.snoozed_until is not None and not request.is_closed:
        fields.append(tr._("*Reminders paused until*\n{when}", when=reader.when(request.snoozed_until)))
    return fields


def title(request: Request, reader: Reader) -> str:
    kind = reader.tr._(KIND_LABELS.get(request.kind, KIND_LABELS["task"]))
    return reader.tr._("*#{number}* · {kind}", number=request.number, kind=kind)


def notice(text: str) -> list[Block]:
    return [section(text)]


# --- modals ------------------------------------------------------------------------------------


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element}
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint)
    return block


def modal(
    callback_id: str, title_text: str, submit: str, reader: Reader, blocks: list[Block], metadata: str = ""
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title_text[:24]),
        "submit": plain(submit[:24]),
        "close": plain(reader.tr._("Cancel")[:24]),
        "private_metadata": metadata,
        "blocks": blocks,
    }
