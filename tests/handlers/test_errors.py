"""The one error handler: whatever breaks in a listener — before its ack or in the work after it — is
logged with its traceback and the person gets a friendly answer in their language, on every surface:
a command, a button, a form, an event."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import create_app
from bot.sandbox.driver import SlackDriver
from bot.server import BackgroundServer, make_server
from bot.slack import make_web_client
from handlers.common import Interaction, later
from models.db import make_session_factory
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, RunningBot
from tests.slackutil import dms_to, text_of, wait_response

SORRY_EN = "Sorry, something went wrong on my side and nothing was changed"
SORRY_DE = "Entschuldige, bei mir ist etwas schiefgegangen"


def _boom(*_args: Any, **_kwargs: Any) -> None:
    raise RuntimeError("a bug in a listener")


@pytest.fixture
def broken_bot(settings, engine, clock, fake_slack) -> Iterator[tuple[RunningBot, SlackDriver]]:
    """The real app, plus listeners that fail before their ack and in the work after it."""
    client = make_web_client(BOT_TOKEN, settings.slack_api_url)
    app, deps = create_app(settings, sessions=make_session_factory(engine), clock=clock, client=client)

    @app.command("/broken")
    def broken_command(ack, body):  # type: ignore[no-untyped-def]
        _boom()

    @app.command("/broken-later")
    def broken_later(ack, body):  # type: ignore[no-untyped-def]
        command = Interaction.from_command(deps, body)
        ack()
        later(deps, command, _boom)

    @app.action("broken_button")
    def broken_button(ack, body, action):  # type: ignore[no-untyped-def]
        _boom()

    @app.view("broken_view")
    def broken_view(ack, body, view):  # type: ignore[no-untyped-def]
        _boom()

    @app.event("app_mention")
    def broken_event(event, body):  # type: ignore[no-untyped-def]
        _boom()

    deps.start()
    server = BackgroundServer(make_server(app, engine, host="127.0.0.1", port=0, threads=4)).start()
    running = RunningBot(deps, engine, server)
    driver = SlackDriver(running.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    try:
        yield running, driver
    finally:
        running.stop()


def tracebacks(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]


def test_a_command_that_breaks_before_its_ack_is_answered_in_the_ack(broken_bot, caplog):
    _bot, slack = broken_bot
    reply = slack.command("UALICE", "anything", command="/broken")
    assert reply.status == 200 and SORRY_EN in reply.json()["text"]
    assert reply.json()["response_type"] == "ephemeral"
    assert len(tracebacks(caplog)) == 1


def test_work_that_breaks_after_the_ack_is_answered_on_the_response_url(broken_bot, fake_slack, caplog):
    bot, slack = broken_bot
    reply = slack.command("UDIETER", "anything", command="/broken-later")
    assert reply.status == 200 and reply.body == ""
    assert bot.settle()
    answer = wait_response(fake_slack)
    assert answer["response_type"] == "ephemeral"
    assert len(tracebacks(caplog)) == 1


def test_the_answer_speaks_the_persons_language_once_the_bot_has_met_them(broken_bot, fake_slack):
    bot, slack = broken_bot
    slack.command("UDIETER", "hilfe")  # dieter (de-DE) is looked up once
    assert bot.settle()
    reply = slack.command("UDIETER", "anything", command="/broken")
    assert SORRY_DE in reply.json()["text"]


def test_a_button_that_breaks_is_answered_where_it_was_clicked(broken_bot, fake_slack, caplog):
    bot, slack = broken_bot
    reply = slack.block_action("UALICE", "broken_button", "1", channel_id="C0001", message_ts="1.000001")
    assert reply.status == 200
    assert bot.settle()
    assert SORRY_EN in text_of(wait_response(fake_slack))
    assert len(tracebacks(caplog)) == 1


def test_a_form_that_breaks_stays_open_with_the_message_under_its_field(broken_bot, caplog):
    _bot, slack = broken_bot
    reply = slack.view_submission(
        "UALICE", "broken_view", {"text": {"text": {"type": "plain_text_input", "value": "x"}}}
    )
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors" and SORRY_EN in answer["errors"]["text"]
    assert len(tracebacks(caplog)) == 1


def test_an_event_that_breaks_is_answered_in_its_thread(broken_bot, fake_slack, caplog):
    bot, slack = broken_bot
    reply = slack.event(
        {"type": "app_mention", "user": "UALICE", "text": "<@UBOT> hi", "channel": "C0001", "ts": "1.000002"},
        event_id="Ev0BROKEN",
    )
    assert reply.status == 200
    assert bot.settle()
    [ephemeral] = [e for e in fake_slack.ephemerals if e["user"] == "UALICE"]
    assert SORRY_EN in ephemeral["text"] and ephemeral["channel"] == "C0001"
    assert len(tracebacks(caplog)) == 1


def test_signed_payloads_the_listeners_cannot_read_are_answered_not_crashed(slack, fake_slack, caplog):
    """Real listeners, hostile but signed input: a button value that is not a request id, a form
    without state, a thread reply with a broken timestamp — each gets the friendly "couldn't read"."""
    reply = slack.block_action("UALICE", "request_ack", "[1]", channel_id="C0001", message_ts="1.000003")
    assert reply.status == 200
    assert "couldn't read that" in text_of(wait_response(fake_slack))

    form = slack.view_submission("UALICE", "request_decline_view", {}, private_metadata="{not json")
    assert form.status == 200 and form.json()["response_action"] in ("errors", "update")

    event = slack.event(
        {
            "type": "message",
            "user": "UALICE",
            "text": "hi",
            "channel": "DUALICE",
            "thread_ts": "nope",
            "ts": "1.5",
        },
        event_id="Ev0BADTS",
    )
    assert event.status == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # a bad payload is no bug
    assert dms_to(fake_slack, "UBOB") == []
