"""Parse `/request` command text and the modal's free-text time fields (English and German).

Pure domain code: no Slack, no database, no clock — ``now`` always comes in as an argument.
Problems are reported as :class:`ParseError` with a machine-readable ``code`` and ``params``;
the Slack layer turns them into friendly words.

Command syntax::

    <mention> what [within <duration>] [by <date/time>]     (the two clauses in either order)

Decisions worth knowing (the tests pin each of them down):

* The assignee mention must come first. Slack escapes mentions (``<@U1|bob>``, ``<!subteam^S1|@team>``);
  a bare ``@name`` means Slack did not resolve it -> ``missing_assignee`` with ``{"name": "name"}``.
* Clauses are only taken from the *end* of the text and only when the words after the trigger parse
  completely ("by the way", "bis dann", "sort by region" stay description). A trailing deadline that
  clearly is a date attempt (``bis 15.13.``, ``by 31.02.``, ``by 12/04``) raises instead of being
  swallowed. ``bis``/``until`` after ``von 9``/``from Monday`` or between two numbers is a range
  ("von 9 bis 17 Uhr", "Seiten 2 bis 3"), not a deadline. Clauses longer than 80 characters are prose.
* Durations are business time: hours/minutes -> ``Duration.minutes``, days/Tage/Werktage -> ``Duration.days``,
  weeks -> 5 business days each. More than 60 business days (hours counted at 8 per day) is refused.
* A weekday means its next occurrence strictly after today, except when a time is given that is still
  ahead today ("by Thursday 3pm" on Thursday morning is today). "next Monday"/"nächsten Montag" means the
  coming Monday (same as "Monday") and never today.
* A date without a time means that day's ``end_of_day`` (``Deadline.date_only`` is True); EOD/COB/
  Feierabend likewise. "end of week"/"Ende der Woche"/"Wochenende" is the coming Friday (today if it is
  Friday). A time alone ("by 3pm") means today. "before X" is read like "by X". Days are calendar days:
  "übermorgen" on a Thursday is Saturday — working days are the calendar's business, not the parser's.
* A date without a year means the occurrence nearest to today (so "bis 15.01." in late December is next
  January); if that lies in the past -> ``past_date`` rather than silently jumping a year.
* Dotted dates are day-first in both languages (``15.01.``). Slashed (and d-m-yyyy) dates: when one number
  is above 12 the reading is clear; otherwise German users mean day-first and for English users ``12/04``
  is ``ambiguous_date`` (``options`` holds both readings). For English users a dotted pair needs a
  trailing dot or a year (``15.01.``), because ``12.5`` is more likely a decimal.
* Month names ("Dec 4", "4. Dezember", "4th of December 2027") are read by ``dateparser``; everything
  else is our own small grammar, because dateparser misreads "morgen 14 Uhr" (10:00), "15.01." (a time),
  "Montag 9 Uhr" (a past Monday) and silently picks month-first for "12/04".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

__all__ = [
    "MAX_DURATION_DAYS",
    "MAX_YEARS_AHEAD",
    "Deadline",
    "Duration",
    "Mention",
    "ParseError",
    "RequestDraft",
    "parse_deadline",
    "parse_duration",
    "parse_mention",
    "parse_request_command",
]

MAX_DURATION_DAYS = 60
"""Longest response time we accept, in business days."""
HOURS_PER_DAY_FOR_LIMIT = 8
"""Only used to compare hour-based durations with MAX_DURATION_DAYS; the calendar does the real arithmetic."""
MAX_YEARS_AHEAD = 2
DAYS_PER_WEEK = 5
DEFAULT_END_OF_DAY = time(17, 0)


class ParseError(ValueError):
    """A user-caused parsing problem; ``code`` picks the message, ``params`` fill it in.

    Codes: missing_assignee, missing_description, bad_duration, zero_duration, duration_too_long,
    ambiguous_date, past_date, invalid_date, unparseable_date, date_too_far.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return f"{self.code} {self.params!r}" if self.params else self.code


@dataclass(frozen=True)
class Mention:
    """An escaped Slack mention; ``label`` is the display name Slack sent along (without '@'), if any."""

    kind: Literal["user", "usergroup"]
    id: str
    label: str | None


