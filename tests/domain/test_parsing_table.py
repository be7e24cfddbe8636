"""The phrase table: how English and German users write deadlines, and what the parser must make of it.

Each row of ``data/phrases.tsv`` is one test. Rows name their source: expressions adapted from public
corpora of time expressions (Duckling's EN/DE time and duration corpora, dateparser's tests, HeidelTime's
German resources — only the expressions, re-dated to our fixed ``now``s) or our own phrasings. Columns:

* ``now``: one of the fixed moments below; ``text``: what follows the mention in ``/request``
* ``description``, ``due`` (ISO 8601 with offset, compared in UTC; ``2026-12-04`` for a day),
  ``within`` (``90m``, ``2d``, ``1d30m``), ``urgent`` (``yes``), ``unread`` (fragments, `` | ``-separated)
* ``error`` and ``options`` when the text must be answered with a question or a refusal
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.parsing import Duration, ParseError, parse_request_command, time_like_fragments

BERLIN = ZoneInfo("Europe/Berlin")
NOWS = {
    "thu": datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN),  # Thursday morning, the main one
    "fri": datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN),  # Friday afternoon, an hour before end of day
    "sun": datetime(2026, 11, 29, 11, 0, tzinfo=BERLIN),  # a Sunday
    "dec28": datetime(2026, 12, 28, 10, 0, tzinfo=BERLIN),  # Monday between the years
    "dst": datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN),  # Easter Sunday, clocks went forward at 02:00
}
TABLE = Path(__file__).parent / "data" / "phrases.tsv"
SOURCES = {"duckling-en", "duckling-de", "dateparser-en", "dateparser-de", "heideltime-de", "own"}


@dataclass(frozen=True)
class Row:
    line: int
    source: str
    language: str
    now: str
    text: str
    description: str
    due: str
    within: str
    urgent: str
    unread: str
    error: str
    options: str

    @property
    def id(self) -> str:
        return f"{self.line}-{self.language}-{self.now}-{self.text}"


def _rows() -> list[Row]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        lines = [(number, line) for number, line in enumerate(handle, start=1) if not line.startswith("#")]
    reader = csv.reader((line for _, line in lines), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    assert header == [
        *("source", "language", "now", "text", "description", "due", "within", "urgent", "unread", "error"),
        "options",
    ]
    return [Row(number, *fields) for (number, _), fields in zip(lines[1:], reader, strict=True)]


ROWS = _rows()


def _duration(text: str) -> Duration | None:
    if text == "-":
        return None
    match = re.fullmatch(r"(?:(?P<days>\d+)d)?(?:(?P<minutes>\d+)m)?", text)
    assert match and text, f"bad duration {text!r} in the table"
    return Duration(minutes=int(match["minutes"] or 0), days=int(match["days"] or 0))


def _moment(text: str) -> datetime | date:
    value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"{text!r} in the table needs an offset"
        return value.astimezone(UTC)
    return value


def _list(text: str) -> tuple[str, ...]:
    return () if text == "-" else tuple(part.strip() for part in text.split(" | "))


def test_table_is_large_and_balanced():
    languages = [row.language for row in ROWS]

    assert len(ROWS) >= 300
    assert languages.count("en") >= 150
    assert languages.count("de") >= 150
    assert {row.source for row in ROWS} <= SOURCES
    assert {row.now for row in ROWS} == set(NOWS)
    assert len({(row.language, row.now, row.text) for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_phrase(row: Row):
    text = "<@U1|bob> " + row.text
    now = NOWS[row.now]

    if row.error != "-":
        with pytest.raises(ParseError) as caught:
            parse_request_command(text, now=now, tz=BERLIN, language=row.language)
        assert caught.value.code == row.error
        if row.options != "-":
            assert caught.value.params["options"] == tuple(_moment(option) for option in _list(row.options))
        return

    draft = parse_request_command(text, now=now, tz=BERLIN, language=row.language)

    assert draft.description == row.description
    assert draft.response_within == _duration(row.within)
    if row.due == "-":
        assert draft.due is None
    else:
        assert draft.due is not None
        assert draft.due.at == _moment(row.due)
        assert draft.due.at.tzinfo is UTC
    assert draft.urgent is (row.urgent == "yes")
    assert draft.unread == _list(row.unread)


@pytest.mark.parametrize(
    "row",
    [row for row in ROWS if row.error == "-" and (row.due != "-" or row.within != "-")],
    ids=lambda row: row.id,
)
def test_every_phrase_that_was_read_is_time_like(row: Row):
    """What the parser takes from a text, the detector would have reported: the two agree."""
    assert time_like_fragments(row.text, row.language)
