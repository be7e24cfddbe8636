"""The HTTP edge never answers 500: size, signature headers and timestamp, UTF-8 and parseability are
checked on the raw bytes before Bolt sees anything; what escapes Bolt is logged once and acked."""

from __future__ import annotations

import http.client
import json
import logging
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from slack_bolt import App

from bot.app import create_app
from bot.config import Settings
from bot.sandbox.driver import SlackDriver
from bot.server import MAX_BODY_BYTES, BackgroundServer, make_server, make_wsgi_app, serve_wsgi
from models.db import make_engine, make_session_factory
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.slackutil import text_of, wait_response


@dataclass
class Edge:
    app: App
    server: BackgroundServer
    slack: SlackDriver

    def post(self, body: bytes, headers: dict[str, str], *, port: int | None = None) -> tuple[int, str]:
        """POST exactly these bytes and headers (a list value sends the header once per item)."""
        connection = http.client.HTTPConnection("127.0.0.1", port or self.server.port, timeout=10)
        connection.putrequest("POST", "/slack/events")
        for name, value in headers.items():
            for item in value if isinstance(value, list) else [value]:
                connection.putheader(name, item)
        if "Content-Length" not in headers:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        status, text = response.status, response.read().decode("utf-8", "replace")
        connection.close()
        return status, text

    def signed(self, body: bytes, content_type: str = "application/x-www-form-urlencoded") -> tuple[int, str]:
        return self.post(body, {"Content-Type": content_type, **self.slack.sign(body)})


@pytest.fixture
def edge(tmp_path, migrated_sqlite_template, fake_slack, clock) -> Iterator[Edge]:
    database = tmp_path / "kf.db"
    shutil.copy(migrated_sqlite_template, database)
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        database_url=f"sqlite:///{database}",
    )
    engine = make_engine(settings.database_url)
    app, deps = create_app(settings, sessions=make_session_factory(engine), clock=clock)
    deps.start()
    server = BackgroundServer(make_server(app, engine, host="127.0.0.1", port=0, threads=4)).start()
    try:
        yield Edge(
            app,
            server,
            SlackDriver(server.url + "/slack/events", SIGNING_SECRET, team_id=TEAM, fake=fake_slack),
        )
    finally:
        server.stop()
        deps.stop()
        engine.dispose()


def command(text: str) -> bytes:
    return urlencode(
        {"command": "/request", "text": text, "team_id": TEAM, "user_id": "UALICE", "channel_id": "C0001"}
    ).encode()


def test_a_body_over_the_limit_is_413_before_it_is_read(edge):
    """waitress refuses it from the Content-Length alone (a client still sending would see a reset)."""
    announced = {"Content-Length": str(MAX_BODY_BYTES + 1), **edge.slack.sign(b"")}
    assert edge.post(b"", announced)[0] == 413


def test_the_edge_itself_refuses_a_body_over_its_limit(edge, tmp_path):
    """Whatever the server in front allows, the edge checks the size before it reads a byte."""
    engine = make_engine(f"sqlite:///{tmp_path / 'kf.db'}")
    wsgi = make_wsgi_app(edge.app, engine, max_body_bytes=1000)
    small = BackgroundServer(serve_wsgi(wsgi, host="127.0.0.1", port=0, threads=1)).start()
    try:
        body = command("x" * 2000)
        assert edge.post(body, edge.slack.sign(body), port=small.port)[0] == 413
        body = json.dumps({"type": "url_verification", "challenge": "small-enough"}).encode()
        headers = {"Content-Type": "application/json", **edge.slack.sign(body)}
        status, text = edge.post(body, headers, port=small.port)
        assert status == 200 and "small-enough" in text
    finally:
        small.stop()
        engine.dispose()


@pytest.mark.parametrize(
    "timestamp",
    [
        None,  # missing
        ["1796111608", "1796112208"],  # sent twice: the server sees "1796111608, 1796112208"
        "1796111608, 1796112208",
        "soon",
        "-5",
        "1e9",
        "¹²³¹²³¹²³¹",  # digits to str.isdigit(), not ASCII ones
    ],
)
def test_missing_duplicated_or_malformed_timestamps_are_401(edge, timestamp):
    body = command("<@UBOB|bob> hello")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **edge.slack.sign(body)}
    if timestamp is None:
        del headers["X-Slack-Request-Timestamp"]
    else:
        headers["X-Slack-Request-Timestamp"] = timestamp
    assert edge.post(body, headers)[0] == 401


