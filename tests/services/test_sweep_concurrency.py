"""Sweeps are safe with any number of processes: concurrent sweeps deliver each reminder once, a sweep
killed midway loses nothing, and Slack's 429 and 5xx answers still end with every reminder delivered
exactly once."""

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
from bot.jobs.sweep import People, run_sweep
from bot.services import reminders as reminder_service
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
                    run_sweep(deps, moment)
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


def test_a_sweep_that_dies_after_claiming_loses_nothing(deps, fake_slack, sessions):
    ids = many_requests(sessions, 6)
    now = berlin(11, 26, 14)
    with transaction(sessions) as session:
        reminder_service.plan_batch(session, settings=deps.settings, now=now, people=People(deps.client, now))
    with transaction(sessions) as session:  # claims everything, then the process is gone
        assert len(reminder_service.claim(session, now=now, lease_now=now, worker="dead")) == 6

    assert sweep_at(deps, now + timedelta(minutes=1)).lines == []  # the lease still protects the rows
    assert sweep_at(deps, now + reminder_service.LEASE + timedelta(minutes=1)).count("sent") == 6
    assert delivered(fake_slack) == Counter({("reminder", rid): 1 for rid in ids})
    assert sweep_at(deps, now + timedelta(hours=2)).lines == []


def test_a_killed_sweep_process_is_made_good_by_the_next_one(
    database_url, settings, deps, fake_slack, sessions
):
    ids = many_requests(sessions, 6)
    # The first post is rate-limited for a long while: the process is killed while it waits.
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=30)
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
        fake_slack.wait_for_method("chat.postMessage", timeout=30)
        time.sleep(0.2)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert {row.state for row in reminder_rows(sessions)} == {"claimed"}
    assert delivered(fake_slack) == Counter()

    # The process leased in real time; the next sweep runs after that lease ran out.
    after_lease = datetime.now(UTC) + reminder_service.LEASE + timedelta(seconds=5)
    report = run_sweep(deps, berlin(11, 26, 14, 30), wall=lambda: after_lease)
    assert report.count("sent") == 6
    assert delivered(fake_slack) == Counter({("reminder", rid): 1 for rid in ids})


def test_rate_limits_and_server_errors_still_deliver_each_reminder_once(deps, fake_slack, sessions):
    ids = many_requests(sessions, 6)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=0)
    fake_slack.fail_next("chat.postMessage", status=500)
    fake_slack.fail_next("conversations.open", status=503)
    report = sweep_at(deps, berlin(11, 26, 14))
    assert report.count("sent") == 6 and report.messages == 3
    assert delivered(fake_slack) == Counter({("reminder", rid): 1 for rid in ids})
    statuses = [c.status for c in fake_slack.calls_to("chat.postMessage")]
    assert statuses[:2] == [429, 500] and statuses.count(200) == 3


def test_errors_that_outlast_the_retries_are_tried_again_later(deps, fake_slack, sessions):
    [rid] = [add_request(sessions)]
    fake_slack.fail_next("chat.postMessage", status=502, times=1)  # not retried by slack_sdk
    report = sweep_at(deps, berlin(11, 26, 14))
    assert [line.outcome for line in report.lines] == ["retry (internal_error)"]
    [row] = reminder_rows(sessions)
    assert (row.state, row.error) == ("pending", "internal_error")
    assert sweep_at(deps, berlin(11, 26, 14, 1)).lines == []  # backing off
    assert sweep_at(deps, berlin(11, 26, 14, 2)).count("sent") == 1
    assert delivered(fake_slack) == Counter({("reminder", rid): 1})


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
