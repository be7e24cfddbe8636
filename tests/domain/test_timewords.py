"""The shared time vocabulary: typo matching, holidays, ASCII spellings."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.timewords import ascii_spelling, correct_typo, easter_sunday, holiday_date, one_edit_apart


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("frday", "friday", True),  # a letter missing
        ("fridday", "friday", True),  # one too many
        ("fridey", "friday", True),  # one wrong
        ("firday", "friday", True),  # two swapped
        ("friday", "friday", False),  # no typo at all
        ("frdy", "friday", False),  # two letters off
        ("fidray", "friday", False),
    ],
)
def test_one_edit_apart(a, b, expected):
    assert one_edit_apart(a, b) is expected
    assert one_edit_apart(b, a) is expected


@pytest.mark.parametrize(
    ("token", "keyword"),
    [
        ("withn", "within"),
        ("untl", "until"),
        ("tomorow", "tomorrow"),
        ("wednsday", "wednesday"),
        ("frietag", "freitag"),
        ("innerhlab", "innerhalb"),
        ("decmber", "december"),
        ("weihnachen", "weihnachten"),
    ],
)
def test_typos_of_keywords_are_corrected(token, keyword):
    assert correct_typo(token) == keyword


@pytest.mark.parametrize(
    "token",
    [
        "my", "be", "bsi", "bye",  # short words never become "by"/"bis"
        "fridays", "montage", "mondays",  # inflections and real words are no typos
        "morgan", "frida", "sorgen", "borgen",  # names and words near "morgen"/"Friday"
        "will", "tell", "still",  # near "till", which tolerates no typos
        "kunden",  # near "Stunden": units tolerate no typos
        "friday",  # already right
    ],
)  # fmt: skip
def test_words_that_are_not_typos(token):
    assert correct_typo(token) is None


@pytest.mark.parametrize(
    ("year", "sunday"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
    ],
)
def test_easter_sunday(year, sunday):
    assert easter_sunday(year) == sunday


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("christmas", date(2026, 12, 24)),  # "by Christmas": before the holidays start
        ("christmas_day", date(2026, 12, 25)),
        ("new_years_eve", date(2026, 12, 31)),
        ("new_year", date(2026, 1, 1)),
        ("easter", date(2026, 4, 2)),  # Maundy Thursday, the last day before Good Friday
        ("good_friday", date(2026, 4, 3)),
        ("easter_monday", date(2026, 4, 6)),
    ],
)
def test_holiday_dates(key, expected):
    assert holiday_date(key, 2026) == expected


def test_ascii_spelling():
    assert ascii_spelling("übermorgen") == "uebermorgen"
    assert ascii_spelling("spätestens") == "spaetestens"
    assert ascii_spelling("dreißig") == "dreissig"
