"""Business-time calendar: working hours, public holidays and time zones.

Response times and reminders are promises between colleagues, so they must count only the time the
assignee actually works: their own time zone, their working hours, minus the public holidays of their
region. This module answers every "when is that in working time?" question for the rest of the bot.

Conventions:

* Every datetime passed in must be timezone-aware (``CalendarError`` otherwise); every datetime returned
  is an aware datetime **in UTC**. Internally all arithmetic happens in UTC, because subtracting or
  comparing two aware datetimes that share a ``ZoneInfo`` uses wall-clock time and ignores DST.
* Working hours are wall-clock times in the calendar's zone, so a 09:00-17:00 day stays 09:00-17:00
  across DST changes. A working day is the half-open interval ``[start, end)``.
* A wall time that does not exist (spring-forward gap) means the moment the clock jumps past it; a wall
  time that occurs twice (fall-back fold) means its first occurrence (``fold=0``). Put differently: the
  first moment at which the local clock reads that time or later.
* Loops run at most once per calendar day and give up after ``MAX_SPAN_DAYS`` (about ten years).
* A person's absences (``closed_intervals``, ``away``) are closed time: working time that falls inside
  one does not count, so every clock of an absent person moves by exactly the absent working time. A
  day that is absent from start to end is no working day for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "DEFAULT_WORKING_HOURS",
    "MAX_SPAN_DAYS",
    "BusinessCalendar",
    "CalendarError",
    "WorkingHours",
    "check_holiday_region",
]

#: Upper bound for every day-by-day scan; far beyond any sensible response time or due date.
MAX_SPAN_DAYS = 3660


class CalendarError(ValueError):
    """A calendar input the bot cannot work with.

    ``code`` is machine-readable and ``params`` carries the offending values, so the Slack layer can
    explain the problem in the user's language; the message itself is for logs only.
    """

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


_DAY_NAMES: dict[str, int] = {
    # English
    "mo": 0, "mon": 0, "monday": 0,
    "tu": 1, "tue": 1, "tues": 1, "tuesday": 1,
    "we": 2, "wed": 2, "wednesday": 2,
    "th": 3, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fr": 4, "fri": 4, "friday": 4,
    "sa": 5, "sat": 5, "saturday": 5,
    "su": 6, "sun": 6, "sunday": 6,
    # German (mo, fr, sa coincide with English)
    "montag": 0,
    "di": 1, "dienstag": 1,
    "mi": 2, "mittwoch": 2,
    "do": 3, "donnerstag": 3,
    "freitag": 4,
    "samstag": 5, "sonnabend": 5,
    "so": 6, "sonntag": 6,
}  # fmt: skip

_HOURS_RE = re.compile(
    r"""^\s*
    (?P<start_h>\d{1,2})(?:[:.](?P<start_m>\d{2}))?\s*(?:uhr\s*)?
    (?:-|–|—|to|bis)\s*
    (?P<end_h>\d{1,2})(?:[:.](?P<end_m>\d{2}))?\s*(?:uhr)?
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def _clock_time(hour: str, minute: str | None, raw: str) -> time:
    h, m = int(hour), int(minute or 0)
    if h > 23 or m > 59:
        raise CalendarError(
            "invalid_working_hours",
            f"working hours {raw!r}: {hour}:{minute or '00'} is not a time",
            value=raw,
        )
    return time(h, m)


def _day_index(token: str, raw: str) -> int:
    try:
        return _DAY_NAMES[token.strip().rstrip(".")]
    except KeyError:
        raise CalendarError(
            "invalid_working_days",
            f"working days {raw!r}: {token!r} is not a weekday (use e.g. 'mon-fri', 'mon,tue,thu', 'mo-fr')",
            value=raw,
        ) from None


