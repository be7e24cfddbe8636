"""Digest arithmetic: local weeks across DST and zones, the posting schedule, sparkline and medians."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.digest_stats import (
    DigestSettingError,
    Schedule,
    Week,
    due_week,
    local_instant,
    median_duration,
    month_start,
    parse_schedule,
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
    # The slot was Sunday 29th 18:00 (in the week of the 23rd); it reports the week before that.
    assert due_week(monday_morning, BERLIN, schedule).monday == date(2026, 11, 16)


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


def test_sparkline_scales_between_lowest_and_highest():
    assert sparkline([0, 7, 14]) == "▁▅█"
    assert sparkline([1, None, 3]) == "▁·█"
    assert sparkline([5, 5, 5]) == "▄▄▄"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([None, None]) == "··"


def test_median_duration():
    hours = [timedelta(hours=h) for h in (1, 5, 3)]
    assert median_duration(hours) == timedelta(hours=3)
    assert median_duration([*hours, timedelta(hours=4)]) == timedelta(hours=3, minutes=30)
    assert median_duration([]) is None


def test_month_start_is_local():
    # 23:30 UTC on 30 November is already 1 December in Berlin.
    assert month_start(utc(2026, 11, 30, 23, 30), BERLIN) == utc(2026, 11, 30, 23, 0)
    assert month_start(utc(2026, 11, 30, 23, 30), NEW_YORK) == utc(2026, 11, 1, 4, 0)
