"""`/request` text and the modal's time fields, as English and German users write them."""

from __future__ import annotations

import contextlib
import random
import string
import time as clock
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.parsing import (
    Deadline,
    Duration,
    Mention,
    ParseError,
    RequestDraft,
    guess_kind,
    parse_deadline,
    parse_duration,
    parse_mention,
    parse_request_command,
    time_like_fragments,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)  # a Thursday morning
YEAR_END = datetime(2026, 12, 28, 10, 0, tzinfo=BERLIN)  # a Monday between the years
BEFORE_DST = datetime(2027, 3, 26, 10, 0, tzinfo=BERLIN)  # Friday; clocks go forward on Sunday 28 March

BOB = Mention(kind="user", id="U1", label="bob")


def local(due: Deadline, tz: ZoneInfo) -> str:
    return due.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def command(text: str, language: str = "en", *, now: datetime = NOW, tz: ZoneInfo = BERLIN):
    return parse_request_command(text, now=now, tz=tz, language=language)


def raises_code(code: str):
    return pytest.raises(ParseError, match=rf"^{code}\b")


# ------------------------------------------------------------------------------------------------
# Whole commands: description, response time and due date come apart correctly.

COMMANDS = [
    # text, language, description, response_within, due (local, Berlin), date_only
    ("<@U1|bob> Send the Q3 numbers within 4h by Friday", "en",
     "Send the Q3 numbers", Duration(minutes=240), "2026-11-27 17:00", True),
    ("<@U1|bob> Bitte die Q3-Zahlen schicken innerhalb von 4 Stunden bis morgen 14 Uhr", "de",
     "Bitte die Q3-Zahlen schicken", Duration(minutes=240), "2026-11-27 14:00", False),
    ("<@U1|bob> Send the Q3 numbers by Friday within 2 business days", "en",
     "Send the Q3 numbers", Duration(days=2), "2026-11-27 17:00", True),
    ("<@U1|bob> Zahlen schicken bis Freitag binnen 2 Tagen", "de",
     "Zahlen schicken", Duration(days=2), "2026-11-27 17:00", True),
    ("<@U1|bob> Review the contract within 30 min", "en",
     "Review the contract", Duration(minutes=30), None, None),
    ("<@U1|bob> Vertrag prüfen innerhalb von 30 Min.", "de",
     "Vertrag prüfen", Duration(minutes=30), None, None),
    ("<@U1|bob> Call the customer back by tomorrow 3pm", "en",
     "Call the customer back", None, "2026-11-27 15:00", False),
    ("<@U1|bob> Prepare slides by next Monday 3pm", "en",
     "Prepare slides", None, "2026-11-30 15:00", False),
    ("<@U1|bob> Ship it by 2026-12-04", "en", "Ship it", None, "2026-12-04 17:00", True),
    ("<@U1|bob> Ship it by 2026-12-04 14:00", "en", "Ship it", None, "2026-12-04 14:00", False),
    ("<@U1|bob> Ship it by Dec 4", "en", "Ship it", None, "2026-12-04 17:00", True),
    ("<@U1|bob> Ship it by end of week", "en", "Ship it", None, "2026-11-27 17:00", True),
    ("<@U1|bob> Ship it by EOD", "en", "Ship it", None, "2026-11-26 17:00", True),
    ("<@U1|bob> Ship it until Friday 2pm", "en", "Ship it", None, "2026-11-27 14:00", False),
    ("<@U1|bob> Ship it before Monday", "en", "Ship it", None, "2026-11-30 17:00", True),
    ("<@U1|bob> Bericht bis Freitag", "de", "Bericht", None, "2026-11-27 17:00", True),
    ("<@U1|bob> Bericht bis 15.01.", "de", "Bericht", None, "2027-01-15 17:00", True),
    ("<@U1|bob> Bericht bis 15.01.2027", "de", "Bericht", None, "2027-01-15 17:00", True),
    ("<@U1|bob> Bericht bis Ende der Woche", "de", "Bericht", None, "2026-11-27 17:00", True),
    ("<@U1|bob> Bericht bis heute 16:30", "de", "Bericht", None, "2026-11-26 16:30", False),
    ("<@U1|bob> Bericht bis Montag 9 Uhr", "de", "Bericht", None, "2026-11-30 09:00", False),
    ("<@U1|bob> Bericht bis übermorgen", "de", "Bericht", None, "2026-11-28 17:00", True),
    ("<@U1|bob> Bericht bis zum 4. Dezember", "de", "Bericht", None, "2026-12-04 17:00", True),
    ("<@U1|bob> Bericht bis spätestens Freitag, 14 Uhr", "de", "Bericht", None, "2026-11-27 14:00", False),
    # A German speaker may type English keywords and vice versa.
    ("<@U1|bob> Bericht schicken by Friday", "de", "Bericht schicken", None, "2026-11-27 17:00", True),
    ("<@U1|bob> Send the report bis Freitag within 1 Std.", "en",
     "Send the report", Duration(minutes=60), "2026-11-27 17:00", True),
    # Text that only looks like a clause stays in the description.
    ("<@U1|bob> Send it by the way", "en", "Send it by the way", None, None, None),
    ("<@U1|bob> by the way, the numbers please", "en", "by the way, the numbers please", None, None, None),
    ("<@U1|bob> Zahlen schicken, bis dann", "de", "Zahlen schicken, bis dann", None, None, None),
    ("<@U1|bob> Zahlen schicken, bis später", "de", "Zahlen schicken, bis später", None, None, None),
    ("<@U1|bob> Sort the leads by region", "en", "Sort the leads by region", None, None, None),
    ("<@U1|bob> Pay the invoice by credit card", "en", "Pay the invoice by credit card", None, None, None),
    ("<@U1|bob> Reduce costs by 12.5", "en", "Reduce costs by 12.5", None, None, None),
    ("<@U1|bob> Keep the upload within 2 MB", "en", "Keep the upload within 2 MB", None, None, None),
    ("<@U1|bob> Raum buchen von 9 bis 17 Uhr", "de", "Raum buchen von 9 bis 17 Uhr", None, None, None),
    ("<@U1|bob> Seiten 2 bis 3 prüfen", "de", "Seiten 2 bis 3 prüfen", None, None, None),
    ("<@U1|bob> Send it by Friday by the way", "en", "Send it by Friday by the way", None, None, None),
    # ... but a real clause at the end is still found after one that is not.
    ("<@U1|bob> Book the room by the window by Friday", "en",
     "Book the room by the window", None, "2026-11-27 17:00", True),
    ("<@U1|bob> Zahlen vom Vertrieb bis Freitag", "de", "Zahlen vom Vertrieb", None, "2026-11-27 17:00", True),
    ("<@U1|bob> Update the by-law by Friday", "en", "Update the by-law", None, "2026-11-27 17:00", True),
    # Punctuation around the clauses does not end up in the description.
    ("<@U1|bob> Send the numbers, within 4h, by Friday.", "en",
     "Send the numbers", Duration(minutes=240), "2026-11-27 17:00", True),
    ("<@U1|bob>: please check", "en", "please check", None, None, None),
    ("<@U1|bob>please check", "en", "please check", None, None, None),
    # Other mentions are left as Slack wrote them.
    ("<@U1|bob> Ask <@U2|carol> and <!subteam^S9|@ops> about it by Friday", "en",
     "Ask <@U2|carol> and <!subteam^S9|@ops> about it", None, "2026-11-27 17:00", True),
    ("<@U1|bob> Line one\nline two within 2h", "en", "Line one\nline two", Duration(minutes=120), None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "language", "description", "within", "due", "date_only"), COMMANDS, ids=[c[0] for c in COMMANDS]
)
def test_command_splits_into_parts(text, language, description, within, due, date_only):
    draft = command(text, language)

    assert draft.assignee == BOB
    assert draft.description == description
    assert draft.response_within == within
    if due is None:
        assert draft.due is None
    else:
        assert local(draft.due, BERLIN) == due
        assert draft.due.date_only is date_only
        assert draft.due.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "mention", "description"),
    [
        ("<@U024BE7LH|alice> do it", Mention("user", "U024BE7LH", "alice"), "do it"),
        ("<@U024BE7LH> do it", Mention("user", "U024BE7LH", None), "do it"),
        ("  <@W0ENTERPRISE|erin> do it", Mention("user", "W0ENTERPRISE", "erin"), "do it"),
        ("<!subteam^S0614TZR7|@design> new logo", Mention("usergroup", "S0614TZR7", "design"), "new logo"),
        ("<!subteam^S0614TZR7> new logo", Mention("usergroup", "S0614TZR7", None), "new logo"),
    ],
)
def test_assignee_is_the_leading_escaped_mention(text, mention, description):
    draft = command(text)

    assert draft.assignee == mention
    assert draft.description == description