@dataclass(frozen=True)
class WorkingHours:
    """Wall-clock working hours and working weekdays (Monday=0), the same every working day.

    Overnight shifts (end before start) are not supported.
    """

    start: time = time(9, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = field(default=frozenset({0, 1, 2, 3, 4}))

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise CalendarError(
                "invalid_working_hours", "working hours are wall-clock times without tzinfo", value=str(self)
            )
        if not self.start < self.end:
            raise CalendarError(
                "invalid_working_hours",
                f"working hours must end after they start ({self.start:%H:%M}-{self.end:%H:%M})",
                value=f"{self.start:%H:%M}-{self.end:%H:%M}",
            )
        weekdays = frozenset(self.weekdays)
        if not weekdays or not weekdays <= frozenset(range(7)):
            raise CalendarError(
                "invalid_working_days",
                f"working weekdays must be a non-empty subset of 0..6 (Monday=0), got {sorted(weekdays)}",
                value=sorted(weekdays),
            )
        object.__setattr__(self, "weekdays", weekdays)

    @classmethod
    def parse(cls, hours: str = "09:00-17:00", days: str = "mon-fri") -> WorkingHours:
        """Build working hours from configuration text.

        ``hours``: ``"09:00-17:00"``, ``"9-17"``, ``"8.30–16.30"``, ``"9 bis 17 Uhr"``.
        ``days``: ranges and lists in English or German, ``"mon-fri"``, ``"mon,tue,thu"``, ``"Mo.-Fr."``,
        ``"Mo bis Fr"``, ``"sun-thu"`` (ranges wrap around the week).
        Raises ``CalendarError`` (a ``ValueError``) with a message naming the part not understood.
        """
        match = _HOURS_RE.match(hours or "")
        if match is None:
            raise CalendarError(
                "invalid_working_hours",
                f"working hours {hours!r} not understood (use e.g. '09:00-17:00')",
                value=hours,
            )
        start = _clock_time(match["start_h"], match["start_m"], hours)
        end = _clock_time(match["end_h"], match["end_m"], hours)

        text = re.sub(r"\s*[-–—]\s*|\s+(?:to|bis)\s+", "-", (days or "").strip().lower())
        tokens = [token for token in re.split(r"[,;/\s]+", text) if token]
        if not tokens:
            raise CalendarError("invalid_working_days", "working days are empty", value=days)
        weekdays: set[int] = set()
        for token in tokens:
            first, sep, last = token.partition("-")
            if sep and not (first and last):
                raise CalendarError(
                    "invalid_working_days", f"working days {days!r}: incomplete range {token!r}", value=days
                )
            low = _day_index(first, days)
            high = _day_index(last, days) if sep else low
            span = (high - low) % 7
            weekdays.update((low + offset) % 7 for offset in range(span + 1))
        return cls(start=start, end=end, weekdays=frozenset(weekdays))


DEFAULT_WORKING_HOURS = WorkingHours()


def _as_utc(at: datetime, name: str = "at") -> datetime:
    if not isinstance(at, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError("naive_datetime", f"{name} must be timezone-aware, got {at!r}", value=str(at))
    return at.astimezone(UTC)


def _load_zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    if isinstance(tz, str) and tz.strip():
        try:
            return ZoneInfo(tz.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise CalendarError("unknown_timezone", f"unknown time zone {tz!r}", tz=str(tz))


def check_holiday_region(country: str, subdivision: str | None) -> tuple[str, str | None]:
    """Validate and canonicalise a holiday region ("de", "by" -> ("DE", "BY")); raises CalendarError
    (``unknown_holiday_country`` / ``unknown_holiday_subdivision``). ``holidays`` itself would raise
    NotImplementedError."""
    supported = holidays.list_supported_countries()
    code = country.strip().upper()
    if code not in supported:
        raise CalendarError(
            "unknown_holiday_country", f"no public holidays known for {country!r}", country=country
        )
    if subdivision is None:
        return code, None
    wanted = subdivision.strip()
    for known in supported[code]:
        if known.casefold() == wanted.casefold():
            return code, known
    try:  # subdivision aliases such as "Bayern"
        holidays.country_holidays(code, subdiv=wanted, years=())
    except NotImplementedError:
        raise CalendarError(
            "unknown_holiday_subdivision",
            f"{code} has no subdivision {subdivision!r} (known: {', '.join(supported[code])})",
            country=code,
            subdivision=subdivision,
        ) from None
    return code, wanted


def _merged(intervals: tuple[tuple[datetime, datetime], ...]) -> tuple[tuple[datetime, datetime], ...]:
    """Aware ``[start, end)`` intervals in UTC, sorted, overlapping ones merged, empty ones dropped."""
    ordered = sorted(
        (_as_utc(start, "start"), _as_utc(end, "end")) for start, end in intervals if end > start
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _closed_day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 29 February in a common year
        return None


class BusinessCalendar:
    """Working time of one person (or team): a zone, working hours and a public-holiday region.

    All returned datetimes are aware and in UTC. Instances are cheap, immutable from the outside and
    cache holidays per year and working windows per day.
    """

    def __init__(
        self,
        tz: str | ZoneInfo,
        hours: WorkingHours = DEFAULT_WORKING_HOURS,
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        closed_days: frozenset[tuple[int, int]] = frozenset(),
        closed_intervals: tuple[tuple[datetime, datetime], ...] = (),
    ) -> None:
        # Unknown zones raise instead of falling back: the caller knows the workspace default.
        self._tz = _load_zone(tz)
        self._hours = hours
        #: Company-wide closing days (month, day), every year: they count like public holidays.
        self._closed_days = frozenset(closed_days)
        if holiday_country is None:
            if holiday_subdivision is not None:
                raise CalendarError(
                    "unknown_holiday_country",
                    "a holiday subdivision needs a holiday country",
                    country=None,
                    subdivision=holiday_subdivision,
                )
            self._country, self._subdivision = None, None
        else:
            self._country, self._subdivision = check_holiday_region(holiday_country, holiday_subdivision)
        self._holidays_by_year: dict[int, frozenset[date]] = {}
        self._windows: dict[date, tuple[datetime, datetime] | None] = {}
        #: Absences: half-open ``[start, end)`` instants (UTC), sorted and merged.
        self._closed = _merged(closed_intervals)
        self._pieces_by_day: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self._args = (self._tz, hours, self._country, self._subdivision, self._closed_days)

    def away(self, intervals: tuple[tuple[datetime, datetime], ...]) -> BusinessCalendar:
        """This calendar with ``intervals`` (aware ``[start, end)``) closed as well: a person's absences.
        The same calendar when there are none."""
        if not intervals:
            return self
        return BusinessCalendar(*self._args, closed_intervals=self._closed + tuple(intervals))

    @property
    def closed_intervals(self) -> tuple[tuple[datetime, datetime], ...]:
        return self._closed

    def __repr__(self) -> str:
        region = "-".join(part for part in (self._country, self._subdivision) if part) or "no holidays"
        if self._closed_days:
            region += " + " + ",".join(f"{month:02d}-{day:02d}" for month, day in sorted(self._closed_days))
        if self._closed:
            region += f" + {len(self._closed)} absence(s)"
        hours = self._hours
        return (
            f"BusinessCalendar({self._tz.key!r}, {hours.start:%H:%M}-{hours.end:%H:%M}, "
            f"days={sorted(hours.weekdays)}, {region})"
        )

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's zone, for rendering times to the person."""
        return self._tz

    @property
    def hours(self) -> WorkingHours:
        return self._hours

    @property
    def holiday_country(self) -> str | None:
        return self._country

    @property
    def holiday_subdivision(self) -> str | None:
        return self._subdivision

    # --- days -------------------------------------------------------------------------------------

    def _holidays(self, year: int) -> frozenset[date]:
        cached = self._holidays_by_year.get(year)
        if cached is None:
            public = (
                holidays.country_holidays(self._country, subdiv=self._subdivision, years=year)
                if self._country is not None
                else ()
            )
            closed = {_closed_day(year, month, day) for month, day in self._closed_days}
            cached = frozenset(public) | {day for day in closed if day is not None}
            self._holidays_by_year[year] = cached
        return cached

    def is_holiday(self, day: date) -> bool:
        """True on a public holiday of the configured region or a company closing day (any weekday)."""
        return day in self._holidays(day.year)

    def holiday_name(self, day: date, language: str = "en") -> str | None:
        """The public holiday's name ("Thanksgiving Day", "Heilige Drei Könige"), in ``language`` where
        the holidays package has it; None on a closing day or an ordinary day."""
        if self._country is None or not self.is_holiday(day):
            return None
        names = holidays.country_holidays(self._country, subdiv=self._subdivision, years=day.year)
        supported = getattr(names, "supported_languages", ()) or ()
        wanted = next((code for code in supported if code.split("_")[0] == language), None)
        if wanted is not None:
            names = holidays.country_holidays(
                self._country, subdiv=self._subdivision, years=day.year, language=wanted
            )
        return names.get(day)

    def _regular_working_day(self, day: date) -> bool:
        return day.weekday() in self._hours.weekdays and not self.is_holiday(day)

    def is_working_day(self, day: date) -> bool:
        """A working weekday that is not a public holiday (nor a day the person is away all day)."""
        if not self._regular_working_day(day):
            return False
        return not self._closed or bool(self._pieces(day))

    def local_business_day(self, at: datetime) -> date:
        """The local date of ``at`` in this calendar's zone: the key for 'one reminder per business day'."""
        return _as_utc(at).astimezone(self._tz).date()

    # --- wall clock -> instants -------------------------------------------------------------------

    def _resolve(self, day: date, wall: time) -> datetime:
        """The first instant (UTC) at which the local clock on ``day`` reads ``wall`` or later."""
        naive = datetime.combine(day, wall)
        offset_first = naive.replace(tzinfo=self._tz, fold=0).utcoffset()
        offset_second = naive.replace(tzinfo=self._tz, fold=1).utcoffset()
        assert offset_first is not None and offset_second is not None  # ZoneInfo always has offsets
        if offset_first >= offset_second:
            # Unique, or a fold: fold=0 carries the earlier offset and therefore the first occurrence.
            return (naive - offset_first).replace(tzinfo=UTC)
        # A gap: fold=0 uses the offset before the jump and lands after it, fold=1 lands before it.
        # Find the jump itself by bisection over whole seconds (tzdata transitions are whole seconds).
        before = int((naive - offset_second).replace(tzinfo=UTC).timestamp())
        after = int((naive - offset_first).replace(tzinfo=UTC).timestamp())
        while after - before > 1:
            middle = (before + after) // 2
            if datetime.fromtimestamp(middle, self._tz).utcoffset() == offset_second:
                after = middle
            else:
                before = middle
        return datetime.fromtimestamp(after, UTC)

    def start_of_working_day(self, day: date) -> datetime:
        """When work starts on ``day`` (UTC). Does not check that ``day`` is a working day."""
        return self._resolve(day, self._hours.start)

    def end_of_working_day(self, day: date) -> datetime:
        """When work ends on ``day`` (UTC), exclusive. Does not check that ``day`` is a working day."""
        return self._resolve(day, self._hours.end)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """``[start, end)`` of working time on ``day`` in UTC, or None when no work happens that day."""
        if day not in self._windows:
            window = None
            if self._regular_working_day(day):
                start, end = self.start_of_working_day(day), self.end_of_working_day(day)
                if start < end:  # a gap can swallow a whole window
                    window = (start, end)
            self._windows[day] = window
        return self._windows[day]

    def _pieces(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working window of ``day`` minus the absences: zero, one or more ``[start, end)`` pieces."""
        cached = self._pieces_by_day.get(day)
        if cached is None:
            window = self._window(day)
            pieces: list[tuple[datetime, datetime]] = [window] if window is not None else []
            for closed_start, closed_end in self._closed:
                cut: list[tuple[datetime, datetime]] = []
                for start, end in pieces:
                    if closed_end <= start or closed_start >= end:
                        cut.append((start, end))
                        continue
                    if start < closed_start:
                        cut.append((start, closed_start))
                    if closed_end < end:
                        cut.append((closed_end, end))
                pieces = cut
            cached = self._pieces_by_day[day] = tuple(pieces)
        return cached

    def _windows_from(self, at_utc: datetime) -> Iterator[tuple[date, datetime, datetime]]:
        """Working windows in chronological order, starting with the one around ``at_utc``."""
        first = at_utc.astimezone(self._tz).date() - timedelta(days=1)
        for offset in range(MAX_SPAN_DAYS):
            day = first + timedelta(days=offset)
            for start, end in self._pieces(day):
                if end > at_utc:
                    yield day, start, end
        raise CalendarError(
            "span_too_long", f"more than {MAX_SPAN_DAYS} days of calendar", max_days=MAX_SPAN_DAYS
        )

    def _windows_until(self, at_utc: datetime) -> Iterator[tuple[date, datetime, datetime]]:
        """Working windows in reverse chronological order, starting with the one around ``at_utc``."""
        last = at_utc.astimezone(self._tz).date() + timedelta(days=1)
        for offset in range(MAX_SPAN_DAYS):
            day = last - timedelta(days=offset)
            for start, end in reversed(self._pieces(day)):
                if start < at_utc:
                    yield day, start, end
        raise CalendarError(
            "span_too_long", f"more than {MAX_SPAN_DAYS} days of calendar", max_days=MAX_SPAN_DAYS
        )

    # --- moments ----------------------------------------------------------------------------------

    def is_working_time(self, at: datetime) -> bool:
        """Inside working hours on a working day (start inclusive, end exclusive)."""
        moment = _as_utc(at)
        day = moment.astimezone(self._tz).date()
        for candidate in (day - timedelta(days=1), day, day + timedelta(days=1)):
            if any(start <= moment < end for start, end in self._pieces(candidate)):
                return True
        return False

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` itself when it is working time, else the start of the next working window (UTC)."""
        moment = _as_utc(at)
        for _day, start, _end in self._windows_from(moment):
            return max(moment, start)
        raise AssertionError("unreachable: _windows_from raises when exhausted")  # pragma: no cover

    def next_reminder_slot(self, at: datetime, last_sent_at: datetime | None = None) -> datetime:
        """Earliest moment from ``at`` on when a reminder may go out (UTC).

        Reminders arrive only in working time and at most once per local business day, so a day on
        which one was already sent (``last_sent_at``) is skipped.
        """
        moment = _as_utc(at)
        sent_day = self.local_business_day(last_sent_at) if last_sent_at is not None else None
        for day, start, _end in self._windows_from(moment):
            if sent_day is None or day > sent_day:
                return max(moment, start)
        raise AssertionError("unreachable: _windows_from raises when exhausted")  # pragma: no cover

    # --- arithmetic -------------------------------------------------------------------------------

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """``start`` plus ``duration`` of working time (UTC); "within 4h" on Friday 16:00 -> Monday 12:00.

        A zero duration gives the next working moment. A result that fills a day exactly is that
        day's end (17:00), not the next morning. Negative durations count backwards.
        """
        moment = _as_utc(start, "start")
        if duration < timedelta(0):
            return self._subtract_business_time(moment, -duration)
        remaining = duration
        for _day, window_start, window_end in self._windows_from(moment):
            moment = max(moment, window_start)
            available = window_end - moment
            if remaining <= available:
                return moment + remaining
            remaining -= available
        raise AssertionError("unreachable: _windows_from raises when exhausted")  # pragma: no cover

    def _subtract_business_time(self, moment: datetime, duration: timedelta) -> datetime:
        remaining = duration
        for _day, window_start, window_end in self._windows_until(moment):
            moment = min(moment, window_end)
            available = moment - window_start
            if remaining <= available:
                return moment - remaining
            remaining -= available
        raise AssertionError("unreachable: _windows_until raises when exhausted")  # pragma: no cover

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The same local time of day ``days`` working days later (UTC): Tue 10:00 + 2 -> Thu 10:00.

        Counting starts at the next working moment, so Saturday + 1 is Tuesday 09:00 and 17:00 + 1
        is the day after tomorrow 09:00. The result is clamped into that day's working window.
        """
        if days < 0:
            raise CalendarError(
                "negative_business_days", f"business days must be >= 0, got {days}", days=days
            )
        anchor = self.next_working_moment(start)
        if days == 0:
            return anchor
        wall = anchor.astimezone(self._tz).time()
        counted, anchor_day, last_day = 0, None, None
        for day, window_start, _window_end in self._windows_from(anchor):
            if anchor_day is None:
                anchor_day = day  # the day the clock starts in
            if day in (anchor_day, last_day):
                continue
            counted, last_day = counted + 1, day
            if counted == days:
                return self._clamped(day, max(self._resolve(day, wall), window_start))
        raise AssertionError("unreachable: _windows_from raises when exhausted")  # pragma: no cover

    def _clamped(self, day: date, moment: datetime) -> datetime:
        """``moment`` moved into the working time of ``day``: the next piece's start when it falls in a
        gap, the last piece's end when it is after the day's work."""
        pieces = self._pieces(day)
        for start, end in pieces:
            if moment < start:
                return start
            if moment <= end:
                return moment
        return pieces[-1][1]

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; negative when ``b`` is before ``a``."""
        first, second = _as_utc(a, "a"), _as_utc(b, "b")
        if second < first:
            return -self.business_time_between(second, first)
        total = timedelta(0)
        for _day, window_start, window_end in self._windows_from(first):
            if window_start >= second:
                break
            total += min(window_end, second) - max(window_start, first)
        return total

    def business_days_between(self, a: datetime, b: datetime) -> int:
        """How many working days have begun after the clock started at ``a``, up to and including ``b``.

        The clock starts at ``a``'s next working moment, so
        ``business_days_between(a, add_business_days(a, n)) == n``. Negative when ``b`` is before ``a``.
        """
        first, second = _as_utc(a, "a"), _as_utc(b, "b")
        if second < first:
            return -self.business_days_between(second, first)
        anchor = self.next_working_moment(first)
        count, anchor_day, last_day = 0, None, None
        for day, window_start, _end in self._windows_from(anchor):
            if anchor_day is None:
                anchor_day = day
            if window_start > second:
                break
            if day not in (anchor_day, last_day):
                count, last_day = count + 1, day
        return count
