"""People lookups: cached, refreshed when stale, and safe when two processes store the same person."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from bot.people import lookup_person
from bot.slack import make_web_client
from models import Person
from models.db import make_engine, make_session_factory, transaction
from tests.conftest import BOT_TOKEN, START, TEAM


def test_lookup_caches_and_refreshes(fake_slack, sessions):
    client = make_web_client(BOT_TOKEN, fake_slack.base_url)
    with transaction(sessions) as session:
        dieter = lookup_person(session, client, team_id=TEAM, user_id="UDIETER", now=START)
    assert (dieter.tz, dieter.locale, dieter.usable) == ("Europe/Berlin", "de-DE", True)
    calls = len(fake_slack.calls_to("users.info"))
    with transaction(sessions) as session:
        lookup_person(session, client, team_id=TEAM, user_id="UDIETER", now=START + timedelta(hours=1))
    assert len(fake_slack.calls_to("users.info")) == calls  # cached
    with transaction(sessions) as session:
        lookup_person(session, client, team_id=TEAM, user_id="UDIETER", now=START + timedelta(days=1))
    assert len(fake_slack.calls_to("users.info")) == calls + 1  # stale: asked again
    with transaction(sessions) as session:
        assert lookup_person(session, client, team_id=TEAM, user_id="UNOBODY", now=START) is None


def test_two_processes_storing_the_same_new_person_both_succeed(fake_slack, database_url):
    """Each thread has its own engine; on PostgreSQL both look up bob before either has committed. On
    SQLite a writing transaction holds the write lock from its start, so the second one waits for the
    first and then finds bob stored (the race cannot happen there)."""
    client = make_web_client(BOT_TOKEN, fake_slack.base_url)
    barrier = threading.Barrier(1 if database_url.startswith("sqlite") else 2)
    results, errors = [], []

    def worker() -> None:
        engine = make_engine(database_url)
        try:
            with transaction(make_session_factory(engine)) as session:
                session.execute(select(Person).limit(1)).all()
                barrier.wait(timeout=10)
                results.append(lookup_person(session, client, team_id=TEAM, user_id="UBOB", now=START))
        except Exception as error:
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert [r.user_id for r in results] == ["UBOB", "UBOB"]
