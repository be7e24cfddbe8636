"""Block Kit basics every builder shares: who reads a message (``Reader``), and small pure parts.

No Slack calls, no database. User text always passes through ``safe_user_text`` before it reaches mrkdwn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location

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
    """Who reads a message: their language and their time zone — and, when known, who they are and the
    zones of the other people in the message (to show an agreed time in the other person's zone too)."""

    tr: Translator
    tz: ZoneInfo
    user_id: str | None = None
    zones: tuple[tuple[str, ZoneInfo], ...] = ()

    @classmethod
    def of(cls, language: str, tz: str | ZoneInfo) -> Reader:
        return cls(tr=translator(language), tz=ZoneInfo(tz) if isinstance(tz, str) else tz)

    def knowing(self, user_id: str | None, zones: Mapping[str, ZoneInfo]) -> Reader:
        """The same reader, who is ``user_id`` and knows the others' zones (user id -> zone)."""
        return replace(self, user_id=user_id, zones=tuple(sorted(zones.items())))

    def zone_of(self, user_id: str) -> ZoneInfo | None:
        if user_id == self.user_id:
            return self.tz
        return next((zone for who, zone in self.zones if who == user_id), None)

    def when(self, moment: datetime, *, seen_at: datetime | None = None) -> str:
        """``Fri, Dec 4, 2:00 PM``; with ``seen_at`` (for messages read at once, never for ones that stay
        around and would go stale) a relative hint is added when it is near: ``… (in 4 hours)``."""
        absolute = self.tr.datetime(moment, self.tz)
        relative = self._relative(moment, seen_at)
        if relative is None:
            return absolute
        return self.tr._("{when} ({relative})", when=absolute, relative=relative)

    def _relative(self, moment: datetime, seen_at: datetime | None) -> str | None:
        if seen_at is None or not timedelta(0) < moment - seen_at < RELATIVE_HORIZON:
            return None
        return self.tr.relative(moment - seen_at)

    def agreed(self, moment: datetime, request: Any, *, seen_at: datetime | None = None) -> str:
        """An agreed time of ``request`` for this reader; when the other person's clock shows another
        time, theirs beside it: ``Fri, Dec 4, 5:00 PM (11:00 AM for @carol in New York)``."""
        other = self._other_party(request)
        zone = self.zone_of(other) if other else None
        if other is None or zone is None or _wall(moment, zone) == _wall(moment, self.tz):
            return self.when(moment, seen_at=seen_at)
        tr = self.tr
        theirs = (
            tr.time(moment, zone)
            if moment.astimezone(zone).date() == moment.astimezone(self.tz).date()
            else tr.datetime(moment, zone)
        )
        place = get_timezone_location(zone, locale=tr.locale, return_city=True)
        beside = tr._("{time} for <@{user}> in {place}", time=theirs, user=other, place=place)
        absolute = tr.datetime(moment, self.tz)
        relative = self._relative(moment, seen_at)
        if relative is None:
            return tr._("{when} ({other})", when=absolute, other=beside)
        return tr._("{when} ({relative}; {other})", when=absolute, relative=relative, other=beside)

    def due(self, request: Any, *, seen_at: datetime | None = None) -> str:
        """The due date of ``request``: a day without a clock time when it names a day (the assignee's
        day — the same for both), else the agreed moment."""
        if request.due_at is None:
            return ""
        if getattr(request, "due_date_only", False):
            zone = self.zone_of(request.assignee_id) or self.tz
            return self.tr.date(request.due_at, zone)
        return self.agreed(request.due_at, request, seen_at=seen_at)

    def due_day_time(self, request: Any) -> tuple[str, str | None]:
        """The due date as day and clock time for a sentence ("due {day} at {time}"); no time when
        it names a day."""
        if getattr(request, "due_date_only", False):
            return self.tr.date(request.due_at, self.zone_of(request.assignee_id) or self.tz), None
        return self.tr.date(request.due_at, self.tz), self.tr.time(request.due_at, self.tz)

    def _other_party(self, request: Any) -> str | None:
        if self.user_id is None:
            return None
        if self.user_id == request.requester_id:
            return request.assignee_id
        if self.user_id == request.assignee_id:
            return request.requester_id
        return None


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


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


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(label), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title_text: str, text: str, yes: str, no: str, *, danger: bool = False) -> dict[str, Any]:
    """Slack's ``confirm`` object: a button asks "are you sure?" before it is sent (no mentions: plain)."""
    dialog: dict[str, Any] = {
        "title": plain(title_text[:100]),
        "text": plain(text[:300]),
        "confirm": plain(yes[:30]),
        "deny": plain(no[:30]),
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


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
    fields = [
        tr._(
            "*First answer by*\n{when}",
            when=reader.agreed(request.response_due_at, request, seen_at=seen_at),
        )
    ]
    if request.due_at is not None:
        fields.append(tr._("*Due*\n{when}", when=reader.due(request, seen_at=seen_at)))
    fields.append(tr._("*State*\n{state}", state=state_label(reader, request.state)))
    if request.snoozed_until is not None and not request.is_closed:
        fields.append(tr._("*Reminders paused until*\n{when}", when=reader.when(request.snoozed_until)))
    return fields


def title(request: Request, reader: Reader) -> str:
    kind = reader.tr._(KIND_LABELS.get(request.kind, KIND_LABELS["task"]))
    if getattr(request, "urgent", False):
        return reader.tr._(
            "*#{number}* · {kind} · {urgent}", number=request.number, kind=kind, urgent=urgent_marker(reader)
        )
    return reader.tr._("*#{number}* · {kind}", number=request.number, kind=kind)


def urgent_marker(reader: Reader) -> str:
    """How an urgent request is marked wherever it is listed."""
    return reader.tr._(":rotating_light: *Urgent*")


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