@dataclass(frozen=True)
class Duration:
    """A response time in business units; the business calendar turns it into a moment."""

    minutes: int = 0  # business minutes (from hour/minute forms)
    days: int = 0  # business days (from day/Tage/Werktage/week forms)

    def __bool__(self) -> bool:
        return bool(self.minutes or self.days)

    def describe_key(self) -> tuple[tuple[str, int], ...]:
        """Non-zero parts as (unit, amount), largest first, e.g. (("days", 1), ("hours", 1), ("minutes", 30)).

        Lets the UI render it with proper plurals in any language.
        """
        hours, minutes = divmod(self.minutes, 60)
        parts = (("days", self.days), ("hours", hours), ("minutes", minutes))
        return tuple((unit, amount) for unit, amount in parts if amount)


@dataclass(frozen=True)
class Deadline:
    """A due moment; ``date_only`` when the user gave a day but no time (``at`` is then end of day)."""

    at: datetime  # aware, UTC
    date_only: bool


@dataclass(frozen=True)
class RequestDraft:
    """What `/request` text says, before anyone has looked anything up."""

    assignee: Mention
    description: str  # the rest, stripped; other mentions left as Slack wrote them
    response_within: Duration | None
    due: Deadline | None


# --------------------------------------------------------------------------------------------------
# Mentions

_USER_MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>")
_GROUP_MENTION = re.compile(r"<!subteam\^(?P<id>[A-Z0-9]+)(?:\|(?P<label>[^>]*))?>")
_BARE_MENTION = re.compile(r"@(?P<name>[^\s<>@,;:!?]+)")


def parse_mention(text: str) -> tuple[Mention, str] | None:
    """Read the escaped mention at the start of ``text``; returns it and the text after it."""
    stripped = text.lstrip()
    for kind, pattern in (("user", _USER_MENTION), ("usergroup", _GROUP_MENTION)):
        match = pattern.match(stripped)
        if match:
            label = (match.group("label") or "").strip().removeprefix("@") or None
            return Mention(kind=kind, id=match.group("id"), label=label), stripped[match.end() :]
    return None


# --------------------------------------------------------------------------------------------------
# Durations

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
}  # fmt: skip
_UNIT_MINUTES = r"m|mins?|minutes?|minuten|mn"
_UNIT_HOURS = r"h|hrs?|hours?|std|stdn|stunden?"
_UNIT_DAYS = (
    r"d|days?|(?:business|working|work)\s+days?|workdays?|business\s*days?|tage?n?|werktage?n?|arbeitstage?n?"
)
_UNIT_WEEKS = r"w|wks?|weeks?|wochen?"
_NUMBER_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_DURATION_PART = re.compile(
    rf"""
    (?:
        (?P<half>half\s+an\s+hour|(?:eine[rn]?\s+)?halbe[n]?\s+stunde)
      | (?P<clock>\d{{1,3}}):(?P<clock_min>\d{{2}})\s*(?:{_UNIT_HOURS})\.?
      | (?P<compact_h>\d+)\s*h\s*(?P<compact_m>\d{{1,2}})(?:\s*(?:{_UNIT_MINUTES})\.?)?
      | (?:(?P<num>\d+(?:[.,]\d+)?)\s*|(?P<word>{_NUMBER_WORD})\s+)
        (?:(?P<min>{_UNIT_MINUTES})|(?P<hour>{_UNIT_HOURS})|(?P<day>{_UNIT_DAYS})|(?P<week>{_UNIT_WEEKS}))\.?
    )
    (?![\w])
    """,
    re.VERBOSE,
)
_DURATION_JOINER = re.compile(r"\s*(?:,|\+|\band\b|\bund\b)?\s*")
_DURATION_PREFIX = re.compile(r"^(?:within|innerhalb(?:\s+von)?|binnen|in)\s+")


