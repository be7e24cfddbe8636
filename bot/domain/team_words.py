"""``/request team @group …``: the words of a team's settings, English and German. Pure: no Slack, no SQL.

    mode claim|rotate            modus übernehmen|verteilen (also: reihum, rotieren, zugreifen)
    channel #it-intake           kanal #it-intake
    no channel                   kein kanal
    time 8h                      zeit 8h (antwortzeit)
    hours 8-17                   arbeitszeit 8-17 (stunden)
    holidays DE-BY | default     feiertage DE-BY | standard

Several settings may follow each other (``mode rotate time 4h``). Anything else is a ``ParseError``
(``team_bad_setting`` with the words as written), so nothing is half-changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.domain.calendar import CalendarError, WorkingHours, check_holiday_region
from bot.domain.parsing import Duration, ParseError, parse_duration

_CHANNEL = re.compile(r"^<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_MODES = {
    "claim": "claim",
    "übernehmen": "claim",
    "uebernehmen": "claim",
    "zugreifen": "claim",
    "rotate": "rotate",
    "rotation": "rotate",
    "verteilen": "rotate",
    "reihum": "rotate",
    "rotieren": "rotate",
}
#: Keyword (one or two words, lower case) -> setting.
_KEYWORDS = {
    ("no", "channel"): "no_channel",
    ("kein", "kanal"): "no_channel",
    ("keinen", "kanal"): "no_channel",
    ("mode",): "mode",
    ("modus",): "mode",
    ("channel",): "channel",
    ("kanal",): "channel",
    ("time",): "time",
    ("zeit",): "time",
    ("antwortzeit",): "time",
    ("response",): "time",
    ("hours",): "hours",
    ("arbeitszeit",): "hours",
    ("arbeitszeiten",): "hours",
    ("stunden",): "hours",
    ("holidays",): "holidays",
    ("holiday",): "holidays",
    ("feiertage",): "holidays",
    ("feiertag",): "holidays",
}
_DEFAULT_WORDS = frozenset({"default", "standard", "none", "keine", "workspace"})


@dataclass(frozen=True)
class TeamWords:
    """What the words ask to change (None: unchanged). ``intake_channel_id`` "" means none."""

    mode: str | None = None
    intake_channel_id: str | None = None
    response: Duration | None = None
    hours: tuple[time, time] | None = None
    holidays: tuple[str, str | None] | None = None

    @property
    def empty(self) -> bool:
        return all(
            value is None
            for value in (self.mode, self.intake_channel_id, self.response, self.hours, self.holidays)
        )


def _split(words: list[str]) -> list[tuple[str, str, list[str]]]:
    """(setting, its keyword as written, its words) in order; raises for words before the first keyword."""
    parts: list[tuple[str, str, list[str]]] = []
    index = 0
    while index < len(words):
        lowered = [word.lower() for word in words[index : index + 2]]
        key = None
        for size in (2, 1):
            if len(lowered) >= size and tuple(lowered[:size]) in _KEYWORDS:
                key, written = _KEYWORDS[tuple(lowered[:size])], " ".join(words[index : index + size])
                index += size
                break
        if key is None:
            if not parts:
                raise ParseError("team_bad_setting", text=" ".join(words))
            parts[-1][2].append(words[index])
            index += 1
            continue
        parts.append((key, written, []))
    return parts


def parse_team_words(text: str, language: str = "en") -> TeamWords:
    words = text.split()
    if not words:
        return TeamWords()
    found: dict[str, object] = {}
    for key, written, values in _split(words):
        value = " ".join(values).strip()
        bad = ParseError("team_bad_setting", text=f"{written} {value}".strip())
        if key == "no_channel":
            if value:
                raise bad
            found["intake_channel_id"] = ""
        elif key == "mode":
            mode = _MODES.get(value.lower())
            if mode is None:
                raise bad
            found["mode"] = mode
        elif key == "channel":
            match = _CHANNEL.match(value)
            if match is None:
                raise bad
            found["intake_channel_id"] = match.group("id")
        elif key == "time":
            try:
                found["response"] = parse_duration(value, language)
            except ParseError:
                raise bad from None
        elif key == "hours":
            try:
                hours = WorkingHours.parse(value.replace("–", "-"), "mon-fri")
            except (CalendarError, ValueError):
                raise bad from None
            found["hours"] = (hours.start, hours.end)
        elif key == "holidays":
            found["holidays"] = _region(value, bad)
    return TeamWords(**found)  # type: ignore[arg-type]


def _region(value: str, bad: ParseError) -> tuple[str, str | None]:
    if value.lower() in _DEFAULT_WORDS:
        return "", None
    country, _, subdivision = value.partition("-")
    if not country:
        raise bad
    try:
        return check_holiday_region(country, subdivision or None)
    except CalendarError:
        raise bad from None