def test_parse_mention_returns_the_rest():
    assert parse_mention("<@U1|bob> hi") == (BOB, " hi")
    assert parse_mention("hi <@U1|bob>") is None


# ------------------------------------------------------------------------------------------------
# Deadlines on their own (the modal's free-text field, and the clause after by/bis)

DEADLINES = [
    # text, language, now, tz, expected local time, date_only
    ("Friday", "en", NOW, BERLIN, "2026-11-27 17:00", True),
    ("by Friday", "en", NOW, BERLIN, "2026-11-27 17:00", True),
    ("Fri 2pm", "en", NOW, BERLIN, "2026-11-27 14:00", False),
    ("tomorrow 3pm", "en", NOW, BERLIN, "2026-11-27 15:00", False),
    ("tomorrow at 3:30 p.m.", "en", NOW, BERLIN, "2026-11-27 15:30", False),
    ("3pm tomorrow", "en", NOW, BERLIN, "2026-11-27 15:00", False),
    ("next Monday", "en", NOW, BERLIN, "2026-11-30 17:00", True),
    ("Monday at 9am", "en", NOW, BERLIN, "2026-11-30 09:00", False),
    ("Friday next week", "en", NOW, BERLIN, "2026-12-04 17:00", True),
    ("2026-12-04T14:00", "en", NOW, BERLIN, "2026-12-04 14:00", False),
    ("December 4th, 2027", "en", NOW, BERLIN, "2027-12-04 17:00", True),
    ("the 4th of December", "en", NOW, BERLIN, "2026-12-04 17:00", True),
    ("4 Dec 3pm", "en", NOW, BERLIN, "2026-12-04 15:00", False),
    ("end of next week", "en", NOW, BERLIN, "2026-12-04 17:00", True),
    ("end of day", "en", NOW, BERLIN, "2026-11-26 17:00", True),
    ("EOD tomorrow", "en", NOW, BERLIN, "2026-11-27 17:00", True),
    ("Friday EOD", "en", NOW, BERLIN, "2026-11-27 17:00", True),
    ("COB", "en", NOW, BERLIN, "2026-11-26 17:00", True),
    ("today 4:30pm", "en", NOW, BERLIN, "2026-11-26 16:30", False),
    ("3pm", "en", NOW, BERLIN, "2026-11-26 15:00", False),
    ("noon", "en", NOW, BERLIN, "2026-11-26 12:00", False),
    ("15:30", "en", NOW, BERLIN, "2026-11-26 15:30", False),
    ("12/24", "en", NOW, BERLIN, "2026-12-24 17:00", True),  # unambiguous: 24 is no month
    ("24/12/2026", "en", NOW, BERLIN, "2026-12-24 17:00", True),
    ("15.01.", "en", NOW, BERLIN, "2027-01-15 17:00", True),  # dotted is day-first for everyone
    ("2026/12/04", "en", NOW, BERLIN, "2026-12-04 17:00", True),
    # A weekday is the next one strictly after today ...
    ("Thursday", "en", NOW, BERLIN, "2026-12-03 17:00", True),
    ("Thursday 9am", "en", NOW, BERLIN, "2026-12-03 09:00", False),
    ("next Thursday 3pm", "en", NOW, BERLIN, "2026-12-03 15:00", False),
    # ... unless it comes with a time still ahead today.
    ("Thursday 3pm", "en", NOW, BERLIN, "2026-11-26 15:00", False),
    ("Donnerstag 15 Uhr", "de", NOW, BERLIN, "2026-11-26 15:00", False),
    # German
    ("Freitag", "de", NOW, BERLIN, "2026-11-27 17:00", True),
    ("bis Freitag", "de", NOW, BERLIN, "2026-11-27 17:00", True),
    ("morgen 14 Uhr", "de", NOW, BERLIN, "2026-11-27 14:00", False),
    ("morgen um 14:30 Uhr", "de", NOW, BERLIN, "2026-11-27 14:30", False),
    ("morgen Mittag", "de", NOW, BERLIN, "2026-11-27 12:00", False),
    ("um 14 Uhr am Freitag", "de", NOW, BERLIN, "2026-11-27 14:00", False),
    ("am Montag um 9 Uhr", "de", NOW, BERLIN, "2026-11-30 09:00", False),
    ("nächsten Montag", "de", NOW, BERLIN, "2026-11-30 17:00", True),
    ("Freitag nächste Woche", "de", NOW, BERLIN, "2026-12-04 17:00", True),
    ("Do.", "de", NOW, BERLIN, "2026-12-03 17:00", True),
    ("15.01.", "de", NOW, BERLIN, "2027-01-15 17:00", True),
    ("15.1.", "de", NOW, BERLIN, "2027-01-15 17:00", True),
    ("15.01", "de", NOW, BERLIN, "2027-01-15 17:00", True),
    ("15.01.27", "de", NOW, BERLIN, "2027-01-15 17:00", True),
    ("bis zum 4.12. 10:30", "de", NOW, BERLIN, "2026-12-04 10:30", False),
    ("4. Dez. 14 Uhr", "de", NOW, BERLIN, "2026-12-04 14:00", False),
    ("Freitag, 27.11.", "de", NOW, BERLIN, "2026-11-27 17:00", True),
    ("12/04", "de", NOW, BERLIN, "2027-04-12 17:00", True),  # German users write day-first
    ("04-12-2026", "de", NOW, BERLIN, "2026-12-04 17:00", True),
    ("Ende der Woche", "de", NOW, BERLIN, "2026-11-27 17:00", True),
    ("Ende nächster Woche", "de", NOW, BERLIN, "2026-12-04 17:00", True),
    ("bis zum Wochenende", "de", NOW, BERLIN, "2026-11-27 17:00", True),
    ("Feierabend", "de", NOW, BERLIN, "2026-11-26 17:00", True),
    ("heute", "de", NOW, BERLIN, "2026-11-26 17:00", True),
    ("übermorgen", "de", NOW, BERLIN, "2026-11-28 17:00", True),
    ("14 Uhr", "de", NOW, BERLIN, "2026-11-26 14:00", False),
    ("24 Uhr", "de", NOW, BERLIN, "2026-11-26 23:59", False),
    # Other zones: the same instant is a different local day and hour.
    ("tomorrow 3pm", "en", NOW, NEW_YORK, "2026-11-27 15:00", False),
    ("EOD", "en", NOW, NEW_YORK, "2026-11-26 17:00", True),
    ("Friday 9am", "en", NOW, NEW_YORK, "2026-11-27 09:00", False),
    ("tomorrow 9am", "en", NOW, TOKYO, "2026-11-27 09:00", False),  # it is 18:00 in Tokyo
    ("Thursday 7pm", "en", NOW, TOKYO, "2026-11-26 19:00", False),
    ("Thursday 5pm", "en", NOW, TOKYO, "2026-12-03 17:00", False),
    ("Freitag", "de", NOW, TOKYO, "2026-11-27 17:00", True),
    # Around the turn of the year a yearless date means the nearest one.
    ("bis 15.01.", "de", YEAR_END, BERLIN, "2027-01-15 17:00", True),
    ("bis 2.1.", "de", YEAR_END, BERLIN, "2027-01-02 17:00", True),
    ("by Jan 4", "en", YEAR_END, BERLIN, "2027-01-04 17:00", True),
    ("by 12/31", "en", YEAR_END, BERLIN, "2026-12-31 17:00", True),
    ("bis Freitag", "de", YEAR_END, BERLIN, "2027-01-01 17:00", True),
    ("end of week", "en", YEAR_END, BERLIN, "2027-01-01 17:00", True),
    # Across the switch to summer time the wall-clock time is kept.
    ("Monday 9am", "en", BEFORE_DST, BERLIN, "2027-03-29 09:00", False),
]