def parse_duration(text: str, language: str | None = None) -> Duration:
    """Read a response time such as "4h", "2 business days", "innerhalb von 4 Stunden", "1h 30m".

    ``language`` is accepted for symmetry; both languages' words are always understood.
    """
    del language  # units do not collide between English and German
    normalized = _normalize(text)
    normalized = _DURATION_PREFIX.sub("", normalized)
    if not normalized:
        raise ParseError("bad_duration", text=text)
    minutes = 0.0
    days = 0
    position = 0
    while True:
        match = _DURATION_PART.match(normalized, position)
        if not match:
            raise ParseError("bad_duration", text=text)
        if match.group("half"):
            minutes += 30
        elif match.group("clock"):
            minutes += int(match.group("clock")) * 60 + _minutes_within_hour(match.group("clock_min"), text)
        elif match.group("compact_h"):
            minutes += int(match.group("compact_h")) * 60 + _minutes_within_hour(
                match.group("compact_m"), text
            )
        else:
            word = match.group("word")
            amount = _NUMBER_WORDS[word] if word else float(match.group("num").replace(",", "."))
            if match.group("min"):
                minutes += amount
            elif match.group("hour"):
                minutes += amount * 60
            else:
                per_unit = DAYS_PER_WEEK if match.group("week") else 1
                if amount != int(amount):  # half a business day has no fixed length here
                    raise ParseError("bad_duration", text=text)
                days += int(amount) * per_unit
        position = match.end()
        if position == len(normalized):
            break
        position = _DURATION_JOINER.match(normalized, position).end()  # "1h 30m", "1 Stunde und 30 Minuten"
    if minutes != int(minutes):
        raise ParseError("bad_duration", text=text)
    duration = Duration(minutes=int(minutes), days=days)
    if not duration:
        raise ParseError("zero_duration", text=text)
    if days + duration.minutes / (HOURS_PER_DAY_FOR_LIMIT * 60) > MAX_DURATION_DAYS:
        raise ParseError("duration_too_long", text=text, max_days=MAX_DURATION_DAYS)
    return duration


def _minutes_within_hour(raw: str, text: str) -> int:
    value = int(raw)
    if value >= 60:
        raise ParseError("bad_duration", text=text)
    return value


# --------------------------------------------------------------------------------------------------
# Deadlines

_WEEKDAYS = {
    "monday": 0, "mon": 0, "montag": 0,
    "tuesday": 1, "tue": 1, "tues": 1, "dienstag": 1,
    "wednesday": 2, "wed": 2, "mittwoch": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "donnerstag": 3,
    "friday": 4, "fri": 4, "freitag": 4,
    "saturday": 5, "sat": 5, "samstag": 5, "sonnabend": 5,
    "sunday": 6, "sun": 6, "sonntag": 6,
}  # fmt: skip
# German two-letter abbreviations only with their dot: a bare "so"/"do" is far more often a word.
_WEEKDAYS_DOTTED = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}
_RELATIVE_DAYS = {
    "today": 0, "heute": 0, "tomorrow": 1, "morgen": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2, "übermorgen": 2,
    # Past days parse too, so that "by yesterday" is answered with past_date instead of being kept as text.
    "yesterday": -1, "gestern": -1, "day before yesterday": -2, "the day before yesterday": -2, "vorgestern": -2,
}  # fmt: skip

_WEEKDAY_WORD = r"(?P<wd>[a-zäöü]+\.?)"
_NEXT = r"next|nächste[nrs]?|kommende[nrs]?"
_THIS = r"this|coming|on|diese[nrs]?|am"
_NEXT_WEEK = r"next\s+week|(?:in\s+der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+woche|der\s+nächsten\s+woche"
_WEEKDAY_FORM = re.compile(rf"(?:(?P<next>{_NEXT})\s+|(?:{_THIS})\s+)?{_WEEKDAY_WORD}")
_WEEKDAY_NEXT_WEEK = re.compile(
    rf"(?:{_NEXT_WEEK})\s+(?:(?:on|am)\s+)?(?P<wd_after>[a-zäöü]+\.?)"
    rf"|(?:(?:on|am)\s+)?(?P<wd_before>[a-zäöü]+\.?)\s+(?:{_NEXT_WEEK})"
)
_WEEKDAY_THEN_DATE = re.compile(rf"(?:(?:on|am)\s+)?{_WEEKDAY_WORD}\s+(?:(?:the|den|dem)\s+)?(?P<rest>.+)")

_END_OF_WEEK = re.compile(
    r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|eow|ende\s+(?:der|dieser)\s+woche|wochenende"
)
_END_OF_NEXT_WEEK = re.compile(
    r"(?:the\s+)?end\s+of\s+(?:the\s+)?next\s+week|ende\s+(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+woche"
)
_EOD = (
    r"eod|eob|cob|end\s+of\s+(?:the\s+)?(?:business\s+|working\s+)?day|end\s+of\s+business|"
    r"close\s+of\s+business|feierabend|dienstschluss|tagesende|ende\s+des\s+(?:arbeits)?tages"
)
_EOD_AFTER = re.compile(rf"(?:(?P<rest>.*?)\s+)?(?:{_EOD})")
_EOD_BEFORE = re.compile(rf"(?:{_EOD}|end\s+of)(?:\s+(?:(?:on|am)\s+)?(?P<rest>.+))?")

