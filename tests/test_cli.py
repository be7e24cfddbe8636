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
    for command in ("run", "migrate", "sweep", "digest", "export", "shell"):
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


def test_run_serves_http_and_health_with_a_valid_token(tmp_path, fake_slack):
    """`kundenfokus run --http` against the fake Slack: migrates SQLite itself, answers /healthz."""
    import json
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))},
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": "secret-for-the-test",
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert json.loads(response.read()) == {"ok": True, "database": "ok"}
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "run did not start serving within 30 s"
                time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "secret-for-the-test" not in output and fake_slack.bot_token not in output
    assert (tmp_path / "kf.db").exists()


def test_run_with_a_rejected_token_says_so(tmp_path, fake_slack):
    result = run_cli(
        "run",
        "--http",
        cwd=tmp_path,
        env={
            "SLACK_BOT_TOKEN": "xoxb-wrong",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake_slack.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}",
        },
    )
    assert result.returncode == 2 and "did not accept SLACK_BOT_TOKEN (invalid_auth)" in result.stderr
