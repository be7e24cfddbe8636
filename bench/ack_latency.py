"""Ack latency of `/request` over HTTP: 100 signed slash commands in a row against the real app
(waitress + Bolt + the database), with the loopback fake Slack as the Web API.

Reports, per database, the time until Slack would see our HTTP answer (the ack — Slack's limit is
3 seconds) and, separately, the time until the confirmation arrived through response_url.

    python bench/ack_latency.py [--n 100] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot import migrate
from bot.app import create_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.server import BackgroundServer, make_server
from bot.slack import make_web_client
from models.db import make_engine, make_session_factory

SECRET = "bench-signing-secret"


def measure(database_url: str, n: int) -> tuple[list[float], list[float]]:
    fake = FakeSlack().start()
    fake.add_user("UALICE", "alice")
    fake.add_user("UBOB", "bob")
    settings = Settings(
        slack_bot_token=fake.bot_token,
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        database_url=database_url,
    )
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    clock = ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    app, _ = create_app(settings, sessions=make_session_factory(engine), clock=clock, client=client)
    server = BackgroundServer(make_server(app, engine, host="127.0.0.1", port=0)).start()
    driver = SlackDriver(server.url + "/slack/events", SECRET, fake=fake)
    acks, confirmations = [], []
    try:
        for i in range(n + 5):
            before = sum(c.method == "response_url" for c in fake.calls)
            started = time.perf_counter()
            reply = driver.command("UALICE", f"<@UBOB|bob> Benchmark request {i} within 4h")
            ack = time.perf_counter() - started
            assert reply.status == 200, reply
            fake.wait_for(
                lambda calls, b=before: sum(c.method == "response_url" for c in calls) > b, timeout=10
            )
            confirmed = time.perf_counter() - started
            if i >= 5:  # warm-up: first imports, first connections
                acks.append(ack * 1000)
                confirmations.append(confirmed * 1000)
    finally:
        server.stop()
        engine.dispose()
        fake.stop()
    return acks, confirmations


def report(name: str, acks: list[float], confirmations: list[float]) -> None:
    print(
        f"{name:<11} ack: median {statistics.median(acks):6.1f} ms  p95 {sorted(acks)[int(len(acks) * 0.95) - 1]:6.1f} ms"
        f"  worst {max(acks):6.1f} ms | confirmation: median {statistics.median(confirmations):6.1f} ms"
        f"  worst {max(confirmations):6.1f} ms  (n={len(acks)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is created there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", *measure(f"sqlite:///{folder}/bench.db", args.n))
    if args.postgres:
        name = f"kf_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            report(
                "PostgreSQL",
                *measure(make_url(args.postgres).set(database=name).render_as_string(False), args.n),
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
