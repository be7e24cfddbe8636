"""Logs: LOG_FORMAT=json gives one JSON object per line; a token or secret never appears, neither in a
message nor in exception text, in either format."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.cli.common import LIBRARY_LOGGERS, configure_logging
from bot.config import Settings
from bot.sandbox.fake_slack import FakeSlack
from bot.slack import make_web_client
from tests.ops.processes import kundenfokus

BOT_TOKEN = "xoxb-1234-5678-abcdefSECRET"
SIGNING_SECRET = "9f86d081884c7d659a2feaa0c55ad015"
APP_TOKEN = "xapp-1-A111-222-feedface"


@pytest.fixture
def captured() -> Iterator[callable]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}

    def configure(log_format: str, log_level: str = "INFO") -> io.StringIO:
        stream = io.StringIO()
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_app_token=APP_TOKEN,
            log_format=log_format,
            log_level=log_level,
        )
        configure_logging(settings, stream=stream)
        return stream

    yield configure
    root.handlers[:], root.level = saved
    for name, level in libraries.items():
        logging.getLogger(name).setLevel(level)


def log_everything() -> None:
    log = logging.getLogger("bot.test")
    log.info("connected with %s", BOT_TOKEN)
    log.warning("signing secret is %s, app token %s", SIGNING_SECRET, APP_TOKEN)
    try:
        raise RuntimeError(f"Slack said no to {BOT_TOKEN} (secret {SIGNING_SECRET})")
    except RuntimeError:
        log.exception("call failed")


def test_json_format_is_one_object_per_line_with_level_logger_message_timestamp(captured):
    stream = captured("json")
    logging.getLogger("bot.test").info("hello %s", "operator")
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert {k: record[k] for k in ("level", "logger", "message")} == {
        "level": "INFO",
        "logger": "bot.test",
        "message": "hello operator",
    }
    assert record["timestamp"].endswith("+00:00")  # ISO-8601, UTC


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_token_or_secret_reaches_the_log_not_even_in_a_traceback(captured, log_format):
    stream = captured(log_format)
    log_everything()
    output = stream.getvalue()
    for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, "abcdefSECRET", "feedface"):
        assert secret not in output
    assert output.count("[redacted]") == 5  # one in the first line, two in the second, two in the error
    assert "RuntimeError" in output  # the exception itself is still there, only the secrets are not
    if log_format == "json":
        records = [json.loads(line) for line in output.splitlines()]
        assert [r["level"] for r in records] == ["INFO", "WARNING", "ERROR"]
        assert "Traceback" in records[-1]["exc_info"]


def test_a_command_logs_json_lines_too(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'kf.db'}", "LOG_FORMAT": "json"}
    stdout, stderr = kundenfokus("migrate", cwd=tmp_path, env=env).communicate(timeout=60)
    records = [json.loads(line) for line in stderr.splitlines()]
    assert records and all(r["logger"].startswith("alembic") for r in records)
    assert any(r["message"].startswith("Running upgrade") for r in records)
    assert not any("Context impl" in r["message"] or "Will assume" in r["message"] for r in records)
    assert "is at revision" in stdout


class _Watched(str):
    """A message text that notices being turned into a debug line (repr), not being sent (JSON)."""

    shown = 0

    def __repr__(self) -> str:
        type(self).shown += 1
        return str.__repr__(self)


@pytest.mark.parametrize(("log_level", "built"), [("INFO", False), ("DEBUG", True)])
def test_slack_sdk_builds_its_debug_lines_only_when_debug_is_asked_for(captured, log_level, built):
    """slack_sdk reads its own logger's level, not the root's: unset, it formatted every request body."""
    captured("text", log_level)
    _Watched.shown = 0
    with FakeSlack(team_id="T1", bot_token=BOT_TOKEN) as fake:
        fake.add_user("UALICE", "alice")
        client = make_web_client(BOT_TOKEN, fake.base_url)
        client.chat_postMessage(channel="UALICE", text=_Watched("hello"))
        [call] = fake.calls_to("chat.postMessage")
    assert call.args["text"] == "hello"
    assert (_Watched.shown > 0) is built
