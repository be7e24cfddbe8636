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
  Triggers: within/innerhalb/binnen (response time); by/until/till/before/bis/spätestens/no later than/
  due/deadline/fällig/Frist (due date). "not before Friday"/"nicht vor Freitag" is no deadline.
* Without a trigger word, a time expression at the very end is taken too ("Book the room tomorrow",
  "Send it in 2 hours", "Folien vorbereiten in 2 Stunden", "… am Freitag um 14 Uhr"), but only what reads
  cleanly: full weekday names (plus Tue/Thu/Fri), no bare "Mo"/"So", no slashed dates, no bare parts of
  the day ("in the afternoon" is a habit, not a deadline), no "weekend" ("over the weekend", "am
  Wochenende" are Saturday and Sunday; "by the weekend" is Friday), holidays only after for/für/vor/zu.
  The longest such ending wins ("tomorrow at 3pm", not "3pm"). Anything doubtful there — a past date, an
  impossible or ambiguous one — is not an error but stays in the text, together with its tail ("heute
  Morgen" at noon never turns into "Morgen" = tomorrow), and is reported in ``RequestDraft.unread``. It is
  not taken after from/since/of/to/and/or/von/seit/nach/ab/und/oder/frühestens/last/every (a reference or a
  list: "Call me Friday or Monday" keeps both), after my/our/mein/unser ("my Friday slot") or after
  be/is/ist ("it should be Friday" is a statement, not a deadline).
* Small words may lead a time ("on the 15th", "in der KW 50", "vor dem 15.12.": one, or a known pair),
  but a small word at the very end means the sentence goes on ("bis morgen an Anna" is no deadline).
* A strong clause that only names a time picks up a day written just before the trigger:
  "morgen bis 14 Uhr" is tomorrow 14:00, "Friday by noon" is Friday 12:00.
* Durations are business time: hours/minutes -> ``Duration.minutes``, days/Tage/Werktage -> ``Duration.days``,
  weeks -> 5 business days each. "half a day"/"einen halben Tag" is 4 business hours; "a couple of hours"/
  "ein paar Stunden" is 2 (as Duckling reads it); "a few hours"/"einige Stunden" is not a number and stays
  text (reported). More than 60 business days (hours counted at 8 per day) is refused. "in <duration>"
  sets the response time like "within" does.
* A weekday means its next occurrence strictly after today, except when a time is given that is still
  ahead today ("by Thursday 3pm" on Thursday morning is today). "next Monday"/"nächsten Montag" means the
  coming Monday (same as "Monday") and never today; "this Friday"/"diesen Freitag" on a Friday is today.
  "übernächsten Freitag"/"Friday after next" is the one after that. A bare weekday said on that very day in
  the last two hours before ``end_of_day`` ("by Friday", Friday 16:00) -> ``ambiguous_weekday`` with both
  readings (today's end of day, the same day next week) as ``options``.
* A date without a time means that day's ``end_of_day`` (``Deadline.date_only`` is True); EOD/COB/
  Feierabend/Dienstschluss likewise. "end of week"/"Ende der Woche"/"Wochenende"/"this week"/"diese Woche"
  is the coming Friday (today if it is Friday); "next week"/"nächste Woche" is Friday of next week. "end of
  month"/"Monatsende"/"this month" is the month's last calendar day, "end of next month" the next one's,
  "Ende Januar" the last of January, "end of year"/"Jahresende" 31 December, "end of quarter" the
  quarter's last day. "KW 50"/"week 50"/"in KW 3" is Friday of that ISO week (the nearest such week, like a
  date without a year). A time alone ("by 3pm") means today. "before X"/"vor X" is read like "by X". Days
  are calendar days: "übermorgen" on a Thursday is Saturday — working days are the calendar's business.
* Parts of the day: morning/früh/morgens/vormittags = 10:00, noon/mittags/lunch = 12:00, afternoon/
  nachmittags = 15:00, evening/abends/tonight/heute Abend = ``end_of_day`` (date only, like EOD),
  midnight/Mitternacht/24 Uhr = 23:59. "Guten Morgen" and "heute Morgen"/"Montag morgen" are mornings,
  "morgen" on its own is tomorrow.
* Holidays: Christmas/Weihnachten and Heiligabend/Christmas Eve = 24 December (the day before the holiday
  is what people mean by "by Christmas"), Christmas Day/1. Weihnachtstag = 25, Boxing Day = 26,
  Silvester/New Year's Eve = 31 December, New Year/Neujahr = 1 January, Easter/Ostern = Maundy Thursday
  (the last day before the Easter holidays), Karfreitag/Ostersonntag/Ostermontag as named — the nearest
  occurrence, like a date without a year. Whether that day is a working day is the calendar's business.
* Clock times written the 12-hour way without am/pm ("at 3", "um 3", "halb vier", "viertel nach drei",
  "3 Uhr", "3:30") take the reading that lies inside working hours (``start_of_day``-``end_of_day``):
  "um 3" is 15:00, "halb vier" 15:30, "at 10" 10:00. If neither or both readings do, "3 Uhr"/"8:30" mean
  what they say (the 24-hour convention) and bare hours or words ("at 8", "halb acht") ->
  ``ambiguous_time`` with the readings still ahead as ``options``. A part of the day decides as well:
  "8 Uhr abends", "at 5 in the afternoon", "morgen früh um 9".
* A date without a year means the occurrence nearest to today (so "bis 15.01." in late December is next
  January); if that lies in the past -> ``past_date`` rather than silently jumping a year. A day of the
  month alone ("by the 15th", "bis zum 15.") looks ahead: the next such day, today included.
* Dotted dates are day-first in both languages (``15.01.``). Slashed (and d-m-yyyy) dates: when one number
  is above 12 the reading is clear; otherwise German users mean day-first and for English users ``12/04``
  is ``ambiguous_date`` (``options`` holds both readings). For English users a dotted pair needs a
  trailing dot or a year (``15.01.``), because ``12.5`` is more likely a decimal.
* Month names ("Dec 4", "4. Dezember", "4th of December 2027") are read by ``dateparser``, and only
  expressions made of day numbers, month names, a year and of/the/den reach it (it skips words it does not
  know: "Dec 15 and more" would be Dec 15). Everything else is our own small grammar, because dateparser
  misreads "morgen 14 Uhr" (10:00), "15.01." (a time), "Montag 9 Uhr" (a past Monday) and silently picks
  month-first for "12/04". A month alone ("bis Mai", "Mitte Januar") is no deadline; it is reported.
* Urgency (asap, urgent, dringend, sofort, umgehend, so schnell wie möglich, …) sets ``RequestDraft.urgent``;
  at the start or end of the text the words are removed from the description ("ASAP:", ", urgent!"),
  inside a sentence they stay ("Ich brauche dringend die Zahlen"). "not urgent", "ab sofort" are no urgency.
* Typos one letter off are forgiven for keywords of four letters or more ("withn 4h by frday"), but only
  where the corrected clause then parses completely; "by"/"bis"/"in"/"till"/"morgen" and units never are.
  ASCII spellings of umlauts ("uebermorgen", "naechsten", "spaetestens") are always understood.
* Never silently ignored: every fragment of the description that looks like a time or date
  (:func:`time_like_fragments`) but was not read is listed in ``RequestDraft.unread``, as written — a time
  in the middle of a sentence ("bis Freitag die Zahlen schicken"), "by 3" (a bare number), "soon"/
  "zeitnah", "a few hours", "Wed" on its own. Urgency words are used once ``urgent`` is set, so they are not
  listed. References to the past ("last Friday", "seit Montag", "vor 2 Tagen") are no deadlines and are
  not reported.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from bot.domain import timewords as words
from bot.domain.timelike import is_urgency_fragment, mentions_urgency, time_like_fragments

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

__all__ = [
    "DEFAULT_END_OF_DAY",
    "DEFAULT_START_OF_DAY",
    "MAX_DURATION_DAYS",
    "MAX_YEARS_AHEAD",
    "Deadline",
    "Duration",
    "Mention",
    "ParseError",
    "RequestDraft",
    "guess_kind",
    "parse_deadline",
    "parse_duration",
    "parse_mention",
    "parse_request_command",
    "time_like_fragments",
]

MAX_DURATION_DAYS = 60
"""Longest response time we accept, in business days."""
HOURS_PER_DAY_FOR_LIMIT = 8
"""Only used to compare hour-based durations with MAX_DURATION_DAYS; the calendar does the real arithmetic."""
MAX_YEARS_AHEAD = 2
DAYS_PER_WEEK = 5
HALF_DAY_MINUTES = 4 * 60
""""half a day" of business time."""
DEFAULT_START_OF_DAY = time(9, 0)
DEFAULT_END_OF_DAY = time(17, 0)
AMBIGUOUS_WEEKDAY_WINDOW = timedelta(hours=2)
"""On Friday this long before end of day, "by Friday" might mean today as well as next week."""
_PART_OF_DAY_TIMES: dict[str, time | None] = {
    "morning": time(10, 0),
    "noon": time(12, 0),
    "afternoon": time(15, 0),
    "evening": None,  # end of the working day, like EOD
    "end_of_day": None,
    "midnight": time(23, 59),
}


class ParseError(ValueError):
    """A user-caused parsing problem; ``code`` picks the message, ``params`` fill it in.

    Codes (``text`` is always the offending words):

    * missing_assignee (``name`` when an unresolved ``@name`` was written), missing_description
    * bad_duration, zero_duration, duration_too_long (``max_days``)
    * ambiguous_date — ``options``: the candidate days (``date``)
    * ambiguous_time — ``options``: the candidate moments (aware ``datetime``, UTC) still ahead,
      e.g. 08:00 and 20:00 for "um 8"
    * ambiguous_weekday — ``options``: today's end of day and the same weekday next week (aware, UTC),
      for "by Friday" late on a Friday
    * past_date (``at``), invalid_date (``reason``/``date`` for a weekday that does not match the date),
      unparseable_date, date_too_far (``at``, ``max_years``)
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
    urgent: bool = False  # asap/dringend/sofort: the filing layer applies the shortest response time
    unread: tuple[str, ...] = ()  # time-like fragments of the description that were not read, as written


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


def _alternation(vocabulary) -> str:
    return "|".join(re.escape(word) for word in sorted(vocabulary, key=len, reverse=True))


_NUMBER_WORDS = words.NUMBER_WORDS
_NUMBER_WORD = _alternation(_NUMBER_WORDS)
_UNIT_MINUTES = r"m|mins?|minutes?|minuten|mn"
_UNIT_HOURS = r"h|hrs?|hours?|std|stdn|stunden?"
_UNIT_DAYS = (
    r"d|days?|(?:business|working|work)\s+days?|workdays?|business\s*days?|tage?n?|tages|werktage?n?|werktages"
    r"|arbeitstage?n?|arbeitstages"
)
_UNIT_WEEKS = r"w|wks?|weeks?|wochen?"
_DURATION_PART = re.compile(
    rf"""
    (?:
        (?P<halfday>half\s+a\s+(?:business\s+|working\s+)?day|a\s+half\s+day|half\s+(?:a\s+)?day
            |(?:eine[nmrs]?\s+)?halbe[nmrs]?\s+(?:arbeits|werk)?tag(?:es)?|1/2\s*(?:day|tag))
      | (?P<ninety>(?:an|one)\s+hour\s+and\s+a\s+half|one\s+and\s+a\s+half\s+hours?
            |(?:anderthalb|eineinhalb)\s+stunden?)
      | (?P<threequarter>three[\s-]quarters?\s+of\s+an\s+hour|(?:eine[rn]?\s+)?drei\s*viertel\s*stunde|3/4\s*(?:h|hour|stunde))
      | (?P<quarter>(?:a\s+)?quarter\s+(?:of\s+an\s+)?hour|(?:eine[rn]?\s+)?viertel\s*stunde|1/4\s*(?:h|hour|stunde))
      | (?P<half>half\s+an\s+hour|half\s+(?:an\s+)?hour|(?:eine[rn]?\s+)?halbe[n]?\s+stunde|1/2\s*(?:h|hour|stunde))
      | (?P<couple>(?:a\s+)?couple(?:\s+of)?|(?:ein\s+)?paar)\s+
            (?:(?P<couple_min>minutes|minuten)|(?P<couple_hour>hours|stunden)|(?P<couple_day>days|tage[n]?))
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
_DURATION_PREFIX = re.compile(
    r"^(?:within|innerhalb(?:\s+von)?|binnen|in)\s+"
    r"|^(?:about|around|approximately|roughly|etwa|ungefähr|ca\.?|circa|zirka)\s+"
    r"|^(?:the|der|den|des)\s+(?=(?:next|nächste[nrs]?|kommende[nrs]?)\s)"
    r"|^(?:next|nächste[nrs]?|kommende[nrs]?)\s+"
)
_DURATION_SUFFIX = re.compile(r"(?:'s|s')?\s+time$|\s+(?:from\s+now|ab\s+jetzt)$")
_BARE_UNIT = re.compile(r"(?:the\s+|der\s+|des\s+)?(?:hour|stunde|day|tag|tages|week|woche)")


def parse_duration(text: str, language: str | None = None) -> Duration:
    """Read a response time such as "4h", "2 business days", "innerhalb von 4 Stunden", "1h 30m".

    ``language`` is accepted for symmetry; both languages' words are always understood.
    """
    del language  # units do not collide between English and German
    normalized = _normalize(text)
    while True:  # "within the next 2 hours", "in about an hour"
        stripped = _DURATION_PREFIX.sub("", normalized, count=1)
        if stripped == normalized:
            break
        normalized = stripped
    normalized = _DURATION_SUFFIX.sub("", normalized)
    if _BARE_UNIT.fullmatch(normalized):  # "within the hour", "innerhalb der nächsten Stunde"
        normalized = "1 " + normalized.split()[-1]
    if not normalized:
        raise ParseError("bad_duration", text=text)
    minutes = 0.0
    days = 0
    position = 0
    while True:
        match = _DURATION_PART.match(normalized, position)
        if not match:
            raise ParseError("bad_duration", text=text)
        if match.group("halfday"):
            minutes += HALF_DAY_MINUTES
        elif match.group("ninety"):
            minutes += 90
        elif match.group("threequarter"):
            minutes += 45
        elif match.group("quarter"):
            minutes += 15
        elif match.group("half"):
            minutes += 30
        elif match.group("couple"):
            if match.group("couple_day"):
                days += 2
            else:
                minutes += 2 * (60 if match.group("couple_hour") else 1)
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
# Deadlines: vocabulary

_WEEKDAYS = words.WEEKDAYS
_NEXT = r"next|coming|nächste[nrs]?|kommende[nrs]?"
_THIS = r"this|diese[nrs]?"
_AFTER_NEXT_MOD = r"übernächste[nrs]?"
_NEXT_WEEK = (
    r"(?:of\s+|in\s+)?(?:next\s+week|(?:the\s+)?following\s+week)"
    r"|(?:in\s+)?(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+woche"
)
_THIS_WEEK = r"(?:of\s+|in\s+)?this\s+week|(?:in\s+)?diese[rn]?\s+woche"
_WEEK_AFTER_NEXT = r"(?:of\s+)?(?:the\s+)?week\s+after\s+next|(?:in\s+)?(?:der\s+)?übernächste[nr]?\s+woche"
_WEEKDAY_WORD = r"(?P<wd>[a-zäöü]+\.?)"
_WEEKDAY_FORM = re.compile(
    rf"(?:(?P<mod>{_NEXT}|{_THIS}|{_AFTER_NEXT_MOD})\s+)?{_WEEKDAY_WORD}"
    r"(?:\s+(?P<after>after\s+next|nach\s+dem\s+nächsten))?"
)
_WEEKDAY_IN_WEEK = re.compile(
    rf"(?:(?P<week_before>{_NEXT_WEEK}|{_THIS_WEEK}|{_WEEK_AFTER_NEXT})\s+(?:(?:on|am)\s+)?(?P<wd_after>[a-zäöü]+\.?))"
    rf"|(?:(?P<wd_before>[a-zäöü]+\.?)\s+(?P<week_after>{_NEXT_WEEK}|{_THIS_WEEK}|{_WEEK_AFTER_NEXT}))"
)
_WEEKDAY_THEN_DATE = re.compile(rf"{_WEEKDAY_WORD}\s+(?:(?:the|den|dem|der)\s+)?(?P<rest>.+)")

_MONTH = _alternation(words.MONTHS)
_PERIODS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (
            r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:working\s+)?week|eow|ende\s+(?:der|dieser)\s+woche"
            r"|this\s+week|diese\s+woche|in\s+dieser\s+woche|im\s+laufe\s+der\s+woche",
            "week",
        ),
        # "by the weekend" is Friday; "over the weekend"/"am Wochenende" without a trigger is no deadline
        (r"(?:das\s+|the\s+)?wochenende|(?:the\s+)?weekend", "weekend"),
        (
            r"(?:the\s+)?end\s+of\s+(?:the\s+)?(?:next|following)\s+week|ende\s+(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+woche"
            r"|(?:next|coming|upcoming|following)\s+week|(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+woche",
            "next_week",
        ),
        (r"(?:the\s+)?week\s+after\s+next|(?:der\s+)?übernächste[nr]?\s+woche", "week_after_next"),
        (
            r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom|(?:the\s+)?month[\s-]end|monatsende"
            r"|ende\s+(?:des\s+|dieses\s+)?monats|this\s+month|diese[nm]?\s+monat|in\s+diesem\s+monat"
            r"|im\s+laufe\s+des\s+monats",
            "month",
        ),
        (
            r"(?:the\s+)?end\s+of\s+(?:the\s+)?next\s+month|ende\s+(?:des\s+)?(?:nächste[nr]?|kommende[nr]?)\s+monats"
            r"|next\s+month|(?:im\s+)?(?:nächste[nr]?|kommende[nr]?)\s+monat",
            "next_month",
        ),
        (
            r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?quarter|eoq|quartalsende|ende\s+(?:des\s+|dieses\s+)?quartals",
            "quarter",
        ),
        (
            r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year|eoy|(?:the\s+)?year[\s-]end|jahresende"
            r"|ende\s+(?:des\s+|dieses\s+)?jahres",
            "year",
        ),
    )
)
_END_OF_MONTH_NAMED = re.compile(
    rf"(?:(?:the\s+)?end\s+of|ende)\s+(?P<month>{_MONTH})\.?(?:\s+(?P<year>\d{{4}}))?"
)
_CALENDAR_WEEK = re.compile(
    r"(?:(?:the\s+)?end\s+of\s+|ende\s+(?:der\s+)?)?(?:kw|cw|kalenderwoche|calendar\s+week|week|woche)\s*"
    r"(?P<week>\d{1,2})(?:\s*(?:/|of|')\s*(?P<year>\d{4}|\d{2})|\s+(?P<year_after>\d{4}))?"
)
_HOLIDAY = re.compile(rf"(?P<name>{_alternation(words.HOLIDAYS)})(?:\s+(?P<year>\d{{4}}))?")

