"""Sweeps and their delivery are safe with any number of processes: concurrent sweeps (each with its own
delivery workers) deliver each reminder once, a worker or process killed midway loses nothing, and
Slack's 429 and 5xx answers still end with every reminder delivered exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.deps import Deps
from bot.jobs.sweep import run_sweep
from bot.outbox import store
from bot.services import requests as request_service
from bot.slack import make_web_client
from models.db import make_engine, make_session_factory, transaction
from tests.conftest import BOT_TOKEN, TEAM
from tests.services.test_reminders import (
    add_request,
    berlin,
    make_deps,
    reminder_items,
    reminder_rows,
    sweep_at,
)

ASSIGNEES = ["UBOB", "UDIETER", "UALICE"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def deps(settings, sessions, clock, fake_slack) -> Deps:
    return make_deps(settings, sessions, clock, fake_slack)


def delivered(fake) -> Counter[tuple[str, int]]:
    """How often each (kind, request id) reached someone in a successfully posted message."""
    counts: Counter[tuple[str, int]] = Counter()
    for call in fake.calls_to("chat.postMessage"):
        if call.ok:
            counts.update(reminder_items({"blocks": call.args.get("blocks")}))
    return counts


def claimed_messages(sessions) -> int:
    from sqlalchemy import func, select

    from models.outbox import OutboxMessage

    with sessions() as session:
        return session.scalar(select(func.count()).where(OutboxMessage.state == "claimed")) or 0


def many_requests(sessions, n: int = 24) -> list[int]:
    """Requests spread over three people, their first answers due Thursday 14:00."""
    ids = []
    for index in range(n):
        assignee = ASSIGNEES[index % 3]
        requester = "UCAROL" if assignee == "UALICE" else "UALICE"
        ids.append(add_request(sessions, assignee=assignee, requester=requester, text=f"Item {index}"))
    return ids


def test_three_concurrent_sweeps_deliver_each_reminder_once(
    database_url, settings, sessions, clock, fake_slack
):
    ids = many_requests(sessions)
    engines = [make_engine(database_url) for _ in range(3)]
    try:
        for moment in (berlin(11, 26, 14), berlin(11, 27, 10), berlin(11, 30, 10)):
            clock.set(moment)
            barrier = threading.Barrier(3)
            errors: list[BaseException] = []

            def sweep(engine, barrier=barrier, moment=moment, errors=errors) -> None:
                deps = Deps(
                    settings,
                    make_session_factory(engine),
                    clock,
                    make_web_client(BOT_TOKEN, fake_slack.base_url),
                )
                barrier.wait()
                try:
                    run_sweep(deps, moment, deliver=True)
                except BaseException as error:  # surfaced below
                    errors.append(error)

            threads = [threading.Thread(target=sweep, args=(engine,)) for engine in engines]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
    finally:
        for engine in engines:
            engine.dispose()
    assert delivered(fake_slack) == Counter({("reminder", rid): 3 for rid in ids})  # one a day, three days
    rows = reminder_rows(sessions)
    assert len(rows) == 3 * len(ids) and {row.state for row in rows} == {"sent"}


def test_a_worker_that_dies_holding_messages_loses_nothing(deps, fake_slack, sessions):
    ids = many_requests(sessions, 6)
    now = berlin(11, 26, 14)
    deps.clock.set(now)
    queued = run_sweep(deps, now).outbox_ids  # planned and queued: three messages, nothing sent yet
    assert len(queued) == 3
    with transaction(sessions) as session:  # a worker of a process that is gone claims them all
        gone = "elsewhere:999999:deadbeef"
        assert len(store.claim(session, worker=gone, wall_now=datetime.now(UTC), limit=10)) == 3
    assert {row.state for row in reminder_rows(sessions)} == {"queued"}

    report = sweep_at(deps, now + timedelta(minutes=1))  # the next worker takes them over at once
    assert report.lines == []  # nothing new was due
    deps.outbox.start()
    try:
        assert set(deps.outbox.wait_for(queued, timeout=20).values()) == {"sent"}
    finally:
        deps.outbox.stop()
    assert delivered(fake_slack) == Counter({("reminder", rid): 1 for rid in ids})
    assert sweep_at(deps, now + timedelta(hours=2)).lines == []


@pytest.mark.parametrize("slack_did_it", [False, True], ids=["before-slack", "after-slack-before-answer"])
def test_a_killed_sweep_process_is_made_good_by_the_next_one(
    database_url, settings, deps, fake_slack, sessions, slack_did_it
):
    """SIGKILL while the posts are in flight — before Slack stored them, or after Slack stored them but
    before the process saw the answer. The next process delivers each reminder exactly once."""
    ids = many_requests(sessions, 6)
    fake_slack.set_latency(30, methods=["chat.postMessage"], after=slack_did_it)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.base_url,
        "KUNDENFOKUS_HOLIDAYS": settings.holidays,
        "LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sweep", "--at", berlin(11, 26, 14).isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if slack_did_it:
            fake_slack.wait_for_method("chat.postMessage", count=3, timeout=30)
        else:  # the calls are on their way (claimed by the process), and Slack has not answered
            deadline = time.monotonic() + 30
            while claimed_messages(sessions) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
        time.sleep(0.3)
    finally:
        process.kill()
        process.wait(timeout=10)
    fake_slack.set_latency(0)
    assert {row.state for row in reminder_rows(sessions)} == {"queued"}
    assert delivered(fake_slack) == (
        Counter({("reminder", rid): 1 for rid in ids}) if slack_did_it else Counter()
    )

    # The next process finds the dead one's messages (its pid is gone) and delivers each once.
    deps.clock.set(berlin(11, 26, 14, 1))
    deps.outbox.start()
    try:
        assert deps.settle(timeout=20)
    finally:
        deps.outbox.stop()
    assert {row.state for row in reminder_rows(sessions)} == {"sent"}
    assert delivered(fake_slack) == Counter({("reminder", rid): 1 for rid in ids})


def test_rate_limits_and_server_errors_still_deliver_each_reminder_once(deps, fake_slack, sessions):
    ids = many_requests(sessions, 6)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    fake_slack.fail_next("chat.postMessage", status=500)
    report = sweep_at(deps, berlin(11, 26, 14))
    assert report.count("sent") == 6 and report.messages == 3
    assert delivered(fake_slack) == Counter({("reminder", rid): 1 for rid in ids})
    statuses = [c.status for c in fake_slack.calls_to("chat.postMessage")]
    assert statuses[:2] == [429, 500] and statuses.count(200) == 3
    assert not fake_slack.calls_to("conversations.open")  # posted to the user id: no DM to open first


def test_errors_are_tried_again_with_a_back_off_and_then_delivered_once(deps, fake_slack, sessions):
    [rid] = [add_request(sessions)]
    fake_slack.fail_next("chat.postMessage", status=502, times=2)
    report = sweep_at(deps, berlin(11, 26, 14))
    assert [line.outcome for line in report.lines] == ["sent"]
    statuses = [c.status for c in fake_slack.calls_to("chat.postMessage")]
    assert statuses == [502, 502, 200]
    assert delivered(fake_slack) == Counter({("reminder", rid): 1})


def test_a_permanent_error_is_recorded_and_never_retried(deps, fake_slack, sessions):
    add_request(sessions)
    add_request(sessions, assignee="UDIETER")
    fake_slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    report = sweep_at(deps, berlin(11, 26, 14))
    assert sorted(line.outcome for line in report.lines) == ["failed (channel_not_found)", "sent"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_click_while_the_sweep_plans_neither_waits_nor_deadlocks(engine, deps, sessions, fake_slack):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: the click simply goes first or second")
    rid = add_request(sessions)
    report: list[object] = []
    with transaction(sessions) as session:
        # A click holds its request (SELECT … FOR UPDATE) while a sweep plans it.
        request_service.load(session, team_id=TEAM, request_id=rid)
        sweeper = threading.Thread(target=lambda: report.append(run_sweep(deps, berlin(11, 26, 14))))
        sweeper.start()
        sweeper.join(timeout=10)
        assert not sweeper.is_alive(), "the sweep waited for the click"
        request_service.acknowledge(
            session, team_id=TEAM, request_id=rid, actor_id="UBOB", now=berlin(11, 26, 14)
        )
    assert report and not report[0].lines  # type: ignore[attr-defined]
    assert sweep_at(deps, berlin(11, 26, 14, 1)).lines == []  # answered: nothing to remind
    assert delivered(fake_slack) == Counter()
