"""`/request` text and the modal's time fields, as English and German users write them."""

from __future__ import annotations

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
    guess_kind,
    parse_deadline,
    parse_duration,
    parse_mention,
    parse_request_command,
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
