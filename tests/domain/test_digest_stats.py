"""Digest arithmetic: local weeks and the window a digest reports across DST and zones, the posting
schedule, sparklines from zero, the headline's tone, the privacy threshold, medians and working time."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.domain.calendar import BusinessCalendar
from bot.domain.digest_stats import (
    DigestReport,
    DigestSettingError,
    Schedule,
    Tone,
    Week,
    WeekNumbers,
    business_durations,
    due_week,
    headline_tone,
    latest_week,
    local_instant,
    median_duration,
    month_start,
    parse_schedule,
    reported_week,
    slot_in,
    sparkline,
    trend_weeks,
    week_of,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TEHRAN = ZoneInfo("Asia/Tehran")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_week_crossing_the_autumn_dst_change_has_169_hours():
    week = week_of(datetime(2026, 10, 22, 12, 0, tzinfo=BERLIN), BERLIN)
    assert week.monday == date(2026, 10, 19)
    assert week.start == utc(2026, 10, 18, 22, 0)  # Monday 00:00 CEST
    assert week.end == utc(2026, 10, 25, 23, 0)  # Monday 00:00 CET
    assert week.end - week.start == timedelta(hours=169)
    assert week.key == "2026-W43"


def test_a_week_crossing_the_spring_dst_change_has_167_hours():
    week = week_of(datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN), BERLIN)
    assert (week.monday, week.end - week.start) == (date(2026, 3, 23), timedelta(hours=167))


def test_week_boundaries_are_local_midnight_of_each_zone():
    # Sunday 23:30 in Berlin is still the old week; the same instant is Sunday 17:30 in New York.
    moment = datetime(2026, 11, 29, 23, 30, tzinfo=BERLIN)
    assert week_of(moment, BERLIN).monday == date(2026, 11, 23)
    assert week_of(moment, NEW_YORK).monday == date(2026, 11, 23)
    # Monday 00:00 Berlin starts the new week there, while New York still has Sunday evening.
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=BERLIN)
    assert week_of(monday, BERLIN).monday == date(2026, 11, 30)
    assert week_of(monday, NEW_YORK).monday == date(2026, 11, 23)
    assert week_of(monday, NEW_YORK).end == utc(2026, 11, 30, 5, 0)


def test_a_monday_midnight_that_does_not_exist_starts_the_week_when_the_clock_jumps():
    # Iran moved its clocks from 00:00 to 01:00 on Monday 22 March 2021.
    week = Week.starting(date(2021, 3, 22), TEHRAN)
    assert week.start == utc(2021, 3, 21, 20, 30)
    assert week.previous().end == week.start
    assert week_of(week.start, TEHRAN) == week
    assert week_of(week.start - timedelta(seconds=1), TEHRAN) == week.previous()


def test_local_instant_in_gap_and_fold():
    assert local_instant(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 0)
    assert local_instant(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tehran", "Pacific/Auckland", "Asia/Kolkata"]),
)
def test_every_moment_lies_in_exactly_one_week_that_starts_on_a_local_monday(naive, zone):
    tz = ZoneInfo(zone)
    moment = naive.replace(tzinfo=UTC)
    week = week_of(moment, tz)
    assert week.start <= moment < week.end
    assert week.next().start == week.end
    assert week.start.astimezone(tz).weekday() == 0
    assert timedelta(hours=166) <= week.end - week.start <= timedelta(hours=170)


def test_trend_weeks_are_consecutive_and_end_with_the_week():
    week = week_of(utc(2026, 11, 26), BERLIN)
    weeks = trend_weeks(week)
    assert len(weeks) == 8 and weeks[-1] == week
    assert all(a.end == b.start for a, b in itertools.pairwise(weeks))


def test_the_digest_for_a_week_is_due_at_the_slot_of_the_next_week():
    schedule = Schedule(weekday=0, hour=9, minute=0)
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    assert slot_in(week_of(slot, BERLIN), schedule) == slot
    assert due_week(slot, BERLIN, schedule).monday == date(2026, 11, 23)
    assert due_week(slot - timedelta(minutes=1), BERLIN, schedule) is None
    assert due_week(slot + timedelta(hours=23), BERLIN, schedule).monday == date(2026, 11, 23)
    assert due_week(slot + timedelta(days=1, minutes=1), BERLIN, schedule) is None
    # A channel subscribed after the slot waits for the next one.
    assert (
        due_week(slot + timedelta(hours=1), BERLIN, schedule, subscribed_at=slot + timedelta(minutes=5))
        is None
    )


def test_a_sunday_evening_slot_missed_until_monday_morning_still_reports_its_week():
    schedule = Schedule(weekday=6, hour=18, minute=0)
    monday_morning = datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    # The slot was Sunday 29th 18:00: late in the week, so it reports that week up to the slot.
    week = due_week(monday_morning, BERLIN, schedule)
    assert (week.monday, week.key) == (date(2026, 11, 23), "2026-W48")
    assert week.end == datetime(2026, 11, 29, 18, 0, tzinfo=BERLIN)


def test_the_slot_follows_the_local_clock_across_dst():
    schedule = Schedule(weekday=0, hour=9, minute=0)
    before = slot_in(week_of(datetime(2026, 10, 19, 12, tzinfo=BERLIN), BERLIN), schedule)
    after = slot_in(week_of(datetime(2026, 10, 26, 12, tzinfo=BERLIN), BERLIN), schedule)
    assert (before, after) == (utc(2026, 10, 19, 7, 0), utc(2026, 10, 26, 8, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday 9:00", Schedule(0, 9, 0)),
        ("Friday 16:30", Schedule(4, 16, 30)),
        ("fri 4pm", Schedule(4, 16, 0)),
        ("fri 4 pm", Schedule(4, 16, 0)),
        ("12am tue", Schedule(1, 0, 0)),
        ("Dienstag 14 Uhr", Schedule(1, 14, 0)),
        ("am Mittwoch um 8.15", Schedule(2, 8, 15)),
        ("10:45", Schedule(0, 10, 45)),
        ("thursday", Schedule(3, 9, 0)),
    ],
)
def test_parse_schedule(text, expected):
    assert parse_schedule(text) == expected


def test_parse_schedule_keeps_what_is_not_said():
    assert parse_schedule("15:00", base=Schedule(4, 9, 0)) == Schedule(4, 15, 0)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("someday", "digest_bad_schedule"),
        ("25:00", "digest_bad_time"),
        ("13pm", "digest_bad_time"),
        ("", "digest_bad_schedule"),
        ("mon tue", "digest_bad_schedule"),
    ],
)
def test_parse_schedule_refuses_nonsense(text, code):
    with pytest.raises(DigestSettingError) as raised:
        parse_schedule(text)
    assert raised.value.code == code


def test_sparkline_bars_start_at_zero():
    assert sparkline([0, 7, 14]) == "▁▅█"
    assert sparkline([1, None, 3]) == "▃·█"  # None is a gap, not a low week
    assert sparkline([5, 5, 5]) == "███"  # a steady week is as tall as the tallest
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([None, None]) == "··"
    assert sparkline([]) == ""


def test_a_share_is_measured_against_a_full_hundred_percent():
    # 31 % is a low bar even when it is the best week there was.
    assert sparkline([0.31], ceiling=1.0) == "▃"
    assert sparkline([0.2, 0.31, None], ceiling=1.0) == "▂▃·"
    assert sparkline([1.0, 0.5, 0.0], ceiling=1.0) == "█▅▁"


def test_anything_above_zero_stands_above_the_floor():
    assert sparkline([1, 100]) == "▂█"
    assert sparkline([0.01], ceiling=1.0) == "▂"


def test_median_duration():
    hours = [timedelta(hours=h) for h in (1, 5, 3)]
    assert median_duration(hours) == timedelta(hours=3)
    assert median_duration([*hours, timedelta(hours=4)]) == timedelta(hours=3, minutes=30)
    assert median_duration([]) is None


def test_month_start_is_local():
    # 23:30 UTC on 30 November is already 1 December in Berlin.
    assert month_start(utc(2026, 11, 30, 23, 30), BERLIN) == utc(2026, 11, 30, 23, 0)
    assert month_start(utc(2026, 11, 30, 23, 30), NEW_YORK) == utc(2026, 11, 1, 4, 0)


# --- the week that happened ------------------------------------------------------------------------

#: Weeks with a DST change (on their Sunday) in each zone, and an ordinary one.
DST_WEEKS = [
    (BERLIN, date(2026, 3, 23)),  # clocks forward on Sunday 29 March
    (BERLIN, date(2026, 10, 19)),  # clocks back on Sunday 25 October
    (NEW_YORK, date(2026, 3, 2)),  # forward on Sunday 8 March
    (NEW_YORK, date(2026, 10, 26)),  # back on Sunday 1 November
    (BERLIN, date(2026, 11, 23)),
]


def wall(tz: ZoneInfo, day: date, hour: int = 0, minute: int = 0) -> datetime:
    """The moment the wall clock in ``tz`` reads ``day hour:minute`` (none of these fall into a gap)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(("tz", "monday"), DST_WEEKS, ids=lambda v: str(v))
