"""Retention: the words of requests closed longer ago than KUNDENFOKUS_RETENTION_DAYS are removed by
a daily job; the numbers stay, so the digest is the same — on SQLite and PostgreSQL, clock frozen."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.config import ConfigError, Settings
from bot.deps import Deps
from bot.jobs import scheduler
from bot.jobs.retention import retention_job, run_retention
from bot.services.privacy import PLACEHOLDER
from models import Proposal, Rating, Request, RequestEvent
from tests.privacy import scenario
from tests.privacy.scenario import at

PLACE = PLACEHOLDER
#: Every closed request of the scenario closed more than 90 days before this.
LATER = scenario.MONDAY + timedelta(days=120)


def texts(sessions, seeded) -> dict[str, tuple[str, str | None, str]]:
    with sessions() as session:
        return {
            key: (request.text, request.decline_reason, request.state)
            for key, request in (
                (key, session.get(Request, request_id))
                for key, request_id in scenario.SEEDED.request_ids.items()
            )
        }


@pytest.fixture
def seeded(sessions):
    scenario.SEEDED = scenario.seed(sessions)
    return scenario.SEEDED


def test_words_of_long_closed_requests_go_the_numbers_stay(sessions, seeded):
    figures = scenario.digest_numbers(sessions)
    with sessions() as session:
        scores = sorted(session.scalars(select(Rating.score)))
        events = session.execute(
            select(RequestEvent.id, RequestEvent.kind, RequestEvent.at).order_by(RequestEvent.id)
        ).all()

    report = run_retention(sessions, now=LATER, days=90, batch=2)

    assert report.requests == 4 and not report.busy
    assert dict(report.changed) == {
        "requests.text": 4,
        "requests.decline_reason": 1,
        "proposals.note": 1,
        "ratings.comment": 2,
        "request_events.detail": 2,
    }
    after = texts(sessions, seeded)
    for key in ("numbers", "checklist", "budget", "printer"):
        assert after[key][0] == PLACE
    assert after["budget"][1] == PLACE
    for key in ("contract", "slides", "expenses", "elsewhere"):  # still open: nothing removed
        assert after[key][0] != PLACE and after[key][2] in ("open", "acknowledged")
    with sessions() as session:
        assert set(session.scalars(select(Proposal.note))) == {PLACE}
        assert set(session.scalars(select(Rating.comment))) == {PLACE}
        assert sorted(session.scalars(select(Rating.score))) == scores
        details = {e.kind: e.detail for e in session.scalars(select(RequestEvent))}
        assert (
            session.execute(
                select(RequestEvent.id, RequestEvent.kind, RequestEvent.at).order_by(RequestEvent.id)
            ).all()
            == events
        )
    assert details["declined"] == {"previous_state": "open", "reason": PLACE}
    assert details["proposed"]["note"] == PLACE and details["proposed"]["due_at"] == at(3).isoformat()
    assert details["escalated"]["target_id"] == scenario.ALICE  # open, and a fact anyway
    assert scenario.digest_numbers(sessions) == figures

    again = run_retention(sessions, now=LATER + timedelta(days=1), days=90)
    assert again.requests == 4 and not again.changed


def test_exactly_the_days_configured(sessions, seeded):
    closed = at(0, 6)  # request "numbers" was done then
    run_retention(sessions, now=closed + timedelta(days=90), days=90)
    assert texts(sessions, seeded)["numbers"][0] == seeded.alice_wrote[0]
    report = run_retention(sessions, now=closed + timedelta(days=90, seconds=1), days=90)
    assert report.requests == 1
    after = texts(sessions, seeded)
    assert after["numbers"][0] == PLACE and after["checklist"][0] != PLACE


def deps(sessions, days: int | None) -> Deps:
    settings = Settings(timezone="Europe/Berlin", retention_days=days)
    return Deps(settings=settings, sessions=sessions, clock=lambda: LATER, client=WebClient())


def test_the_job_runs_once_a_day_and_only_when_configured(sessions, seeded):
    assert retention_job(deps(sessions, None), LATER) is None
    assert texts(sessions, seeded)["numbers"][0] != PLACE

    daily = deps(sessions, 90)
    first = retention_job(daily, LATER)
    assert first is not None and first.changed["requests.text"] == 4
    assert retention_job(daily, LATER + timedelta(hours=3)) is None  # same day in Berlin
    tomorrow = retention_job(daily, LATER.replace(hour=0, minute=1) + timedelta(days=1))
    assert tomorrow is not None and not tomorrow.changed


def test_the_scheduler_runs_it(sessions, seeded):
    assert "retention" in [name for name, _job in scheduler.periodic_jobs()]
    scheduler.tick(deps(sessions, 90), LATER)
    assert texts(sessions, seeded)["numbers"][0] == PLACE


def test_several_processes_at_once(sessions, seeded):
    barrier = threading.Barrier(3)
    reports, errors = [], []

    def one() -> None:
        try:
            barrier.wait()
            reports.append(run_retention(sessions, now=LATER, days=90, batch=1))
        except Exception as error:  # pragma: no cover - the assertion below shows it
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    # A process that finds the lock taken stops and leaves the rest to the one holding it.
    assert len(reports) == 3 and any(not r.busy for r in reports)
    assert sum(r.changed["requests.text"] for r in reports) == 4  # each text removed exactly once
    assert all(
        texts(sessions, seeded)[key][0] == PLACE for key in ("numbers", "checklist", "budget", "printer")
    )


@pytest.mark.parametrize(
    ("raw", "days"), [("", None), ("365", 365), (" 30 ", 30)], ids=["empty", "a-year", "spaces"]
)
def test_the_setting(raw, days):
    assert Settings.from_env({"KUNDENFOKUS_RETENTION_DAYS": raw}).retention_days == days


@pytest.mark.parametrize("raw", ["0", "-5", "soon", "1.5"])
def test_a_malformed_setting_is_explained(raw):
    with pytest.raises(ConfigError, match="KUNDENFOKUS_RETENTION_DAYS must be"):
        Settings.from_env({"KUNDENFOKUS_RETENTION_DAYS": raw})