@pytest.mark.parametrize(
    ("text", "language", "now", "tz", "expected", "date_only"),
    DEADLINES,
    ids=[f"{c[0]}-{c[1]}-{c[3].key}-{c[2]:%m%d}" for c in DEADLINES],
)
def test_deadline(text, language, now, tz, expected, date_only):
    due = parse_deadline(text, now=now, tz=tz, language=language)

    assert local(due, tz) == expected
    assert due.date_only is date_only
    assert due.at.tzinfo is UTC


def test_deadline_across_dst_is_correct_in_utc():
    due = parse_deadline("Monday 9am", now=BEFORE_DST, tz=BERLIN, language="en")

    assert due.at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # CEST, +02:00


def test_date_without_time_uses_the_callers_end_of_day():
    due = parse_deadline("Freitag", now=NOW, tz=BERLIN, language="de", end_of_day=time(18, 30))

    assert local(due, BERLIN) == "2026-11-27 18:30"
    assert due.date_only


def test_slack_locale_codes_are_accepted_as_language():
    due = parse_deadline("12/04", now=NOW, tz=BERLIN, language="de-DE")

    assert local(due, BERLIN) == "2027-04-12 17:00"


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        parse_deadline("Friday", now=datetime(2026, 11, 26, 10, 0), tz=BERLIN, language="en")


