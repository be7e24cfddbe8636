"""Business calendar: working hours, holidays, time zones and DST, as a user of the clock sees them."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import MAX_SPAN_DAYS, BusinessCalendar, CalendarError, WorkingHours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
AUCKLAND = ZoneInfo("Pacific/Auckland")
KOLKATA = ZoneInfo("Asia/Kolkata")

BERLIN_PLAIN = BusinessCalendar("Europe/Berlin")
BAVARIA = BusinessCalendar("Europe/Berlin", holiday_country="DE", holiday_subdivision="BY")
BERLIN_STATE = BusinessCalendar("Europe/Berlin", holiday_country="DE", holiday_subdivision="BE")
NEW_YORK_US = BusinessCalendar("America/New_York", holiday_country="US")
NEW_YORK_PLAIN = BusinessCalendar(NEW_YORK)
LOS_ANGELES_PLAIN = BusinessCalendar("America/Los_Angeles")
AUCKLAND_PLAIN = BusinessCalendar("Pacific/Auckland")
KOLKATA_PLAIN = BusinessCalendar("Asia/Kolkata")
EVERY_DAY = WorkingHours.parse("09:00-17:00", "mon-sun")


def local(tz: ZoneInfo, y: int, m: int, d: int, hh: int = 0, mm: int = 0, fold: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz, fold=fold)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def berlin(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return local(BERLIN, 2026, m, d, hh, mm)


# --- working hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "days", "start", "end", "weekdays"),
    [
        ("09:00-17:00", "mon-fri", time(9), time(17), {0, 1, 2, 3, 4}),
        ("9-17", "mon,tue,thu", time(9), time(17), {0, 1, 3}),
        ("8.30–16.30", "Mo.-Fr.", time(8, 30), time(16, 30), {0, 1, 2, 3, 4}),
        ("9 bis 17 Uhr", "Mo bis Fr", time(9), time(17), {0, 1, 2, 3, 4}),
        ("07:45 - 15:15", "mo, di, mi, do", time(7, 45), time(15, 15), {0, 1, 2, 3}),
        ("10:00-18:00", "sun-thu", time(10), time(18), {6, 0, 1, 2, 3}),
        ("09:00-17:00", "Montag-Freitag, Samstag", time(9), time(17), {0, 1, 2, 3, 4, 5}),
    ],
)
def test_working_hours_parse(hours: str, days: str, start: time, end: time, weekdays: set[int]) -> None:
    parsed = WorkingHours.parse(hours, days)
    assert (parsed.start, parsed.end, parsed.weekdays) == (start, end, frozenset(weekdays))


def test_working_hours_defaults_are_mon_fri_nine_to_five() -> None:
    assert WorkingHours.parse() == WorkingHours()


@pytest.mark.parametrize(
    ("hours", "days", "code"),
    [
        ("nine to five", "mon-fri", "invalid_working_hours"),
        ("25:00-26:00", "mon-fri", "invalid_working_hours"),
        ("17:00-09:00", "mon-fri", "invalid_working_hours"),
        ("09:00-09:00", "mon-fri", "invalid_working_hours"),
        ("09:00-17:00", "", "invalid_working_days"),
        ("09:00-17:00", "mon-funday", "invalid_working_days"),
        ("09:00-17:00", "mon-", "invalid_working_days"),
    ],
)
def test_working_hours_parse_rejects_garbage(hours: str, days: str, code: str) -> None:
    with pytest.raises(ValueError, match=r"\S") as raised:
        WorkingHours.parse(hours, days)
    assert isinstance(raised.value, CalendarError)
    assert raised.value.code == code


def test_working_hours_need_at_least_one_valid_weekday() -> None:
    with pytest.raises(CalendarError, match="weekdays"):
        WorkingHours(weekdays=frozenset())
    with pytest.raises(CalendarError, match="weekdays"):
        WorkingHours(weekdays=frozenset({7}))


# --- construction ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"tz": "Mars/Olympus_Mons"}, "unknown_timezone"),
        ({"tz": ""}, "unknown_timezone"),
        ({"tz": "Europe/Berlin", "holiday_country": "XX"}, "unknown_holiday_country"),
        (
            {"tz": "Europe/Berlin", "holiday_country": "DE", "holiday_subdivision": "ZZ"},
            "unknown_holiday_subdivision",
        ),
        ({"tz": "Europe/Berlin", "holiday_subdivision": "BY"}, "unknown_holiday_country"),
    ],
)
def test_construction_rejects_unknown_zone_and_region(kwargs: dict[str, str], code: str) -> None:
    with pytest.raises(CalendarError) as raised:
        BusinessCalendar(**kwargs)
    assert raised.value.code == code


def test_region_codes_are_case_insensitive() -> None:
    calendar = BusinessCalendar("Europe/Berlin", holiday_country="de", holiday_subdivision="by")
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("DE", "BY")
    assert not calendar.is_working_day(date(2026, 1, 6))


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 6, 15, 10, 0)
    with pytest.raises(CalendarError) as raised:
        BERLIN_PLAIN.is_working_time(naive)
    assert raised.value.code == "naive_datetime"
    with pytest.raises(CalendarError):
        BERLIN_PLAIN.add_business_time(naive, timedelta(hours=1))
    with pytest.raises(CalendarError):
        BERLIN_PLAIN.business_time_between(berlin(6, 15, 10), naive)


# --- days and holidays ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "day", "working"),
    [
        (BAVARIA, date(2026, 12, 23), True),
        (BAVARIA, date(2026, 12, 24), True),  # Heiligabend is not a public holiday
        (BAVARIA, date(2026, 12, 25), False),
        (BAVARIA, date(2026, 12, 28), True),
        (BAVARIA, date(2026, 1, 6), False),  # Heilige Drei Könige: Bavaria ...
        (BERLIN_STATE, date(2026, 1, 6), True),  # ... but not Berlin
        (BAVARIA, date(2026, 6, 4), False),  # Fronleichnam
        (BERLIN_STATE, date(2026, 6, 4), True),
        (BAVARIA, date(2026, 10, 3), False),  # Tag der Deutschen Einheit, a Saturday ...
        (BAVARIA, date(2026, 10, 5), True),  # ... with no substitute Monday
        (BAVARIA, date(2026, 11, 2), True),  # Allerheiligen fell on Sunday 1 November
        (NEW_YORK_US, date(2026, 7, 3), False),  # Independence Day observed
        (BERLIN_PLAIN, date(2026, 12, 25), True),  # no region configured: only weekends are off
    ],
)
def test_is_working_day(calendar: BusinessCalendar, day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


# --- adding business time -------------------------------------------------------------------------------

ADD_CASES = [
    # id, calendar, filed, duration, due
    ("friday 16:00 + 4h", BERLIN_PLAIN, berlin(6, 12, 16), timedelta(hours=4), berlin(6, 15, 12)),
    ("overnight", BERLIN_PLAIN, berlin(6, 16, 15), timedelta(hours=4), berlin(6, 17, 11)),
    ("filed before start", BERLIN_PLAIN, berlin(6, 16, 7, 30), timedelta(hours=1), berlin(6, 16, 10)),
    ("filed at end of day", BERLIN_PLAIN, berlin(6, 16, 17), timedelta(hours=1), berlin(6, 17, 10)),
    ("fills the day exactly", BERLIN_PLAIN, berlin(6, 16, 13), timedelta(hours=4), berlin(6, 16, 17)),
    ("zero in working time", BERLIN_PLAIN, berlin(6, 16, 10), timedelta(0), berlin(6, 16, 10)),
    ("zero on saturday", BERLIN_PLAIN, berlin(6, 13, 12), timedelta(0), berlin(6, 15, 9)),
    ("zero at end of day", BERLIN_PLAIN, berlin(6, 16, 17), timedelta(0), berlin(6, 17, 9)),
    ("saturday + 30m", BERLIN_PLAIN, berlin(6, 13, 12), timedelta(minutes=30), berlin(6, 15, 9, 30)),
    ("berlin spring forward", BERLIN_PLAIN, berlin(3, 27, 16), timedelta(hours=4), utc(2026, 3, 30, 10)),
    ("berlin fall back", BERLIN_PLAIN, berlin(10, 23, 16), timedelta(hours=4), utc(2026, 10, 26, 11)),
    ("new york spring forward", NEW_YORK_PLAIN, local(NEW_YORK, 2026, 3, 6, 16), timedelta(hours=2),
     utc(2026, 3, 9, 14)),
    ("new york fall back", NEW_YORK_PLAIN, local(NEW_YORK, 2026, 10, 30, 16), timedelta(hours=2),
     utc(2026, 11, 2, 15)),
    ("kolkata half-hour offset", KOLKATA_PLAIN, local(KOLKATA, 2026, 6, 12, 16, 30), timedelta(hours=1),
     utc(2026, 6, 15, 4)),
    ("auckland", AUCKLAND_PLAIN, local(AUCKLAND, 2026, 7, 3, 16), timedelta(hours=4), utc(2026, 7, 6, 0)),
    ("los angeles", LOS_ANGELES_PLAIN, local(LOS_ANGELES, 2026, 6, 12, 16), timedelta(hours=4),
     utc(2026, 6, 15, 19)),
    ("filed in UTC, counted in Berlin", BERLIN_PLAIN, utc(2026, 6, 12, 14), timedelta(hours=4),
     berlin(6, 15, 12)),
    ("christmas", BAVARIA, berlin(12, 24, 16), timedelta(hours=4), berlin(12, 28, 12)),
    ("epiphany in bavaria", BAVARIA, berlin(1, 5, 16), timedelta(hours=4), berlin(1, 7, 12)),
    ("epiphany not in berlin", BERLIN_STATE, berlin(1, 5, 16), timedelta(hours=4), berlin(1, 6, 12)),
    ("all saints on a sunday", BAVARIA, berlin(10, 30, 16), timedelta(hours=4), berlin(11, 2, 12)),
    ("unity day on a saturday", BAVARIA, berlin(10, 2, 16), timedelta(hours=4), berlin(10, 5, 12)),
    ("three weeks", BERLIN_PLAIN, berlin(6, 1, 9), timedelta(hours=120), berlin(6, 19, 17)),
    ("three weeks with corpus christi", BAVARIA, berlin(6, 1, 9), timedelta(hours=120), berlin(6, 22, 17)),
    ("two weeks over christmas", BAVARIA, berlin(12, 14, 9), timedelta(hours=80), berlin(12, 28, 17)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("calendar", "filed", "duration", "due"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_add_business_time(
    calendar: BusinessCalendar, filed: datetime, duration: timedelta, due: datetime
) -> None:
    result = calendar.add_business_time(filed, duration)
    assert result == due
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("filed", "duration", "expected"),
    [
        (berlin(6, 15, 10), timedelta(hours=-2), berlin(6, 12, 16)),  # Monday 10:00 back into Friday
        (berlin(6, 15, 9), timedelta(hours=-1), berlin(6, 12, 16)),
        (berlin(6, 13, 12), timedelta(hours=-8), berlin(6, 12, 9)),  # Saturday: back from Friday's end
    ],
)
def test_negative_business_time_counts_backwards(
    filed: datetime, duration: timedelta, expected: datetime
) -> None:
    assert BERLIN_PLAIN.add_business_time(filed, duration) == expected


def test_five_years_of_business_time_is_fine_but_beyond_ten_years_is_refused() -> None:
    five_years = timedelta(hours=8 * 261 * 5)
    assert BAVARIA.add_business_time(berlin(1, 5, 9), five_years).year == 2031
    with pytest.raises(CalendarError) as raised:
        BAVARIA.add_business_time(berlin(1, 5, 9), timedelta(hours=8 * 261 * 11))
    assert raised.value.code == "span_too_long"
    assert raised.value.params == {"max_days": MAX_SPAN_DAYS}


# --- DST: working hours are wall-clock hours ----------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "start", "end"),
    [
        ("Europe/Berlin", date(2026, 3, 28), utc(2026, 3, 28, 8), utc(2026, 3, 28, 16)),
        ("Europe/Berlin", date(2026, 3, 29), utc(2026, 3, 29, 7), utc(2026, 3, 29, 15)),
        ("Europe/Berlin", date(2026, 10, 25), utc(2026, 10, 25, 8), utc(2026, 10, 25, 16)),
        ("America/New_York", date(2026, 3, 8), utc(2026, 3, 8, 13), utc(2026, 3, 8, 21)),
        ("America/New_York", date(2026, 11, 1), utc(2026, 11, 1, 14), utc(2026, 11, 1, 22)),
        ("Pacific/Auckland", date(2026, 4, 5), utc(2026, 4, 4, 21), utc(2026, 4, 5, 5)),
        ("Pacific/Auckland", date(2026, 9, 27), utc(2026, 9, 26, 20), utc(2026, 9, 27, 4)),
        ("Asia/Kolkata", date(2026, 6, 15), utc(2026, 6, 15, 3, 30), utc(2026, 6, 15, 11, 30)),
    ],
)
def test_dst_change_days_keep_eight_wall_clock_hours(
    tz: str, day: date, start: datetime, end: datetime
) -> None:
    calendar = BusinessCalendar(tz, EVERY_DAY)
    assert calendar.start_of_working_day(day) == start
    assert calendar.end_of_working_day(day) == end
    midnight = datetime.combine(day, time(0), tzinfo=calendar.tz)
    assert calendar.business_time_between(midnight, midnight + timedelta(days=1)) == timedelta(hours=8)


@pytest.mark.parametrize(
    ("hours", "day", "start", "end"),
    [
        # Window across the spring-forward gap (02:00 -> 03:00): two real hours.
        ("01:00-04:00", date(2026, 3, 29), utc(2026, 3, 29, 0), utc(2026, 3, 29, 2)),
        # Window across the fall-back fold (03:00 -> 02:00): four real hours.
        ("01:00-04:00", date(2026, 10, 25), utc(2026, 10, 24, 23), utc(2026, 10, 25, 3)),
        # Start does not exist: work starts when the clock jumps to 03:00.
        ("02:30-05:00", date(2026, 3, 29), utc(2026, 3, 29, 1), utc(2026, 3, 29, 3)),
        # Start occurs twice: its first occurrence.
        ("02:30-05:00", date(2026, 10, 25), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 4)),
        # End occurs twice: its first occurrence.
        ("01:00-02:30", date(2026, 10, 25), utc(2026, 10, 24, 23), utc(2026, 10, 25, 0, 30)),
    ],
)
def test_nonexistent_and_ambiguous_wall_times(hours: str, day: date, start: datetime, end: datetime) -> None:
    calendar = BusinessCalendar("Europe/Berlin", WorkingHours.parse(hours, "mon-sun"))
    assert (calendar.start_of_working_day(day), calendar.end_of_working_day(day)) == (start, end)
    assert calendar.business_time_between(start - timedelta(hours=6), end + timedelta(hours=6)) == end - start


def test_second_pass_through_the_fold_is_after_hours() -> None:
    calendar = BusinessCalendar("Europe/Berlin", WorkingHours.parse("01:00-02:30", "mon-sun"))
    assert calendar.is_working_time(local(BERLIN, 2026, 10, 25, 2, 15, fold=0))
    assert not calendar.is_working_time(local(BERLIN, 2026, 10, 25, 2, 15, fold=1))


# --- moments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "at", "working"),
    [
        (BERLIN_PLAIN, berlin(6, 16, 9), True),  # start is inclusive
        (BERLIN_PLAIN, berlin(6, 16, 16, 59), True),
        (BERLIN_PLAIN, berlin(6, 16, 17), False),  # end is exclusive
        (BERLIN_PLAIN, berlin(6, 13, 12), False),  # Saturday
        (BAVARIA, berlin(1, 6, 12), False),
        (BERLIN_STATE, berlin(1, 6, 12), True),
        # One instant, Monday 2026-06-15 20:00 UTC, seen from zones far apart.
        (AUCKLAND_PLAIN, utc(2026, 6, 15, 20), False),  # Tuesday 08:00
        (LOS_ANGELES_PLAIN, utc(2026, 6, 15, 20), True),  # Monday 13:00
        (KOLKATA_PLAIN, utc(2026, 6, 15, 20), False),  # Tuesday 01:30
        (KOLKATA_PLAIN, utc(2026, 6, 15, 3, 30), True),  # Monday 09:00
    ],
)
def test_is_working_time(calendar: BusinessCalendar, at: datetime, working: bool) -> None:
    assert calendar.is_working_time(at) is working


@pytest.mark.parametrize(
    ("calendar", "at", "expected"),
    [
        (BERLIN_PLAIN, berlin(6, 16, 11), berlin(6, 16, 11)),
        (BERLIN_PLAIN, berlin(6, 16, 6), berlin(6, 16, 9)),
        (BERLIN_PLAIN, berlin(6, 16, 17), berlin(6, 17, 9)),
        (BERLIN_PLAIN, berlin(6, 12, 20), berlin(6, 15, 9)),
        (BAVARIA, berlin(12, 24, 18), berlin(12, 28, 9)),
        (AUCKLAND_PLAIN, utc(2026, 6, 15, 20), utc(2026, 6, 15, 21)),  # Tuesday 09:00 in Auckland
    ],
)
def test_next_working_moment(calendar: BusinessCalendar, at: datetime, expected: datetime) -> None:
    assert calendar.next_working_moment(at) == expected


@pytest.mark.parametrize(
    ("calendar", "at", "day"),
    [
        (AUCKLAND_PLAIN, utc(2026, 6, 15, 20), date(2026, 6, 16)),
        (LOS_ANGELES_PLAIN, utc(2026, 6, 15, 20), date(2026, 6, 15)),
        (KOLKATA_PLAIN, utc(2026, 6, 15, 18, 29), date(2026, 6, 15)),
        (KOLKATA_PLAIN, utc(2026, 6, 15, 18, 30), date(2026, 6, 16)),
        (BERLIN_PLAIN, local(NEW_YORK, 2026, 6, 15, 20), date(2026, 6, 16)),
    ],
)
def test_local_business_day(calendar: BusinessCalendar, at: datetime, day: date) -> None:
    assert calendar.local_business_day(at) == day


@pytest.mark.parametrize(
    ("at", "last_sent_at", "expected"),
    [
        (berlin(6, 16, 10), None, berlin(6, 16, 10)),
        (berlin(6, 16, 10), berlin(6, 15, 16), berlin(6, 16, 10)),  # yesterday's reminder
        (berlin(6, 16, 14), berlin(6, 16, 9, 30), berlin(6, 17, 9)),  # already reminded today
        (berlin(6, 16, 18), None, berlin(6, 17, 9)),  # after hours
        (berlin(6, 12, 11), berlin(6, 12, 10), berlin(6, 15, 9)),  # Friday's done; Monday
        (berlin(6, 16, 7), utc(2026, 6, 15, 23, 30), berlin(6, 17, 9)),  # sent 01:30 local on the 16th
    ],
)
def test_next_reminder_slot(at: datetime, last_sent_at: datetime | None, expected: datetime) -> None:
    assert BERLIN_PLAIN.next_reminder_slot(at, last_sent_at) == expected


# --- business days ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "filed", "days", "due"),
    [
        (BERLIN_PLAIN, berlin(6, 16, 10), 2, berlin(6, 18, 10)),  # Tuesday -> Thursday
        (BERLIN_PLAIN, berlin(6, 12, 10), 1, berlin(6, 15, 10)),  # Friday -> Monday
        (BERLIN_PLAIN, berlin(6, 13, 12), 2, berlin(6, 17, 9)),  # Saturday: counted from Monday 09:00
        (BERLIN_PLAIN, berlin(6, 16, 17), 1, berlin(6, 18, 9)),  # at end of day: from Wednesday 09:00
        (BERLIN_PLAIN, berlin(6, 16, 7), 1, berlin(6, 17, 9)),  # before start
        (BERLIN_PLAIN, berlin(6, 13, 12), 0, berlin(6, 15, 9)),
        (BERLIN_PLAIN, berlin(3, 27, 10), 1, berlin(3, 30, 10)),  # same wall time across spring forward
        (NEW_YORK_PLAIN, local(NEW_YORK, 2026, 10, 30, 10), 1, local(NEW_YORK, 2026, 11, 2, 10)),
        (BAVARIA, berlin(12, 24, 10), 1, berlin(12, 28, 10)),
        (BAVARIA, berlin(1, 2, 16, 30), 3, berlin(1, 8, 16, 30)),  # skips the weekend and Epiphany
    ],
)
def test_add_business_days(calendar: BusinessCalendar, filed: datetime, days: int, due: datetime) -> None:
    assert calendar.add_business_days(filed, days) == due


def test_add_business_days_refuses_negative_days() -> None:
    with pytest.raises(CalendarError) as raised:
        BERLIN_PLAIN.add_business_days(berlin(6, 16, 10), -1)
    assert raised.value.code == "negative_business_days"


@pytest.mark.parametrize(
    ("calendar", "a", "b", "expected"),
    [
        (BERLIN_PLAIN, berlin(6, 12, 16), berlin(6, 15, 12), timedelta(hours=4)),
        (BERLIN_PLAIN, berlin(6, 15, 12), berlin(6, 12, 16), timedelta(hours=-4)),
        (BERLIN_PLAIN, berlin(6, 13, 0), berlin(6, 15, 0), timedelta(0)),  # weekend
        (BERLIN_PLAIN, berlin(6, 16, 10), berlin(6, 16, 10), timedelta(0)),
        (BERLIN_PLAIN, berlin(6, 15, 0), berlin(6, 20, 0), timedelta(hours=40)),
        (BERLIN_PLAIN, berlin(3, 23, 0), berlin(3, 30, 0), timedelta(hours=40)),  # week ending in DST change
        (BAVARIA, berlin(1, 5, 0), berlin(1, 10, 0), timedelta(hours=32)),
        (BAVARIA, berlin(12, 21, 0), berlin(12, 28, 0), timedelta(hours=32)),
    ],
)
def test_business_time_between(
    calendar: BusinessCalendar, a: datetime, b: datetime, expected: timedelta
) -> None:
    assert calendar.business_time_between(a, b) == expected


@pytest.mark.parametrize(
    ("calendar", "a", "b", "expected"),
    [
        (BERLIN_PLAIN, berlin(6, 16, 10), berlin(6, 18, 10), 2),
        (BERLIN_PLAIN, berlin(6, 16, 10), berlin(6, 18, 9, 5), 2),  # Thursday has begun
        (BERLIN_PLAIN, berlin(6, 16, 10), berlin(6, 16, 16), 0),
        (BERLIN_PLAIN, berlin(6, 12, 16), berlin(6, 15, 9), 1),
        (BERLIN_PLAIN, berlin(6, 18, 10), berlin(6, 16, 10), -2),
        (BERLIN_PLAIN, berlin(6, 13, 10), berlin(6, 14, 10), 0),  # Saturday to Sunday
        (BERLIN_PLAIN, berlin(6, 16, 20), berlin(6, 17, 9), 0),  # clock starts Wednesday 09:00
        (BERLIN_PLAIN, berlin(6, 16, 20), berlin(6, 18, 9), 1),
        (BAVARIA, berlin(12, 24, 10), berlin(12, 28, 10), 1),
    ],
)
def test_business_days_between(calendar: BusinessCalendar, a: datetime, b: datetime, expected: int) -> None:
    assert calendar.business_days_between(a, b) == expected


# --- properties -------------------------------------------------------------------------------------------

PROPERTY_CALENDARS = [
    BAVARIA,
    NEW_YORK_US,
    KOLKATA_PLAIN,
    AUCKLAND_PLAIN,
    BusinessCalendar("America/Los_Angeles", WorkingHours.parse("10:00-18:00", "sun-thu")),
    BusinessCalendar("Europe/Berlin", WorkingHours.parse("01:00-04:00", "mon-sun")),  # spans DST changes
    BusinessCalendar("America/New_York", WorkingHours.parse("02:30-05:00", "mon-sun")),  # starts in them
]
calendars = st.sampled_from(PROPERTY_CALENDARS)
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([BERLIN, NEW_YORK, AUCKLAND, KOLKATA, ZoneInfo("UTC")]),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=moments, duration=durations)
def test_business_time_between_inverts_add_business_time(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add_business_time(start, duration)
    assert calendar.business_time_between(start, due) == duration
    if duration:
        assert calendar.is_working_time(due - timedelta(microseconds=1))
    earlier = calendar.add_business_time(start, -duration)
    assert calendar.business_time_between(earlier, start) == duration


@settings(max_examples=100, deadline=None)
@given(calendar=calendars, start=moments, days=st.integers(min_value=0, max_value=30))
def test_business_days_between_inverts_add_business_days(
    calendar: BusinessCalendar, start: datetime, days: int
) -> None:
    due = calendar.add_business_days(start, days)
    assert calendar.business_days_between(start, due) == days
    assert calendar.is_working_time(due) or due == calendar.end_of_working_day(
        calendar.local_business_day(due)
    )


@settings(max_examples=100, deadline=None)
@given(calendar=calendars, a=moments, b=moments, c=moments)
def test_business_time_between_is_additive(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    whole = calendar.business_time_between(a, c)
    assert whole == calendar.business_time_between(a, b) + calendar.business_time_between(b, c)
    assert calendar.business_time_between(c, a) == -whole
