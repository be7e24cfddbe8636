"""Operator errors, through the real command in a subprocess: one paragraph saying what is wrong and how
to fix it, exit code 2, no traceback (unless LOG_LEVEL=DEBUG), and nothing created on the way."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ENV
from tests.ops.processes import kundenfokus

COMMANDS = {
    "run": ("run",),
    "migrate": ("migrate",),
    "export": ("export",),
    "sweep": ("sweep", "--dry-run"),
    "digest": ("digest", "--dry-run"),
}
CREATING = ("run", "migrate")
READING = ("export", "sweep", "digest")
#: run checks its Slack settings first; these get it as far as the database (never to Slack).
SLACK_SETTINGS = {"SLACK_BOT_TOKEN": "xoxb-not-used", "SLACK_SIGNING_SECRET": "not-used-either"}


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    folder: Path


def _without_write_permission() -> tuple[str, ...]:
    """root writes anywhere; without CAP_DAC_OVERRIDE it honours permission bits like anyone else."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot take write permission away")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")


@pytest.fixture(scope="module")
def postgres_databases() -> Iterator[dict[str, str] | None]:
    """A name that does not exist on the server, and an existing database with no tables."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        yield None
        return
    missing, empty = (f"kf_ops_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("missing", "empty"))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{empty}"'))
    url = make_url(server)
    try:
        yield {
            "missing": url.set(database=missing).render_as_string(hide_password=False),
            "empty": url.set(database=empty).render_as_string(hide_password=False),
        }
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{missing}" WITH (FORCE)'))
        admin.dispose()


CASES = {
    "postgres_unreachable": COMMANDS,
    "postgres_missing_database": COMMANDS,
    "postgres_empty_database": ("run", "sweep"),  # the same check as for every reading command
    "sqlite_missing_folder": COMMANDS,
    "sqlite_no_permission": CREATING,  # the others find no file there: the case below
    "sqlite_not_there": READING,
}


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory, postgres_databases: dict[str, str] | None
) -> dict[tuple[str, str], Outcome]:
    """Every case at once, in parallel: each starts the real command in a folder of its own."""
    started: dict[tuple[str, str], tuple[subprocess.Popen[str], Path]] = {}
    for case, commands in CASES.items():
        if case.startswith("postgres_") and case != "postgres_unreachable" and postgres_databases is None:
            continue
        for command in commands:
            folder = tmp_path_factory.mktemp(f"{case}-{command}")
            prefix: tuple[str, ...] = ()
            if case == "postgres_unreachable":
                url = "postgresql+psycopg://kundenfokus:secret-password@127.0.0.1:1/kundenfokus"
            elif case == "postgres_missing_database":
                url = postgres_databases["missing"]  # type: ignore[index]
            elif case == "postgres_empty_database":
                url = postgres_databases["empty"]  # type: ignore[index]
            elif case == "sqlite_missing_folder":
                url = f"sqlite:///{folder / 'nowhere' / 'kundenfokus.db'}"
            elif case == "sqlite_no_permission":
                locked = folder / "locked"
                locked.mkdir()
                locked.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
                url = f"sqlite:///{locked / 'kundenfokus.db'}"
                prefix = _without_write_permission()
            else:
                url = "sqlite:///kundenfokus.db"  # the default, relative to where it is started
            env = {"DATABASE_URL": url, **(SLACK_SETTINGS if command == "run" else {})}
            started[(case, command)] = (
                kundenfokus(*COMMANDS[command], cwd=folder, env=env, prefix=prefix),
                folder,
            )
    results = {}
    for key, (process, folder) in started.items():
        stdout, stderr = process.communicate(timeout=60)
        results[key] = Outcome(process.returncode, stdout, stderr, folder)
    return results


def _case(outcomes: dict[tuple[str, str], Outcome], case: str, command: str) -> Outcome:
    if (case, command) not in outcomes:
        pytest.skip(f"PostgreSQL not configured ({POSTGRES_ENV})")
    outcome = outcomes[(case, command)]
    assert outcome.returncode == 2, outcome
    assert "Traceback" not in outcome.stderr and "Error:" not in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr  # one paragraph
    assert outcome.stdout == ""
    return outcome


def _created(outcome: Outcome) -> list[str]:
    return sorted(str(p.relative_to(outcome.folder)) for p in outcome.folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("command", COMMANDS)
def test_unreachable_postgres_is_explained(outcomes, command):
    outcome = _case(outcomes, "postgres_unreachable", command)
    assert "PostgreSQL at 127.0.0.1:1 is not answering (connection refused)" in outcome.stderr
    assert "Check that the server is running" in outcome.stderr
    assert "secret-password" not in outcome.stderr  # the URL is shown with the password hidden


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_database_on_a_reachable_server_is_explained(outcomes, postgres_databases, command):
    outcome = _case(outcomes, "postgres_missing_database", command)
    name = make_url(postgres_databases["missing"]).database
    assert f'has no database named "{name}"' in outcome.stderr
    assert "CREATE DATABASE" in outcome.stderr and "kundenfokus migrate" in outcome.stderr


@pytest.mark.parametrize("command", ("run", "sweep"))
def test_a_database_without_tables_asks_for_migrate(outcomes, command):
    outcome = _case(outcomes, "postgres_empty_database", command)
    assert "has no Kundenfokus tables yet. Run: kundenfokus migrate" in outcome.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_sqlite_folder_that_does_not_exist(outcomes, command):
    outcome = _case(outcomes, "sqlite_missing_folder", command)
    where = outcome.folder / "nowhere"
    if command in CREATING:
        assert f"The folder {where} for the SQLite database does not exist" in outcome.stderr
    else:
        assert f"There is no Kundenfokus database at {where / 'kundenfokus.db'}" in outcome.stderr
    assert _created(outcome) == []


@pytest.mark.parametrize("command", CREATING)
def test_a_sqlite_folder_without_write_permission(outcomes, command):
    outcome = _case(outcomes, "sqlite_no_permission", command)
    locked = outcome.folder / "locked"
    assert f"Kundenfokus may not write to {locked}" in outcome.stderr
    assert "permission denied" in outcome.stderr
    assert _created(outcome) == []


@pytest.mark.parametrize("command", READING)
def test_commands_that_only_read_never_create_a_database(outcomes, command):
    """`sweep --dry-run`, `digest --dry-run` and `export` used to create and migrate ./kundenfokus.db."""
    outcome = _case(outcomes, "sqlite_not_there", command)
    assert f"There is no Kundenfokus database at {outcome.folder / 'kundenfokus.db'}" in outcome.stderr
    assert "kundenfokus migrate" in outcome.stderr
    assert _created(outcome) == []


def test_the_traceback_follows_only_with_log_level_debug(tmp_path):
    env = {"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/kundenfokus", "LOG_LEVEL": "DEBUG"}
    _stdout, stderr = kundenfokus("migrate", cwd=tmp_path, env=env).communicate(timeout=60)
    assert "is not answering (connection refused)" in stderr
    assert "Traceback" in stderr and "OperationalError" in stderr


# --- Slack ------------------------------------------------------------------------------------------


def _run_against(fake_slack, tmp_path, template, **env: str) -> tuple[int, str, str]:
    database = tmp_path / "kf.db"
    shutil.copy(template, database)  # migrated already: the start logs nothing before Slack answers
    settings = {
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": "secret-for-the-test",
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": f"sqlite:///{database}",
        **env,
    }
    process = kundenfokus("run", cwd=tmp_path, env=settings)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr


def _one_paragraph(code: int, stdout: str, stderr: str) -> str:
    assert code == 2, stderr
    assert "Traceback" not in stderr and stdout == ""
    assert len(stderr.strip().splitlines()) == 1, stderr
    return stderr


def test_a_rejected_app_token_is_explained_like_the_bot_token(fake_slack, tmp_path, migrated_sqlite_template):
    stderr = _one_paragraph(
        *_run_against(fake_slack, tmp_path, migrated_sqlite_template, SLACK_APP_TOKEN="xapp-1-wrong")
    )
    assert "Slack did not accept SLACK_APP_TOKEN (invalid_auth)" in stderr
    assert "connections:write" in stderr and "leave SLACK_APP_TOKEN empty" in stderr
    assert "xapp-1-wrong" not in stderr


def test_a_rejected_bot_token_is_one_paragraph(fake_slack, tmp_path, migrated_sqlite_template):
    stderr = _one_paragraph(
        *_run_against(fake_slack, tmp_path, migrated_sqlite_template, SLACK_BOT_TOKEN="xoxb-wrong")
    )
    assert "Slack did not accept SLACK_BOT_TOKEN (invalid_auth)" in stderr
    assert "OAuth & Permissions" in stderr


def test_an_unreachable_slack_api_url_is_explained(fake_slack, tmp_path, migrated_sqlite_template):
    stderr = _one_paragraph(
        *_run_against(fake_slack, tmp_path, migrated_sqlite_template, SLACK_API_URL="http://127.0.0.1:1/api/")
    )
    assert "Slack's Web API at http://127.0.0.1:1/api/ is not reachable (Connection refused)" in stderr
    assert "SLACK_API_URL" in stderr


def test_a_port_in_use_is_explained(fake_slack, tmp_path, migrated_sqlite_template):
    import socket

    with socket.create_server(("0.0.0.0", 0)) as taken:
        port = str(taken.getsockname()[1])
        stderr = _one_paragraph(*_run_against(fake_slack, tmp_path, migrated_sqlite_template, PORT=port))
    assert f"Port {port} is already in use" in stderr
