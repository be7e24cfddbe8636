"""The outbox's guarantees, each through the real bot over HTTP and the loopback fake Slack on SQLite and
PostgreSQL: a process killed with SIGKILL right after a commit loses nothing and repeats nothing, two
replicas share the work and deliver each message once, a stuck Slack method does not block the others,
redraws collapse and come after what they redraw."""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from bot.app import create_app
from bot.outbox import store
from bot.outbox.worker import Outbox
from bot.sandbox.driver import SlackDriver
from bot.slack import make_web_client
from models import OutboxMessage, Request
from models.db import make_engine, make_session_factory, transaction
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.ops.processes import start_http_bot
from tests.slackutil import dms_to, press, text_of, wait_dms


def cards_to(fake, user_id: str) -> list[dict]:
    return [m for m in dms_to(fake, user_id) if "asks you" in text_of(m)]


def outbox_rows(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- a process killed right after a commit ---------------------------------------------------------------


@pytest.mark.parametrize(
    "slack_did_it", [False, True], ids=["before-slack-stored-it", "after-slack-stored-it"]
)
def test_a_process_killed_right_after_the_commit_loses_nothing_and_repeats_nothing(
    database_url, fake_slack, sessions, tmp_path, slack_did_it
):
    """The request is committed with its messages; the card's post is in flight when SIGKILL comes —
    before Slack stored it, or after Slack stored it but before the process saw the answer. The next
    process delivers every message once, within seconds of starting."""
    fake_slack.set_latency(30, methods=["chat.postMessage"], after=slack_did_it)
    bot, slack, _port = start_http_bot(database_url, fake_slack, tmp_path)
    try:
        assert slack.command("UALICE", "<@UBOB|bob> Survive the crash within 4h").status == 200
        deadline = time.monotonic() + 20
        while not any(row.kind == "card" and row.state == "claimed" for row in outbox_rows(sessions)):
            assert time.monotonic() < deadline, "the card was never claimed"
            time.sleep(0.02)
        if slack_did_it:
            fake_slack.wait_for_method("chat.postMessage", timeout=10)
        time.sleep(0.3)
    finally:
        bot.process.send_signal(signal.SIGKILL)
        bot.process.wait(timeout=10)
    fake_slack.set_latency(0)
    with sessions() as session:
        [request] = session.scalars(select(Request)).all()
    assert len(cards_to(fake_slack, "UBOB")) == (1 if slack_did_it else 0)

    started = time.monotonic()
    bot, _slack, _port = start_http_bot(database_url, fake_slack, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while any(row.state in ("pending", "claimed") for row in outbox_rows(sessions)):
            assert time.monotonic() < deadline, [(r.kind, r.state) for r in outbox_rows(sessions)]
            time.sleep(0.05)
        took = time.monotonic() - started
    finally:
        bot.stop()
    assert took < 30
    [card] = cards_to(fake_slack, "UBOB")  # exactly once
    assert "Survive the crash" in text_of(card)
    with sessions() as session:
        stored = session.get(Request, request.id)
        assert stored.assignee_message_ts == card["ts"]  # its place remembered, once
    assert Counter(row.state for row in outbox_rows(sessions)) == Counter(
        {"sent": len(outbox_rows(sessions))}
    )


# --- two replicas --------------------------------------------------------------------------------------------


def test_two_replicas_share_the_outbox_and_deliver_each_message_once(
    database_url, settings, clock, fake_slack
):
    """Two bots (own engine, own workers) on one database: 60 messages queued at once, each sent once."""
    engines = [make_engine(database_url) for _ in range(2)]
    bots = []
    try:
        for engine in engines:
            client = make_web_client(BOT_TOKEN, fake_slack.base_url)
            _app, deps = create_app(
                settings, sessions=make_session_factory(engine), clock=clock, client=client
            )
            bots.append(deps)
        sessions = bots[0].sessions
        with transaction(sessions) as session:
            for index in range(60):
                store.enqueue(
                    session,
                    team_id=TEAM,
                    kind="notice",
                    key=f"test:{index}",
                    now=clock(),
                    recipient=("UBOB", "UDIETER", "UCAROL")[index % 3],
                    payload={"code": "not_found", "params": {}},
                )
        for deps in bots:
            deps.outbox.start()
        assert all(deps.settle(30) for deps in bots)
    finally:
        for deps in bots:
            deps.stop()
        for engine in engines:
            engine.dispose()
    posts = [c for c in fake_slack.calls_to("chat.postMessage") if c.ok]
    ids = Counter(c.args["metadata"]["event_payload"]["outbox_id"] for c in posts)
    assert len(ids) == 60 and set(ids.values()) == {1}
    assert all(deps.outbox.counts["chat.postMessage"] > 0 for deps in bots)  # both did part of it


def test_stopping_sends_what_was_committed_just_before_the_stop(database_url, settings, clock, fake_slack):
    """A graceful stop comes right after the last work committed its rows, perhaps before the dispatcher
    woke for them (here it is never woken and polls once a minute): the stop claims them once more and
    sends them, instead of leaving them to the next process."""
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        client = make_web_client(BOT_TOKEN, fake_slack.base_url)
        _app, deps = create_app(
            settings, sessions=make_session_factory(engines[0]), clock=clock, client=client
        )
        deps.outbox = Outbox(deps, poll=timedelta(seconds=60)).start()
        deadline = time.monotonic() + 10
        while not deps.outbox._claimed_at and time.monotonic() < deadline:  # its first look is over
            time.sleep(0.01)
        elsewhere = make_session_factory(engines[1])  # its commits wake no one here
        with transaction(elsewhere) as session:
            store.enqueue(
                session,
                team_id=TEAM,
                kind="notice",
                key="test:last-words",
                now=clock(),
                recipient="UBOB",
                payload={"code": "not_found", "params": {}},
            )
        time.sleep(0.3)
        assert fake_slack.calls_to("chat.postMessage") == []  # the dispatcher has not seen it
        deps.outbox.stop(5)
    finally:
        for engine in engines:
            engine.dispose()
    [post] = [c for c in fake_slack.calls_to("chat.postMessage") if c.ok]
    assert post.args["channel"] == "UBOB"


# --- a stuck method, collapsing, order ---------------------------------------------------------------------


@pytest.mark.parametrize("senders", [16, 2])
def test_a_filings_messages_are_rendered_together_reading_the_request_once(
    bot, engine, slack, fake_slack, senders
):
    """The card, the confirmation and the requester's card start together: one reading session renders
    all three, so the request is loaded once by the delivery, not once per message — also when fewer
    senders are free than messages wait (under load one sender frees up at a time)."""
    if senders != bot.deps.outbox.concurrency:
        bot.deps.outbox.stop(5)
        bot.deps.outbox = Outbox(bot.deps, concurrency=senders).start()
    loads: list[str] = []

    def watch(_connection, _cursor, statement, _parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        if threading.current_thread().name.startswith("kf-deliver") and re.search(
            r"FROM requests\s+WHERE requests\.id =", statement
        ):
            loads.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        assert slack.command("UALICE", "<@UBOB|bob> Draft the agenda within 4h").status == 200
        assert bot.settle(10)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    posts = sorted(c.args["channel"] for c in fake_slack.calls_to("chat.postMessage") if c.ok)
    assert posts == ["UALICE", "UBOB"]  # the requester's card and the card
    assert [c.method for c in fake_slack.calls if c.method == "response_url"] == ["response_url"]
    assert len(loads) == 1, loads


def test_a_backlog_of_filings_is_rendered_in_one_session_reading_their_requests_in_one_query(
    bot, engine, sessions, fake_slack
):
    """Three filings wait while no delivery runs; the next worker claims their nine messages at once and
    renders them in one reading session: the three requests are read in one query, none by its id, and
    each assignee's absence once (the requester's card and the confirmation both show it). The delivery
    does not know the people yet (as after a restart): they too are read in one query."""
    bot.deps.outbox.stop(5)
    raw = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)  # does not wait
    for person in ("bob", "carol", "dieter"):
        assert raw.command("UALICE", f"<@U{person.upper()}|{person}> Draft {person} within 4h").status == 200
    deadline = time.monotonic() + 10
    while len(outbox_rows(sessions)) < 9 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [row.state for row in outbox_rows(sessions)] == ["pending"] * 9
    by_id: list[str] = []
    together: list[str] = []
    absences: list[str] = []
    people: list[str] = []
    for person in ("UALICE", "UBOB", "UCAROL", "UDIETER"):
        bot.deps.people.forget(TEAM, person)

    def watch(_connection, _cursor, statement, _parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        if threading.current_thread().name.startswith("kf-deliver"):
            if re.search(r"FROM requests\s+WHERE requests\.id =", statement):
                by_id.append(statement)
            elif re.search(r"FROM requests\s+WHERE requests\.id IN", statement):
                together.append(statement)
            elif re.search(r"FROM absences\s+WHERE", statement):
                absences.append(statement)
            elif re.search(r"FROM people\s+WHERE", statement):
                people.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        bot.deps.outbox = Outbox(bot.deps).start()
        assert bot.settle(10)
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert (len(together), by_id) == (1, [])
    assert len(absences) == 3  # bob, carol, dieter
    assert len(people) == 1 and " IN " in people[0], people
    # To a person by user id, or by the DM channel Slack answered with once the first post is recorded.
    posted = sorted(
        c.args["channel"].removeprefix("D") for c in fake_slack.calls_to("chat.postMessage") if c.ok
    )
    assert posted == sorted(["UALICE"] * 3 + ["UBOB", "UCAROL", "UDIETER"])
    assert len([c for c in fake_slack.calls if c.method == "response_url"]) == 3
    assert {row.state for row in outbox_rows(sessions)} == {"sent"}


def test_a_stuck_slack_method_does_not_hold_up_the_others(bot, fake_slack):
    """chat.update hangs for 6 s on every call: cards (chat.postMessage) still arrive at once (three per
    person: Slack's per-channel pace, one a second after a burst of three, is not what is measured)."""
    raw = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)  # does not wait
    raw.command("UALICE", "<@UBOB|bob> First within 4h")
    [card] = wait_dms(fake_slack, "UBOB")
    assert bot.settle(10)
    fake_slack.set_latency(6, methods=["chat.update"])
    try:
        for _ in range(3):  # three redraws hang in chat.update
            press(raw, fake_slack, "UBOB", "request_snooze", message=card)
        time.sleep(0.3)
        started = time.monotonic()
        for index in range(3):
            for person in ("dieter", "carol"):
                raw.command("UALICE", f"<@U{person.upper()}|{person}> Also {index} within 4h")
        wait_dms(fake_slack, "UDIETER", count=3, timeout=10)
        wait_dms(fake_slack, "UCAROL", count=3, timeout=10)
        elapsed = time.monotonic() - started
        assert fake_slack.calls_to("chat.update") == []  # the redraw was still hanging all the while
    finally:
        fake_slack.set_latency(0)
    assert elapsed < 3, f"6 new cards took {elapsed:.1f} s while chat.update hung"
    assert bot.settle(20)


def test_redraws_collapse_and_never_overtake_the_card(bot, fake_slack, sessions):
    """Ten changes to one request while its card is not out yet: the card goes first, then at most a few
    redraws, and the last shows the final state."""
    from bot.outbox import news
    from bot.services import requests as request_service

    raw = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    fake_slack.set_latency(3.0, methods=["chat.postMessage"])
    try:
        raw.command("UALICE", "<@UBOB|bob> Collapse me within 4h")
        deadline = time.monotonic() + 10
        while True:
            with sessions() as session:
                request = session.scalars(select(Request)).one_or_none()
            if request is not None:
                break
            assert time.monotonic() < deadline
            time.sleep(0.02)
        now = bot.deps.now()
        changing = time.monotonic()
        for minute in range(10):
            with transaction(sessions) as session:
                outcome = request_service.snooze(
                    session,
                    team_id=TEAM,
                    request_id=request.id,
                    actor_id="UBOB",
                    now=now,
                    until=now.replace(hour=14, minute=minute),
                )
                news.announce(session, outcome, now=now)
        changed_within = time.monotonic() - changing
    finally:
        fake_slack.set_latency(0)
    assert bot.settle(20)
    card_at = next(
        i
        for i, c in enumerate(fake_slack.calls)
        if c.method == "chat.postMessage" and "asks you" in text_of(c.args)
    )
    updates = [i for i, c in enumerate(fake_slack.calls) if c.method == "chat.update" and c.ok]
    assert updates and min(updates) > card_at  # never before the card
    # Ten changes while the card was on its way, collapsed into one redraw (if the machine was too busy to
    # make them within the card's 3 s, some came after it — still fewer redraws than changes).
    assert len(updates) <= (2 if changed_within < 2.5 else 9)
    [card] = cards_to(fake_slack, "UBOB")
    assert "3:09" in text_of(card)  # the latest snooze (14:09 UTC is 15:09 in Berlin)
    with sessions() as session:
        assert session.scalar(select(func.count()).where(OutboxMessage.state == "pending")) == 0
