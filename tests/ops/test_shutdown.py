"""SIGTERM and SIGINT stop `kundenfokus run` gracefully in both modes: no new work, the work in flight
finished (here: a request whose filing is waiting on Slack), exit 0 within 10 s, nothing half-written."""

from __future__ import annotations

import json
import queue
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.driver import SlackDriver
from models import Request
from models.db import make_engine
from tests.conftest import TEAM
from tests.ops.processes import SlowSlack, bot_process, free_port, get
from tests.slackutil import dms_to, text_of
from tests.socket_mode_server import SocketModeServer

SECRET = "secret-for-the-shutdown-test"
#: users.info is asked inside the filing's transaction: a stop that did not wait would lose the request.
SLOW_METHOD = "users.info"
SLOW_SECONDS = 1.0


def wait_ready(url: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status, body = get(url, timeout=2)
        if status == 200:
            return body
        assert time.monotonic() < deadline, f"{url} never became ready: {status} {body}"
        time.sleep(0.1)


def stored_requests(database_url: str) -> list[Request]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(Request)).all())
    finally:
        engine.dispose()


def assert_finished(fake_slack, database_url: str, words: str) -> None:
    [card] = dms_to(fake_slack, "UBOB")
    assert words in text_of(card)
    [request] = stored_requests(database_url)
    assert request.text.startswith(words) and request.state == "open"
    assert request.assignee_message_ts == card["ts"]  # the card's place was remembered too


def test_sigterm_over_http_finishes_the_request_in_flight(database_url, fake_slack, tmp_path: Path):
    port, health_port = free_port(), free_port()
    with SlowSlack(fake_slack.base_url, slow=(SLOW_METHOD,), delay=SLOW_SECONDS) as slow:
        env = {
            "SLACK_BOT_TOKEN": fake_slack.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slow.base_url,
            "DATABASE_URL": database_url,
            "LOG_FORMAT": "json",
        }
        with bot_process(
            "--http", "--port", str(port), "--health-port", str(health_port), cwd=tmp_path, env=env
        ) as bot:
            ready = wait_ready(f"http://127.0.0.1:{port}/readyz")
            assert set(ready["checks"]) == {"database", "schema", "running"}
            assert get(f"http://127.0.0.1:{health_port}/readyz")[0] == 200  # a second port, if asked for
            driver = SlackDriver(
                f"http://127.0.0.1:{port}/slack/events", SECRET, team_id=TEAM, fake=fake_slack
            )
            assert driver.command("UALICE", "<@UBOB|bob> Finish me before you go within 4h").status == 200
            slow.arrived(SLOW_METHOD)
            code, seconds = bot.stop(signal.SIGTERM)
    assert code == 0, bot.output
    assert seconds < 10
    assert_finished(fake_slack, database_url, "Finish me before you go")

    lines = [json.loads(line) for line in bot.output.splitlines()]  # LOG_FORMAT=json: every line
    assert all({"level", "logger", "message", "timestamp"} <= set(line) for line in lines)
    messages = [line["message"] for line in lines]
    assert "stopping (SIGTERM): finishing work in progress" in messages and messages[-1] == "stopped"
    assert fake_slack.bot_token not in bot.output and SECRET not in bot.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sigint_in_socket_mode_finishes_the_request_in_flight(database_url, fake_slack, tmp_path: Path):
    socket_server = SocketModeServer().start()
    fake_slack.socket_mode_url = socket_server.url
    health_port = free_port()
    try:
        with SlowSlack(fake_slack.base_url, slow=(SLOW_METHOD,), delay=SLOW_SECONDS) as slow:
            env = {
                "SLACK_BOT_TOKEN": fake_slack.bot_token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_APP_TOKEN": fake_slack.app_token,
                "SLACK_API_URL": slow.base_url,
                "DATABASE_URL": database_url,
                "KUNDENFOKUS_HEALTH_PORT": str(health_port),
            }
            with bot_process(cwd=tmp_path, env=env) as bot:
                socket_server.wait_connected()
                ready = wait_ready(f"http://127.0.0.1:{health_port}/readyz")
                assert ready["checks"]["socket_mode"] == {"ok": True, "detail": "connected"}
                _status, metrics = get(f"http://127.0.0.1:{health_port}/metrics")
                assert (
                    'kundenfokus_slack_api_calls_total{method="apps.connections.open",outcome="ok"} 1.0'
                    in metrics
                )
                socket_server.send(
                    {
                        "envelope_id": "env-stop",
                        "type": "slash_commands",
                        "accepts_response_payload": True,
                        "payload": {
                            "token": "unused",
                            "team_id": TEAM,
                            "channel_id": "C0001",
                            "user_id": "UALICE",
                            "command": "/request",
                            "text": "<@UBOB|bob> Finish me over the socket within 4h",
                            "api_app_id": "A0001",
                            "trigger_id": "t-stop",
                            "response_url": fake_slack.response_url("stop", channel="C0001", user="UALICE"),
                        },
                    }
                )
                _wait_ack(socket_server, "env-stop")
                slow.arrived(SLOW_METHOD)
                code, seconds = bot.stop(signal.SIGINT)
    finally:
        socket_server.close()
    assert code == 0, bot.output
    assert seconds < 10
    assert_finished(fake_slack, database_url, "Finish me over the socket")
    assert "stopping (SIGINT)" in bot.output and "Traceback" not in bot.output


def _wait_ack(server: SocketModeServer, envelope_id: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if server.received.get(timeout=1).get("envelope_id") == envelope_id:
                return
        except queue.Empty:
            continue
    raise AssertionError(f"no ack for {envelope_id}")
