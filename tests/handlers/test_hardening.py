"""Hostile input and races, each through the real HTTP path (signed like Slack, the loopback fake Slack,
real SQLite and PostgreSQL). One test (or a few) per defect the hardening issue lists:

1. typed text never becomes a live mention;  2. "Ask in the channel" pings nobody named in the request;
3. unauthenticated garbage never gets a 5xx (tests/ops/test_edge.py);  4. signed but malformed payloads
are answered, not crashed;  5. a database outage is answered;  6. no "database is locked" under ordinary
concurrency on SQLite;  7. a double click changes state once;  8. an event retry that overlaps the first
delivery takes effect once.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.sandbox.driver import SlackDriver
from models import Request, RequestEvent
from tests.conftest import SIGNING_SECRET, TEAM, start_bot
from tests.ops.processes import TcpProxy
from tests.slackutil import dms_to, press, text_of, wait_dms, wait_response

LIVE = ("<@UCAROL", "<!channel", "<!here", "<https://evil")


def no_live_reference_anywhere(fake_slack) -> None:
    for call in fake_slack.calls:
        if call.method in {
            "chat.postMessage",
            "chat.update",
            "response_url",
            "chat.postEphemeral",
            "views.publish",
        }:
            sent = text_of(call.args)
            for live in LIVE:
                assert live not in sent, (call.method, sent[:300])


def events_of(sessions, kind: str) -> list[RequestEvent]:
    with sessions() as session:
        return list(session.scalars(select(RequestEvent).where(RequestEvent.kind == kind)))


def tracebacks(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]


# --- 1. typed text is text ------------------------------------------------------------------------------


def test_a_mention_typed_in_the_command_text_is_not_a_mention(slack, fake_slack, sessions):
    """Typed as characters, Slack sends it escaped (&lt;@UCAROL&gt;): it stays characters everywhere."""
    slack.command("UALICE", "<@UBOB|bob> Ask &lt;@UCAROL&gt; and &lt;!channel&gt; about it within 4h")
    [card] = wait_dms(fake_slack, "UBOB")
    assert "@UCAROL" in text_of(card)
    no_live_reference_anywhere(fake_slack)
    with sessions() as session:
        assert session.scalars(select(Request)).one().text == "Ask <@UCAROL> and <!channel> about it"


def test_a_mention_typed_in_the_form_is_not_a_mention(slack, fake_slack):
    values = {
        "assignee": {"assignee": {"type": "users_select", "selected_user": "UBOB"}},
        "text": {
            "text": {
                "type": "plain_text_input",
                "value": "Loop in <@UCAROL> <!here> <https://evil.example|HR>",
            }
        },
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "task"}}},
    }
    reply = slack.view_submission("UALICE", "request_new", values, private_metadata='{"channel": "C0001"}')
    assert reply.status == 200 and not reply.body.strip()
    [card] = wait_dms(fake_slack, "UBOB")
    assert "Loop in" in text_of(card)
    no_live_reference_anywhere(fake_slack)


def test_slacks_own_mentions_in_the_text_are_named_not_pinged(slack, fake_slack):
    slack.command("UALICE", "<@UBOB|bob> Coordinate with <@UCAROL|carol> within 4h")
    [card] = wait_dms(fake_slack, "UBOB")
    assert "@carol" in text_of(card)
    no_live_reference_anywhere(fake_slack)


# --- 2. asking in the channel ---------------------------------------------------------------------------


def test_asking_in_the_channel_names_only_the_person_asking(slack, fake_slack, bot, clock):
    from bot.jobs.scheduler import tick

    slack.command("UALICE", "<@UBOB|bob> Ask <@UCAROL|carol> and <!channel> for the key within 4h")
    wait_dms(fake_slack, "UBOB")
    moment = clock() + timedelta(days=6)
    clock.set(moment)
    tick(bot.deps, moment)
    assert bot.settle()
    [offer] = [m for m in dms_to(fake_slack, "UALICE") if "request_escalate_channel" in text_of(m)]
    press(slack, fake_slack, "UALICE", "request_escalate_channel", message=offer)
    [post] = [m for m in fake_slack.messages_in("C0001") if "#1" in text_of(m)]
    assert "<@UALICE>" in text_of(post)  # the one person it names, on purpose
    no_live_reference_anywhere(fake_slack)


# --- 4. signed but malformed --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["9" * 40, "[1]", "{}", "", "-1", "0", "1.5", "１２", "2147483648", "12; DROP TABLE requests"],
)
def test_a_button_with_a_value_that_is_no_request_id_is_answered(slack, fake_slack, sessions, caplog, value):
    slack.command("UALICE", "<@UBOB|bob> Keep me within 4h")
    wait_dms(fake_slack, "UBOB")
    reply = slack.block_action("UBOB", "request_done", value, channel_id="DUBOB", message_ts="1.000001")
    assert reply.status == 200 and reply.elapsed < 3
    assert not tracebacks(caplog)
    assert events_of(sessions, "done") == []
    assert "couldn't read that" in text_of(wait_response(fake_slack, 2))


def test_payloads_without_the_parts_slack_always_sends_are_answered(slack, fake_slack, caplog):
    body = {
        "type": "block_actions",
        "actions": [{"action_id": "request_ack", "value": "1"}],
        "trigger_id": "t",
    }
    for payload in (
        body,  # no user, no team
        {**body, "user": {"id": "UBOB"}},  # no team
        {**body, "team": {"id": TEAM}, "user": {"id": "not a user"}},
        {**body, "team": {"id": TEAM}, "user": {"id": "UBOB"}, "actions": "nope"},
        {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": "UBOB"},
            "view": {"callback_id": "request_new"},
        },
        {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": "UBOB"}, "view": "nope"},
    ):
        reply = slack._post_interaction(payload)
        assert reply.status in (200, 400), payload  # never a 5xx; a shape Slack never sends is refused
        assert reply.elapsed < 3
    assert not tracebacks(caplog)


def test_a_form_with_an_impossible_date_is_answered_under_its_field(slack, fake_slack, sessions):
    values = {
        "assignee": {"assignee": {"type": "users_select", "selected_user": "UBOB"}},
        "text": {"text": {"type": "plain_text_input", "value": "Date test"}},
        "due_date": {"due_date": {"type": "datepicker", "selected_date": "2026-02-31"}},
    }
    reply = slack.view_submission("UALICE", "request_new", values)
    assert reply.status == 200
    assert reply.json()["response_action"] in ("errors", "update")
    with sessions() as session:
        assert session.scalars(select(Request)).all() == []


def test_events_without_channel_or_user_are_ignored_quietly(slack, caplog):
    for event in (
        {"type": "message", "text": "x", "thread_ts": "1.0"},
        {"type": "message", "user": "UBOB", "text": "x", "thread_ts": "1.0"},
        {"type": "message", "user": "UBOB", "channel": "C0001", "text": "x", "thread_ts": "1.0", "ts": "x"},
        {"type": "app_home_opened"},
        {"type": "app_home_opened", "user": "<@UBOB>", "tab": "home"},
    ):
        assert slack.event(event).status == 200
    assert not tracebacks(caplog)


def test_a_command_without_response_url_still_gets_its_answer(slack, fake_slack):
    fields = {
        "command": "/request",
        "text": "help",
        "team_id": TEAM,
        "user_id": "UALICE",
        "channel_id": "C0001",
        "trigger_id": "1.2.abc",
    }
    assert slack._post_form(fields).status == 200
    assert "How to use" in text_of(dms_to(fake_slack, "UALICE"))


# --- 5. the database goes away ----------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_outage_is_answered_and_needs_no_restart(database_url, settings, clock, fake_slack):
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).up()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    from models.db import make_engine

    engine = make_engine(through)
    bot = start_bot(settings.with_(database_url=through), engine, clock)
    slack = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    try:
        slack.command("UALICE", "hilfe")  # the bot meets alice
        assert bot.settle()
        proxy.down()
        reply = slack.command("UALICE", "<@UBOB|bob> While the database is away within 4h")
        assert reply.status == 200 and reply.elapsed < 3
        answer = wait_response(fake_slack, 2, timeout=30)
        assert "can't reach my database" in answer["text"] and "nothing was changed" in answer["text"]
        proxy.up()
        slack.command("UALICE", "<@UBOB|bob> After it came back within 4h")
        [card] = wait_dms(fake_slack, "UBOB", timeout=30)
        assert "After it came back" in text_of(card)
    finally:
        bot.stop()
        proxy.down()
        engine.dispose()


# --- 6. SQLite under ordinary concurrency ----------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_hundred_concurrent_mixed_commands_never_find_the_database_locked(bot, fake_slack, caplog):
    raw = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    texts = [
        "<@UBOB|bob> Concurrent {i} within 4h",
        "list",
        "digest",
        "digest preview",
        "help",
        "<@UDIETER|dieter> Parallel {i} by Friday",
        "language",
        "digest friday 16:30",
    ]
    replies: list[int] = []

    def send(index: int) -> None:
        reply = raw.command(("UALICE", "UCAROL")[index % 2], texts[index % len(texts)].format(i=index))
        replies.append(reply.status)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert bot.settle(60)
    assert Counter(replies) == Counter({200: 200})
    locked = [
        r for r in caplog.records if "database is locked" in r.getMessage() or "locked" in str(r.exc_info)
    ]
    assert locked == []
    assert (
        len(dms_to(fake_slack, "UBOB")) + len(dms_to(fake_slack, "UDIETER")) == 50
    )  # every filing delivered


# --- 7. a double click ------------------------------------------------------------------------------------------------


def test_a_double_click_on_done_changes_state_once(bot, fake_slack, sessions):
    raw = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    raw.command("UALICE", "<@UBOB|bob> Click me twice within 4h")
    [card] = wait_dms(fake_slack, "UBOB")
    barrier = threading.Barrier(4)

    def click() -> None:
        barrier.wait()
        press(raw, fake_slack, "UBOB", "request_done", message=card)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert bot.settle(30)
    assert len(events_of(sessions, "done")) == 1
    prompts = [m for m in dms_to(fake_slack, "UALICE") if "request_rate_1" in text_of(m)]
    assert len(prompts) == 1


# --- 8. an event retry overlapping the first delivery ------------------------------------------------------------


def test_a_four_fold_overlapping_event_retry_takes_effect_once(bot, fake_slack, sessions):
    raw = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    raw.command("UALICE", "<@UBOB|bob> Answer me in the thread within 4h")
    [card] = wait_dms(fake_slack, "UBOB")
    assert bot.settle()
    barrier = threading.Barrier(4)

    def deliver(attempt: int) -> None:
        barrier.wait()
        raw.event(
            {
                "type": "message",
                "channel_type": "im",
                "user": "UBOB",
                "text": "On it!",
                "channel": card["channel"],
                "thread_ts": card["ts"],
                "ts": "1796000000.000100",
            },
            event_id="Ev0RETRY",
            retry_num=attempt or None,
            retry_reason="http_timeout" if attempt else None,
        )

    threads = [threading.Thread(target=deliver, args=(attempt,)) for attempt in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert bot.settle(30)
    assert len(events_of(sessions, "acknowledged")) == 1
    news = [m for m in dms_to(fake_slack, "UALICE") if "has seen your request" in text_of(m)]
    assert len(news) == 1
