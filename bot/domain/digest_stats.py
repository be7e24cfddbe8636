"""The arithmetic of the weekly digest: windows, schedules, trends, privacy and the numbers themselves.

**Weeks.** A team reads its digest in its own time zone, so a week starts Monday 00:00 *local* time
(168 hours, or 167/169 across a DST change). Every boundary is computed here with ``zoneinfo`` and
handed to SQL as a UTC instant.

**The week that happened** (the window a digest reports). A digest covers the week up to its
posting time:

* a slot on **Thursday or later** (``LATE_IN_WEEK``) reports *this* week: from its Monday 00:00 up to
  the slot (Friday 16:30 shows Monday to Friday 16:30);
* a slot on **Monday to Wednesday** reports the whole *previous* week, Monday 00:00 to Monday 00:00
  (Monday 09:00 shows last week).

So consecutive digests never overlap, and nothing after the slot is counted before it happened. The
eight-week trend uses the same window in each earlier week (a Friday digest compares Monday-to-Friday
16:30 with Monday-to-Friday 16:30), so a partial week never looks like a collapse. On demand
(``/request digest preview``, ``kundenfokus digest --channel``) the window is *the week so far*:
Monday 00:00 up to now, compared with the same part of earlier weeks (``Week.so_far``).

Exactly once: a scheduled digest is keyed by the ISO week of its window's Monday (``2026-W48``); the
week-so-far digest posted on demand has its own key (``2026-W48-so-far``), so it never uses up the
scheduled one.

**Privacy** (``KUNDENFOKUS_DIGEST_MIN_GROUP``). No figure in a channel digest describes fewer than that
many people: a request figure is hidden when fewer distinct *assignees* are behind it (opened, closed,
answered in time, median first answer, open, overdue — each week of the trend on its own), satisfaction
when fewer distinct *raters*, or fewer distinct rated assignees, are. A figure about nobody (a zero) is
not hidden. Kudos name people on purpose, as thanks, and stay; so does the list of names a channel
explicitly chose to show.

**Tone.** The headline follows the numbers (``headline_tone``): thanks when most first answers came in
time and few requests are overdue; an encouraging, blameless invitation to look at the open ones
together when many are overdue; a warm neutral line otherwise.

Pure Python: no Slack, no SQLAlchemy, ``now`` always comes in as an argument. Returned instants are
aware and in UTC.
"""

from __future__ import annotations

import enum
import re
import statistics
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.calendar import MAX_SPAN_DAYS, BusinessCalendar

__all__ = [
    "LATE_IN_WEEK",
    "SPARK_CHARS",
    "TREND_WEEKS",
    "DigestReport",
    "DigestSettingError",
    "MonthNumbers",
    "Schedule",
    "Shown",
    "Tone",
    "Week",
    "WeekNumbers",
    "WorkingTimeLine",
    "business_durations",
    "due_week",
    "headline_tone",
    "latest_week",
    "local_instant",
    "median_duration",
    "month_start",
    "parse_schedule",
    "reported_week",
    "share",
    "slot_in",
    "sparkline",
    "trend_weeks",
    "week_of",
]

#: How many weeks the trend line shows (the reported week included).
TREND_WEEKS = 8
#: Eight bar heights, lowest first; a week without a figure is a gap (a middle dot).
SPARK_CHARS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
#: A digest missed at its slot (the bot was down) is still posted this long afterwards, then skipped.
DEFAULT_GRACE = timedelta(days=1)
#: Slots on this weekday (Thursday) or later report the week they fall in; earlier ones the week before.
LATE_IN_WEEK = 3
#: The key suffix of the week-so-far digest posted on demand.
SO_FAR_SUFFIX = "-so-far"

#: Headline thresholds (see ``headline_tone``).
GOOD_IN_TIME_SHARE = 0.8
FEW_OVERDUE_SHARE = 0.2
MANY_OVERDUE_SHARE = 0.5
MANY_OVERDUE_MIN = 3


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


def _utc(moment: datetime) -> datetime:
    """``_aware`` without a new object for what is already in UTC (most of what the database returns)."""
    return moment if moment.tzinfo is UTC else _aware(moment)


#: The smallest step of time: an end one tick after a moment includes that moment.
_TICK = timedelta(microseconds=1)


def _wall_offset(moment: datetime, monday: date, tz: ZoneInfo) -> timedelta:
    """How far the local wall clock at ``moment`` is past ``monday`` 00:00."""
    local = _aware(moment).astimezone(tz).replace(tzinfo=None)
    return local - datetime.combine(monday, time(0))