# ------------------------------------------------------------------------------------------------
# Durations

DURATIONS = [
    ("4h", Duration(minutes=240)),
    ("4 H", Duration(minutes=240)),
    ("4hrs", Duration(minutes=240)),
    ("30m", Duration(minutes=30)),
    ("30 min", Duration(minutes=30)),
    ("30 Min.", Duration(minutes=30)),
    ("45 Minuten", Duration(minutes=45)),
    ("90 minutes", Duration(minutes=90)),
    ("1 hour", Duration(minutes=60)),
    ("an hour", Duration(minutes=60)),
    ("half an hour", Duration(minutes=30)),
    ("eine halbe Stunde", Duration(minutes=30)),
    ("eine Stunde", Duration(minutes=60)),
    ("4 Stunden", Duration(minutes=240)),
    ("1 Std.", Duration(minutes=60)),
    ("1,5 Stunden", Duration(minutes=90)),
    ("1.5h", Duration(minutes=90)),
    ("1h 30m", Duration(minutes=90)),
    ("1h30", Duration(minutes=90)),
    ("1:30 h", Duration(minutes=90)),
    ("1 hour and 30 minutes", Duration(minutes=90)),
    ("2d", Duration(days=2)),
    ("2 days", Duration(days=2)),
    ("2 business days", Duration(days=2)),
    ("2 working days", Duration(days=2)),
    ("3 workdays", Duration(days=3)),
    ("2 Tage", Duration(days=2)),
    ("zwei Tage", Duration(days=2)),
    ("2 Werktage", Duration(days=2)),
    ("2 Arbeitstage", Duration(days=2)),
    ("1 Tag und 2 Stunden", Duration(minutes=120, days=1)),
    ("2 weeks", Duration(days=10)),
    ("1 Woche", Duration(days=5)),
    ("innerhalb von 4 Stunden", Duration(minutes=240)),
    ("binnen 2 Tagen", Duration(days=2)),
    ("within 2 business days", Duration(days=2)),
    ("in 2 days", Duration(days=2)),
    ("60 days", Duration(days=60)),
    ("480h", Duration(minutes=480 * 60)),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS, ids=[d[0] for d in DURATIONS])