_TIME = r"""
    (?:
        (?P<h12>\d{1,2})(?::(?P<m12>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)
      | (?P<hu>\d{1,2})(?:[:.](?P<mu>\d{2}))?\s*uhr
      | (?P<h24>\d{1,2}):(?P<m24>\d{2})(?::\d{2})?
      | (?P<noon>noon|midday|mittag|mittags)
    )
"""
_TIME_AFTER = re.compile(rf"(?:(?P<rest>.*?)\s+)?(?:(?:at|um|gegen)\s+)?{_TIME}", re.VERBOSE)
_TIME_BEFORE = re.compile(rf"(?:(?:at|um|gegen)\s+)?{_TIME}(?:\s+(?:(?:on|am)\s+)?(?P<rest>.+))?", re.VERBOSE)

_ISO_DATE = re.compile(r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})")
_DOTTED_DATE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?P<dot>\.(?P<y>\d{4}|\d{2})?)?")
_SLASHED_DATE = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?")
_DASHED_DATE = re.compile(r"(?P<a>\d{1,2})-(?P<b>\d{1,2})-(?P<y>\d{4})")
_DATE_PREFIX = re.compile(r"^(?:on|am|the|den|dem)\s+")
_DATE_ATTEMPT = re.compile(r"\d{1,4}[./]\d{1,4}|\d{1,4}-\d{1,2}-\d{1,4}")
_PLAIN_DECIMAL = re.compile(r"\d+\.\d+")
_YEAR = re.compile(r"\b\d{4}\b")
_DAY_NUMBER = re.compile(r"\b(?P<day>29|30|31)(?=\b|st|nd|rd|th)")
_MONTH_NAME_CANDIDATE = re.compile(r"(?=.*\d)(?=.*[a-zäöü])[\w\s.,']{1,40}")