_EOD = (
    r"eod|eob|cob|end\s+of\s+(?:the\s+)?(?:business\s+|working\s+|work\s+)?day|end\s+of\s+business"
    r"|close\s+of\s+(?:business|play)|(?:zum\s+)?feierabend|dienstschluss|tagesende"
    r"|ende\s+des\s+(?:arbeits)?tages|(?:zum\s+)?arbeitsende"
)
_DAY_PART = re.compile(
    rf"(?<!\S)(?P<part>{_alternation(list(words.DAY_PARTS) + list(words.DAY_PARTS_TODAY))}|{_EOD})(?!\S)"
)
_PARTS_ON_THEIR_OWN = frozenset({"noon", "at noon", "midday", "midnight", "mitternacht"})
"""Parts of the day that make a deadline at the end of a text without a trigger word or a day; EOD words
(eod, Feierabend …) do too, the others ("lunch", "Mittag", "afternoon") do not."""
_END_OF_DAY_PREFIX = re.compile(r"^(?:the\s+)?end\s+of\s+(?:(?:on|am)\s+)?(?=\S)")

_HOUR_WORD = _alternation(words.HOUR_WORDS)
_MINUTE_WORD = _alternation(words.MINUTE_WORDS)


def _clock_pattern(language: str) -> re.Pattern[str]:
    # "3 am" is 3 a.m. to an English writer and "3 am Freitag" to a German one.
    ampm = r"\s*(?:a\.?m\.?|p\.?m\.?)" if language == "en" else r"(?:\s*(?:a\.m\.?|p\.?m\.?)|am)"
    return re.compile(
        rf"""
        (?<!\S)
        (?P<prefix>(?:(?:at|um|gegen|@|around|about|approximately|ca\.?|circa|zirka|etwa|ungefähr|so)\s+)+)?
        (?:
            (?P<ap_h>\d{{1,2}})(?:[:.](?P<ap_m>\d{{2}}))?(?P<ampm>{ampm})
          | (?P<u_h>\d{{1,2}})(?:[:.](?P<u_m>\d{{2}}))?\s*uhr(?:\s+(?P<u_m2>\d{{1,2}})(?!\S))?
          | (?P<hh_h>\d{{1,2}})h(?P<hh_m>\d{{2}})?
          | (?P<c_h>\d{{1,2}}):(?P<c_m>\d{{2}})(?::\d{{2}})?(?:\s*h(?!\S))?
          | (?P<d_h>\d{{1,2}})\.(?P<d_m>\d{{2}})(?!\S)
          | (?P<de_rel>halb|viertel\s+nach|viertel\s+vor|dreiviertel|drei\s+viertel
                |(?P<de_n>\d{{1,2}}|{_MINUTE_WORD})\s+(?:minuten\s+)?(?P<de_dir>nach|vor))
            \s+(?P<de_h>\d{{1,2}}|{_HOUR_WORD})(?:\s+uhr)?
          | (?P<en_rel>half\s+past|(?:a\s+)?quarter\s+(?:past|after)|(?:a\s+)?quarter\s+(?:to|till|of)
                |(?P<en_n>\d{{1,2}}|{_MINUTE_WORD})\s+(?:minutes\s+)?(?P<en_dir>past|after|to|till))
            \s+(?P<en_h>\d{{1,2}}|{_HOUR_WORD}|noon|midnight)(?:\s+o'?clock)?
          | half\s+(?P<hb_h>{_HOUR_WORD}|\d{{1,2}})
          | (?P<oc_h>\d{{1,2}}|{_HOUR_WORD})\s+o'?clock
          | (?P<b_h>\d{{1,2}}|{_HOUR_WORD})
        )
        (?!\S)
        """,
        re.VERBOSE,
    )