@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("posting", ["in the DST week", "the week after"])
def test_the_window_ends_at_a_late_slot_or_covers_last_week(tz, monday, weekday, posting):
    posting_monday = monday + timedelta(days=7 if posting == "the week after" else 0)
    schedule = Schedule(weekday=weekday, hour=16, minute=30)
    slot = wall(tz, posting_monday + timedelta(days=weekday), 16, 30)
    assert slot_in(week_of(slot, tz), schedule) == slot

    week = due_week(slot, tz, schedule)
    if weekday >= 3:  # Thursday or later: this week, Monday 00:00 up to the slot
        expected_monday, expected_end = posting_monday, slot
    else:  # Monday to Wednesday: the whole previous week
        expected_monday = posting_monday - timedelta(days=7)
        expected_end = wall(tz, posting_monday)
    assert week.monday == expected_monday
    assert (week.start, week.end) == (wall(tz, expected_monday), expected_end)
    assert week.key == "{}-W{:02d}".format(*expected_monday.isocalendar()[:2])
    assert week.end <= slot  # nothing after the posting moment
    assert week.start.astimezone(tz).time() == time(0) and week.start.astimezone(tz).weekday() == 0
    assert due_week(slot - timedelta(minutes=1), tz, schedule) is None
    assert latest_week(slot + timedelta(hours=3), tz, schedule) == week

    # The next slot's window starts where this one's week ends: no week is counted twice.
    following = due_week(wall(tz, posting_monday + timedelta(days=7 + weekday), 16, 30), tz, schedule)
    assert following.start == wall(tz, expected_monday + timedelta(days=7)) >= week.end

    # The trend looks at the same part of every earlier week, on the local wall clock.
    for earlier in trend_weeks(week)[:-1]:
        assert earlier.start.astimezone(tz).replace(tzinfo=None) == datetime.combine(earlier.monday, time(0))
        assert earlier.end.astimezone(tz).replace(tzinfo=None) - datetime.combine(
            earlier.monday, time(0)
        ) == (week.end.astimezone(tz).replace(tzinfo=None) - datetime.combine(week.monday, time(0)))


