"""Benchmark: does a reminder sweep cost what is due, or what is stored?

Fills a fresh SQLite file and a throwaway PostgreSQL database with 1,000,000 requests (100,000 of them
open, the rest closed) by bulk load, then measures, against the loopback fake Slack:

* a sweep that finds nothing due, next to the bare indexed query that proves it (0 rows);
* a sweep that finds 1,000 due reminders (and sends them), next to the bare indexed query for the
  same 1,000 rows;
* the sweep right after, which again finds nothing (the 1,000 moved to tomorrow).

Not part of the test suite. Run:  python bench/sweep.py [--requests N] [--open N] [--due N]
[--postgres-url URL | --no-postgres]. PostgreSQL defaults to $KUNDENFOKUS_TEST_POSTGRES_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/postgres; the database it creates is dropped at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot import migrate
from bot.clock import ManualClock
from bot.config import Settings
from bot.deps import Deps
from bot.jobs.sweep import run_sweep
from bot.sandbox.fake_slack import FakeSlack
from bot.slack import make_web_client
from models import Request
from models.db import make_engine, make_session_factory

BERLIN = ZoneInfo("Europe/Berlin")
TEAM = "T0001"
TOKEN = "xoxb-bench"
#: Thursday 26 November 2026: requests answered by 13:00 Berlin are overdue at the 14:00 sweep.
RESPONSE_DUE = datetime(2026, 11, 26, 13, 0, tzinfo=BERLIN).astimezone(UTC)
QUIET = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN).astimezone(UTC)  # nothing due yet
BUSY = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN).astimezone(UTC)  # the 1,000 are due
LATER = datetime(2026, 12, 28, 12, 0, tzinfo=BERLIN).astimezone(UTC)  # everyone else, far ahead
PEOPLE = 5_000

COLUMNS = (
    "id",
    "team_id",
    "number",
    "requester_id",
    "assignee_id",
    "text",
    "kind",
    "channel_id",
    "state",
    "created_at",
    "updated_at",
    "response_due_at",
    "closed_at",
)

DUE_QUERY = (
    "SELECT r.id, r.team_id, r.assignee_id, r.requester_id, r.state, r.response_due_at, r.due_at "
    "FROM nudge_schedule s JOIN requests r ON r.id = s.request_id WHERE s.next_at <= :now"
)


@dataclass
class Layout:
    requests: int
    open: int
    due: int

    def is_open(self, request_id: int) -> bool:
        return request_id % (self.requests // self.open) == 0

    def is_due(self, request_id: int) -> bool:
        """The first ``due`` open requests: their first answer was due at 13:00."""
        return self.is_open(request_id) and request_id // (self.requests // self.open) <= self.due


def assignee(request_id: int) -> str:
    return f"UA{request_id // 10 % PEOPLE:06d}"


def requester(request_id: int) -> str:
    return f"UR{request_id % PEOPLE:06d}"


def rows(layout: Layout, stamp: Callable[[datetime], object]) -> Iterator[tuple[object, ...]]:
    created = stamp(RESPONSE_DUE - timedelta(days=30))
    closed = stamp(RESPONSE_DUE - timedelta(days=29))
    due, later = stamp(RESPONSE_DUE), stamp(LATER)
    for request_id in range(1, layout.requests + 1):
        is_open = layout.is_open(request_id)
        yield (
            request_id,
            TEAM,
            request_id,
            requester(request_id),
            assignee(request_id),
            f"Benchmark request {request_id}",
            "task",
            "C0001",
            "open" if is_open else "done",
            created,
            created,
            due if layout.is_due(request_id) else later,
            None if is_open else closed,
        )


def schedule_rows(layout: Layout, stamp: Callable[[datetime], object]) -> Iterator[tuple[object, ...]]:
    due, later = stamp(RESPONSE_DUE), stamp(LATER)
    for request_id in range(1, layout.requests + 1):
        if layout.is_open(request_id):
            yield (request_id, due if layout.is_due(request_id) else later, 0)


def people_rows(stamp: Callable[[datetime], object]) -> Iterator[tuple[object, ...]]:
    fetched = stamp(BUSY)
    for index in range(PEOPLE):
        for user_id in (f"UA{index:06d}", f"UR{index:06d}"):
            yield (TEAM, user_id, user_id.lower(), "Europe/Berlin", "en-US", False, False, fetched)


def _sqlite_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@contextmanager
def requests_indexes_dropped(engine: Engine) -> Iterator[None]:
    """Bulk loads are much faster without secondary indexes; they are rebuilt afterwards."""
    indexes = list(Request.__table__.indexes)
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    yield
    with engine.begin() as connection:
        for index in indexes:
            index.create(connection)


def fill_sqlite(engine: Engine, layout: Layout) -> None:
    with requests_indexes_dropped(engine):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute(
                "INSERT INTO workspaces (team_id, last_request_number, created_at) VALUES (?, ?, ?)",
                (TEAM, layout.requests, _sqlite_stamp(RESPONSE_DUE)),
            )
            cursor.executemany(
                f"INSERT INTO requests ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                rows(layout, _sqlite_stamp),
            )
            cursor.executemany(
                "INSERT INTO nudge_schedule (request_id, next_at, version) VALUES (?, ?, ?)",
                schedule_rows(layout, _sqlite_stamp),
            )
            cursor.executemany(
                "INSERT INTO people (team_id, user_id, name, tz, locale, is_bot, deleted, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                people_rows(_sqlite_stamp),
            )
            raw.commit()
        finally:
            raw.close()
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def fill_postgres(engine: Engine, layout: Layout) -> None:
    def stamp(moment: datetime) -> datetime:
        return moment

    with requests_indexes_dropped(engine):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(
                "INSERT INTO workspaces (team_id, last_request_number, created_at) VALUES (%s, %s, %s)",
                (TEAM, layout.requests, RESPONSE_DUE),
            )
            with cursor.copy(f"COPY requests ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(layout, stamp):
                    copy.write_row(row)
            with cursor.copy("COPY nudge_schedule (request_id, next_at, version) FROM STDIN") as copy:
                for row in schedule_rows(layout, stamp):
                    copy.write_row(row)
            with cursor.copy(
                "COPY people (team_id, user_id, name, tz, locale, is_bot, deleted, fetched_at) FROM STDIN"
            ) as copy:
                for row in people_rows(stamp):
                    copy.write_row(row)
            cursor.execute("SELECT setval('requests_id_seq', %s)", (layout.requests,))
            raw.commit()
        finally:
            raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def timed(action: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    """Median wall time in seconds over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bare_query(engine: Engine, moment: datetime) -> Callable[[], int]:
    bound = _sqlite_stamp(moment) if engine.dialect.name == "sqlite" else moment

    def query() -> int:
        with engine.connect() as connection:
            return len(connection.execute(text(DUE_QUERY), {"now": bound}).all())

    return query