@dataclass(frozen=True)
class _Clock:
    now: datetime  # aware
    tz: ZoneInfo
    language: str  # "en" | "de"
    end_of_day: time

    @property
    def now_local(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        return self.now_local.date()


def parse_deadline(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    end_of_day: time = DEFAULT_END_OF_DAY,
) -> Deadline:
    """Read a due date such as "Friday", "morgen 14 Uhr", "bis 15.01.", "2026-12-04 14:00".

    A leading "by"/"bis" is allowed (the modal's field may get either). Anything that does not parse
    completely raises ``unparseable_date``.
    """
    clock = _make_clock(now, tz, language, end_of_day)
    expression = _DEADLINE_TRIGGER_PREFIX.sub("", _normalize(text))
    if len(expression) > _MAX_CLAUSE_CHARS:
        raise ParseError("unparseable_date", text=text)
    deadline = _parse_deadline_expression(expression, clock, original=text)
    if deadline is None:
        raise ParseError("unparseable_date", text=text)
    return deadline


def _make_clock(now: datetime, tz: ZoneInfo, language: str, end_of_day: time) -> _Clock:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return _Clock(now=now, tz=tz, language=_language(language), end_of_day=end_of_day)


def _language(language: str) -> str:
    return "de" if language.lower().startswith("de") else "en"


def _normalize(text: str) -> str:
    """Lower-case, unify spaces and drop commas so "Friday, 3pm" reads like "friday 3pm"."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").lower()
    text = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)", r"\1 ", text)  # ISO 8601 "T"
    text = re.sub(r",(?!\d)", " ", text)
    return " ".join(text.split())


def _parse_deadline_expression(expression: str, clock: _Clock, *, original: str) -> Deadline | None:
    """Deadline for a normalized expression, None if it is not one; raises for clear but bad dates."""
    if not expression:
        return None
    if _END_OF_WEEK.fullmatch(expression):  # the coming Friday, today if it is Friday
        return _finish(clock.today + timedelta(days=(4 - clock.today.weekday()) % 7), None, clock, original)
    if _END_OF_NEXT_WEEK.fullmatch(expression):  # Friday of next calendar week
        return _finish(clock.today + timedelta(days=4 - clock.today.weekday() + 7), None, clock, original)

    rest, end_of_day_given = _split_end_of_day(expression)
    rest, time_of_day = _split_time(rest, original)
    if end_of_day_given and time_of_day is not None:
        return None
    if not rest:
        if time_of_day is None and not end_of_day_given:
            return None
        return _finish(clock.today, time_of_day, clock, original)
    day = _resolve_day(rest, clock, time_of_day, original)
    if day is None:
        return None
    return _finish(day, time_of_day, clock, original)


def _split_end_of_day(expression: str) -> tuple[str, bool]:
    match = _EOD_AFTER.fullmatch(expression)
    if match:
        return match.group("rest") or "", True
    match = _EOD_BEFORE.fullmatch(expression)
    if match:
        return match.group("rest") or "", True
    return expression, False


def _split_time(expression: str, original: str) -> tuple[str, time | None]:
    for pattern in (_TIME_AFTER, _TIME_BEFORE):
        match = pattern.fullmatch(expression)
        if match:
            return (match.group("rest") or "").strip(), _time_from_match(match, original)
    return expression, None


def _time_from_match(match: re.Match[str], original: str) -> time:
    if match.group("noon"):
        return time(12, 0)
    if match.group("ampm"):
        hour, minute = int(match.group("h12")), int(match.group("m12") or 0)
        if not 1 <= hour <= 12:
            raise ParseError("invalid_date", text=original)
        hour = hour % 12 + (12 if match.group("ampm").startswith("p") else 0)
    elif match.group("hu"):
        hour, minute = int(match.group("hu")), int(match.group("mu") or 0)
    else:
        hour, minute = int(match.group("h24")), int(match.group("m24"))
    if (hour, minute) == (24, 0):  # "bis 24 Uhr": the very end of that day
        return time(23, 59)
    if hour > 23 or minute > 59:
        raise ParseError("invalid_date", text=original)
    return time(hour, minute)


def _weekday(token: str) -> int | None:
    if token.endswith("."):
        base = token[:-1]
        return _WEEKDAYS_DOTTED.get(base, _WEEKDAYS.get(base))
    return _WEEKDAYS.get(token)


def _resolve_day(expression: str, clock: _Clock, time_of_day: time | None, original: str) -> date | None:
    """The calendar day an expression names (without time), or None if it names none."""
    today = clock.today
    if expression in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[expression])

    match = _WEEKDAY_FORM.fullmatch(expression)
    if match and (weekday := _weekday(match.group("wd"))) is not None:
        ahead = (weekday - today.weekday()) % 7
        if ahead == 0:
            later_today = (
                time_of_day is not None
                and not match.group("next")
                and datetime.combine(today, time_of_day, tzinfo=clock.tz) > clock.now
            )
            ahead = 0 if later_today else 7
        return today + timedelta(days=ahead)

    match = _WEEKDAY_NEXT_WEEK.fullmatch(expression)
    if match:
        weekday = _weekday(match.group("wd_after") or match.group("wd_before"))
        if weekday is not None:
            next_monday = today + timedelta(days=7 - today.weekday())
            return next_monday + timedelta(days=weekday)

    match = _WEEKDAY_THEN_DATE.fullmatch(expression)
    if match and (weekday := _weekday(match.group("wd"))) is not None:  # "Freitag, 4.12."
        day = _resolve_calendar_date(match.group("rest"), clock, original)
        if day is not None and day.weekday() != weekday:
            raise ParseError("invalid_date", text=original, reason="weekday_mismatch", date=day)
        return day

    return _resolve_calendar_date(expression, clock, original)


def _resolve_calendar_date(expression: str, clock: _Clock, original: str) -> date | None:
    expression = _DATE_PREFIX.sub("", expression)

    if match := _ISO_DATE.fullmatch(expression):
        return _checked_date(int(match["y"]), int(match["m"]), int(match["d"]), original)

    if match := _DOTTED_DATE.fullmatch(expression):
        if clock.language == "en" and not match["dot"]:
            return None  # "12.5" is a decimal to an English writer
        return _day_month(int(match["d"]), int(match["m"]), match["y"], clock, original)

    if match := _SLASHED_DATE.fullmatch(expression) or _DASHED_DATE.fullmatch(expression):
        return _slashed_date(int(match["a"]), int(match["b"]), match["y"], clock, original)

    if _MONTH_NAME_CANDIDATE.fullmatch(expression):
        return _month_name_date(expression, clock, original)
    return None


def _slashed_date(first: int, second: int, year: str | None, clock: _Clock, original: str) -> date:
    """ "12/24" and "24/12" are clear; "12/04" is day-first for German users and ambiguous for English ones."""
    if first > 12 >= second:
        return _day_month(first, second, year, clock, original)
    if second > 12 >= first:
        return _day_month(second, first, year, clock, original)
    if first != second and clock.language == "en" and first <= 12 and second <= 12:
        options = []
        for day, month in ((second, first), (first, second)):
            try:
                options.append(_day_month(day, month, year, clock, original))
            except ParseError:
                continue
        raise ParseError("ambiguous_date", text=original, options=tuple(options))
    return _day_month(first, second, year, clock, original)


def _month_name_date(expression: str, clock: _Clock, original: str) -> date | None:
    """ "Dec 4", "4. Dezember", "4th of December 2027" — dateparser knows the month names."""
    parsed = _month_name_parser(clock.language).get_date_data(expression).date_obj
    if parsed is None:
        # "Feb 31": the same text with day 1 parses, so it was a real but impossible date.
        with_first_day = _DAY_NUMBER.sub("1", expression, count=1)
        if (
            with_first_day != expression
            and _month_name_parser(clock.language).get_date_data(with_first_day).date_obj
        ):
            raise ParseError("invalid_date", text=original)
        return None
    year = str(parsed.year) if _YEAR.search(expression) else None
    return _day_month(parsed.day, parsed.month, year, clock, original)


@cache
def _month_name_parser(language: str) -> DateDataParser:
    """One dateparser per language, built on first use (its import and locale loading are slow).

    The base date is fixed (a leap year, so "Feb 29" passes): we only take day and month from it and pick
    the year ourselves, which also keeps dateparser from ever consulting the real clock.
    """
    from dateparser.date import DateDataParser

    languages = ["de", "en"] if language == "de" else ["en", "de"]
    return DateDataParser(
        languages=languages,
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime(2000, 1, 1),  # noqa: DTZ001 - naive on purpose, see docstring
            "REQUIRE_PARTS": ["day", "month"],
            "PARSERS": ["absolute-time"],
        },
    )


def _day_month(day: int, month: int, year_text: str | None, clock: _Clock, original: str) -> date:
    if year_text is not None:
        year = int(year_text)
        if year < 100:
            year += 2000
        return _checked_date(year, month, day, original)
    return _nearest_occurrence(day, month, clock.today, original)


def _checked_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError("invalid_date", text=original) from None


def _nearest_occurrence(day: int, month: int, today: date, original: str) -> date:
    """The yearless date closest to today (ties go to the future); past ones are reported, not moved."""
    candidates = []
    for year in range(today.year - 1, today.year + 5):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ParseError("invalid_date", text=original)
    return min(candidates, key=lambda candidate: (abs((candidate - today).days), candidate < today))


def _finish(day: date, time_of_day: time | None, clock: _Clock, original: str) -> Deadline:
    local = datetime.combine(day, time_of_day or clock.end_of_day, tzinfo=clock.tz)
    at = local.astimezone(UTC)
    if at <= clock.now:
        raise ParseError("past_date", text=original, at=at)
    if local > _add_years(clock.now_local, MAX_YEARS_AHEAD):
        raise ParseError("date_too_far", text=original, at=at, max_years=MAX_YEARS_AHEAD)
    return Deadline(at=at, date_only=time_of_day is None)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _looks_like_date_attempt(expression: str, language: str) -> bool:
    first = expression.split(" ", 1)[0]
    if not _DATE_ATTEMPT.match(first):
        return False
    return not (language == "en" and _PLAIN_DECIMAL.fullmatch(first))


# --------------------------------------------------------------------------------------------------
# The command

_DURATION_TRIGGER = re.compile(r"(?:(?<=\s)|^)(?:within|innerhalb(?:\s+von)?|binnen)\s+", re.IGNORECASE)
_DEADLINE_TRIGGER = re.compile(
    r"(?:(?<=\s)|^)(?:by|until|till|before|bis(?:\s+(?:spätestens|zum|zur))?|spätestens)\s+", re.IGNORECASE
)
_DEADLINE_TRIGGER_PREFIX = re.compile(
    r"^(?:by|until|till|before|bis(?:\s+(?:spätestens|zum|zur))?|spätestens)\s+", re.IGNORECASE
)
_RANGE_START = re.compile(
    rf"\b(?:von|vom|from|between|zwischen)\s+(?:\S*\d\S*(?:\s+(?:uhr|am|pm))?|(?:{'|'.join(_WEEKDAYS)})\.?)\s*$",
    re.IGNORECASE,
)
_ENDS_WITH_DIGIT = re.compile(r"\d\W*$")
_SENTENCE_END = ".!?…"
_EDGE_PUNCTUATION = ",;:-–—"
_BARE_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_MAX_CLAUSE_CHARS = 80  # longer tails are prose; also keeps the regexes linear on long texts


def parse_request_command(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    end_of_day: time = DEFAULT_END_OF_DAY,
) -> RequestDraft:
    """Split `/request` text into assignee, description, response time and due date.

    ``tz`` is the zone the dates are meant in (the requester's); ``now`` is any aware moment.
    """
    clock = _make_clock(now, tz, language, end_of_day)
    parsed = parse_mention(text)
    if parsed is None:
        bare = _BARE_MENTION.match(text.strip())
        if bare:
            raise ParseError("missing_assignee", name=bare.group("name").rstrip("."))
        raise ParseError("missing_assignee")
    assignee, rest = parsed

    response_within: Duration | None = None
    due: Deadline | None = None
    while response_within is None or due is None:
        candidates: list[tuple[int, int, str]] = []
        if response_within is None:
            candidates += [(m.start(), m.end(), "duration") for m in _DURATION_TRIGGER.finditer(rest)]
        if due is None:
            candidates += [(m.start(), m.end(), "deadline") for m in _DEADLINE_TRIGGER.finditer(rest)]
        for start, end, kind in sorted(candidates, reverse=True):
            clause = rest[end:]
            if len(clause) > _MAX_CLAUSE_CHARS:
                continue
            if kind == "duration":
                response_within = _command_duration(clause)
                found = response_within is not None
            else:
                if _is_range(rest[start:end], rest[:start], clause):
                    continue
                due = _command_deadline(clause, clock)
                found = due is not None
            if found:
                rest = rest[:start]
                break
        else:
            break

    description = rest.strip().lstrip(_EDGE_PUNCTUATION).strip().rstrip(_EDGE_PUNCTUATION).rstrip()
    if not description:
        raise ParseError("missing_description")
    return RequestDraft(assignee=assignee, description=description, response_within=response_within, due=due)


def _clause_variants(clause: str) -> tuple[str, ...]:
    """The clause as written, then without a closing full stop ("… by Friday.")."""
    stripped = clause.strip()
    without_end = stripped.rstrip(_SENTENCE_END).rstrip()
    return (stripped, without_end) if without_end != stripped else (stripped,)


def _command_duration(clause: str) -> Duration | None:
    for variant in _clause_variants(clause):
        try:
            return parse_duration(variant)
        except ParseError as error:
            if error.code != "bad_duration" or _BARE_NUMBER.fullmatch(variant):
                raise
    return None


def _command_deadline(clause: str, clock: _Clock) -> Deadline | None:
    for variant in _clause_variants(clause):
        deadline = _parse_deadline_expression(_normalize(variant), clock, original=variant)
        if deadline is not None:
            return deadline
    if _looks_like_date_attempt(_normalize(clause), clock.language):
        raise ParseError("unparseable_date", text=clause.strip())
    return None


def _is_range(trigger: str, before: str, clause: str) -> bool:
    """ "von 9 bis 17 Uhr", "2 bis 3 Seiten", "from Monday until Friday" are ranges, not deadlines."""
    if trigger.split()[0].lower() not in {"bis", "until", "till"} or len(trigger.split()) > 1:
        return False
    if _RANGE_START.search(before):
        return True
    return bool(_ENDS_WITH_DIGIT.search(before) and clause[:1].isdigit())


# --------------------------------------------------------------------------------------------------
# Kind

_CALLBACK_WORDS = re.compile(
    r"\b(?:call[\s-]*back|call\s+me|ring\s+me|rückruf\w*|zurückrufen)\b|\bruf\s+(?:mich|uns)\b.*\ban\b",
    re.IGNORECASE,
)


def guess_kind(description: str) -> str:
    """The request's kind from its words: a call-back, a question, or (by default) a task.

    Only for the text form; the modal asks explicitly. Cheap and predictable on purpose: a wrong
    guess costs nothing, the kind only labels the request.
    """
    if _CALLBACK_WORDS.search(description):
        return "callback"
    if description.rstrip().endswith("?"):
        return "question"
    return "task"
