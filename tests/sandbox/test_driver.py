"""The driver must sign and shape requests so that a real Bolt app accepts them like Slack's."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import time_machine
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack

SECRET = "sandbox-signing-secret"

# Slack's worked example from "Verifying requests from Slack".
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = 1531420618
DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class BoltUnderTest:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


def build_app(fake: FakeSlack, received: list[dict[str, Any]]) -> App:
    """A tiny Bolt app whose listeners use the Web API the way our handlers will."""
    app = App(signing_secret=SECRET, client=WebClient(base_url=fake.base_url, token=fake.bot_token))

    @app.command("/request")
    def on_command(ack, body, client, respond) -> None:
        ack()
        received.append(body)
        client.chat_postMessage(channel=body["user_id"], text=f"Noted: {body['text']}")
        respond(text="Thanks, I have filed it.")

    @app.action("request_ack")
    def on_ack(ack, body, client) -> None:
        ack()
        received.append(body)
        if body["container"]["type"] == "message":
            client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="Acknowledged")

    @app.view("request_modal")
    def on_submit(ack, body, view, client) -> None:
        ack()
        received.append(body)
        what = view["state"]["values"]["what"]["text"]["value"]
        client.chat_postMessage(channel=body["user"]["id"], text=f"Filed: {what}")

    @app.view_closed("request_modal")
    def on_close(ack, body) -> None:
        ack()
        received.append(body)

    @app.shortcut("make_request")
    def on_shortcut(ack, body, client) -> None:
        ack()
        received.append(body)
        client.chat_getPermalink(channel=body["channel"]["id"], message_ts=body["message"]["ts"])

    @app.event("app_mention")
    def on_mention(body, event, client) -> None:
        received.append(body)
        client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text="Hello!")

    return app


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U1", "anna", locale="de-DE")
        running.add_user("U2", "ben")
        yield running


@pytest.fixture
def bolt(fake: FakeSlack) -> Iterator[BoltUnderTest]:
    received: list[dict[str, Any]] = []
    handler = SlackRequestHandler(build_app(fake, received))
    server = make_server(
        "127.0.0.1", 0, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield BoltUnderTest(f"http://127.0.0.1:{server.server_port}/slack/events", received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def driver(bolt: BoltUnderTest, fake: FakeSlack) -> SlackDriver:
    return SlackDriver(bolt.url, SECRET, fake=fake)


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_signature_matches_slacks_documented_example() -> None:
    headers = SlackDriver("http://unused", DOC_SECRET).sign(DOC_BODY.encode(), DOC_TIMESTAMP)
    assert headers == {"X-Slack-Request-Timestamp": str(DOC_TIMESTAMP), "X-Slack-Signature": DOC_SIGNATURE}


def test_signature_verifies_with_the_sdk_verifier() -> None:
    body = b'{"type":"event_callback","event":{"type":"app_mention","text":"gr\xc3\xbc\xc3\x9fe"}}'
    headers = SlackDriver("http://unused", SECRET).sign(body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b" ", headers)


def test_command_reaches_bolt_and_its_replies_reach_the_fake(
    driver: SlackDriver, bolt: BoltUnderTest, fake: FakeSlack
) -> None:
    reply = driver.command("U1", "review the slides within 4h")
    assert reply.status == 200
    assert reply.elapsed < 3
    posted = fake.wait_for_method("chat.postMessage")[0]
    assert (posted.args["channel"], posted.args["text"]) == ("U1", "Noted: review the slides within 4h")
    responded = fake.wait_for_method("response_url")[0]
    assert responded.args["text"] == "Thanks, I have filed it."
    assert responded.args["key"] in reply.sent["response_url"]
    [body] = bolt.received
    assert (body["user_id"], body["user_name"], body["command"]) == ("U1", "anna", "/request")
    assert (body["channel_id"], body["team_id"]) == ("C0001", "T0001")
    assert body["trigger_id"]


def test_command_body_is_form_encoded_and_signed(driver: SlackDriver) -> None:
    captured: dict[str, Any] = {}

    def capture(body: bytes, headers: dict[str, str]):
        captured.update(body=body, headers=headers)
        return original(body, headers)

    original, driver.post_raw = driver.post_raw, capture  # type: ignore[method-assign]
    driver.command("U2", "hi & bye")
    headers = captured["headers"]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(captured["body"].decode())["text"] == ["hi & bye"]
    assert SignatureVerifier(SECRET).is_valid_request(captured["body"], headers)


def test_block_action_on_a_message_updates_it(
    driver: SlackDriver, bolt: BoltUnderTest, fake: FakeSlack
) -> None:
    client = WebClient(base_url=fake.base_url, token=fake.bot_token)
    posted = client.chat_postMessage(channel="U1", text="Can you review?")
    reply = driver.block_action(
        "U1", "request_ack", "42", channel_id=posted["channel"], message_ts=posted["ts"]
    )
    assert reply.status == 200
    fake.wait_for_method("chat.update")
    assert fake.messages[(posted["channel"], posted["ts"])]["text"] == "Acknowledged"
    [body] = bolt.received
    action = body["actions"][0]
    assert (action["action_id"], action["value"], action["type"]) == ("request_ack", "42", "button")
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert body["message"]["text"] == "Can you review?"


def test_block_action_in_a_view_carries_the_view(driver: SlackDriver, bolt: BoltUnderTest) -> None:
    view = {"id": "V77", "type": "modal", "callback_id": "request_modal"}
    reply = driver.block_action("U1", "request_ack", "U2", view=view, action_type="users_select")
    assert reply.status == 200
    wait_until(lambda: bolt.received)
    body = bolt.received[0]
    assert body["container"] == {"type": "view", "view_id": "V77"}
    assert body["view"]["callback_id"] == "request_modal"
    assert body["actions"][0]["selected_user"] == "U2"


def test_view_submission_carries_state_values(
    driver: SlackDriver, bolt: BoltUnderTest, fake: FakeSlack
) -> None:
    values = {"what": {"text": {"type": "plain_text_input", "value": "Budget figures"}}}
    reply = driver.view_submission("U2", "request_modal", values, private_metadata='{"channel":"C0001"}')
    assert reply.status == 200
    assert reply.json() is None  # a plain ack() closes the modal with an empty body
    assert fake.wait_for_method("chat.postMessage")[0].args["text"] == "Filed: Budget figures"
    assert bolt.received[0]["view"]["private_metadata"] == '{"channel":"C0001"}'


def test_view_closed_is_acked(driver: SlackDriver, bolt: BoltUnderTest) -> None:
    assert driver.view_closed("U1", "request_modal").status == 200
    wait_until(lambda: bolt.received)
    assert bolt.received[0]["type"] == "view_closed"


def test_message_shortcut_makes_the_message_known(
    driver: SlackDriver, bolt: BoltUnderTest, fake: FakeSlack
) -> None:
    message = {"user": "U2", "text": "Could someone check the invoice?", "ts": "1700000000.000200"}
    reply = driver.message_shortcut("U1", "make_request", channel_id="C0001", message=message)
    assert reply.status == 200
    [call] = fake.wait_for_method("chat.getPermalink")
    assert call.ok
    assert bolt.received[0]["message"]["text"] == "Could someone check the invoice?"


def test_event_is_wrapped_in_an_event_callback(
    driver: SlackDriver, bolt: BoltUnderTest, fake: FakeSlack
) -> None:
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "ts": "1700000000.000300"}
    event["channel"] = "C0001"
    reply = driver.event(event, event_id="Ev123")
    assert reply.status == 200
    assert fake.wait_for_method("chat.postMessage")[0].args["thread_ts"] == "1700000000.000300"
    envelope = bolt.received[0]
    assert (envelope["type"], envelope["event_id"]) == ("event_callback", "Ev123")
    assert envelope["team_id"] == "T0001"
    assert envelope["event"]["event_ts"]
    assert envelope["authorizations"][0]["user_id"] == "UBOT"


def test_signatures_follow_a_frozen_clock(driver: SlackDriver, fake: FakeSlack) -> None:
    # Scenario tests freeze time; Bolt checks the timestamp against the same patched time.time().
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        reply = driver.command("U1", "ping")
        assert reply.status == 200
        assert reply.sent is not None
        fake.wait_for_method("chat.postMessage")
        assert fake.messages_in(fake.dm_channel_for("U1"))[0]["ts"].startswith("1772442000.")


def test_forged_or_stale_signatures_are_rejected(
    driver: SlackDriver, bolt: BoltUnderTest, fake: FakeSlack
) -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}}).encode()
    forged = SlackDriver(driver.events_url, "not-the-secret").sign(body)
    stale = driver.sign(body, int(time.time()) - 10 * 60)
    for headers in (forged, stale, {}):
        reply = driver.post_raw(body, {"Content-Type": "application/json", **headers})
        assert reply.status == 401
    assert bolt.received == []
    assert fake.calls_to("chat.postMessage") == []
