"""Readiness recovers without a restart: the database away and back, the schema behind and fixed."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import migrate
from bot.app import create_app
from bot.health import CheckResult, Health
from bot.server import BackgroundServer, make_server
from models.db import make_engine, make_session_factory
from tests.ops.processes import TcpProxy, get


def test_readyz_reports_each_check_and_recovers_when_the_schema_is_fixed(bot, engine, caplog):
    caplog.set_level(logging.INFO)
    head = migrate.head_revision()
    status, body = get(bot.url + "/readyz")
    assert status == 200 and body["checks"]["schema"] == {"ok": True, "detail": f"at {head}"}
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    try:
        for _ in range(2):
            status, body = get(bot.url + "/readyz")
            assert status == 503 and body["ok"] is False
        assert body["checks"]["schema"] == {
            "ok": False,
            "detail": f"at 0002, needs {head}: run kundenfokus migrate",
        }
        assert body["checks"]["database"]["ok"] is True
        assert get(bot.url + "/healthz")[0] == 200  # alive all along: no reason to restart it
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert get(bot.url + "/readyz")[0] == 200
    with engine.begin() as connection:  # a newer version migrated it: a rolling upgrade is under way
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_newer'"))
    try:
        status, body = get(bot.url + "/readyz")
        assert status == 200 and "newer than this version's" in body["checks"]["schema"]["detail"]
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    changes = [r.getMessage() for r in caplog.records if r.name == "bot.health"]
    assert changes == [  # once per change, not once per probe
        f"not ready: schema: at 0002, needs {head}: run kundenfokus migrate",
        f"ready again: schema: at {head}",
    ]


@pytest.fixture
def bot_behind_a_proxy(migrated_postgres, settings, clock) -> Iterator[tuple[str, TcpProxy]]:
    """The whole bot on PostgreSQL, reached through a TCP proxy the test can take down."""
    if migrated_postgres is None:
        pytest.skip("PostgreSQL not configured (KUNDENFOKUS_TEST_POSTGRES_URL)")
    url = make_url(migrated_postgres)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).up()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = make_engine(through)
    app, _deps = create_app(
        settings.with_(database_url=through), sessions=make_session_factory(engine), clock=clock
    )
    server = BackgroundServer(make_server(app, engine, host="127.0.0.1", port=0, threads=4)).start()
    try:
        yield server.url, proxy
    finally:
        server.stop()
        proxy.down()
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_readyz_follows_the_database_away_and_back_without_a_restart(bot_behind_a_proxy):
    url, proxy = bot_behind_a_proxy
    assert get(url + "/readyz")[0] == 200
    proxy.down()
    status, body = get(url + "/readyz")
    assert status == 503
    assert body["checks"]["database"] == {"ok": False, "detail": "unreachable (connection refused)"}
    assert get(url + "/healthz")[0] == 200
    proxy.up()
    status, body = get(url + "/readyz")
    assert status == 200, body
    assert body["checks"]["database"] == {"ok": True, "detail": "reachable"}


def test_a_check_that_raises_counts_as_failed_with_its_type():
    health = Health()
    health.add_check("fine", lambda: True)
    health.add_check("outbox", lambda: CheckResult(True, "3 pending"))
    health.add_check("broken", lambda: 1 / 0)
    ok, body = health.ready()
    assert ok is False
    assert body["checks"] == {
        "fine": {"ok": True, "detail": ""},
        "outbox": {"ok": True, "detail": "3 pending"},
        "broken": {"ok": False, "detail": "check failed (ZeroDivisionError)"},
    }