def test_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_duration"),
        ("soon", "bad_duration"),
        ("4", "bad_duration"),
        ("ah", "bad_duration"),
        ("4h and", "bad_duration"),
        ("1h75", "bad_duration"),
        ("1.5 days", "bad_duration"),
        ("2.5 min", "bad_duration"),
        ("0h", "zero_duration"),
        ("0 Tage", "zero_duration"),
        ("61 days", "duration_too_long"),
        ("13 weeks", "duration_too_long"),
        ("481h", "duration_too_long"),
    ],
)
def test_duration_errors(text, code):
    with raises_code(code) as caught:
        parse_duration(text)

    assert caught.value.code == code
    assert caught.value.params["text"] == text


def test_duration_describes_itself_for_the_ui():
    assert Duration(minutes=90, days=1).describe_key() == (("days", 1), ("hours", 1), ("minutes", 30))
    assert Duration(minutes=240).describe_key() == (("hours", 4),)
    assert not Duration()
    assert Duration(days=1)


# ------------------------------------------------------------------------------------------------
# Errors the user gets to see

COMMAND_ERRORS = [
    ("", "en", "missing_assignee", {}),
    ("   ", "en", "missing_assignee", {}),
    ("please send the numbers", "en", "missing_assignee", {}),
    ("Send <@U1|bob> the numbers", "en", "missing_assignee", {}),
    ("<#C123|general> do it", "en", "missing_assignee", {}),
    ("<!here> do it", "en", "missing_assignee", {}),
    ("@bob send the numbers", "en", "missing_assignee", {"name": "bob"}),
    ("@anna.schmidt: bitte die Zahlen", "de", "missing_assignee", {"name": "anna.schmidt"}),
    ("<@U1|bob>", "en", "missing_description", {}),
    ("<@U1|bob>   ", "en", "missing_description", {}),
    ("<@U1|bob> by Friday", "en", "missing_description", {}),
    ("<@U1|bob> within 4h by Friday", "en", "missing_description", {}),
    ("<@U1|bob> :", "en", "missing_description", {}),
    ("<@U1|bob> Send it by 12/04", "en", "ambiguous_date", {"text": "12/04"}),
    ("<@U1|bob> Send it by 12/04/2027", "en", "ambiguous_date", {"text": "12/04/2027"}),
    ("<@U1|bob> Send it by 04-12-2027", "en", "ambiguous_date", {"text": "04-12-2027"}),
    ("<@U1|bob> Send it by 31.02.", "en", "invalid_date", {"text": "31.02."}),
    ("<@U1|bob> Schicken bis 31.02.2027", "de", "invalid_date", {"text": "31.02.2027"}),
    ("<@U1|bob> Schicken bis 15.13.", "de", "invalid_date", {"text": "15.13."}),
    ("<@U1|bob> Send it by Feb 31", "en", "invalid_date", {"text": "Feb 31"}),
    ("<@U1|bob> Schicken bis 30. Februar", "de", "invalid_date", {"text": "30. Februar"}),
    ("<@U1|bob> Send it by 2026-13-01", "en", "invalid_date", {"text": "2026-13-01"}),
    ("<@U1|bob> Send it by tomorrow 13pm", "en", "invalid_date", {"text": "tomorrow 13pm"}),
    ("<@U1|bob> Schicken bis morgen 25:00", "de", "invalid_date", {"text": "morgen 25:00"}),
    ("<@U1|bob> Schicken bis Freitag, 28.11.", "de", "invalid_date", {"reason": "weekday_mismatch"}),
    ("<@U1|bob> Send it by 2026-11-25", "en", "past_date", {"text": "2026-11-25"}),
    ("<@U1|bob> Schicken bis 25.11.", "de", "past_date", {"text": "25.11."}),
    ("<@U1|bob> Schicken bis heute 9 Uhr", "de", "past_date", {"text": "heute 9 Uhr"}),
    ("<@U1|bob> Zahlen bis gestern", "de", "past_date", {"text": "gestern"}),
    ("<@U1|bob> Numbers by yesterday 3pm", "en", "past_date", {"text": "yesterday 3pm"}),
    ("<@U1|bob> Send it by 9am", "en", "past_date", {"at": datetime(2026, 11, 26, 8, 0, tzinfo=UTC)}),
    ("<@U1|bob> Send it by 15.01.27x", "en", "unparseable_date", {"text": "15.01.27x"}),
    ("<@U1|bob> Schicken bis 1.2.3.4", "de", "unparseable_date", {"text": "1.2.3.4"}),
    ("<@U1|bob> Send by 12/04 the numbers", "en", "unparseable_date", {"text": "12/04 the numbers"}),
    ("<@U1|bob> Send it by 2029-01-01", "en", "date_too_far", {"max_years": 2}),
    ("<@U1|bob> Schicken bis 15.01.2030", "de", "date_too_far", {"text": "15.01.2030"}),
    ("<@U1|bob> Send it within 0h", "en", "zero_duration", {"text": "0h"}),
    ("<@U1|bob> Schicken innerhalb von 0 Minuten", "de", "zero_duration", {"text": "0 Minuten"}),
    ("<@U1|bob> Send it within 61 days", "en", "duration_too_long", {"max_days": 60}),
    ("<@U1|bob> Send it within 4", "en", "bad_duration", {"text": "4"}),
]


