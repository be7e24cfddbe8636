"""The arithmetic of the weekly digest: local weeks, schedules, trends and the numbers themselves.

A team reads its digest in its own time zone, so a week is Monday 00:00 to Monday 00:00 *local* time
(168 hours, or 167/169 across a DST change) and every boundary is computed here with ``zoneinfo`` and
handed to SQL as a UTC instant. The digest for week W is posted at the subscription's weekday and hour
in week W+1 and covers W ("last week").

Pure Python: no Slack, no SQLAlchemy, ``now`` always comes in as an argument. Returned instants are
aware and in UTC.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "SPARK_CHARS",
    "TREND_WEEKS",
    "DigestReport",
    "DigestSettingError",
    "MonthNumbers",
    "Schedule",
    "Week",
    "WeekNumbers",
    "due_week",
    "local_instant",
    "median_duration",
    "month_start",
    "parse_schedule",
    "share",
    "slot_in",
    "sparkline",
    "trend_weeks",
    "week_of",
]

#: How many weeks the trend line shows (the reported week included).
TREND_WEEKS = 8
#: Eight heights, lowest first; a week without data is a middle dot.
SPARK_CHARS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
#: A digest missed at its slot (the bot was down) is still posted this long afterwards, then skipped.
DEFAULT_GRACE = timedelta(days=1)


class DigestSettingError(ValueError):
    """A digest setting the bot cannot use; ``code`` and ``params`` let the Slack layer explain it."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- local time -----------------------------------------------------------------------------------


def local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clock in ``tz`` on ``day`` reads ``wall`` or later.

    A wall time inside a spring-forward gap means the moment the clock jumps past it; one that occurs
    twice means its first occurrence. Same convention as the business calendar.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0).utcoffset()
    second = naive.replace(tzinfo=tz, fold=1).utcoffset()
    assert first is not None and second is not None  # ZoneInfo always has offsets
    if first >= second:
        return (naive - first).replace(tzinfo=UTC)
    # A gap: the answer is the transition itself, between the two readings; bisect whole seconds.
    before = int((naive - second).replace(tzinfo=UTC).timestamp())
    after = int((naive - first).replace(tzinfo=UTC).timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == second:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got {moment!r}")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Week:
    """Monday 00:00 to the next Monday 00:00 in ``tz``; ``start``/``end`` are UTC, end exclusive."""

    monday: date
    tz: ZoneInfo
    start: datetime = field(compare=False)
    end: datetime = field(compare=False)

    @classmethod
    def starting(cls, monday: date, tz: ZoneInfo) -> Week:
        if monday.weekday() != 0:
            raise ValueError(f"{monday} is not a Monday")
        return cls(
            monday=monday,
            tz=tz,
            start=local_instant(monday, time(0), tz),
            end=local_instant(monday + timedelta(days=7), time(0), tz),
        )

    @property
    def key(self) -> str:
        """ISO week of the Monday, e.g. ``2026-W48``: the exactly-once key of a posted digest."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def previous(self, weeks: int = 1) -> Week:
        return Week.starting(self.monday - timedelta(days=7 * weeks), self.tz)

    def next(self) -> Week:
        return Week.starting(self.monday + timedelta(days=7), self.tz)

    def contains(self, moment: datetime) -> bool:
        return self.start <= _aware(moment) < self.end


def week_of(moment: datetime, tz: ZoneInfo | str) -> Week:
    """The local week that contains ``moment``."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local_day = _aware(moment).astimezone(zone).date()
    week = Week.starting(local_day - timedelta(days=local_day.weekday()), zone)
    # Only a zone whose Monday midnight falls into a gap can put the moment before the resolved start.
    return week.previous() if _aware(moment) < week.start else week


def trend_weeks(week: Week, count: int = TREND_WEEKS) -> list[Week]:
    """``count`` consecutive weeks ending with ``week``, oldest first."""
    return [week.previous(count - 1 - offset) for offset in range(count)]


def month_start(moment: datetime, tz: ZoneInfo | str) -> datetime:
    """The first instant of the local calendar month containing ``moment`` (UTC): "this month"."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local_day = _aware(moment).astimezone(zone).date()
    return local_instant(local_day.replace(day=1), time(0), zone)


# --- schedule -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When in a week the digest is posted, in the subscription's time zone."""

    weekday: int = 0  # Monday
    hour: int = 9
    minute: int = 0


def slot_in(week: Week, schedule: Schedule) -> datetime:
    """The moment (UTC) the digest is posted during ``week`` — it then reports the week before."""
    day = week.monday + timedelta(days=schedule.weekday)
    return local_instant(day, time(schedule.hour, schedule.minute), week.tz)


def due_week(
    now: datetime,
    tz: ZoneInfo | str,
    schedule: Schedule,
    *,
    subscribed_at: datetime | None = None,
    grace: timedelta = DEFAULT_GRACE,
) -> Week | None:
    """The week whose digest is due at ``now``, or None.

    A digest is due from its slot until ``grace`` later (so a restart does not lose it, but an old
    digest is never posted days late), and only if the channel was subscribed by its slot.
    """
    current = week_of(now, tz)
    moment = _aware(now)
    for posting_week in (current, current.previous()):
        slot = slot_in(posting_week, schedule)
        if slot <= moment <= slot + grace:
            if subscribed_at is not None and _aware(subscribed_at) > slot:
                return None
            return posting_week.previous()
    return None


WEEKDAY_NAMES: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("monday", "mon", "mo", "montag", "montags"),
        ("tuesday", "tue", "tues", "di", "dienstag", "dienstags"),
        ("wednesday", "wed", "mi", "mittwoch", "mittwochs"),
        ("thursday", "thu", "thur", "thurs", "do", "donnerstag", "donnerstags"),
        ("friday", "fri", "fr", "freitag", "freitags"),
        ("saturday", "sat", "sa", "samstag", "samstags", "sonnabend"),
        ("sunday", "sun", "so", "sonntag", "sonntags"),
    )
):
    for _name in _names:
        WEEKDAY_NAMES[_name] = _index

