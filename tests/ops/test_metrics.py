"""GET /metrics: Prometheus text from a registry of the app's own, fed by the database, the Slack client,
the scheduler and (once it registers) the outbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from importlib.metadata import version

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError

from bot.app import create_app
from bot.cli.run import time_ticks
from bot.jobs.sweep import run_sweep
from bot.metrics import Metrics, OutboxStatus
from bot.sandbox.driver import SlackDriver
from bot.server import BackgroundServer, make_server
from bot.slack import make_web_client
from models.db import make_session_factory
from tests.conftest import SIGNING_SECRET, TEAM
from tests.ops.processes import get
from tests.slackutil import press, wait_dms


def samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = get(url + "/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


class Observed:
    def __init__(self, settings, engine, clock) -> None:
        self.metrics = Metrics()
        self.metrics.count_from_database(engine, max_age_seconds=0)
        client = make_web_client(
            settings.slack_bot_token, settings.slack_api_url, client_factory=self.metrics.web_client_factory()
        )
        self.app, self.deps = create_app(
            settings, sessions=make_session_factory(engine), clock=clock, client=client
        )
        self.deps.start()
        self.server = BackgroundServer(
            make_server(self.app, engine, host="127.0.0.1", port=0, threads=4, metrics=self.metrics)
        ).start()
        self.url = self.server.url


@pytest.fixture
def observed(settings, engine, clock) -> Iterator[Observed]:
    bot = Observed(settings, engine, clock)
    yield bot
    bot.server.stop()
    bot.deps.stop()


def test_requests_state_changes_reminders_and_slack_calls_are_counted(observed, fake_slack, clock):
    slack = SlackDriver(observed.url + "/slack/events", SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    slack.command("UALICE", "<@UBOB|bob> Count me within 4h")
    slack.command("UALICE", "<@UDIETER|dieter> And me within 4h")
    [card] = wait_dms(fake_slack, "UBOB")
    wait_dms(fake_slack, "UDIETER")
    press(slack, fake_slack, "UBOB", "request_done", message=card)
    fake_slack.wait_for(lambda _calls: len(wait_dms(fake_slack, "UALICE")) >= 1)
    report = run_sweep(observed.deps, clock() + timedelta(hours=5), deliver=True)  # dieter's time has passed
    assert report.count("sent") == 1

    found = samples(observed.url)
    assert found[("kundenfokus_requests_filed_total", ())] == 2
    assert found[("kundenfokus_state_changes_total", (("state", "done"),))] == 1
    assert found[("kundenfokus_reminders_sent_total", ())] == 1
    posted = found[("kundenfokus_slack_api_calls_total", (("method", "chat.postMessage"), ("outcome", "ok")))]
    assert posted >= 3  # two cards and the reminder at least
    assert found[("kundenfokus_build_info", (("version", version("kundenfokus")),))] == 1
    # Declared even before the outbox reports: an operator can build the dashboard now.
    _status, body = get(observed.url + "/metrics")
    assert "# TYPE kundenfokus_outbox_pending gauge" in body
    assert "# TYPE kundenfokus_sweep_seconds histogram" in body


def test_slack_errors_and_an_unreachable_slack_are_counted_by_outcome(fake_slack):
    metrics = Metrics()
    client = make_web_client(
        fake_slack.bot_token, fake_slack.base_url, client_factory=metrics.web_client_factory()
    )
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="CNOWHERE", text="hello")
    nowhere = make_web_client(
        "xoxb-x", "http://127.0.0.1:1/api/", client_factory=metrics.web_client_factory()
    )
    nowhere.retry_handlers.clear()
    with pytest.raises(OSError):
        nowhere.auth_test()
    body = metrics.exposition()[0].decode()
    assert (
        'kundenfokus_slack_api_calls_total{method="chat.postMessage",outcome="channel_not_found"} 1.0' in body
    )
    assert 'kundenfokus_slack_api_calls_total{method="auth.test",outcome="unreachable"} 1.0' in body


def test_the_outbox_probe_feeds_its_gauges_and_a_failing_probe_hides_them(observed):
    observed.metrics.set_outbox_probe(lambda: OutboxStatus(pending=3, oldest_seconds=42.5))
    found = samples(observed.url)
    assert found[("kundenfokus_outbox_pending", ())] == 3
    assert found[("kundenfokus_outbox_oldest_seconds", ())] == 42.5

    def broken() -> OutboxStatus:
        raise RuntimeError("outbox table missing")

    observed.metrics.set_outbox_probe(broken)
    found = samples(observed.url)
    assert ("kundenfokus_outbox_pending", ()) not in found
    assert found[("kundenfokus_requests_filed_total", ())] == 0  # the rest is still served


def test_every_app_has_its_own_registry():
    first, second = Metrics(), Metrics()
    first.slack_call("chat.postMessage", "ok")
    assert b'outcome="ok"} 1.0' in first.exposition()[0]
    assert b"chat.postMessage" not in second.exposition()[0]


def test_scheduler_passes_are_timed():
    metrics = Metrics()
    scheduler = BackgroundScheduler(timezone="UTC")
    done = threading.Event()

    def tick() -> None:
        time.sleep(0.2)
        done.set()

    scheduler.start()
    time_ticks(scheduler, metrics)
    scheduler.add_job(tick, id="kundenfokus-tick")
    assert done.wait(10)
    scheduler.shutdown(wait=True)
    body = metrics.exposition()[0].decode()
    families = {f.name: f for f in text_string_to_metric_families(body)}
    values = {s.name: s.value for s in families["kundenfokus_sweep_seconds"].samples}
    assert values["kundenfokus_sweep_seconds_count"] == 1
    # APScheduler announces the submission just after handing the job to its pool, so on a busy machine
    # the job may already have run a few milliseconds of its 0.2 s (seen: 0.178 s); the pass is timed.
    assert 0.1 <= values["kundenfokus_sweep_seconds_sum"] < 5