@dataclass
class Result:
    backend: str
    fill_seconds: float
    bare_nothing: float
    sweep_nothing: float
    bare_due: float
    due_rows: int
    dry_due: float
    sweep_due: float
    slack_calls: int
    sent: int
    messages: int
    sweep_after: float


def measure(backend: str, url: str, layout: Layout) -> Result:
    print(
        f"[{backend}] migrating and filling {layout.requests:,} requests ({layout.open:,} open)…", flush=True
    )
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        (fill_sqlite if engine.dialect.name == "sqlite" else fill_postgres)(engine, layout)
        fill_seconds = time.perf_counter() - started
        print(f"[{backend}] filled in {fill_seconds:.1f} s; measuring…", flush=True)
        with FakeSlack(team_id=TEAM, bot_token=TOKEN) as fake:
            for index in range(PEOPLE):
                fake.add_user(f"UA{index:06d}", f"ua{index:06d}")
            settings = Settings(
                slack_bot_token=TOKEN, slack_api_url=fake.base_url, database_url=url, holidays="DE-BE"
            )
            clock = ManualClock(QUIET)
            deps = Deps(settings, make_session_factory(engine), clock, make_web_client(TOKEN, fake.base_url))

            bare_nothing, found = timed(bare_query(engine, QUIET), repeat=7)
            assert found == 0, found
            sweep_nothing, report = timed(lambda: run_sweep(deps, QUIET), repeat=7)
            assert not report.lines  # type: ignore[attr-defined]

            bare_due, due_rows = timed(bare_query(engine, BUSY), repeat=7)
            clock.set(BUSY)
            dry_due, dry = timed(lambda: run_sweep(deps, BUSY, dry_run=True), repeat=3)
            assert len(dry.lines) == layout.due  # type: ignore[attr-defined]
            calls_before = len(fake.calls)
            sweep_due, report = timed(lambda: run_sweep(deps, BUSY), repeat=1)
            slack_calls = len(fake.calls) - calls_before
            sweep_after, after = timed(lambda: run_sweep(deps, BUSY + timedelta(minutes=1)), repeat=7)
            assert not after.lines  # type: ignore[attr-defined]
        return Result(
            backend,
            fill_seconds,
            bare_nothing,
            sweep_nothing,
            bare_due,
            int(due_rows),  # type: ignore[call-overload]
            dry_due,
            sweep_due,
            slack_calls,
            report.count("sent"),  # type: ignore[attr-defined]
            report.messages,  # type: ignore[attr-defined]
            sweep_after,
        )
    finally:
        engine.dispose()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def print_table(results: list[Result], layout: Layout) -> None:
    print()
    print(f"{layout.requests:,} requests stored, {layout.open:,} open, {layout.due:,} due at the busy sweep")
    header = ("", *(r.backend for r in results))
    lines = [
        ("bulk fill", *(f"{r.fill_seconds:,.1f} s" for r in results)),
        ("bare indexed query, 0 rows", *(ms(r.bare_nothing) for r in results)),
        ("sweep, nothing due", *(ms(r.sweep_nothing) for r in results)),
        ("  ratio sweep / bare", *(f"{r.sweep_nothing / r.bare_nothing:,.1f}x" for r in results)),
        ("bare indexed query, due rows", *(f"{ms(r.bare_due)} ({r.due_rows:,})" for r in results)),
        ("dry run, due (plan + render, no Slack)", *(ms(r.dry_due) for r in results)),
        ("  ratio dry run / bare", *(f"{r.dry_due / r.bare_due:,.0f}x" for r in results)),
        (
            "sweep, due reminders sent",
            *(
                f"{ms(r.sweep_due)} ({r.sent:,} in {r.messages:,} DMs, {r.slack_calls:,} calls)"
                for r in results
            ),
        ),
        ("  ratio sweep / bare", *(f"{r.sweep_due / r.bare_due:,.0f}x" for r in results)),
        ("  per reminder", *(ms(r.sweep_due / max(r.sent, 1)) for r in results)),
        ("sweep right after, nothing due", *(ms(r.sweep_after) for r in results)),
    ]
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    name = f"kf_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "KUNDENFOKUS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    if args.requests % args.open or args.due > args.open:
        parser.error("--requests must be a multiple of --open, and --due at most --open")
    logging.basicConfig(level=logging.ERROR)
    layout = Layout(args.requests, args.open, args.due)
    results = []
    with tempfile.TemporaryDirectory() as directory:
        results.append(measure("SQLite", f"sqlite:///{Path(directory) / 'bench.db'}", layout))
    if not args.no_postgres:
        with postgres_database(args.postgres_url) as url:
            results.append(measure("PostgreSQL", url, layout))
    print_table(results, layout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
