"""The command line: help lists every command, `run` without tokens explains what to do."""

from __future__ import annotations

import os
import signal
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


def test_version_comes_from_the_package_metadata(tmp_path):
    from importlib.metadata import version

    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"kundenfokus {version('kundenfokus')}"


def test_run_help_names_the_health_port(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "--health-port N" in capsys.readouterr().out


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
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    ready = json.loads(response.read())
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "run did not start serving within 30 s"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            alive = json.loads(response.read())
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C stops it as gracefully as SIGTERM
        output = process.communicate(timeout=10)[0]
    assert ready["ok"] is True and ready["checks"]["database"] == {"ok": True, "detail": "reachable"}
    assert alive["ok"] is True and alive["version"]
    assert process.returncode == 0
    assert "secret-for-the-test" not in output and fake_slack.bot_token not in output
    assert (tmp_path / "kf.db").exists()
    # At INFO the log says what runs where, and nothing that looks like a fault.
    [start] = [line for line in output.splitlines() if "is running:" in line]
    assert f"HTTP on port {port}" in start and f"SQLite file {tmp_path / 'kf.db'}" in start
    assert "workspace Kundenfokus Sandbox (T0001)" in start
    for noise in ("Context impl", "Will assume", "token will be unused", "WARNING", "ERROR"):
        assert noise not in output, output


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
    assert "Traceback" not in result.stderr


def test_run_in_socket_mode_answers_a_slash_command(tmp_path, fake_slack):
    """`kundenfokus run` with SLACK_APP_TOKEN: connects out over Socket Mode, acks the envelope and
    files the request — the same handlers as over HTTP."""
    import queue

    from tests.slackutil import text_of, wait_dms
    from tests.socket_mode_server import SocketModeServer

    server = SocketModeServer().start()
    fake_slack.socket_mode_url = server.url
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))},
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": "secret-for-the-test",
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        server.wait_connected()
        command = {
            "token": "unused",
            "team_id": "T0001",
            "team_domain": "sandbox",
            "channel_id": "C0001",
            "channel_name": "general",
            "user_id": "UALICE",
            "user_name": "alice",
            "command": "/request",
            "text": "<@UBOB|bob> Check the socket within 4h",
            "api_app_id": "A0001",
            "trigger_id": "t-1",
            "response_url": fake_slack.response_url("socket-1", channel="C0001", user="UALICE"),
        }
        server.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "payload": command,
                "accepts_response_payload": True,
            }
        )
        ack = None
        while ack is None:
            message = server.received.get(timeout=15)
            ack = message if message.get("envelope_id") == "env-1" else None
        [card] = wait_dms(fake_slack, "UBOB", timeout=15)
        assert "Check the socket" in text_of(card)
        fake_slack.wait_for(lambda calls: any(c.method == "response_url" for c in calls), timeout=15)
    except queue.Empty:
        raise AssertionError("no ack for the envelope") from None
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
        server.close()
    assert process.returncode == 0, output
    assert fake_slack.app_token not in output and fake_slack.bot_token not in output
    assert "Socket Mode" in next(line for line in output.splitlines() if "is running:" in line)
    assert "token will be unused" not in output and "Traceback" not in output
    assert [c.token for c in fake_slack.calls_to("apps.connections.open")] == [fake_slack.app_token]
