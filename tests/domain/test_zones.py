"""Which country a time zone lies in: the default holidays of a colleague abroad."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.zones import ZoneTable, system_table, tzdata_table, zone_country


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("America/New_York", "US"),
        ("Europe/Berlin", "DE"),
        ("Asia/Tokyo", "JP"),
        ("Europe/Vienna", "AT"),
        ("Europe/Oslo", "NO"),  # merged into Europe/Berlin in zone1970.tab, still Norway in zone.tab
        ("US/Eastern", "US"),  # a link
        ("Asia/Calcutta", "IN"),  # an old name, a link too
        ("UTC", None),
        ("Etc/GMT+1", None),
        ("Mars/Olympus", None),
        (None, None),
    ],
)
def test_zone_country(zone, country):
    assert zone_country(zone) == country


def test_the_tzdata_package_alone_knows_the_countries():
    """A plain venv without system tzdata (slim containers, Windows) reads the tzdata package."""
    table = tzdata_table()
    assert table.country("America/New_York") == "US" and table.country("Asia/Tokyo") == "JP"
    assert table.country("US/Pacific") == "US"


def test_without_system_zoneinfo_the_package_is_used(tmp_path):
    assert not system_table([str(tmp_path)])  # an empty directory: nothing there
    assert system_table([str(tmp_path), *__import__("zoneinfo").TZPATH]) or tzdata_table()


def test_zone_tab_wins_over_zone1970_and_links_resolve():
    table = ZoneTable(
        zone_tab="# comment\nNO\t+5955+01045\tEurope/Oslo\n",
        zone1970_tab="DE,DK,NO\t+5230+01322\tEurope/Berlin\tmost of Germany\n",
        tzdata_zi="L Europe/Berlin Arctic/Longyearbyen\nL Europe/Oslo Europe/Tromso\n",
    )
    assert table.country("Europe/Berlin") == "DE"
    assert table.country("Europe/Oslo") == "NO"
    assert table.country("Europe/Tromso") == "NO"
    assert table.country("Arctic/Longyearbyen") == "DE"  # zone.tab (not given here) would say SJ


def test_closing_days_count_like_holidays_every_year():
    calendar = BusinessCalendar(
        "Europe/Berlin", holiday_country="DE", closed_days=frozenset({(12, 24), (2, 29)})
    )
    assert calendar.is_holiday(date(2026, 12, 24)) and calendar.is_holiday(date(2027, 12, 24))
    assert not calendar.is_working_day(date(2026, 12, 24))  # a Thursday
    assert calendar.is_holiday(date(2028, 2, 29)) and not calendar.is_holiday(date(2027, 2, 28))
    assert calendar.holiday_name(date(2026, 12, 24)) is None  # a closing day has no public name
    assert calendar.holiday_name(date(2026, 12, 25), "de") == "Erster Weihnachtstag"
