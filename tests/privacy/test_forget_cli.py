"""``kundenfokus forget`` as operators run it: a real process, a real database, a real terminal."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import build_parser
from models import Person, Request
from models.db import make_engine, make_session_factory
from tests.privacy import scenario
from tests.privacy.scenario import ALICE

ROOT = Path(__file__).resolve().parents[2]


def environment(database_url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "KUNDENFOKUS_"))
    }
    env["DATABASE_URL"] = database_url
    return env


def forget(
    database_url: str, *args: str, cwd: Path, stdin=subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "forget", *args],
        cwd=cwd,
        env=environment(database_url),
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def her_texts(sessions) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(select(Request.text).where(Request.requester_id == ALICE).order_by(Request.id))
        )


@pytest.fixture
def sqlite_sessions(tmp_path, migrated_sqlite_template):
    path = tmp_path / "kundenfokus.db"
    shutil.copy(migrated_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_session_factory(engine)
    scenario.seed(sessions)
    yield f"sqlite:///{path}", sessions
    engine.dispose()


def test_without_yes_and_without_a_terminal_it_shows_the_plan_and_refuses(sessions, database_url, tmp_path):
    scenario.seed(sessions)
    result = forget(database_url, "--user", ALICE, "--team", "T0001", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout.startswith("Forgetting UALICE in workspace T0001 would change these rows:\n")
    assert re.search(r"^  requests +5 +0$", result.stdout, re.MULTILINE)
    assert re.search(r"^  home_visits +0 +1$", result.stdout, re.MULTILINE)
    assert "1 of their requests are still open" in result.stdout
    assert "no terminal to confirm on" in result.stderr and "--yes" in result.stderr
    assert len(her_texts(sessions)) == 3  # nothing changed


def test_with_yes_it_erases_and_confirms_the_counts_per_table(sessions, database_url, tmp_path):
    scenario.seed(sessions)
    result = forget(database_url, "--user", "ualice", "--team", "T0001", "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Forgot UALICE in workspace T0001:"
    assert re.match(r"  table +changed +deleted$", lines[1])
    counts = {line.split()[0]: (int(line.split()[1]), int(line.split()[2])) for line in lines[2:-1]}
    assert counts["requests"] == (5, 0) and counts["people"] == (1, 0) and counts["home_visits"] == (0, 1)
    assert counts["total"] == (sum(c for c, _ in counts.values()) - counts["total"][0], 1)
    assert "UFORGOTTEN-" not in result.stdout  # the mapping is not printed anywhere
    assert her_texts(sessions) == ["A request in the other workspace entirely"]  # only T0002 is left

    again = forget(database_url, "--user", ALICE, "--team", "T0001", cwd=tmp_path)
    assert again.returncode == 0 and "Nothing is stored about UALICE in workspace T0001" in again.stdout


def on_a_terminal(database_url: str, cwd: Path, typed: str) -> subprocess.CompletedProcess[str]:
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "forget", "--user", ALICE],
            cwd=cwd,
            env=environment(database_url),
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(controller, typed.encode() + b"\n")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_on_a_terminal_it_asks_and_erases_when_the_id_is_typed(sqlite_sessions, tmp_path):
    url, sessions = sqlite_sessions
    result = on_a_terminal(url, tmp_path, "UALICE")
    assert result.returncode == 0, result.stderr
    assert "Type UALICE to erase, anything else to stop: " in result.stdout
    assert "Forgot UALICE in all workspaces:" in result.stdout
    assert her_texts(sessions) == []


def test_on_a_terminal_anything_else_stops_and_changes_nothing(sqlite_sessions, tmp_path):
    url, sessions = sqlite_sessions
    result = on_a_terminal(url, tmp_path, "yes")
    assert result.returncode == 1 and result.stdout.rstrip().endswith("Stopped; nothing changed.")
    assert len(her_texts(sessions)) == 3
    with sessions() as session:
        assert (
            session.scalars(select(Person.name).where(Person.user_id == ALICE)).all() == ["Alice Adams"] * 2
        )


def test_someone_unknown_or_not_a_user_id(sqlite_sessions, tmp_path):
    url, _sessions = sqlite_sessions
    unknown = forget(url, "--user", "UNOBODY", cwd=tmp_path)
    assert unknown.returncode == 0 and "Nothing is stored about UNOBODY in all workspaces" in unknown.stdout
    wrong = forget(url, "--user", "alice adams", cwd=tmp_path)
    assert wrong.returncode == 2 and "is not a Slack user ID" in wrong.stderr


def test_help_lists_forget():
    parser = build_parser()
    help_text = parser.format_help()
    assert "forget" in help_text
    forget_help = parser._subparsers._group_actions[0].choices["forget"].format_help()  # type: ignore[union-attr]
    assert "--user USER_ID" in forget_help and "--yes" in forget_help and "--team TEAM_ID" in forget_help