_CLOCK = {language: _clock_pattern(language) for language in ("en", "de")}

_FILLERS = frozenset(
    {
        *("at", "um", "gegen", "on", "am", "the", "den", "dem", "der", "des", "of", "in", "zu", "zum", "zur"),
        *("for", "für", "vor", "noch", "around", "about", "ca.", "ca", "circa", "zirka", "etwa", "ungefähr"),
        *("an", "@", "-", "–"),
    }
)
_PREFIX_FILLERS = frozenset({"on", "am", "the", "den", "dem", "zum", "zur", "for", "für", "vor", "zu", "an"})
_FILLER_PAIRS = {
    "on": ("the",), "at": ("the",), "for": ("the",), "in": ("the", "der"), "vor": ("dem", "der"),
    "noch": ("vor", "am", "in", "um", "zum"), "bis": ("zum", "zur"),
}  # fmt: skip
_LATEST_SUFFIX = re.compile(r"\s+(?:at\s+the\s+latest|latest|(?:aller)?spätestens)$")
_MORNING_CONTEXT = frozenset(
    {"heute", "gestern", "guten", "am", "jeden", "den", "diesen", "morgen", *words.WEEKDAYS}
)
_COMPOUND_PARTS = {
    "morgen": "morgens", "vormittag": "vormittag", "mittag": "mittag", "nachmittag": "nachmittag",
    "abend": "abend", "früh": "früh",
}  # fmt: skip
_GERMAN_WEEKDAYS = tuple(
    sorted(
        (name for name in _WEEKDAYS if name.endswith("tag") or name.endswith("woch")), key=len, reverse=True
    )
)


