"""``kundenfokus forget --team`` as operators run it: a real process, a real database, a real terminal."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, insert, select, update

from bot.cli import build_parser
from bot.services import privacy
from models import Request, Workspace, slack_bots
from models.db import transaction
from tests.privacy import scenario
from tests.privacy.scenario import OTHER_TEAM, TEAM
from tests.privacy.test_forget_cli import environment, forget, sqlite_sessions  # noqa: F401
from tests.privacy.test_forget_team import NOW


def requests_of(sessions, team: str) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Request).where(Request.team_id == team)))


def rows_left(sessions, team: str) -> int:
    with sessions() as session:
        return sum(
            int(session.scalar(select(func.count()).select_from(t).where(privacy.team_rows(t, team))) or 0)
            for t in privacy.team_tables()
        )


def uninstall(sessions, team: str = TEAM) -> None:
    with transaction(sessions) as session:
        session.execute(update(Workspace).where(Workspace.team_id == team).values(uninstalled_at=NOW))


def counts(stdout: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^  (\w+) +(\d+)$", stdout, re.MULTILINE)}


def test_a_workspace_still_installed_is_refused_with_the_plan_and_nothing_changes(
    sessions, database_url, tmp_path
):
    scenario.seed(sessions)
    result = forget(database_url, "--team", TEAM, "--yes", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout.startswith(f"Forgetting workspace {TEAM} would delete these rows:\n")
    assert counts(result.stdout)["requests"] == requests_of(sessions, TEAM) > 0
    assert f"still installed in {TEAM}" in result.stderr and "--force" in result.stderr
    assert "Uninstall the app" in result.stderr
    assert rows_left(sessions, TEAM) == counts(result.stdout)["total"]  # nothing deleted


def test_after_an_uninstall_it_shows_the_plan_and_without_a_terminal_refuses(
    sessions, database_url, tmp_path
):
    scenario.seed(sessions)
    uninstall(sessions)
    result = forget(database_url, "--team", "t0001", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout.startswith(f"Forgetting workspace {TEAM} would delete these rows:\n")
    assert "This cannot be undone." in result.stdout
    assert "of its requests are still open; they go too." in result.stdout
    assert "no terminal to confirm on" in result.stderr and "--yes" in result.stderr
    assert rows_left(sessions, TEAM) > 0


def test_with_yes_it_erases_the_workspace_and_leaves_the_other_alone(sessions, database_url, tmp_path):
    scenario.seed(sessions)
    uninstall(sessions)
    before_other = rows_left(sessions, OTHER_TEAM)
    before = rows_left(sessions, TEAM)
    result = forget(database_url, "--team", TEAM, "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"Forgot workspace {TEAM}:"
    table = counts(result.stdout)
    assert table["total"] == before == sum(n for name, n in table.items() if name != "total")
    assert table["workspaces"] == 1 and table["people"] > 0 and table["requests"] > 0
    assert rows_left(sessions, TEAM) == 0
    assert rows_left(sessions, OTHER_TEAM) == before_other

    again = forget(database_url, "--team", TEAM, "--yes", cwd=tmp_path)
    assert again.returncode == 0 and f"Nothing is stored about workspace {TEAM}" in again.stdout


def test_force_erases_an_installed_workspace_with_its_tokens(sessions, database_url, tmp_path):
    scenario.seed(sessions)
    with transaction(sessions) as session:
        session.execute(
            insert(slack_bots).values(
                client_id="C1",
                app_id="A1",
                team_id=TEAM,
                bot_token="encrypted",
                bot_id="B1",
                bot_user_id="UBOT",
                installed_at=NOW,
            )
        )
    result = forget(database_url, "--team", TEAM, "--yes", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert counts(result.stdout)["slack_bots"] == 1
    assert "still installed there" in result.stdout
    assert rows_left(sessions, TEAM) == 0 and rows_left(sessions, OTHER_TEAM) > 0


def test_wrong_or_missing_ids_and_force_with_a_person(sqlite_sessions, tmp_path):  # noqa: F811
    url, sessions = sqlite_sessions
    wrong = forget(url, "--team", "the marketing team", cwd=tmp_path)
    assert wrong.returncode == 2 and "is not a Slack workspace ID" in wrong.stderr
    neither = forget(url, "--yes", cwd=tmp_path)
    assert neither.returncode == 2 and "--user U…" in neither.stderr and "--team T…" in neither.stderr
    forced = forget(url, "--user", "UALICE", "--force", cwd=tmp_path)
    assert forced.returncode == 2 and "--force only applies" in forced.stderr
    unknown = forget(url, "--team", "TNOBODY", cwd=tmp_path)
    assert unknown.returncode == 0 and "Nothing is stored about workspace TNOBODY" in unknown.stdout
    assert requests_of(sessions, TEAM) > 0


def on_a_terminal(database_url: str, cwd: Path, typed: str) -> subprocess.CompletedProcess[str]:
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "forget", "--team", TEAM],
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


def test_on_a_terminal_it_asks_for_the_workspace_id(sqlite_sessions, tmp_path):  # noqa: F811
    url, sessions = sqlite_sessions
    uninstall(sessions)
    stopped = on_a_terminal(url, tmp_path, "yes")
    assert stopped.returncode == 1 and stopped.stdout.rstrip().endswith("Stopped; nothing changed.")
    assert f"Type {TEAM} to erase the workspace, anything else to stop: " in stopped.stdout
    assert requests_of(sessions, TEAM) > 0
    erased = on_a_terminal(url, tmp_path, TEAM)
    assert erased.returncode == 0, erased.stderr
    assert f"Forgot workspace {TEAM}:" in erased.stdout
    assert rows_left(sessions, TEAM) == 0 and requests_of(sessions, OTHER_TEAM) > 0


def test_help_describes_forgetting_a_workspace():
    parser = build_parser()
    forget_help = parser._subparsers._group_actions[0].choices["forget"].format_help()  # type: ignore[union-attr]
    assert "--force" in forget_help and "whole workspace" in forget_help