@pytest.mark.parametrize(
    ("text", "language", "code", "params"), COMMAND_ERRORS, ids=[e[0] for e in COMMAND_ERRORS]
)
def test_command_errors(text, language, code, params):
    with raises_code(code) as caught:
        command(text, language)

    assert caught.value.code == code
    assert params.items() <= caught.value.params.items()


def test_ambiguous_date_offers_both_readings():
    with raises_code("ambiguous_date") as caught:
        command("<@U1|bob> Send it by 12/04")

    assert set(caught.value.params["options"]) == {datetime(2026, 12, 4).date(), datetime(2027, 4, 12).date()}


@pytest.mark.parametrize(
    ("text", "now", "tz", "code"),
    [
        ("EOD", NOW, TOKYO, "past_date"),  # 18:00 in Tokyo, working day is over
        ("bis 20.12.", YEAR_END, BERLIN, "past_date"),  # nearest 20 December was last week
        ("the way", NOW, BERLIN, "unparseable_date"),
        ("", NOW, BERLIN, "unparseable_date"),
        ("soon-ish", NOW, BERLIN, "unparseable_date"),
        ("2028-11-26", NOW, BERLIN, "date_too_far"),
    ],
)
def test_deadline_errors(text, now, tz, code):
    with raises_code(code):
        parse_deadline(text, now=now, tz=tz, language="en")


def test_two_years_ahead_is_still_fine():
    due = parse_deadline("2028-11-25", now=NOW, tz=BERLIN, language="en")

    assert local(due, BERLIN) == "2028-11-25 17:00"


def test_parse_error_is_a_value_error_with_code_and_params():
    error = ParseError("past_date", text="gestern")

    assert isinstance(error, ValueError)
    assert (error.code, error.params) == ("past_date", {"text": "gestern"})


# ------------------------------------------------------------------------------------------------
# Robustness: whatever users type after a mention, the parser answers or explains.

_WORDS = st.sampled_from(
    [
        *("by", "bis", "within", "innerhalb", "von", "binnen", "until", "the", "way", "end", "of", "week"),
        *("Friday", "Freitag", "morgen", "tomorrow", "3pm", "14", "Uhr", "15.01.", "12/04", "31.02."),
        *("4h", "2", "Tage", "0h", "Dec", "4", "EOD", ",", ".", ":", "<@U2|x>", "ö", "9", "17"),
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=1, max_size=8), st.sampled_from(["en", "de"]))
def test_any_text_yields_a_draft_or_a_parse_error(words, language):
    text = "<@U1|bob> " + " ".join(words)
    try:
        draft = command(text, language)
    except ParseError as error:
        assert error.code
        return
    assert draft.description
    assert draft.description in text  # clauses are cut off, nothing is rewritten


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("Please call back the supplier", "callback"),
        ("Call me back about the offer", "callback"),
        ("Bitte um Rückruf wegen der Rechnung", "callback"),
        ("Ruf mich bitte heute noch an", "callback"),
        ("Kannst du den Kunden zurückrufen", "callback"),
        ("Do we still have budget for Q4?", "question"),
        ("Haben wir noch Budget?", "question"),
        ("Send the Q3 numbers", "task"),
        ("Backup the callbacks table", "task"),
    ],
)
def test_guess_kind(description, kind):
    assert guess_kind(description) == kind


# ------------------------------------------------------------------------------------------------
# Urgency, unread fragments and the time-like detector (the phrase table covers the many forms)


def test_a_draft_without_the_new_fields_still_constructs():
    draft = RequestDraft(assignee=BOB, description="x", response_within=None, due=None)

    assert (draft.urgent, draft.unread) == (False, ())


def test_urgency_is_flagged_and_removed_from_the_edges_only():
    assert command("<@U1|bob> ASAP: send the numbers").description == "send the numbers"
    assert command("<@U1|bob> Rechnung prüfen, dringend!", "de").urgent
    inside = command("<@U1|bob> Ich brauche dringend die Zahlen", "de")
    assert (inside.urgent, inside.description, inside.unread) == (True, "Ich brauche dringend die Zahlen", ())
    assert not command("<@U1|bob> Not urgent, whenever you can").urgent
    assert not command("<@U1|bob> Ab sofort bitte wöchentlich", "de").urgent


