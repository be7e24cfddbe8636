"""The conversation's pure rules: what reads as a question (English and German), and how a wait on the
requester moves a clock by business time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.conversation import looks_like_question, shift_by_wait

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = BusinessCalendar("Europe/Berlin", holiday_country="DE")


@pytest.mark.parametrize(
    "text",
    [
        "What is the guest wifi password",
        "Which cost centre do I use?",
        "Is the release still on for Friday",
        "Could you check the invoice?",
        "Send the numbers, ok?",
        "Are we on track? :thinking_face:",
        "The room for Monday?)",
        "Wann ist die Deadline für das Angebot",
        "Wo liegt die Vorlage",
        "Kannst du mir die Zahlen schicken",
        "Gibt es schon einen Termin",
        "Welche Version gilt",
        "Warum ist der Build rot",
        "  wie spät ist es in NYC",
    ],
)
def test_questions_are_recognised_in_english_and_german(text):
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "Send the Q3 numbers",
        "Have a look at the contract",
        "Do the review by Friday",
        "Review: is the contract ok",  # the question word is not at the start
        "Bitte die Zahlen prüfen",
        "Schick mir die Vorlage",
        "Whatsapp group for the offsite",  # a word that only begins like one
        "",
    ],
)
def test_tasks_are_not_questions(text):
    assert not looks_like_question(text)


def test_a_wait_moves_a_moment_by_the_waited_working_time():
    thursday_14 = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    # 3h are left on Thursday, 4h more on Friday.
    assert shift_by_wait(thursday_14, timedelta(hours=7), CALENDAR) == datetime(
        2026, 11, 27, 13, 0, tzinfo=BERLIN
    )
    friday_16 = datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN)
    assert shift_by_wait(friday_16, timedelta(hours=2), CALENDAR) == datetime(
        2026, 11, 30, 10, 0, tzinfo=BERLIN
    )
    assert shift_by_wait(friday_16, timedelta(0), CALENDAR) == friday_16


def test_a_wait_over_a_holiday_skips_it():
    before_christmas = datetime(2026, 12, 24, 16, 0, tzinfo=BERLIN)  # Thursday; 25th and 26th are holidays
    shifted = shift_by_wait(before_christmas, timedelta(hours=2), CALENDAR)
    assert shifted == datetime(2026, 12, 28, 10, 0, tzinfo=BERLIN)
    assert CALENDAR.business_time_between(before_christmas, shifted) == timedelta(hours=2)


def test_a_date_only_due_date_stays_a_day():
    thursday_end = datetime(2026, 11, 26, 17, 0, tzinfo=BERLIN)
    shifted = shift_by_wait(thursday_end, timedelta(hours=2), CALENDAR, date_only=True)
    assert shifted == datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN)  # the end of Friday, a whole day again
