"""The long fuzz run: N hostile Slack deliveries (default 10,000) through the real bot over HTTP.

The same generator as tests/test_fuzz.py (tests/fuzz_payloads.py): commands, clicks, forms, shortcuts,
events and garbage, most signed, some unsigned or badly signed. Reports how many answers were 5xx, how
many acks took longer than Slack's 3 seconds, how many tracebacks were logged, the slowest ack, and
whether anything changed that should not have.

    python bench/fuzz.py [-n 10000] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import migrate  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.sandbox.driver import SlackDriver  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402
from models import Request, RequestEvent  # noqa: E402
from models.db import make_engine  # noqa: E402
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, start_bot  # noqa: E402
from tests.fuzz_payloads import Delivery, deliveries  # noqa: E402


class Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.count += 1
            if len(self.first) < 3:
                self.first.append(self.format(record))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="deliveries (default 10,000)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a throwaway database is made on it")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="kf-fuzz-"))
    admin = None
    if args.postgres:
        name = f"kf_fuzz_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{folder / 'fuzz.db'}"
    migrate.upgrade(url)
    handler = Tracebacks()
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)
    fake = FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN).start()
    for user, name, tz in (
        ("UALICE", "alice", "Europe/Berlin"),
        ("UBOB", "bob", "Europe/Berlin"),
        ("UCAROL", "carol", "America/New_York"),
        ("UDIETER", "dieter", "Europe/Berlin"),
    ):
        fake.add_user(user, name, tz=tz)
    engine = make_engine(url)
    clock = ManualClock(datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    bot = start_bot(
        Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.base_url,
            database_url=url,
            holidays="DE-BE",
        ),
        engine,
        clock,
    )
    slack = SlackDriver(bot.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake)
    statuses: Counter[int] = Counter()
    slow, slowest = 0, 0.0
    try:
        slack.command("UALICE", "<@UBOB|bob> The one request within 4h")
        bot.settle(30)
        with engine.connect() as connection:
            before = connection.execute(select(Request.state, Request.version)).one()
            events_before = connection.scalar(select(func.count()).select_from(RequestEvent))
        started = time.monotonic()

        @settings(max_examples=args.n, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(delivery=deliveries)
        def one(delivery: Delivery) -> None:
            nonlocal slow, slowest
            reply = slack.post_raw(delivery.body, delivery.headers(SIGNING_SECRET))
            statuses[reply.status] += 1
            slowest = max(slowest, reply.elapsed)
            slow += reply.elapsed > 3

        one()
        bot.settle(60)
        took = time.monotonic() - started
        with engine.connect() as connection:
            after = connection.execute(select(Request.state, Request.version)).one()
            changed = connection.scalar(select(func.count()).select_from(RequestEvent)) - events_before
            requests = connection.scalar(select(func.count()).select_from(Request))
    finally:
        bot.stop()
        engine.dispose()
        fake.stop()
        shutil.rmtree(folder, ignore_errors=True)
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    total = sum(statuses.values())
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; deliveries: {total} in {took:.0f} s")
    print(f"answers by status: {dict(sorted(statuses.items()))}")
    print(f"answers >= 500: {sum(n for s, n in statuses.items() if s >= 500)}")
    print(f"acks over 3 s: {slow}; slowest ack: {slowest * 1000:.0f} ms")
    print(f"tracebacks logged: {handler.count}")
    print(f"state unchanged: {after == before and changed == 0 and requests == 1}")
    for line in handler.first:
        print(line)


if __name__ == "__main__":
    main()
