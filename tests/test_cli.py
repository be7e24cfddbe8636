"""The command line: help lists every command, `run` without tokens explains what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_every_command_with_a_description(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "migrate"):
        assert f"    {command} " in out


def test_run_without_tokens_says_what_to_do_and_points_to_the_shell(tmp_path):
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "manifest.yml" in result.stderr and "kundenfokus shell" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created when it can't start


def test_migrate_creates_the_sqlite_database(tmp_path):
    result = run_cli("migrate", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}"})
    assert result.returncode == 0, result.stderr
    assert "revision" in result.stdout and (tmp_path / "kf.db").exists()


def test_bad_configuration_is_explained_not_a_traceback(tmp_path):
    result = run_cli("migrate", cwd=tmp_path, env={"KUNDENFOKUS_TIMEZONE": "Nowhere/Special"})
    assert result.returncode == 2
    assert "Configuration problem" in result.stderr and "Traceback" not in result.stderr
