"""``kundenfokus export``: every request with agreed times, state, history and rating, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import build_parser
from bot.config import Settings
from bot.services import feedback, requests
from bot.services.export import COLUMNS, write_export
from models.db import transaction

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
ROOT = Path(__file__).resolve().parents[2]


def seed(sessions) -> None:
    """#1 done on time, rated and thanked; #2 still open and late; #3 declined — in two workspaces."""
    with transaction(sessions) as session:
        first = requests.file_request(
            session,
            team_id="T0001",
            requester_id="UALICE",
            assignee_id="UBOB",
            text='Send the "Q3" numbers, please;\nthanks',
            now=NOW,
            response_due_at=NOW + timedelta(hours=4),
            due_at=NOW + timedelta(days=2),
            channel_id="C0001",
        )
        requests.acknowledge(
            session, team_id="T0001", request_id=first.id, actor_id="UBOB", now=NOW + timedelta(hours=1)
        )
        requests.complete(
            session, team_id="T0001", request_id=first.id, actor_id="UBOB", now=NOW + timedelta(hours=5)
        )
        feedback.rate(
            session,
            team_id="T0001",
            request_id=first.id,
            actor_id="UALICE",
            now=NOW + timedelta(hours=6),
            score=5,
            tone_respectful=True,
            comment="Great, thank you",
        )
        feedback.thank(
            session, team_id="T0001", request_id=first.id, actor_id="UALICE", now=NOW + timedelta(hours=6)
        )
        requests.file_request(
            session,
            team_id="T0001",
            requester_id="UBOB",
            assignee_id="UCAROL",
            text="Call the supplier",
            now=NOW,
            response_due_at=NOW + timedelta(hours=2),
        )
        third = requests.file_request(
            session,
            team_id="T0002",
            requester_id="UX",
            assignee_id="UY",
            text="Other workspace",
            now=NOW,
            response_due_at=NOW + timedelta(hours=4),
        )
        requests.decline(
            session,
            team_id="T0002",
            request_id=third.id,
            actor_id="UY",
            now=NOW + timedelta(hours=1),
            reason="Not my area",
        )


def export(sessions, fmt: str, **kwargs) -> str:
    out = io.StringIO()
    with sessions() as session:
        write_export(session, out, now=NOW + timedelta(days=1), fmt=fmt, **kwargs)
    return out.getvalue()


def test_json_has_agreed_times_state_history_and_rating(sessions):
    seed(sessions)
    rows = json.loads(export(sessions, "json"))
    assert [(r["team_id"], r["number"], r["state"]) for r in rows] == [
        ("T0001", 1, "done"),
        ("T0001", 2, "open"),
        ("T0002", 1, "declined"),
    ]
    first, second, third = rows
    assert list(first) == list(COLUMNS)
    assert (
        first["response_due_at"] == "2026-11-26T13:00:00+00:00"
        and first["due_at"] == "2026-11-28T09:00:00+00:00"
    )
    assert (
        first["acknowledged_at"] == "2026-11-26T10:00:00+00:00"
        and first["closed_at"] == "2026-11-26T14:00:00+00:00"
    )
    assert first["answered_within_agreed_time"] is True and second["answered_within_agreed_time"] is False
    assert (first["rating_score"], first["rating_tone_respectful"], first["rating_comment"]) == (
        5,
        True,
        "Great, thank you",
    )
    assert first["kudos_count"] == 1 and second["rating_score"] is None
    assert [e["kind"] for e in first["history"]] == ["created", "acknowledged", "done", "rated", "thanked"]
    assert first["history"][1] == {
        "at": "2026-11-26T10:00:00+00:00",
        "actor_id": "UBOB",
        "kind": "acknowledged",
        "detail": {"previous_state": "open", "via": "button"},
    }
    assert third["decline_reason"] == "Not my area"
    assert [r["team_id"] for r in json.loads(export(sessions, "json", team_id="T0002"))] == ["T0002"]


def test_csv_has_the_documented_header_and_survives_quotes_and_newlines(sessions):
    seed(sessions)
    table = list(csv.DictReader(io.StringIO(export(sessions, "csv"))))
    assert len(table) == 3 and tuple(table[0]) == COLUMNS
    first = table[0]
    assert first["text"] == 'Send the "Q3" numbers, please;\nthanks'
    assert (first["rating_score"], first["rating_tone_respectful"], first["answered_within_agreed_time"]) == (
        "5",
        "true",
        "true",
    )
    assert table[1]["due_at"] == "" and table[1]["rating_score"] == ""
    assert [e["kind"] for e in json.loads(first["history"])][:3] == ["created", "acknowledged", "done"]


def test_an_empty_database_exports_valid_documents(sessions):
    assert json.loads(export(sessions, "json")) == []
    assert export(sessions, "csv").splitlines() == [",".join(COLUMNS)]


def test_the_columns_are_documented():
    documented = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in documented


def test_the_command_writes_to_stdout(sessions, database_url, capsys):
    seed(sessions)
    args = build_parser().parse_args(["export", "--format", "csv", "--team", "T0001"])
    assert args.handler(Settings(database_url=database_url), args) == 0
    captured = capsys.readouterr()
    assert (
        captured.out.startswith("team_id,number,") and len(list(csv.reader(io.StringIO(captured.out)))) == 3
    )
    assert "Exported 2 requests" in captured.err


def test_kundenfokus_export_as_a_process(tmp_path, migrated_sqlite_template):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    environment["DATABASE_URL"] = f"sqlite:///{migrated_sqlite_template}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--format", "json"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [] and "Exported 0 requests" in result.stderr


HYPERLINK = '=HYPERLINK("http://evil.example","click")'


def file_with(sessions, text: str, reason: str | None = None) -> None:
    with transaction(sessions) as session:
        request = requests.file_request(
            session,
            team_id="T0001",
            requester_id="UALICE",
            assignee_id="UBOB",
            text=text,
            now=NOW,
            response_due_at=NOW + timedelta(hours=4),
        )
        if reason is not None:
            requests.decline(
                session, team_id="T0001", request_id=request.id, actor_id="UBOB", now=NOW, reason=reason
            )


def test_a_formula_in_a_csv_cell_is_neutralised_with_a_leading_quote(sessions):
    file_with(sessions, HYPERLINK, reason="@SUM(1+1)*cmd|' /C calc'!A0")
    [row] = list(csv.DictReader(io.StringIO(export(sessions, "csv"))))
    assert row["text"] == "'" + HYPERLINK
    assert row["decline_reason"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    # JSON is no spreadsheet: the words stay exactly as typed there.
    assert json.loads(export(sessions, "json"))[0]["text"] == HYPERLINK


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_trigger_at_the_start_of_a_cell_is_neutralised(sessions, trigger):
    file_with(sessions, f"{trigger}1+2 as the first character")
    [row] = list(csv.DictReader(io.StringIO(export(sessions, "csv"))))
    assert row["text"] == f"'{trigger}1+2 as the first character"


def test_text_that_only_contains_a_trigger_later_is_left_alone(sessions):
    file_with(sessions, "Numbers: 1+1=2, mail me @ home - thanks")
    [row] = list(csv.DictReader(io.StringIO(export(sessions, "csv"))))
    assert row["text"] == "Numbers: 1+1=2, mail me @ home - thanks"
    assert row["created_at"] == "2026-11-26T09:00:00+00:00" and row["number"] == "1"