def test_every_time_like_fragment_is_used_or_reported():
    draft = command("<@U1|bob> Call me Friday or Monday")

    assert (draft.due, draft.unread) == (None, ("Friday", "Monday"))


def test_the_brief_example_with_a_word_between_trigger_and_time():
    draft = command("<@U1|bob> Send the numbers by the Q3 call tomorrow")

    assert draft.description == "Send the numbers by the Q3 call"
    assert local(draft.due, BERLIN) == "2026-11-27 17:00"
    assert draft.unread == ()


@pytest.mark.parametrize(
    ("text", "language", "fragments"),
    [
        ("Please send the numbers to Anna", "en", ()),
        ("Call me Friday or Monday", "en", ("Friday", "Monday")),
        ("Kannst du bis Freitag die Zahlen schicken?", "de", ("bis Freitag",)),
        ("Treffen morgen um 14 Uhr, danach Review in 2 Wochen", "de", ("morgen um 14 Uhr", "in 2 Wochen")),
        ("Deck by tomorrow at 3pm, asap", "en", ("by tomorrow at 3pm", "asap")),
        ("Review the Q3 numbers from last week", "en", ()),  # the past is no deadline
        ("Guten Morgen! Seit Montag offen, bis bald", "de", ()),
        ("innerhalb von einer Stunde zurückrufen", "de", ("innerhalb von einer Stunde",)),
        ("Die Zahlen vom 15.01 prüfen", "de", ("15.01",)),  # German users drop the final dot
        ("Reduce costs by 12.5 percent", "en", ()),
    ],
)
def test_time_like_fragments(text, language, fragments):
    assert time_like_fragments(text, language) == fragments


def test_time_like_fragments_keep_the_words_as_written():
    text = "Bitte BIS FREITAG, 14 Uhr"

    assert time_like_fragments(text, "de") == ("BIS FREITAG, 14 Uhr",)


# ------------------------------------------------------------------------------------------------
# Working hours decide 12-hour clock times; ambiguity is asked, not guessed


def test_a_twelve_hour_time_takes_the_reading_inside_working_hours():
    assert local(command("<@U1|bob> Zahlen um 3", "de").due, BERLIN) == "2026-11-26 15:00"
    assert local(command("<@U1|bob> Zahlen bis halb vier", "de").due, BERLIN) == "2026-11-26 15:30"


def test_start_of_day_moves_the_working_hours():
    early = parse_request_command(
        "<@U1|bob> Zahlen bis morgen um 8", now=NOW, tz=BERLIN, language="de", start_of_day=time(8, 0)
    )

    assert local(early.due, BERLIN) == "2026-11-27 08:00"
    with raises_code("ambiguous_time"):
        command("<@U1|bob> Zahlen bis morgen um 8", "de")  # 08:00 is before the default 09:00


def test_ambiguous_time_offers_aware_utc_moments_still_ahead():
    with raises_code("ambiguous_time") as caught:
        command("<@U1|bob> Zahlen bis um 8", "de")

    options = caught.value.params["options"]
    assert options == (datetime(2026, 11, 26, 19, 0, tzinfo=UTC), datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    assert all(option.tzinfo is UTC for option in options)
    assert caught.value.params["text"] == "um 8"


def test_a_long_working_day_makes_both_readings_possible():
    with raises_code("ambiguous_time") as caught:
        parse_deadline("tomorrow at 9", now=NOW, tz=BERLIN, language="en", end_of_day=time(21, 0))

    assert [local(Deadline(at, False), BERLIN) for at in caught.value.params["options"]] == [
        "2026-11-27 09:00",
        "2026-11-27 21:00",
    ]


def test_a_time_written_the_24_hour_way_means_what_it_says_when_hours_do_not_decide():
    assert (
        local(parse_deadline("morgen 8 Uhr", now=NOW, tz=BERLIN, language="de"), BERLIN) == "2026-11-27 08:00"
    )
    assert (
        local(parse_deadline("tomorrow 7:30", now=NOW, tz=BERLIN, language="en"), BERLIN)
        == "2026-11-27 07:30"
    )


@pytest.mark.parametrize(
    ("now", "outcome"),
    [
        (datetime(2026, 11, 27, 14, 59, tzinfo=BERLIN), "2026-12-04 17:00"),  # too early to doubt
        (datetime(2026, 11, 27, 15, 0, tzinfo=BERLIN), "ambiguous_weekday"),
        (datetime(2026, 11, 27, 16, 59, tzinfo=BERLIN), "ambiguous_weekday"),
        (datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN), "2026-12-04 17:00"),  # today is over
    ],
)
def test_same_weekday_late_in_the_day_is_asked(now, outcome):
    try:
        due = parse_deadline("by Friday", now=now, tz=BERLIN, language="en")
    except ParseError as error:
        assert error.code == outcome
        today, next_week = error.params["options"]
        assert (local(Deadline(today, True), BERLIN), local(Deadline(next_week, True), BERLIN)) == (
            "2026-11-27 17:00",
            "2026-12-04 17:00",
        )
        return
    assert local(due, BERLIN) == outcome