def test_a_whole_week_across_a_dst_change_is_reported_with_its_167_or_169_hours():
    monday_slot = Schedule(weekday=0, hour=9, minute=0)
    spring = due_week(datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN), BERLIN, monday_slot)
    autumn = due_week(datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK), NEW_YORK, monday_slot)
    assert (spring.monday, spring.end - spring.start) == (date(2026, 3, 23), timedelta(hours=167))
    assert (autumn.monday, autumn.end - autumn.start) == (date(2026, 10, 26), timedelta(hours=169))


def test_a_sunday_slot_in_the_dst_week_reaches_past_the_change():
    sunday_evening = Schedule(weekday=6, hour=18, minute=0)
    week = reported_week(week_of(datetime(2026, 10, 21, tzinfo=BERLIN), BERLIN), sunday_evening)
    assert week.end == wall(BERLIN, date(2026, 10, 25), 18, 0)
    assert week.end - week.start == timedelta(days=6, hours=19)  # the doubled hour included


def test_the_week_so_far_ends_now_and_has_its_own_key():
    now = datetime(2026, 12, 3, 10, 27, 13, tzinfo=BERLIN)  # Thursday
    week = Week.until(now, BERLIN)
    tick = timedelta(microseconds=1)  # what happens at this very moment counts too
    assert (week.monday, week.start, week.end) == (
        date(2026, 11, 30),
        wall(BERLIN, date(2026, 11, 30)),
        now + tick,
    )
    assert week.contains(now) and not week.contains(now + tick)
    assert week.so_far and week.partial and week.key == "2026-W49-so-far"
    assert week.last_day == date(2026, 12, 3)
    before = trend_weeks(week)[-2]
    assert (before.start, before.end) == (
        wall(BERLIN, date(2026, 11, 23)),
        datetime(2026, 11, 26, 10, 27, 13, tzinfo=BERLIN) + tick,
    )
    assert not before.so_far
    # Monday at midnight: the week so far is that one moment.
    midnight = Week.until(wall(BERLIN, date(2026, 11, 30)), BERLIN)
    assert midnight.end - midnight.start == tick and midnight.last_day == date(2026, 11, 30)


def test_the_week_so_far_during_the_doubled_hour_ends_at_the_moment_itself():
    second_half_past_two = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second time
    week = Week.until(second_half_past_two, BERLIN)
    assert week.end == second_half_past_two + timedelta(microseconds=1) and week.monday == date(2026, 10, 19)
    assert week.end - week.start == timedelta(days=6, hours=3, minutes=30, microseconds=1)


# --- headline, privacy --------------------------------------------------------------------------------