_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.|uhr|h)?$")


def _parse_time(token: str) -> tuple[int, int] | None:
    match = _TIME.match(token)
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = (match["half"] or "").replace(".", "")
    if half in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise DigestSettingError("digest_bad_time", text=token)
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DigestSettingError("digest_bad_time", text=token)
    return hour, minute


def parse_schedule(text: str, base: Schedule | None = None) -> Schedule:
    """``monday 9:00``, ``fri 4pm``, ``9:30``, ``Dienstag 14 Uhr`` — what's missing stays as in ``base``."""
    current = base or Schedule()
    weekday, clock = None, None
    words = re.sub(r"\s+(am|pm|uhr)\b", r"\1", text.strip().lower()).replace(",", " ").split()
    if not words:
        raise DigestSettingError("digest_bad_schedule", text=text)
    for word in words:
        if word in ("at", "um", "on", "am", "every", "jeden", "immer"):
            continue
        if word.rstrip(".") in WEEKDAY_NAMES:
            if weekday is not None:
                raise DigestSettingError("digest_bad_schedule", text=text)
            weekday = WEEKDAY_NAMES[word.rstrip(".")]
            continue
        parsed = _parse_time(word)
        if parsed is None or clock is not None:
            raise DigestSettingError("digest_bad_schedule", text=text)
        clock = parsed
    hour, minute = clock if clock is not None else (current.hour, current.minute)
    return Schedule(weekday=current.weekday if weekday is None else weekday, hour=hour, minute=minute)


# --- numbers --------------------------------------------------------------------------------------


def share(part: int, whole: int) -> float | None:
    """``part / whole`` or None when there is nothing to divide (never a misleading 0 %)."""
    return part / whole if whole else None


def median_duration(values: Sequence[timedelta]) -> timedelta | None:
    """The median (mean of the middle two for an even count), rounded to whole seconds."""
    if not values:
        return None
    seconds = statistics.median(value.total_seconds() for value in values)
    return timedelta(seconds=round(seconds))


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled from the lowest (▁) to the highest (█); None is a dot.

    All-equal values sit in the middle so a flat line does not look like a collapse or a peak.
    """
    present = [v for v in values if v is not None]
    if not present:
        return NO_DATA * len(values)
    low, high = min(present), max(present)
    top = len(SPARK_CHARS) - 1
    chars = []
    for value in values:
        if value is None:
            chars.append(NO_DATA)
        elif high == low:
            chars.append(SPARK_CHARS[top // 2] if high else SPARK_CHARS[0])
        else:
            chars.append(SPARK_CHARS[round((value - low) / (high - low) * top)])
    return "".join(chars)


@dataclass(frozen=True)
class WeekNumbers:
    """Counts for one week of the trend.

    * ``opened``: filed during the week.
    * ``done`` / ``declined``: closed that way during the week (a cancellation is the requester's
      choice and not counted as service).
    * ``answers_due``: first answers whose agreed time fell in the week (requests cancelled without an
      answer left out); ``answered_in_time``: of those, answered no later than agreed. A silent request
      counts as late, so the share cannot look good by ignoring what was never answered.
    """

    week: Week
    opened: int = 0
    done: int = 0
    declined: int = 0
    answers_due: int = 0
    answered_in_time: int = 0

    @property
    def closed(self) -> int:
        return self.done + self.declined

    @property
    def in_time_share(self) -> float | None:
        return share(self.answered_in_time, self.answers_due)


@dataclass(frozen=True)
class DigestReport:
    """Everything one channel's digest says about one week (``trend[-1]`` is that week)."""

    week: Week
    trend: list[WeekNumbers]
    #: First answers given during the week and the median working time they took.
    first_answers: int = 0
    median_first_answer: timedelta | None = None
    #: Still open at the end of the week, and how many of those were past an agreed time then.
    open_at_end: int = 0
    overdue_at_end: int = 0
    #: Ratings first given during the week.
    ratings: int = 0
    rating_average: float | None = None
    tone_answers: int = 0
    tone_respectful: int = 0
    #: Thank-yous received during the week: (user id, count), most first.
    kudos: list[tuple[str, int]] = field(default_factory=list)
    #: Only filled when the channel chose to name people: (assignee id, overdue count), most first.
    overdue_by_person: list[tuple[str, int]] | None = None

    @property
    def current(self) -> WeekNumbers:
        return self.trend[-1]

    @property
    def kudos_total(self) -> int:
        return sum(count for _user, count in self.kudos)

    @property
    def tone_share(self) -> float | None:
        return share(self.tone_respectful, self.tone_answers)

    @property
    def quiet(self) -> bool:
        """Nothing happened: the digest says so kindly instead of showing a wall of zeros."""
        now = self.current
        return not (now.opened or now.closed or now.answers_due or self.open_at_end or self.kudos)


@dataclass(frozen=True)
class MonthNumbers:
    """A person's own numbers for the current month (App Home), private to them."""

    since: datetime
    asked_of_me: int = 0
    done_by_me: int = 0
    answers_due: int = 0
    answered_in_time: int = 0
    median_first_answer: timedelta | None = None
    ratings: int = 0
    rating_average: float | None = None
    kudos_received: int = 0
    my_asks: int = 0

    @property
    def in_time_share(self) -> float | None:
        return share(self.answered_in_time, self.answers_due)
