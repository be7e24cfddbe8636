"""Absence, read from what people say about themselves: a Slack status, an "away until" date.

Pure: no Slack, no SQL, no clock. The words and emoji that mean "away" are configurable
(``KUNDENFOKUS_AWAY_WORDS`` / ``KUNDENFOKUS_AWAY_EMOJI``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.parsing import ParseError, parse_deadline

__all__ = ["AwayCommand", "end_of_local_day", "last_day_away", "parse_away", "status_says_away"]

#: Skin tones and the like: ``:palm_tree::skin-tone-2:`` is still a palm tree.
_MODIFIER = re.compile(r"::skin-tone-\d:?$")


@lru_cache(maxsize=64)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    # A word's beginning matches ("vacation" finds "Vacationing", "krank" finds "krankgeschrieben"); inner
    # spaces match any run of whitespace ("out of office" finds "Out of  office").
    alternatives = sorted(
        (r"\s+".join(map(re.escape, word.split())) for word in words), key=len, reverse=True
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


def _emoji_code(emoji: str) -> str:
    code = _MODIFIER.sub(":", (emoji or "").strip().lower())
    if code and not code.startswith(":"):
        code = ":" + code
    if code and not code.endswith(":"):
        code += ":"
    return code


def status_says_away(text: str, emoji: str, *, words: Iterable[str], emoji_codes: Iterable[str]) -> bool:
    """Does this Slack status mean the person is away (on holiday, ill, on parental leave …)?"""
    if emoji and _emoji_code(emoji) in {_emoji_code(code) for code in emoji_codes}:
        return True
    pattern = _words_pattern(tuple(words))
    return bool(text and pattern is not None and pattern.search(text))


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """The instant the local ``day`` is over in ``tz`` (the next day's midnight), in UTC: "away until
    Dec 28" means away all of Dec 28."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)


def last_day_away(until: datetime, tz: ZoneInfo) -> date:
    """The last local day of an absence that ends (exclusively) at ``until``: midnight belongs to the day
    before, and so does a Slack status that expires at 23:59:59."""
    return (until.astimezone(tz) - timedelta(microseconds=1)).date()


@dataclass(frozen=True)
class AwayCommand:
    """``/request away until 2026-12-28 deputy @carol`` (``abwesend bis 28.12. vertretung @carol``)."""

    until: date  #: the last day away (local), all of it included
    deputy_id: str | None


_DEPUTY_WORDS = re.compile(
    r"(?:^|\s)(?:with\s+)?(?:deputy|cover(?:ed\s+by)?|stand-?in|substitute|"
    r"vertretung|vertreten\s+durch|vertreter(?:in)?|stellvertretung|stellvertreter(?:in)?)\s*:?\s*$",
    re.IGNORECASE,
)
_USER = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>")
#: "from now" / "ab sofort" / "ab jetzt" carry no information: an absence begins when it is announced.
_FROM_NOW = re.compile(
    r"\b(?:from\s+now(?:\s+on)?|starting\s+now|ab\s+(?:sofort|jetzt|heute))\b", re.IGNORECASE
)


def parse_away(
    text: str, *, now: datetime, tz: ZoneInfo, languages: Iterable[str] = ("en", "de")
) -> AwayCommand:
    """Read the words after ``away``/``abwesend``: a day (any form the deadline parser reads, e.g.
    ``until 2026-12-28``, ``bis 28.12.``, ``until Friday``) and optionally ``deputy @x`` /
    ``vertretung @x``. Raises ``ParseError`` (``away_needs_date``, ``away_bad_deputy``, or the deadline
    parser's own codes)."""
    rest = " ".join((text or "").split())
    deputy: str | None = None
    mention = _USER.search(rest)
    if mention is not None:
        before = rest[: mention.start()]
        keyword = _DEPUTY_WORDS.search(before)
        if keyword is None:
            raise ParseError("away_bad_deputy", text=rest)
        deputy = mention["id"]
        rest = (before[: keyword.start()] + " " + rest[mention.end() :]).strip()
        if _USER.search(rest):
            raise ParseError("away_bad_deputy", text=rest)
    elif _DEPUTY_WORDS.search(rest) or re.search(r"(?:deputy|vertretung)\s+@", rest, re.IGNORECASE):
        raise ParseError("away_bad_deputy", text=rest)
    rest = _FROM_NOW.sub(" ", rest).strip(" ,;")
    if not rest:
        raise ParseError("away_needs_date", text=text)
    first_error: ParseError | None = None
    for language in languages:
        try:
            deadline = parse_deadline(rest, now=now, tz=tz, language=language)
        except ParseError as error:
            first_error = first_error or error
            continue
        return AwayCommand(until=deadline.at.astimezone(tz).date(), deputy_id=deputy)
    assert first_error is not None
    raise first_error