def report(
    *,
    due: int = 10,
    in_time: int = 9,
    open_at_end: int = 10,
    overdue: int = 1,
    people: int = 6,
    min_group: int = 5,
    **extra,
) -> DigestReport:
    """A week with ``people`` different assignees behind every figure."""
    week = Week.starting(date(2026, 11, 23), BERLIN)
    numbers = WeekNumbers(
        week,
        opened=12,
        done=8,
        declined=1,
        answers_due=due,
        answered_in_time=in_time,
        opened_people=people,
        closed_people=people,
        answers_due_people=people,
    )
    return DigestReport(
        week=week,
        trend=[*(WeekNumbers(w) for w in trend_weeks(week)[:-1]), numbers],
        open_at_end=open_at_end,
        overdue_at_end=overdue,
        open_people=people,
        overdue_people=people if overdue else 0,
        min_group=min_group,
        **extra,
    )


@pytest.mark.parametrize(
    ("figures", "tone"),
    [
        ({"due": 10, "in_time": 8, "open_at_end": 10, "overdue": 2}, Tone.THANKS),  # 80 %, a fifth overdue
        ({"due": 10, "in_time": 8, "open_at_end": 0, "overdue": 0}, Tone.THANKS),  # nothing left open
        ({"due": 100, "in_time": 79, "open_at_end": 10, "overdue": 0}, Tone.STEADY),  # just under 80 %
        ({"due": 10, "in_time": 10, "open_at_end": 100, "overdue": 21}, Tone.STEADY),  # just over a fifth
        ({"due": 0, "in_time": 0, "open_at_end": 4, "overdue": 0}, Tone.STEADY),  # nothing was due
        ({"due": 12, "in_time": 3, "open_at_end": 12, "overdue": 9}, Tone.TOGETHER),  # 9 of 12
        ({"due": 10, "in_time": 10, "open_at_end": 6, "overdue": 3}, Tone.TOGETHER),  # half, and 3
        ({"due": 10, "in_time": 2, "open_at_end": 7, "overdue": 3}, Tone.STEADY),  # under half
        ({"due": 10, "in_time": 2, "open_at_end": 2, "overdue": 2}, Tone.STEADY),  # all, but only 2
    ],
)
def test_the_headline_follows_the_numbers(figures, tone):
    assert headline_tone(report(**figures)) is tone


def test_the_headline_never_uses_figures_the_channel_may_not_see():
    small = report(due=10, in_time=10, open_at_end=12, overdue=9, people=3)
    assert headline_tone(small) is Tone.STEADY
    assert headline_tone(report(due=10, in_time=10, people=3)) is Tone.STEADY


def test_a_figure_is_hidden_when_fewer_people_than_the_threshold_are_behind_it():
    assert not report(people=5).shown.anything_hidden
    hidden = report(people=4).shown
    assert hidden.anything_hidden
    assert not (hidden.opened or hidden.closed or hidden.in_time or hidden.open or hidden.overdue)
    assert hidden.trend_opened[-1] is False and hidden.trend_opened[0] is True  # an empty week: nobody
    assert report(people=1, min_group=1).shown.opened  # a threshold of 1 shows everything
    few_raters = report(ratings=6, rating_average=4.0, raters=6, rated_people=2).shown
    assert not few_raters.satisfaction  # six ratings of only two people would single them out
    assert report(ratings=6, rating_average=4.0, raters=5, rated_people=7).shown.satisfaction
    assert report(first_answer_people=4).shown.median is False


# --- working time for many answers at once -----------------------------------------------------------

CALENDARS = [
    BusinessCalendar("Europe/Berlin", holiday_country="DE", holiday_subdivision="BE"),
    BusinessCalendar("America/New_York", holiday_country="US"),
    BusinessCalendar("Asia/Tokyo"),
]


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(CALENDARS),
    st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 31)),
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
        ),
        min_size=1,
        max_size=25,
    ),
)
def test_working_time_for_many_answers_equals_the_calendars_own(calendar, spans):
    pairs = [(start.replace(tzinfo=UTC), start.replace(tzinfo=UTC) + length) for start, length in spans]
    assert business_durations(calendar, pairs) == [calendar.business_time_between(a, b) for a, b in pairs]


def test_working_time_for_many_answers_across_dst_and_holidays():
    berlin = CALENDARS[0]
    pairs = [
        (wall(BERLIN, date(2026, 3, 27), 16), wall(BERLIN, date(2026, 3, 30), 10)),  # Fri → Mon over DST
        (wall(BERLIN, date(2026, 12, 23), 12), wall(BERLIN, date(2026, 12, 28), 9, 30)),  # Christmas
        (wall(BERLIN, date(2026, 10, 24), 12), wall(BERLIN, date(2026, 10, 24), 13)),  # Saturday
        (wall(BERLIN, date(2026, 11, 24), 10), wall(BERLIN, date(2026, 11, 24), 10)),
    ]
    assert business_durations(berlin, pairs) == [
        timedelta(hours=2),
        timedelta(hours=13, minutes=30),  # Wed 5 h, Christmas Eve 8 h (a working day), Mon 30 min
        timedelta(0),
        timedelta(0),
    ]
    assert business_durations(berlin, []) == []