def test_a_stale_or_missing_signature_is_401(edge):
    body = command("<@UBOB|bob> replayed")
    stale = edge.slack.sign(body, timestamp=int(time.time()) - 6 * 60)
    assert edge.post(body, {"Content-Type": "application/x-www-form-urlencoded", **stale})[0] == 401
    future = edge.slack.sign(body, timestamp=int(time.time()) + 6 * 60)
    assert edge.post(body, future)[0] == 401
    headers = edge.slack.sign(body)
    del headers["X-Slack-Signature"]
    assert edge.post(body, headers)[0] == 401
    headers = edge.slack.sign(body)
    headers["X-Slack-Signature"] = [headers["X-Slack-Signature"], "v0=" + "0" * 64]  # twice
    assert edge.post(body, headers)[0] == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7B\xff\xfe", "application/x-www-form-urlencoded"),  # not UTF-8
        (b"payload=%7Bnot", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),  # payload=[1]
        (b"[1]", "application/json"),
        (b"{not json", "application/json"),
        (b'{"type": "event_callback"', "application/x-www-form-urlencoded"),  # read as JSON by Bolt
    ],
)
def test_signed_but_unparseable_bodies_are_400(edge, body, content_type):
    """Signed with the right secret over exactly these bytes, yet nothing Bolt could read."""
    assert edge.signed(body, content_type)[0] == 400


def test_unsigned_garbage_is_401_and_logs_one_line_without_a_traceback(edge, caplog):
    caplog.set_level(logging.INFO)
    for body in (b"\x00\xff\xfegarbage", b"payload=%7Bnot", b"[1]", b""):
        assert edge.post(body, {"Content-Type": "application/json"})[0] == 401
    lines = [r for r in caplog.records if r.name.startswith(("bot", "slack"))]
    assert len(lines) == 4 and all("rejected a request" in r.getMessage() for r in lines)
    assert not any(r.exc_info for r in caplog.records)
    assert "Traceback" not in caplog.text


def test_a_signed_payload_of_a_shape_slack_never_sends_is_refused_before_bolt(edge, caplog):
    caplog.set_level(logging.INFO)
    status, _text = edge.signed(
        json.dumps({"team": 5, "type": "event_callback"}).encode(), "application/json"
    )
    assert status == 400
    assert "Traceback" not in caplog.text


def test_what_escapes_bolt_is_logged_once_and_acked_without_detail(edge, caplog, monkeypatch):
    def surprise(request):  # something below the edge breaks in a way nobody foresaw
        raise TypeError("a surprise inside Bolt")

    monkeypatch.setattr(edge.app, "dispatch", surprise)
    caplog.set_level(logging.INFO)
    status, text = edge.signed(
        json.dumps({"team_id": "T0001", "type": "event_callback", "event": {"type": "app_mention"}}).encode(),
        "application/json",
    )
    assert (status, text) == (200, "")
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.name == "bot.server" and "TypeError" in line.getMessage() and line.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_failing_middleware_is_answered_kindly_not_with_a_5xx(edge, caplog):
    def broken(next):  # a global middleware that fails: the app's error handler answers
        raise RuntimeError("a bug somewhere below the edge")

    edge.app.use(broken)
    caplog.set_level(logging.INFO)
    status, body = edge.signed(command("<@UBOB|bob> hello"))
    assert status == 200 and "nothing was changed" in json.loads(body)["text"]
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]  # logged once


def test_slacks_unsigned_ssl_check_is_answered(edge):
    assert edge.post(
        b"ssl_check=1&token=whatever", {"Content-Type": "application/x-www-form-urlencoded"}
    ) == (
        200,
        "",
    )


def test_a_good_request_still_goes_all_the_way_through(edge, fake_slack):
    reply = edge.slack.command("UALICE", "<@UBOB|bob> Through the edge within 4h")
    assert reply.status == 200 and reply.body == ""
    assert "#1" in text_of(wait_response(fake_slack))