def test_the_new_error_codes_are_documented():
    for code in ("ambiguous_time", "ambiguous_weekday", "ambiguous_date"):
        assert code in ParseError.__doc__


# ------------------------------------------------------------------------------------------------
# New forms in the modal's fields and the duration parser


@pytest.mark.parametrize(
    ("text", "language", "expected", "date_only"),
    [
        ("KW 50", "de", "2026-12-11 17:00", True),
        ("Weihnachten", "de", "2026-12-24 17:00", True),
        ("halb vier", "de", "2026-11-26 15:30", False),
        ("end of month", "en", "2026-11-30 17:00", True),
        ("tomorrow morning", "en", "2026-11-27 10:00", False),
        ("heute Abend", "de", "2026-11-26 17:00", True),
        ("by the 15th", "en", "2026-12-15 17:00", True),
        ("Freitagnachmittag", "de", "2026-11-27 15:00", False),
    ],
)
def test_deadline_field_understands_the_new_forms(text, language, expected, date_only):
    due = parse_deadline(text, now=NOW, tz=BERLIN, language=language)

    assert (local(due, BERLIN), due.date_only) == (expected, date_only)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("half a day", Duration(minutes=240)),
        ("einen halben Tag", Duration(minutes=240)),
        ("a couple of hours", Duration(minutes=120)),
        ("ein paar Tage", Duration(days=2)),
        ("anderthalb Stunden", Duration(minutes=90)),
        ("a quarter of an hour", Duration(minutes=15)),
        ("innerhalb der nächsten Stunde", Duration(minutes=60)),
        ("within the next 2 hours", Duration(minutes=120)),
        ("in about an hour", Duration(minutes=60)),
        ("eines Tages", Duration(days=1)),
    ],
)
def test_duration_new_forms(text, expected):
    assert parse_duration(text) == expected


def test_a_few_hours_is_not_a_number():
    with raises_code("bad_duration"):
        parse_duration("a few hours")


# ------------------------------------------------------------------------------------------------
# Typos: one letter off, for long keywords, and only where the clause then parses


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("<@U1|bob> Send it withn 4h by frday", "2026-11-27 17:00"),
        ("<@U1|bob> Send it by Wednsday", "2026-12-02 17:00"),
        ("<@U1|bob> Send it untill Friday", "2026-11-27 17:00"),
    ],
)
def test_keyword_typos_are_forgiven(text, due):
    assert local(command(text).due, BERLIN) == due


@pytest.mark.parametrize(
    "text",
    [
        "<@U1|bob> Tell my Friday team",  # "my" never becomes "by"
        "<@U1|bob> It will be Friday",  # nor does "be"; a statement about Friday is no deadline
        "<@U1|bob> Teile liefern bis Montage",  # a real word (assembly), not a typo of Montag
        "<@U1|bob> Send it to Morgan",
    ],
)
def test_words_near_keywords_are_left_alone(text):
    draft = command(text, "de" if "Teile" in text else "en")

    assert draft.due is None
    assert draft.description == text.removeprefix("<@U1|bob> ")


# ------------------------------------------------------------------------------------------------
# Robustness on the new vocabulary, and a loose performance guard

_NEW_WORDS = st.sampled_from(
    [
        *("halb", "vier", "viertel", "nach", "vor", "um", "at", "3", "8", "KW", "50", "in", "2", "hours"),
        *("Stunden", "asap", "dringend", "Weihnachten", "morgen", "früh", "Abend", "tonight", "end", "of"),
        *("month", "Ende", "des", "Monats", "the", "an", "am", "Mo.", "Di", "so", "15th", "Jan", "bis"),
        *("by", "within", "innerhalb", "von", "einer", "half", "a", "day", ".", ",", "!", "Freitag"),
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_NEW_WORDS, min_size=1, max_size=10), st.sampled_from(["en", "de"]))
def test_new_vocabulary_yields_a_draft_or_a_parse_error(words, language):
    text = "<@U1|bob> " + " ".join(words)
    try:
        draft = command(text, language)
    except ParseError as error:
        assert error.code
        return
    assert draft.description
    assert draft.description in text
    assert all(fragment in draft.description for fragment in draft.unread)


def test_long_texts_parse_quickly():
    rnd = random.Random(2500)
    texts = [
        "".join(rnd.choice(string.ascii_letters + string.digits + " .,:/-") for _ in range(2500)),
        " ".join(
            rnd.choice(["by", "bis", "um", "3", "halb", "Friday", "KW", "in", "2", "h"]) for _ in range(800)
        )[:2500],
        ("by " * 900)[:2500],
        ("a" * 2499) + " by Friday",
    ]
    command("<@U1|bob> warm up by Dec 4")  # dateparser's first use loads its locales
    for text in texts:
        started = clock.perf_counter()
        with contextlib.suppress(ParseError):
            command("<@U1|bob> " + text)
        assert clock.perf_counter() - started < 1.0  # a sanity bound, not a benchmark
