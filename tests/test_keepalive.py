"""``bot.keepalive``: slack_sdk's clients on kept HTTP/1.1 connections, over loopback against a small
server of the test's own (which counts the connections it accepts and can misbehave) and the fake Slack."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.keepalive import CONNECTIONS, Connections, KeptAliveWebClient, KeptAliveWebhookClient
from bot.sandbox.fake_slack import FakeSlack, send_json
from bot.slack import delivery_client, make_web_client

TOKEN = "xoxb-keepalive"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.accepted += 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        with server.lock:
            server.bodies.append(body)
            number = len(server.bodies)
            behaviour = server.script.pop(0) if server.script else "ok"
        if behaviour == "slow":
            time.sleep(0.6)
        status, headers = 200, {}
        if behaviour == "429":
            status, headers = 429, {"Retry-After": "7"}
        if behaviour == "close":
            headers = {"Connection": "close"}
        send_json(self, status, headers, {"ok": status == 200, "number": number, "error": "ratelimited"})
        if behaviour == "close":
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.accepted = 0
        self.bodies: list[bytes] = []
        self.script: list[str] = []  # how the next answers behave: "ok", "slow", "429", "close"
        self.sockets: list = []

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        self.sockets.append(request)
        super().process_request(request, client_address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"


@pytest.fixture
def server() -> Iterator[_Server]:
    served = _Server()
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.shutdown()
        for sock in served.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        served.server_close()
        CONNECTIONS.close()


def client_for(server: _Server) -> KeptAliveWebClient:
    client = make_web_client(TOKEN, server.url)
    assert isinstance(client, KeptAliveWebClient)
    return client


def test_calls_one_after_another_share_one_connection(server):
    client = client_for(server)
    numbers = [client.api_call("auth.test")["number"] for _ in range(5)]
    assert numbers == [1, 2, 3, 4, 5]
    assert server.accepted == 1


def test_calls_at_once_each_get_a_connection_and_give_it_back(server):
    client = client_for(server)
    server.script = ["slow"] * 3
    threads = [threading.Thread(target=client.api_call, args=("auth.test",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.accepted == 3
    for _ in range(6):  # afterwards the three are used again, no fourth is opened
        client.api_call("auth.test")
    assert server.accepted == 3


def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error(server):
    client = client_for(server)
    client.api_call("auth.test")
    for sock in server.sockets:  # the server drops its idle connection
        sock.shutdown(socket.SHUT_RDWR)
    time.sleep(0.05)
    assert client.api_call("auth.test")["ok"] is True
    assert server.accepted == 2
    assert len(server.bodies) == 2  # nothing sent twice


def test_an_answer_that_asks_to_close_is_not_used_again(server):
    client = client_for(server)
    server.script = ["close"]
    client.api_call("auth.test")
    client.api_call("auth.test")
    assert server.accepted == 2


def test_an_error_status_reaches_slack_sdk_as_with_urllib_and_the_connection_stays_usable(server):
    client = delivery_client(client_for(server))  # no 429 retries of its own: the outbox waits
    server.script = ["429"]
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postMessage", json={"channel": "C1", "text": "hi"})
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert client.api_call("auth.test")["number"] == 2
    assert server.accepted == 1


def test_a_call_that_timed_out_closes_its_connection_so_its_late_answer_is_never_read(server):
    client = client_for(server)
    client.retry_handlers = []
    client.timeout = 0.2
    server.script = ["slow"]
    with pytest.raises((TimeoutError, OSError)):
        client.api_call("auth.test")
    client.timeout = 5
    # The next call's answer is its own (number 2), not the late one of the first call.
    assert client.api_call("auth.test")["number"] == 2
    assert server.accepted == 2


def test_idle_connections_are_capped_and_too_old_ones_are_not_used():
    pool = Connections(keep=2, idle_seconds=0.3)
    servers = [_Server() for _ in range(3)]
    for served in servers:
        threading.Thread(target=served.serve_forever, daemon=True).start()
    try:

        def call(served: _Server) -> None:
            request = urllib.request.Request(served.url + "auth.test", data=b"{}", method="POST")
            response, _body = pool.send(request, timeout=5, context=None)
            assert response.status == 200

        for served in servers:
            call(served)
        assert len(pool) == 2  # the first server's connection was closed
        call(servers[2])
        assert servers[2].accepted == 1
        time.sleep(0.4)
        call(servers[2])
        assert servers[2].accepted == 2  # idle too long: a new one
    finally:
        pool.close()
        for served in servers:
            served.shutdown()
            served.server_close()


def test_against_the_fake_slack_posts_and_response_urls_go_out_and_a_stopped_fake_answers_none():
    with FakeSlack(team_id="T1", bot_token=TOKEN) as fake:
        fake.add_user("UALICE", "alice")
        client = make_web_client(TOKEN, fake.base_url)
        for number in range(3):
            client.chat_postMessage(channel="UALICE", text=f"hello {number}")
        assert [call.args["text"] for call in fake.calls_to("chat.postMessage")] == [
            "hello 0",
            "hello 1",
            "hello 2",
        ]
        assert len(CONNECTIONS) >= 1
        url = fake.response_url("keepalive", user="UALICE")
        hook = KeptAliveWebhookClient(url, timeout=5)
        assert hook.send_dict({"text": "answered"}).status_code == 200
        assert hook.send_dict({"text": "answered again"}).status_code == 200
        assert [call.args["text"] for call in fake.calls_to("response_url")] == ["answered", "answered again"]
    # Stopped: the kept connection is closed by the fake, not answered on.
    with pytest.raises((urllib.error.URLError, OSError)):
        client.retry_handlers = []
        client.chat_postMessage(channel="UALICE", text="too late")
    CONNECTIONS.close()


def test_a_refused_connection_is_a_urlerror_that_slack_sdk_retries_as_with_urllib():
    class Counting(ConnectionErrorRetryHandler):
        asked = 0

        def _can_retry(self, **kwargs):  # type: ignore[no-untyped-def]
            type(self).asked += 1
            return super()._can_retry(**kwargs)

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Counting(max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    client = KeptAliveWebClient(
        token=TOKEN, base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[handler]
    )
    with pytest.raises(urllib.error.URLError):
        client.api_call("auth.test")
    assert Counting.asked == 2  # both retries asked for (a bare ConnectionRefusedError gets none)
