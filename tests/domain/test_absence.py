"""Absence in the pure domain: away time is closed time on a calendar; statuses and `away` commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, Settings
from bot.domain.absence import end_of_local_day, last_day_away, parse_away, status_says_away
from bot.domain.calendar import BusinessCalendar
from bot.domain.parsing import ParseError

BERLIN = ZoneInfo("Europe/Berlin")
BASE = BusinessCalendar("Europe/Berlin", holiday_country="DE", holiday_subdivision="BE")


def berlin(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=BERLIN)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# Away Thursday 12:00 until Friday's end; Thursday 26 Nov 2026.
AWAY = BASE.away(((berlin(11, 26, 12), berlin(11, 28)),))


def test_away_time_does_not_count_as_working_time():
    assert AWAY.business_time_between(berlin(11, 26, 9), berlin(11, 30, 17)) == timedelta(hours=3 + 8)
    assert AWAY.add_business_time(berlin(11, 26, 10), timedelta(hours=4)) == utc(berlin(11, 30, 11))
    assert AWAY.is_working_time(berlin(11, 26, 11)) and not AWAY.is_working_time(berlin(11, 26, 13))
    assert AWAY.is_working_day(berlin(11, 26).date())  # partly here
    assert not AWAY.is_working_day(berlin(11, 27).date())  # away all day
    assert AWAY.next_working_moment(berlin(11, 26, 12)) == utc(berlin(11, 30, 9))
    assert AWAY.next_reminder_slot(berlin(11, 26, 15)) == utc(berlin(11, 30, 9))
    # Counting backwards skips it too.
    assert AWAY.add_business_time(berlin(11, 30, 10), -timedelta(hours=2)) == utc(berlin(11, 26, 11))


@pytest.mark.parametrize(
    "start",
    [berlin(11, 25, 9), berlin(11, 25, 16, 30), berlin(11, 26, 10), berlin(11, 26, 12), berlin(11, 27, 15)],
)
@pytest.mark.parametrize("hours", [0.5, 1, 4, 8, 13, 40])
def test_a_clock_moves_by_exactly_the_absent_working_time(start, hours):
    duration = timedelta(hours=hours)
    present, absent = BASE.add_business_time(start, duration), AWAY.add_business_time(start, duration)
    missed = BASE.business_time_between(start, absent) - AWAY.business_time_between(start, absent)
    assert BASE.business_time_between(present, absent) == missed
    assert AWAY.business_time_between(start, absent) == duration


def test_business_days_skip_days_away_and_count_a_split_day_once():
    assert AWAY.add_business_days(berlin(11, 25, 10), 1) == utc(berlin(11, 26, 10))
    # Thursday is a working day still (09-12): 14:00 is clamped into what is left of it.
    assert AWAY.add_business_days(berlin(11, 25, 14), 1) == utc(berlin(11, 26, 12))
    assert AWAY.add_business_days(berlin(11, 25, 10), 2) == utc(berlin(11, 30, 10))
    assert AWAY.business_days_between(berlin(11, 25, 10), berlin(11, 30, 10)) == 2
    split = BASE.away(((berlin(11, 26, 11), berlin(11, 26, 14)),))
    assert split.add_business_days(berlin(11, 25, 12), 1) == utc(berlin(11, 26, 14))  # into the gap: after
    assert split.add_business_days(berlin(11, 25, 10), 2) == utc(berlin(11, 27, 10))
    assert split.business_days_between(berlin(11, 25, 10), berlin(11, 27, 10)) == 2


def test_no_absence_is_the_same_calendar_and_overlaps_merge():
    assert BASE.away(()) is BASE
    both = BASE.away(((berlin(11, 26, 12), berlin(11, 27, 12)), (berlin(11, 27, 10), berlin(11, 28))))
    assert both.closed_intervals == AWAY.closed_intervals


@pytest.mark.parametrize(
    ("text", "emoji", "away"),
    [
        ("Vacationing", ":palm_tree:", True),
        ("", ":palm_tree::skin-tone-3:", True),
        ("Im Urlaub bis 28.12.", "", True),
        ("OOO", "", True),
        ("Out of  office", "", True),
        ("krankgeschrieben", "", True),
        ("Elternzeit", ":baby:", True),
        ("On parental leave", "", True),
        ("In a meeting", ":spiral_calendar_pad:", False),
        ("Booking the holiday party", ":tada:", True),  # words say it; people rarely write this
        ("Cooking", "", False),
        ("", "", False),
    ],
)
def test_status_says_away(text, emoji, away):
    settings = Settings()
    assert (
        status_says_away(text, emoji, words=settings.away_word_list, emoji_codes=settings.away_emoji_set)
        is away
    )


def test_away_words_and_emoji_are_configurable_and_checked():
    settings = Settings.from_env(
        {"KUNDENFOKUS_AWAY_WORDS": "Sabbatical, Kur", "KUNDENFOKUS_AWAY_EMOJI": "ski"}
    )
    assert settings.away_word_list == ("sabbatical", "kur") and settings.away_emoji_set == {":ski:"}
    assert status_says_away("Kur in Bad Ems", "", words=settings.away_word_list, emoji_codes=())
    assert not status_says_away("Urlaub", "", words=settings.away_word_list, emoji_codes=())
    with pytest.raises(ConfigError, match="KUNDENFOKUS_AWAY_WORDS"):
        Settings.from_env({"KUNDENFOKUS_AWAY_WORDS": "urlaub,<script>"})
    with pytest.raises(ConfigError, match="KUNDENFOKUS_AWAY_EMOJI"):
        Settings.from_env({"KUNDENFOKUS_AWAY_EMOJI": ":palm tree:"})


def test_the_last_day_away_and_its_end():
    assert end_of_local_day(date(2026, 12, 28), BERLIN) == utc(berlin(12, 29))
    assert last_day_away(utc(berlin(12, 29)), BERLIN) == date(2026, 12, 28)
    assert last_day_away(utc(berlin(11, 27, 23, 59)), BERLIN) == date(2026, 11, 27)


NOW = berlin(11, 26, 10)


@pytest.mark.parametrize(
    ("text", "until", "deputy"),
    [
        ("until 2026-12-28", date(2026, 12, 28), None),
        ("until 2026-12-28 deputy <@UCAROL|carol>", date(2026, 12, 28), "UCAROL"),
        ("deputy <@UCAROL> until Dec 28", date(2026, 12, 28), "UCAROL"),
        ("bis 28.12. vertretung <@UCAROL|carol>", date(2026, 12, 28), "UCAROL"),
        ("ab sofort bis Freitag", date(2026, 11, 27), None),
        ("until Friday", date(2026, 11, 27), None),
    ],
)
def test_parse_away(text, until, deputy):
    command = parse_away(text, now=NOW, tz=BERLIN)
    assert (command.until, command.deputy_id) == (until, deputy)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "away_needs_date"),
        ("from now on", "away_needs_date"),
        ("until 2026-12-28 <@UCAROL>", "away_bad_deputy"),
        ("until 2026-12-28 deputy @carol", "away_bad_deputy"),
        ("until 2026-12-28 deputy <@UCAROL> and <@UDIETER>", "away_bad_deputy"),
        ("until someday", "unparseable_date"),
        ("until 2026-11-20", "past_date"),
    ],
)
def test_parse_away_refuses_what_it_cannot_read(text, code):
    with pytest.raises(ParseError) as caught:
        parse_away(text, now=NOW, tz=BERLIN)
    assert caught.value.code == code