@dataclass(frozen=True)
class Week:
    """A digest window: from Monday 00:00 in ``tz`` to the next Monday 00:00, or — with ``cut`` — only
    up to that far past Monday 00:00 on the local wall clock. ``start``/``end`` are UTC, end exclusive.
    """

    monday: date
    tz: ZoneInfo
    start: datetime = field(compare=False)
    end: datetime = field(compare=False)
    #: How far past Monday 00:00 (local wall clock) the window reaches; None for the whole week.
    cut: timedelta | None = None
    #: The week so far, shown on demand: the window ends at the moment it was asked for.
    so_far: bool = False

    @classmethod
    def starting(
        cls, monday: date, tz: ZoneInfo, cut: timedelta | None = None, *, so_far: bool = False
    ) -> Week:
        if monday.weekday() != 0:
            raise ValueError(f"{monday} is not a Monday")
        if cut is not None and not timedelta(0) <= cut < timedelta(days=7):
            raise ValueError(f"a week's cut must be within the week, not {cut}")
        start = local_instant(monday, time(0), tz)
        if cut is None:
            end = local_instant(monday + timedelta(days=7), time(0), tz)
        else:
            hours, rest = divmod(cut.seconds, 3600)
            wall = time(hours, rest // 60, rest % 60, cut.microseconds)
            end = max(start, local_instant(monday + timedelta(days=cut.days), wall, tz))
        return cls(monday=monday, tz=tz, start=start, end=end, cut=cut, so_far=so_far)

    @classmethod
    def until(cls, moment: datetime, tz: ZoneInfo | str) -> Week:
        """The week so far: from the local Monday 00:00 up to and including ``moment`` (what was filed
        this very moment counts)."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        week = week_of(moment, zone)
        cut = max(timedelta(0), _wall_offset(moment, week.monday, zone) + _TICK)
        window = cls.starting(week.monday, zone, min(cut, timedelta(days=7) - _TICK), so_far=True)
        # The wall clock can read the same time twice (autumn); the moment itself decides the end.
        return replace(window, end=max(window.start, _aware(moment) + _TICK))

    @property
    def key(self) -> str:
        """The exactly-once key of a posted digest: ISO week of the Monday, e.g. ``2026-W48``
        (``2026-W48-so-far`` for the week so far, posted on demand)."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}" + (SO_FAR_SUFFIX if self.so_far else "")

    @property
    def partial(self) -> bool:
        """Ends before the next Monday: this week up to a late-week slot, or the week so far."""
        return self.cut is not None

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def last_day(self) -> date:
        """The local day of the window's last moment (the Monday itself for an empty window)."""
        if self.end <= self.start:
            return self.monday
        return (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()

    def previous(self, weeks: int = 1) -> Week:
        """The same part of an earlier week (the trend compares like with like)."""
        return Week.starting(self.monday - timedelta(days=7 * weeks), self.tz, self.cut)

    def next(self) -> Week:
        return Week.starting(self.monday + timedelta(days=7), self.tz, self.cut)

    def contains(self, moment: datetime) -> bool:
        return self.start <= _aware(moment) < self.end


def week_of(moment: datetime, tz: ZoneInfo | str) -> Week:
    """The whole local week that contains ``moment``."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local_day = _aware(moment).astimezone(zone).date()
    week = Week.starting(local_day - timedelta(days=local_day.weekday()), zone)
    # Only a zone whose Monday midnight falls into a gap can put the moment before the resolved start.
    return week.previous() if _aware(moment) < week.start else week


def trend_weeks(week: Week, count: int = TREND_WEEKS) -> list[Week]:
    """``count`` consecutive windows ending with ``week`` (the same part of each week), oldest first."""
    return [week.previous(count - 1 - offset) for offset in range(count - 1)] + [week]


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

    @property
    def offset(self) -> timedelta:
        """How far past Monday 00:00 the slot is on the wall clock."""
        return timedelta(days=self.weekday, hours=self.hour, minutes=self.minute)

    @property
    def late_in_week(self) -> bool:
        return self.weekday >= LATE_IN_WEEK


def slot_in(week: Week, schedule: Schedule) -> datetime:
    """The moment (UTC) the digest is posted during ``week``."""
    day = week.monday + timedelta(days=schedule.weekday)
    return local_instant(day, time(schedule.hour, schedule.minute), week.tz)


def reported_week(posting_week: Week, schedule: Schedule) -> Week:
    """The window the digest posted at ``schedule`` during ``posting_week`` reports (the module's rule):
    up to the slot for a slot on Thursday or later, else the whole week before."""
    if schedule.late_in_week:
        return Week.starting(posting_week.monday, posting_week.tz, schedule.offset)
    return Week.starting(posting_week.monday, posting_week.tz).previous()


def latest_week(now: datetime, tz: ZoneInfo | str, schedule: Schedule) -> Week:
    """The window reported by the latest slot at or before ``now``."""
    current = week_of(now, tz)
    if slot_in(current, schedule) <= _aware(now):
        return reported_week(current, schedule)
    return reported_week(current.previous(), schedule)


def due_week(
    now: datetime,
    tz: ZoneInfo | str,
    schedule: Schedule,
    *,
    subscribed_at: datetime | None = None,
    grace: timedelta = DEFAULT_GRACE,
) -> Week | None:
    """The window whose digest is due at ``now``, or None.

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
            return reported_week(posting_week, schedule)
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


def sparkline(values: Sequence[float | None], ceiling: float | None = None) -> str:
    """One bar per value, its height ``value / ceiling`` with zero at the bottom; None is a gap.

    ``ceiling`` is the value of a full bar: 1.0 for shares (so 31 % is a low bar, however the other
    weeks went), the largest value when not given (counts). Zero is the lowest bar, and anything above
    zero stands at least one step higher, so a small week never looks like an empty one.
    """
    present = [v for v in values if v is not None]
    top = ceiling if ceiling is not None else max(present, default=0)
    highest = len(SPARK_CHARS) - 1
    chars = []
    for value in values:
        if value is None:
            chars.append(NO_DATA)
        elif value <= 0 or top <= 0:
            chars.append(SPARK_CHARS[0])
        else:
            step = round(min(value / top, 1.0) * highest)
            chars.append(SPARK_CHARS[max(1, step)])
    return "".join(chars)


class WorkingTimeLine:
    """One business calendar's working time laid out over a span of days, so that "how much working
    time lies between a and b" is two bisections instead of a walk over the days in between.

    Gives exactly ``calendar.business_time_between(a, b)`` for moments inside the span: both add up
    the same working windows (``elapsed(b) - elapsed(a)``).
    """

    def __init__(self, calendar: BusinessCalendar, first: date, last: date) -> None:
        self.first, self.last = first, last
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        self._before: list[timedelta] = []  # working time in all earlier windows
        total = timedelta(0)
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                start, end = calendar.start_of_working_day(day), calendar.end_of_working_day(day)
                if start < end:  # a gap can swallow a whole window (as in the calendar)
                    self._starts.append(start)
                    self._ends.append(end)
                    self._before.append(total)
                    total += end - start
            day += timedelta(days=1)

    def elapsed(self, moment: datetime) -> timedelta:
        """Working time from the start of the span up to ``moment`` (UTC, aware)."""
        index = bisect_right(self._starts, moment) - 1
        if index < 0:
            return timedelta(0)
        return self._before[index] + min(moment, self._ends[index]) - self._starts[index]

    def between(self, a: datetime, b: datetime) -> timedelta:
        return self.elapsed(b) - self.elapsed(a)


def business_durations(
    calendar: BusinessCalendar, pairs: Sequence[tuple[datetime, datetime]]
) -> list[timedelta]:
    """``calendar.business_time_between(a, b)`` for many ``(a, b)`` at once (first answers of a week)."""
    if not pairs:
        return []
    utc_pairs = [(_utc(a), _utc(b)) for a, b in pairs]
    first = min(min(a, b) for a, b in utc_pairs).astimezone(calendar.tz).date() - timedelta(days=1)
    last = max(max(a, b) for a, b in utc_pairs).astimezone(calendar.tz).date() + timedelta(days=1)
    if (last - first).days > MAX_SPAN_DAYS:  # the calendar explains why it refuses such spans
        return [calendar.business_time_between(a, b) for a, b in pairs]
    elapsed = WorkingTimeLine(calendar, first, last).elapsed
    return [elapsed(b) - elapsed(a) for a, b in utc_pairs]


@dataclass(frozen=True)
class WeekNumbers:
    """Counts for one window of the trend.

    * ``opened``: filed during the window.
    * ``done`` / ``declined``: closed that way during the window (a cancellation is the requester's
      choice and not counted as service).
    * ``answers_due``: first answers whose agreed time fell in the window (requests cancelled without
      an answer left out); ``answered_in_time``: of those, answered no later than agreed. A silent
      request counts as late, so the share cannot look good by ignoring what was never answered.
    * ``…_people``: how many different assignees are behind each figure (for the privacy rule).
    """

    week: Week
    opened: int = 0
    done: int = 0
    declined: int = 0
    answers_due: int = 0
    answered_in_time: int = 0
    opened_people: int = 0
    closed_people: int = 0
    answers_due_people: int = 0

    @property
    def closed(self) -> int:
        return self.done + self.declined

    @property
    def in_time_share(self) -> float | None:
        return share(self.answered_in_time, self.answers_due)


def _enough(people: int, min_group: int) -> bool:
    """A figure may be shown: it describes nobody (zero) or at least ``min_group`` people."""
    return people == 0 or people >= min_group


@dataclass(frozen=True)
class Shown:
    """Which of a digest's figures may be shown in the channel (see the privacy rule above)."""

    opened: bool = True
    closed: bool = True
    in_time: bool = True
    median: bool = True
    open: bool = True
    overdue: bool = True
    satisfaction: bool = True
    #: Per trend week, oldest first.
    trend_opened: tuple[bool, ...] = ()
    trend_closed: tuple[bool, ...] = ()
    trend_in_time: tuple[bool, ...] = ()

    @property
    def anything_hidden(self) -> bool:
        flags = (self.opened, self.closed, self.in_time, self.median, self.open, self.overdue)
        trends = (*self.trend_opened, *self.trend_closed, *self.trend_in_time)
        return not all((*flags, self.satisfaction, *trends))


class Tone(enum.StrEnum):
    """What the headline says (``headline_tone``)."""

    THANKS = "thanks"
    STEADY = "steady"
    TOGETHER = "together"


@dataclass(frozen=True)
class DigestReport:
    """Everything one channel's digest says about one window (``trend[-1]`` is that window)."""

    week: Week
    trend: list[WeekNumbers]
    #: First answers given during the window and the median working time they took.
    first_answers: int = 0
    median_first_answer: timedelta | None = None
    first_answer_people: int = 0
    #: Still open at the end of the window, and how many of those were past an agreed time then — a
    #: request waiting on its requester then is not (the assignee's clocks are paused while it waits).
    open_at_end: int = 0
    overdue_at_end: int = 0
    open_people: int = 0
    overdue_people: int = 0
    #: Ratings first given during the window, by how many raters, for how many assignees.
    ratings: int = 0
    rating_average: float | None = None
    tone_answers: int = 0
    tone_respectful: int = 0
    raters: int = 0
    rated_people: int = 0
    #: Thank-yous received during the window: (user id, count), most first.
    kudos: list[tuple[str, int]] = field(default_factory=list)
    #: Only filled when the channel chose to name people: (assignee id, overdue count), most first.
    overdue_by_person: list[tuple[str, int]] | None = None
    #: The privacy threshold the figures are shown with (``KUNDENFOKUS_DIGEST_MIN_GROUP``).
    min_group: int = 1

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
    def overdue_share(self) -> float | None:
        return share(self.overdue_at_end, self.open_at_end)

    @property
    def quiet(self) -> bool:
        """Nothing happened: the digest says so kindly instead of showing a wall of zeros."""
        now = self.current
        return not (now.opened or now.closed or now.answers_due or self.open_at_end or self.kudos)

    @property
    def shown(self) -> Shown:
        group = self.min_group
        now = self.current
        open_ok = _enough(self.open_people, group)
        return Shown(
            opened=_enough(now.opened_people, group),
            closed=_enough(now.closed_people, group),
            in_time=_enough(now.answers_due_people, group),
            median=_enough(self.first_answer_people, group),
            open=open_ok,
            overdue=open_ok and _enough(self.overdue_people, group),
            satisfaction=_enough(min(self.raters, self.rated_people), group),
            trend_opened=tuple(_enough(w.opened_people, group) for w in self.trend),
            trend_closed=tuple(_enough(w.closed_people, group) for w in self.trend),
            trend_in_time=tuple(_enough(w.answers_due_people, group) for w in self.trend),
        )


def headline_tone(report: DigestReport) -> Tone:
    """How the headline sounds, from the figures the channel may see.

    * ``TOGETHER`` — many are overdue: at least ``MANY_OVERDUE_MIN`` and at least half of the open
      ones (an encouraging invitation to look at them together; never a name).
    * ``THANKS`` — the week went well: at least 80 % of the first answers due came in time, and at most
      a fifth of the open requests are overdue.
    * ``STEADY`` — everything else, or when the figures that would decide are hidden.
    """
    shown = report.shown
    overdue_share = report.overdue_share
    if (
        shown.overdue
        and report.overdue_at_end >= MANY_OVERDUE_MIN
        and overdue_share is not None
        and overdue_share >= MANY_OVERDUE_SHARE
    ):
        return Tone.TOGETHER
    in_time = report.current.in_time_share
    if (
        shown.in_time
        and in_time is not None
        and in_time >= GOOD_IN_TIME_SHARE
        and (overdue_share is None or overdue_share <= FEW_OVERDUE_SHARE)
    ):
        return Tone.THANKS
    return Tone.STEADY


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