@cache
def _ascii_variants() -> dict[str, str]:
    """ "uebermorgen" -> "übermorgen" for every keyword with an umlaut."""
    vocabulary = {
        *words.RELATIVE_DAYS, *words.WEEKDAYS, *words.MONTHS, *words.NUMBER_WORDS, *words.HOUR_WORDS,
        *words.HOLIDAYS, *words.DAY_PARTS,
        *("spätestens", "allerspätestens", "nächste", "nächsten", "nächster", "nächstes", "übernächste",
          "übernächsten", "übernächster", "für", "früh", "fällig", "frühestens", "möglich", "schnellstmöglich",
          "später", "kürze", "quartalsende", "dreißig", "ungefähr", "märz"),
    }  # fmt: skip
    variants: dict[str, str] = {}
    for phrase in vocabulary:
        for word in phrase.split():
            spelled = words.ascii_spelling(word)
            if spelled != word:
                variants[spelled] = word
    return variants


# --------------------------------------------------------------------------------------------------
# Deadlines: the grammar


@dataclass(frozen=True)
class _Clock:
    now: datetime  # aware
    tz: ZoneInfo
    language: str  # "en" | "de"
    end_of_day: time
    start_of_day: time = DEFAULT_START_OF_DAY

    @property
    def now_local(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        return self.now_local.date()


@dataclass(frozen=True)
class _ClockReading:
    hour: int
    minute: int
    twelve_hour: bool  # 1-12 without am/pm: the morning and the afternoon reading are both possible
    conventional: bool  # written the 24-hour way ("3 Uhr", "3:30"): means what it says if hours don't decide


@dataclass(frozen=True)
class _Read:
    deadline: Deadline
    day_given: bool


def parse_deadline(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    end_of_day: time = DEFAULT_END_OF_DAY,
    start_of_day: time = DEFAULT_START_OF_DAY,
) -> Deadline:
    """Read a due date such as "Friday", "morgen 14 Uhr", "bis 15.01.", "2026-12-04 14:00".

    A leading "by"/"bis" is allowed (the modal's field may get either). Anything that does not parse
    completely raises ``unparseable_date``.
    """
    clock = _make_clock(now, tz, language, end_of_day, start_of_day)
    expression = _DEADLINE_TRIGGER_PREFIX.sub("", _normalize(text))
    if len(expression) > _MAX_CLAUSE_CHARS:
        raise ParseError("unparseable_date", text=text)
    deadline = _parse_deadline_expression(expression, clock, original=text)
    if deadline is None:
        raise ParseError("unparseable_date", text=text)
    return deadline


def _make_clock(now: datetime, tz: ZoneInfo, language: str, end_of_day: time, start_of_day: time) -> _Clock:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return _Clock(
        now=now, tz=tz, language=_language(language), end_of_day=end_of_day, start_of_day=start_of_day
    )


def _language(language: str) -> str:
    return "de" if language.lower().startswith("de") else "en"


def _normalize(text: str) -> str:
    """Lower-case, unify spaces and drop commas so "Friday, 3pm" reads like "friday 3pm"."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'").lower()
    text = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)", r"\1 ", text)  # ISO 8601 "T"
    text = re.sub(r",(?!\d)", " ", text)
    return " ".join(text.split())


def _canonical(expression: str, *, fuzzy: bool) -> str:
    """Spell the words the way the grammar knows them: aliases, umlauts, compounds, "morgen", typos."""
    variants = _ascii_variants()
    out: list[str] = []
    for token in expression.split(" "):
        token = variants.get(token, token)
        token = words.ALIASES.get(token, token)
        compound = _split_compound(token)
        if compound:
            out.extend(compound)
            continue
        if fuzzy and token not in _KNOWN_WORDS:
            token = words.correct_typo(token) or token
        if token == "morgen" and out and out[-1] in _MORNING_CONTEXT:
            token = "morgens"  # "heute Morgen", "Montag morgen", "am Morgen": the morning
        out.append(token)
    return _LATEST_SUFFIX.sub("", " ".join(out))


def _split_compound(token: str) -> list[str] | None:
    """ "freitagnachmittag" -> ["freitag", "nachmittag"]."""
    if len(token) <= 7 or not token.isalpha():
        return None
    for weekday in _GERMAN_WEEKDAYS:
        if token.startswith(weekday) and token[len(weekday) :] in _COMPOUND_PARTS:
            return [weekday, _COMPOUND_PARTS[token[len(weekday) :]]]
    return None


_KNOWN_WORDS = frozenset(
    {
        *words.WEEKDAYS, *words.MONTHS, *words.NUMBER_WORDS, *words.ALIASES.values(),
        *(word for phrase in (*words.RELATIVE_DAYS, *words.DAY_PARTS, *words.HOLIDAYS) for word in phrase.split()),
    }
)  # fmt: skip


def _parse_deadline_expression(
    expression: str, clock: _Clock, *, original: str, strict: bool = False
) -> Deadline | None:
    """Deadline for a normalized expression, None if it is not one; raises for clear but bad dates."""
    read = _read_deadline(expression, clock, original=original, strict=strict)
    return read.deadline if read else None


def _read_deadline(expression: str, clock: _Clock, *, original: str, strict: bool) -> _Read | None:
    """The grammar: [day] [part of day] [clock time] in any order, with small filler words between.

    ``strict`` is the trigger-less reading at the end of a text: no typos, no bare abbreviations, no
    bare parts of the day, no slashed dates, holidays only after for/für/vor.
    """
    expression = _canonical(expression, fuzzy=not strict)
    if not expression:
        return None
    reading, rest, clock_at_end = _take_clock(expression, clock.language, original)
    if not clock_at_end and expression.rsplit(" ", 1)[-1] in _FILLERS - {"noch"}:
        return None  # "morgen an", "Friday at": the sentence goes on, this is no deadline
    part, part_word, rest, part_names_today = _take_day_part(rest)
    leading = list(itertools.takewhile(lambda token: token in _FILLERS, rest.split()))
    if len(leading) > 2 or (len(leading) == 2 and leading[1] not in _FILLER_PAIRS.get(leading[0], ())):
        return None  # "on the 15th", "in der KW 50" — but not "an an an vor morgen"
    rest, prefixed = _strip_fillers(rest)
    if part_names_today:
        if rest:
            return None
        rest = "today"
    if reading is None and part is None and not rest:
        return None
    if part == "end_of_day" and reading is not None:
        return None
    time_of_day, candidates = _time_of_day(reading, part, clock)
    timed = time_of_day is not None or candidates is not None
    if not rest:
        if strict and reading is None and part != "end_of_day" and part_word not in _PARTS_ON_THEIR_OWN:
            return None  # "in the afternoon" is a habit and "Lunch?" a question, not a deadline
        day = clock.today
    else:
        day = _resolve_day(
            rest, clock, time_of_day, timed=timed, original=original, strict=strict, prefixed=prefixed
        )
        if day is None:
            return None
    if candidates is not None:
        options = []
        for candidate in candidates:
            at = _instant(day, candidate, clock)
            if at <= clock.now and not rest:  # "um 8" at ten: tonight, or tomorrow morning
                at = _instant(day + timedelta(days=1), candidate, clock)
            if at > clock.now:
                options.append(at)
        if not options:
            raise ParseError("past_date", text=original, at=_instant(day, candidates[-1], clock))
        raise ParseError("ambiguous_time", text=original, options=tuple(sorted(options)))
    return _Read(_finish(day, time_of_day, clock, original), day_given=bool(rest))


def _take_clock(expression: str, language: str, original: str) -> tuple[_ClockReading | None, str, bool]:
    """The clock time in the expression, the rest, and whether the time ended the expression."""
    for match in _CLOCK[language].finditer(expression):
        reading = _clock_reading(match, original)
        if reading is not None:
            rest = (expression[: match.start()] + " " + expression[match.end() :]).strip()
            return reading, " ".join(rest.split()), match.end() == len(expression)
    return None, expression, False


def _clock_reading(match: re.Match[str], original: str) -> _ClockReading | None:
    """The time a clock match names, None if the match is no time after all ("4h" is a duration)."""
    group = match.group
    prefixed = bool(group("prefix"))
    if group("ap_h"):
        hour, minute = int(group("ap_h")), int(group("ap_m") or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise ParseError("invalid_date", text=original)
        return _ClockReading(hour % 12 + (12 if "p" in group("ampm") else 0), minute, False, True)
    if group("u_h"):
        return _checked_clock(group("u_h"), group("u_m") or group("u_m2") or "0", original, conventional=True)
    if group("hh_h"):
        if not (group("hh_m") or prefixed or int(group("hh_h")) >= 13 or group("hh_h").startswith("0")):
            return None  # "4h" is four hours
        return _checked_clock(group("hh_h"), group("hh_m") or "0", original, conventional=True)
    if group("c_h"):
        return _checked_clock(group("c_h"), group("c_m"), original, conventional=True)
    if group("d_h"):
        if not prefixed:
            return None  # "am 10.10" is a date, "um 10.10" a time
        return _checked_clock(group("d_h"), group("d_m"), original, conventional=True)
    if group("de_rel"):
        return _relative_clock(group("de_rel"), group("de_n"), group("de_dir"), group("de_h"))
    if group("en_rel"):
        return _relative_clock(group("en_rel"), group("en_n"), group("en_dir"), group("en_h"))
    if group("hb_h"):
        return _relative_clock("half past", None, None, group("hb_h"))
    if group("oc_h"):
        return _word_hour(group("oc_h"), 0)
    if group("b_h") and prefixed:
        return _word_hour(group("b_h"), 0)
    return None


def _checked_clock(hour_text: str, minute_text: str, original: str, *, conventional: bool) -> _ClockReading:
    hour, minute = int(hour_text), int(minute_text)
    if (hour, minute) == (24, 0):  # "bis 24 Uhr": the very end of that day
        return _ClockReading(23, 59, False, True)
    if hour > 23 or minute > 59:
        raise ParseError("invalid_date", text=original)
    twelve_hour = 1 <= hour <= 12 and not hour_text.startswith("0")
    return _ClockReading(hour, minute, twelve_hour, conventional)


def _hour_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token == "noon":
        return 12
    if token == "midnight":
        return 24
    return words.HOUR_WORDS.get(token)


def _word_hour(token: str, minute: int) -> _ClockReading | None:
    hour = _hour_value(token)
    if hour is None or not 0 <= hour <= 23:
        return None
    return _ClockReading(hour, minute, 1 <= hour <= 12, False)


def _relative_clock(
    relation: str, amount: str | None, direction: str | None, hour_token: str
) -> _ClockReading | None:
    """ "halb vier" (3:30), "viertel vor vier" (3:45), "zehn nach drei", "quarter to noon", "half past two"."""
    hour = _hour_value(hour_token)
    if hour is None or not 1 <= hour <= 24:
        return None
    relation = " ".join(relation.split())
    if relation in ("halb",):
        offset = -30
    elif relation in ("viertel nach", "quarter past", "a quarter past", "quarter after", "a quarter after"):
        offset = 15
    elif relation in ("viertel vor", "dreiviertel", "drei viertel") or relation.endswith(
        ("quarter to", "quarter till", "quarter of")
    ):
        offset = -15
    elif relation == "half past":
        offset = 30
    else:
        minutes = int(amount) if amount and amount.isdigit() else words.MINUTE_WORDS.get(amount or "")
        if minutes is None or not 1 <= minutes <= 30:
            return None
        offset = minutes if direction in ("nach", "past", "after") else -minutes
    total = (hour * 60 + offset) % (24 * 60)
    exact = hour_token in ("noon", "midnight") or hour > 12
    result_hour, minute = divmod(total, 60)
    if not exact and result_hour == 0:
        result_hour = 12  # "halb eins" is 12:30 (or 0:30)
    return _ClockReading(result_hour, minute, not exact and 1 <= result_hour <= 12, False)


def _take_day_part(expression: str) -> tuple[str | None, str | None, str, bool]:
    """The part of the day named in the expression (morning, EOD, …), its words, what is left of the
    expression, and whether the words named today as well ("tonight")."""
    if _is_period(expression):
        return None, None, expression, False
    match = _DAY_PART.search(expression)
    if match:
        word = " ".join(match.group("part").split())
        rest = " ".join((expression[: match.start()] + " " + expression[match.end() :]).split())
        if word in words.DAY_PARTS_TODAY:
            return words.DAY_PARTS_TODAY[word], word, rest, True
        return words.DAY_PARTS.get(word, "end_of_day"), word, rest, False
    match = _END_OF_DAY_PREFIX.match(expression)  # "end of Friday", "end of today"
    if match:
        return "end_of_day", "end of", expression[match.end() :], False
    return None, None, expression, False


def _is_period(expression: str) -> bool:
    """Whole expressions that contain a part-of-day word without naming a part of the day."""
    return (
        any(pattern.fullmatch(expression) for pattern, _ in _PERIODS)
        or bool(_HOLIDAY.fullmatch(_strip_fillers(expression)[0]))  # "Heiligen Abend"
        or bool(_END_OF_MONTH_NAMED.fullmatch(expression))
        or bool(_CALENDAR_WEEK.fullmatch(_strip_fillers(expression)[0]))
    )


def _strip_fillers(expression: str) -> tuple[str, bool]:
    """Drop small words at the edges ("am Freitag um" -> "Freitag"); True if a preposition came first."""
    tokens = expression.split()
    prefixed = False
    while tokens and tokens[0] in _FILLERS:
        prefixed = prefixed or tokens[0] in _PREFIX_FILLERS
        tokens.pop(0)
    while tokens and tokens[-1] in _FILLERS:
        tokens.pop()
    return " ".join(tokens), prefixed


def _time_of_day(
    reading: _ClockReading | None, part: str | None, clock: _Clock
) -> tuple[time | None, tuple[time, ...] | None]:
    """The clock time meant, or the candidates when the 12-hour reading cannot be decided."""
    if reading is None:
        return (_PART_OF_DAY_TIMES[part] if part else None), None
    hour, minute = reading.hour, reading.minute
    if reading.twelve_hour:
        morning, afternoon = hour % 12, hour % 12 + 12
        if part == "morning":
            hour = morning
        elif part in ("noon", "afternoon", "evening"):
            hour = afternoon
        else:
            readings = (time(morning, minute), time(afternoon, minute))
            inside = [t for t in readings if clock.start_of_day <= t <= clock.end_of_day]
            if len(inside) == 1:
                return inside[0], None
            if not reading.conventional:
                return None, readings
    return time(hour, minute), None


def _resolve_day(
    expression: str,
    clock: _Clock,
    time_of_day: time | None,
    *,
    timed: bool,
    original: str,
    strict: bool,
    prefixed: bool,
) -> date | None:
    """The calendar day an expression names (without time), or None if it names none."""
    today = clock.today
    if expression in words.RELATIVE_DAYS:
        return today + timedelta(days=words.RELATIVE_DAYS[expression])

    period = _period_day(expression, clock, original, strict=strict)
    if period is not None:
        return period

    match = _HOLIDAY.fullmatch(expression)
    if match:
        if strict and not prefixed:
            return None
        return _holiday_day(words.HOLIDAYS[match["name"]], match["year"], clock, original)

    match = _WEEKDAY_FORM.fullmatch(expression)
    if (
        match
        and (weekday := _weekday(match["wd"], strict=strict, prefixed=prefixed or bool(match["mod"])))
        is not None
    ):
        return _weekday_day(weekday, match["mod"], bool(match["after"]), clock, time_of_day, timed, original)

    match = _WEEKDAY_IN_WEEK.fullmatch(expression)
    if match:
        weekday = _weekday(match["wd_after"] or match["wd_before"], strict=strict, prefixed=True)
        if weekday is not None:
            which = " ".join((match["week_before"] or match["week_after"]).split())
            monday = today - timedelta(days=today.weekday())
            if re.fullmatch(_WEEK_AFTER_NEXT, which):
                monday += timedelta(days=14)
            elif re.fullmatch(_NEXT_WEEK, which):
                monday += timedelta(days=7)
            return monday + timedelta(days=weekday)

    match = _WEEKDAY_THEN_DATE.fullmatch(expression)
    if (
        match and (weekday := _weekday(match["wd"], strict=strict, prefixed=True)) is not None
    ):  # "Freitag, 4.12."
        day = _resolve_calendar_date(match["rest"], clock, original, strict=strict, prefixed=True)
        if day is not None and day.weekday() != weekday:
            raise ParseError("invalid_date", text=original, reason="weekday_mismatch", date=day)
        return day

    return _resolve_calendar_date(expression, clock, original, strict=strict, prefixed=prefixed)


def _weekday(token: str, *, strict: bool, prefixed: bool) -> int | None:
    if token.endswith("."):
        base = token[:-1]
        if base in words.WEEKDAYS_TWO_LETTER:
            return words.WEEKDAYS_TWO_LETTER[base] if (prefixed or not strict) else None
        token = base
    if token in _WEEKDAYS:
        if strict and not prefixed and token not in words.WEEKDAYS_TRIGGERLESS:
            return None
        return _WEEKDAYS[token]
    if token in words.WEEKDAYS_TWO_LETTER_BARE and (prefixed or not strict):
        return words.WEEKDAYS_TWO_LETTER[token]  # "bis Mo", "am Di"; never "so"/"do"/"sa" without a dot
    return None


def _weekday_day(
    weekday: int,
    modifier: str | None,
    after_next: bool,
    clock: _Clock,
    time_of_day: time | None,
    timed: bool,
    original: str,
) -> date:
    today = clock.today
    ahead = (weekday - today.weekday()) % 7
    kind = "bare"
    if modifier:
        kind = (
            "this"
            if re.fullmatch(_THIS, modifier)
            else "after_next"
            if modifier.startswith("über")
            else "next"
        )
    if after_next:
        kind = "after_next"
    if ahead == 0:
        moment = time_of_day or clock.end_of_day
        still_ahead = datetime.combine(today, moment, tzinfo=clock.tz) > clock.now
        if kind == "this" or (kind == "bare" and timed and still_ahead):
            ahead = 0 if still_ahead else 7
        elif kind == "bare" and not timed and still_ahead and _late_in_the_day(clock):
            options = (
                _instant(today, clock.end_of_day, clock),
                _instant(today + timedelta(days=7), clock.end_of_day, clock),
            )
            raise ParseError("ambiguous_weekday", text=original, options=options)
        else:
            ahead = 7
    if kind == "after_next":
        ahead = (ahead or 7) + 7
    return today + timedelta(days=ahead)


def _late_in_the_day(clock: _Clock) -> bool:
    end = datetime.combine(clock.today, clock.end_of_day, tzinfo=clock.tz)
    return end - AMBIGUOUS_WEEKDAY_WINDOW <= clock.now_local < end


def _period_day(expression: str, clock: _Clock, original: str, *, strict: bool = False) -> date | None:
    """End of week/month/quarter/year, this/next week, "Ende Januar", "KW 50"."""
    today = clock.today
    for pattern, kind in _PERIODS:
        if pattern.fullmatch(expression):
            friday = today + timedelta(days=(4 - today.weekday()) % 7)  # today if it is Friday
            if kind == "weekend" and strict:
                return None
            if kind in ("week", "weekend"):
                return friday
            if kind == "next_week":
                return today + timedelta(days=4 - today.weekday() + 7)
            if kind == "week_after_next":
                return today + timedelta(days=4 - today.weekday() + 14)
            if kind == "month":
                return _last_of_month(today.year, today.month)
            if kind == "next_month":
                year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
                return _last_of_month(year, month)
            if kind == "quarter":
                return _last_of_month(today.year, (today.month - 1) // 3 * 3 + 3)
            return date(today.year, 12, 31)
    match = _END_OF_MONTH_NAMED.fullmatch(expression)
    if match:
        month = words.MONTHS[match["month"]]
        if match["year"]:
            return _last_of_month(int(match["year"]), month)
        return _nearest(lambda year: _last_of_month(year, month), today, original)
    match = _CALENDAR_WEEK.fullmatch(_strip_fillers(expression)[0])
    if match:
        week = int(match["week"])
        year_text = match["year"] or match["year_after"]
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            try:
                return date.fromisocalendar(year, week, 5)
            except ValueError:
                raise ParseError("invalid_date", text=original) from None
        iso_year = today.isocalendar().year
        candidates = []
        for year in (iso_year - 1, iso_year, iso_year + 1):
            try:
                candidates.append(date.fromisocalendar(year, week, 5))
            except ValueError:
                continue
        if not candidates:
            raise ParseError("invalid_date", text=original)
        return min(candidates, key=lambda candidate: (abs((candidate - today).days), candidate < today))
    return None


def _last_of_month(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def _holiday_day(key: str, year_text: str | None, clock: _Clock, original: str) -> date:
    if year_text:
        return words.holiday_date(key, int(year_text))
    return _nearest(lambda year: words.holiday_date(key, year), clock.today, original)


def _nearest(day_in_year, today: date, original: str) -> date:
    """The occurrence closest to today (ties go to the future); past ones are reported, not moved."""
    candidates = []
    for year in range(today.year - 1, today.year + 5):
        try:
            candidates.append(day_in_year(year))
        except ValueError:
            continue
    if not candidates:
        raise ParseError("invalid_date", text=original)
    return min(candidates, key=lambda candidate: (abs((candidate - today).days), candidate < today))


_ISO_DATE = re.compile(r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})")
_DOTTED_DATE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?P<dot>\.(?P<y>\d{4}|\d{2})?)?")
_SLASHED_DATE = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?")
_DASHED_DATE = re.compile(r"(?P<a>\d{1,2})-(?P<b>\d{1,2})-(?P<y>\d{4})")
_DAY_OF_MONTH = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th|ten|ter|te|\.)")
_DATE_PREFIX = re.compile(r"^(?:(?:on|am|the|den|dem|der|zum)\s+)+")
_DATE_ATTEMPT = re.compile(r"\d{1,4}[./]\d{1,4}|\d{1,4}-\d{1,2}-\d{1,4}")
_PLAIN_DECIMAL = re.compile(r"\d+\.\d+")
_YEAR = re.compile(r"\b\d{4}\b")
_DAY_NUMBER = re.compile(r"\b(?P<day>29|30|31)(?=\b|st|nd|rd|th)")
_MONTH_NAME_CANDIDATE = re.compile(r"(?=.*\d)(?=.*[a-zäöü])[\w\s.,']{1,40}")


def _resolve_calendar_date(
    expression: str, clock: _Clock, original: str, *, strict: bool, prefixed: bool
) -> date | None:
    stripped = _DATE_PREFIX.sub("", expression)
    prefixed = prefixed or stripped != expression
    expression = stripped

    if match := _ISO_DATE.fullmatch(expression):
        return _checked_date(int(match["y"]), int(match["m"]), int(match["d"]), original)

    if match := _DOTTED_DATE.fullmatch(expression):
        if (clock.language == "en" or strict) and not match["dot"]:
            return None  # "12.5" is a decimal to an English writer
        return _day_month(int(match["d"]), int(match["m"]), match["y"], clock, original)

    if match := _SLASHED_DATE.fullmatch(expression) or _DASHED_DATE.fullmatch(expression):
        if strict:
            return None  # "Fix bug 12/04" may well be a ticket; with "by" it is a date
        return _slashed_date(int(match["a"]), int(match["b"]), match["y"], clock, original)

    if match := _DAY_OF_MONTH.fullmatch(expression):  # "the 15th", "bis zum 15."
        if strict and not prefixed:
            return None
        return _day_of_month(int(match["d"]), clock.today, original)

    if _MONTH_NAME_CANDIDATE.fullmatch(expression) and _has_month_name(expression):
        return _month_name_date(expression, clock, original)
    return None


_MONTH_DATE_TOKEN = re.compile(r"\d{1,2}(?:st|nd|rd|th|ten|ter|te)?\.?|\d{4}|of|the|den|der|dem")


def _has_month_name(expression: str) -> bool:
    """A month name with only day numbers, a year and small words around it ("4th of December 2027");
    dateparser would otherwise skip words it does not know ("Dec 15 and and")."""
    tokens = [token.strip(",") for token in expression.split()]
    return any(token.rstrip(".") in words.MONTHS for token in tokens) and all(
        token.rstrip(".") in words.MONTHS or _MONTH_DATE_TOKEN.fullmatch(token) for token in tokens
    )


def _day_of_month(day: int, today: date, original: str) -> date:
    """ "by the 15th": the next 15th from today on (a day alone always looks ahead)."""
    for offset in (0, 1, 2):
        month_index = today.month - 1 + offset
        year, month = today.year + month_index // 12, month_index % 12 + 1
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ParseError("invalid_date", text=original)


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
    parsed = _month_name_day(expression, clock.language)
    if parsed is None:
        # "Feb 31": the same text with day 1 parses, so it was a real but impossible date.
        with_first_day = _DAY_NUMBER.sub("1", expression, count=1)
        if with_first_day != expression and _month_name_day(with_first_day, clock.language):
            raise ParseError("invalid_date", text=original)
        return None
    day, month = parsed
    year = _YEAR.search(expression)
    return _day_month(day, month, year.group() if year else None, clock, original)


@lru_cache(maxsize=1024)
def _month_name_day(expression: str, language: str) -> tuple[int, int] | None:
    parsed = _month_name_parser(language).get_date_data(expression).date_obj
    return (parsed.day, parsed.month) if parsed else None


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
    return _nearest(lambda year: date(year, month, day), clock.today, original)


def _checked_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError("invalid_date", text=original) from None


def _instant(day: date, time_of_day: time, clock: _Clock) -> datetime:
    return datetime.combine(day, time_of_day, tzinfo=clock.tz).astimezone(UTC)


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
# Urgency

_URGENT_ADVERB = (
    r"asap|a\.s\.a\.p\.?|as\s+soon\s+as\s+(?:possible|you\s+can)|urgently|immediately|right\s+away"
    r"|straight\s+away|sofort|umgehend|schnellstmöglich|schnellstens|baldmöglichst|baldigst"
    r"|so\s+(?:schnell|bald|früh)\s+wie\s+möglich|möglichst\s+(?:schnell|bald)"
)
_URGENT_ADJECTIVE = r"urgent|dringend|eilig|eilt"
_URGENT_AT_START = re.compile(
    rf"^\s*(?:[\[(*_]+\s*(?:{_URGENT_ADVERB}|{_URGENT_ADJECTIVE})\s*[\])*_]+[\s:!,;.\-–—]*"
    rf"|(?:{_URGENT_ADVERB})(?:[\s:!,;\-–—]+|$)|(?:{_URGENT_ADJECTIVE})\s*(?:[:!,;\-–—]+\s*|$))",
    re.IGNORECASE,
)
_URGENT_AT_END = re.compile(
    rf"(?:^|(?<=\s)|(?<=[,;:\-–—(\[]))(?:(?:by|bis)\s+)?(?:{_URGENT_ADVERB})[\s!.)\]]*$"
    rf"|(?:^|\s*[,;:\-–—]\s*|\s*[(\[*]\s*)(?:{_URGENT_ADJECTIVE})[\s!.)\]*]*$",
    re.IGNORECASE,
)
_NOT_URGENT_BEFORE = re.compile(r"(?:\b(?:not|nicht|no|kein|ab)\s*)$", re.IGNORECASE)


def _take_urgency(text: str) -> tuple[str, bool]:
    """Remove urgency words standing at the start or the end ("ASAP:", ", dringend!")."""
    urgent = False
    while True:
        match = _URGENT_AT_START.match(text)
        if match and match.end() > 0:
            text = text[match.end() :]
            urgent = True
            continue
        match = _URGENT_AT_END.search(text)
        if match and not _NOT_URGENT_BEFORE.search(text[: match.start()]):
            text = text[: match.start()].rstrip()
            urgent = True
            continue
        return text, urgent


# --------------------------------------------------------------------------------------------------
# The command

_DURATION_TRIGGER = re.compile(r"(?<!\S)(?:within|innerhalb(?:\s+von)?|binnen)\s+", re.IGNORECASE)
_DEADLINE_WORDS = (
    r"by|until|untill|till|til|'til|before|bis(?:\s+(?:spätestens|spaetestens|zum|zur|zu))?"
    r"|(?:aller)?spätestens|(?:aller)?spaetestens|no\s+later\s+than|not\s+later\s+than|nicht\s+später\s+als"
    r"|latest\s+by|due(?:\s+(?:by|on|date:?))?:?|deadline(?:\s+is)?:?|fällig(?:\s+(?:am|bis|zum))?:?|frist:?"
)
_DEADLINE_TRIGGER = re.compile(rf"(?<!\S)(?:{_DEADLINE_WORDS})\s+", re.IGNORECASE)
_DEADLINE_TRIGGER_PREFIX = re.compile(rf"^(?:{_DEADLINE_WORDS})\s+", re.IGNORECASE)
_FUZZY_TRIGGERS = {
    "within": "duration", "innerhalb": "duration", "binnen": "duration",
    "until": "deadline", "before": "deadline", "spätestens": "deadline",
}  # fmt: skip
_NEGATED = re.compile(r"(?:\b(?:not|nicht|no|kein|keine)\s+)$", re.IGNORECASE)
_RANGE_START = re.compile(
    rf"\b(?:von|vom|from|between|zwischen)\s+(?:\S*\d\S*(?:\s+(?:uhr|am|pm))?|(?:{'|'.join(_WEEKDAYS)})\.?)\s*$",
    re.IGNORECASE,
)
_ENDS_WITH_DIGIT = re.compile(r"\d\W*$")
_SENTENCE_END = ".!?…"
_EDGE_PUNCTUATION = ",;:-–—"
_BARE_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_MAX_CLAUSE_CHARS = 80  # longer tails are prose; also keeps the regexes linear on long texts
_TOKEN = re.compile(r"\S+")
_BLOCKING_WORDS = frozenset(
    {
        *("from", "since", "of", "to", "through", "thru", "after", "than", "between", "and", "or", "nor"),
        *("von", "vom", "seit", "nach", "ab", "zwischen", "und", "oder", "bzw", "bzw.", "als", "des"),
        *("frühestens", "earliest", "not", "nicht", "last", "letzten", "letzte", "letzter", "vergangenen"),
        *("previous", "vorigen", "every", "jeden", "jede", "each"),
        *(
            "by",
            "bis",
            "until",
            "till",
            "before",
            "within",
            "innerhalb",
            "binnen",
            "spätestens",
            "vor",
            "due",
        ),
        *("in", "on", "am", "at", "um", "-", "–", "—", "&", "+", "/"),
        # "my Friday slot", "it should be Friday": a name for a day, not a deadline
        *("my", "your", "our", "their", "his", "her", "its", "mein", "meine", "meinen", "dein", "deine"),
        *(
            "unser",
            "unsere",
            "unseren",
            "euer",
            "eure",
            "be",
            "is",
            "are",
            "was",
            "were",
            "ist",
            "sind",
            "war",
        ),
    }
)


@dataclass(frozen=True)
class _Hit:
    start: int
    kind: Literal["duration", "deadline"]
    value: Duration | Deadline


def parse_request_command(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    end_of_day: time = DEFAULT_END_OF_DAY,
    start_of_day: time = DEFAULT_START_OF_DAY,
) -> RequestDraft:
    """Split `/request` text into assignee, description, response time, due date and urgency.

    ``tz`` is the zone the dates are meant in (the requester's); ``now`` is any aware moment.
    ``start_of_day``/``end_of_day`` bound the working day (for "um 3" and dates without a time).
    """
    clock = _make_clock(now, tz, language, end_of_day, start_of_day)
    parsed = parse_mention(text)
    if parsed is None:
        bare = _BARE_MENTION.match(text.strip())
        if bare:
            raise ParseError("missing_assignee", name=bare.group("name").rstrip("."))
        raise ParseError("missing_assignee")
    assignee, rest = parsed

    rest, urgent = _take_urgency(rest)
    response_within: Duration | None = None
    due: Deadline | None = None
    while response_within is None or due is None:
        need = (
            {"duration"}
            if due is not None
            else {"deadline"}
            if response_within is not None
            else {"duration", "deadline"}
        )
        hit = _triggered_clause(rest, clock, need) or _triggerless_clause(rest, clock, need)
        if hit is None:
            break
        if hit.kind == "duration":
            response_within = hit.value
        else:
            due = hit.value
        rest, more_urgent = _take_urgency(rest[: hit.start])
        urgent = urgent or more_urgent

    description = rest.strip().lstrip(_EDGE_PUNCTUATION).strip().rstrip(_EDGE_PUNCTUATION).rstrip()
    if not description:
        raise ParseError("missing_description")
    urgent = urgent or mentions_urgency(description)
    unread = tuple(
        fragment
        for fragment in time_like_fragments(description, clock.language)
        if not (urgent and is_urgency_fragment(fragment))
    )
    return RequestDraft(
        assignee=assignee,
        description=description,
        response_within=response_within,
        due=due,
        urgent=urgent,
        unread=unread,
    )


def _tail_start(text: str) -> int:
    """Where the last _MAX_CLAUSE_CHARS (plus a trigger word) begin; nothing before can start a clause."""
    return max(0, len(text) - _MAX_CLAUSE_CHARS - 30)


def _triggered_clause(rest: str, clock: _Clock, need: set[str]) -> _Hit | None:
    """The clause after the last trigger word (within/by/bis …) that parses to the end of the text."""
    window = _tail_start(rest)
    candidates: list[tuple[int, int, str]] = []
    if "duration" in need:
        candidates += [(m.start(), m.end(), "duration") for m in _DURATION_TRIGGER.finditer(rest, window)]
    if "deadline" in need:
        candidates += [(m.start(), m.end(), "deadline") for m in _DEADLINE_TRIGGER.finditer(rest, window)]
    for token in _TOKEN.finditer(rest, window):  # "withn 4h", "untl Friday"
        kind = _FUZZY_TRIGGERS.get(words.correct_typo(token.group().lower(), _FUZZY_TRIGGER_WORDS) or "")
        if kind in need and token.end() < len(rest) and rest[token.end()].isspace():
            candidates.append((token.start(), token.end() + 1, kind))
    for start, end, kind in sorted(set(candidates), reverse=True):
        clause = rest[end:]
        if len(clause) > _MAX_CLAUSE_CHARS or _NEGATED.search(rest[:start]):
            continue
        if kind == "duration":
            duration = _command_duration(clause)
            if duration is not None:
                return _Hit(start, "duration", duration)
        else:
            if _is_range(rest[start:end], rest[:start], clause):
                continue
            read = _command_deadline(clause, clock)
            if read is not None:
                if not read.day_given:
                    extended = _with_day_before(rest, start, clause, clock)
                    if extended is not None:
                        return extended
                return _Hit(start, "deadline", read.deadline)
    return None


_FUZZY_TRIGGER_WORDS = frozenset(_FUZZY_TRIGGERS)


def _with_day_before(rest: str, start: int, clause: str, clock: _Clock) -> _Hit | None:
    """ "morgen bis 14 Uhr", "Friday by noon": the day is written before the trigger."""
    before = rest[:start]
    tokens = list(_TOKEN.finditer(before, max(0, len(before) - 40)))
    for count in (3, 2, 1):
        if len(tokens) < count:
            continue
        prefix_start = tokens[-count].start()
        prefix = before[prefix_start:].strip().rstrip(",")
        if _blocked(before[:prefix_start]) or not _names_a_day(prefix, clock):
            continue
        for variant in _clause_variants(clause):
            read = _read_deadline(
                _normalize(prefix + " " + variant), clock, original=f"{prefix} {variant}", strict=False
            )
            if read is not None:
                return _Hit(prefix_start, "deadline", read.deadline)
    return None


def _names_a_day(prefix: str, clock: _Clock) -> bool:
    try:
        read = _read_deadline(_normalize(prefix), clock, original=prefix, strict=True)
    except ParseError as error:
        return error.code in ("past_date", "ambiguous_weekday")
    return read is not None and read.day_given and read.deadline.date_only


def _triggerless_clause(rest: str, clock: _Clock, need: set[str]) -> _Hit | None:
    """The longest time expression that ends the text without a trigger word ("… tomorrow", "… in 2 Stunden")."""
    window = max(0, len(rest) - _MAX_CLAUSE_CHARS)
    for token in _TOKEN.finditer(rest, window):
        start = token.start()
        if start == window and start > 0 and not rest[start - 1].isspace():
            continue  # the window cut a word
        if _blocked(rest[:start]):
            continue
        suffix = rest[start:]
        for variant in _clause_variants(suffix):
            normalized = _normalize(variant)
            if "duration" in need and normalized.startswith("in "):
                try:
                    return _Hit(start, "duration", parse_duration(variant))
                except ParseError:
                    pass
            if "deadline" in need:
                try:
                    read = _read_deadline(normalized, clock, original=variant, strict=True)
                except ParseError:
                    # A time, but a doubtful one (past, ambiguous): it stays text and gets reported, and
                    # its tail is not read on its own ("heute Morgen" at noon is no "Morgen" = tomorrow).
                    return None
                if read is not None:
                    return _Hit(start, "deadline", read.deadline)
    return None


def _blocked(before: str) -> bool:
    """True when the word before a trigger-less expression makes it a reference or part of a list."""
    stripped = before.rstrip()
    if not stripped:
        return False
    if stripped[-1] in "-–—/&+(":
        return True
    last = stripped.rsplit(None, 1)[-1].lower().rstrip(",:;")
    return last in _BLOCKING_WORDS


def _clause_variants(clause: str) -> tuple[str, ...]:
    """The clause as written, then without its closing punctuation ("… by Friday.", "… bis 15.01..")."""
    stripped = clause.strip()
    variants = [stripped]
    for variant in (
        stripped.rstrip("!?…").rstrip(),  # "bis 15.01.!" keeps the date's own dot
        stripped[:-1].rstrip() if stripped.endswith("..") else stripped,  # "by 15.01.."
        stripped.rstrip(_SENTENCE_END).rstrip(),
    ):
        if variant and variant not in variants:
            variants.append(variant)
    return tuple(variants)


def _command_duration(clause: str) -> Duration | None:
    for variant in _clause_variants(clause):
        try:
            return parse_duration(variant)
        except ParseError as error:
            if error.code != "bad_duration" or _BARE_NUMBER.fullmatch(variant):
                raise
    return None


def _command_deadline(clause: str, clock: _Clock) -> _Read | None:
    for variant in _clause_variants(clause):
        read = _read_deadline(_normalize(variant), clock, original=variant, strict=False)
        if read is not None:
            return read
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
