"""Digest cost at scale: 100 subscribed channels over 1,000,000 requests.

Bulk-loads a synthetic workspace (26 weeks of requests, ratings and kudos; assignees in three time
zones) into a fresh database, then computes and renders every channel's digest the way the scheduler
does — aggregate SQL plus per-row business time for the week's first answers — and reports the time
per digest. Also times ``due_digests`` (what every scheduler tick runs).

    python bench/digest.py [--requests 1000000] [--channels 100] [--sqlite-only]
                           [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Loading: SQLite through ``executemany`` in one transaction with journaling off and the secondary
indexes built after the load; PostgreSQL through ``COPY``. Both then ``ANALYZE``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from bot import migrate
from bot.blocks.digest import digest_message
from bot.config import Settings
from bot.jobs.digest import channel_reader
from bot.services import digest as digest_service
from models import Base
from models.db import make_engine, make_session_factory, transaction

TEAM = "TBENCH"
#: Monday 30 November 2026, 09:00 Berlin: every Berlin channel's digest is due.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
WEEKS = 26
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo")
SETTINGS = Settings(timezone="Europe/Berlin", holidays="DE-BE")
CHUNK = 50_000

REQUEST_COLUMNS = [
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
    "due_at",
    "acknowledged_at",
    "closed_at",
]


def people(count: int = 300) -> list[str]:
    return [f"U{n:06d}" for n in range(count)]


def generate(
    total: int, channels: int, seed: int = 7
) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
    """Chunks of (requests, ratings, kudos) rows; ids are assigned here so children can refer to them."""
    rng = random.Random(seed)
    users = people()
    span = WEEKS * 7 * 86400
    start = NOW.astimezone(UTC) - timedelta(seconds=span)
    channel_ids = [f"C{n:05d}" for n in range(channels)]
    requests, ratings, kudos = [], [], []
    for request_id in range(1, total + 1):
        created = start + timedelta(seconds=rng.random() * span)
        response_due = created + timedelta(hours=rng.uniform(1, 48))
        due = created + timedelta(days=rng.uniform(1, 14)) if rng.random() < 0.4 else None
        roll = rng.random()
        acknowledged = closed = None
        if roll < 0.12:
            state = "open"
        elif roll < 0.25:
            state = "acknowledged"
            acknowledged = created + timedelta(hours=rng.uniform(0, 1) ** 2 * 72)
        elif roll < 0.85:
            state = "done"
            acknowledged = created + timedelta(hours=rng.uniform(0, 1) ** 2 * 72)
            closed = acknowledged + timedelta(hours=rng.uniform(0, 120))
        elif roll < 0.93:
            state = "declined"
            acknowledged = closed = created + timedelta(hours=rng.uniform(0, 48))
        else:
            state = "cancelled"
            closed = created + timedelta(hours=rng.uniform(0, 48))
        requester, assignee = rng.sample(users, 2)
        requests.append(
            (
                request_id,
                TEAM,
                request_id,
                requester,
                assignee,
                f"Benchmark request {request_id}",
                "task",
                rng.choice(channel_ids),
                state,
                created,
                closed or acknowledged or created,
                response_due,
                due,
                acknowledged,
                closed,
            )
        )
        if state == "done" and rng.random() < 0.35:
            rated = closed + timedelta(hours=rng.uniform(0, 48))
            tone = rng.choice((True, True, True, False, None))
            ratings.append((request_id, TEAM, requester, rng.randint(1, 5), tone, None, rated, rated))
        if state == "done" and rng.random() < 0.15:
            kudos.append((request_id, TEAM, request_id, requester, assignee, closed + timedelta(hours=1)))
        if len(requests) == CHUNK:
            yield requests, ratings, kudos
            requests, ratings, kudos = [], [], []
    if requests:
        yield requests, ratings, kudos


def _sqlite_time(value: datetime | None) -> str | None:
    # The exact text SQLAlchemy's SQLite DateTime stores (offset-free UTC), so comparisons line up.
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _secondary_indexes(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        return [
            (name, sql)
            for name, sql in connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            )
            if name.split("_", 2)[1] in ("requests", "ratings", "kudos")
        ]


def load_sqlite(engine: Engine, total: int, channels: int) -> None:
    indexes = _secondary_indexes(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        request_sql = f"INSERT INTO requests ({', '.join(REQUEST_COLUMNS)}) VALUES ({', '.join('?' * len(REQUEST_COLUMNS))})"
        for requests, ratings, kudos in generate(total, channels):
            cursor.executemany(
                request_sql,
                [row[:9] + tuple(_sqlite_time(v) for v in row[9:]) for row in requests],
            )
            cursor.executemany(
                "INSERT INTO ratings (request_id, team_id, rater_id, score, tone_respectful, comment, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row[:6], _sqlite_time(row[6]), _sqlite_time(row[7])) for row in ratings],
            )
            cursor.executemany(
                "INSERT INTO kudos (id, team_id, request_id, from_id, to_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(*row[:5], _sqlite_time(row[5])) for row in kudos],
            )
        for _name, sql in indexes:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def load_postgres(engine: Engine, total: int, channels: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for requests, ratings, kudos in generate(total, channels):
            with cursor.copy(f"COPY requests ({', '.join(REQUEST_COLUMNS)}) FROM STDIN") as copy:
                for row in requests:
                    copy.write_row(row)
            with cursor.copy(
                "COPY ratings (request_id, team_id, rater_id, score, tone_respectful, comment, created_at, updated_at)"
                " FROM STDIN"
            ) as copy:
                for row in ratings:
                    copy.write_row(row)
            with cursor.copy(
                "COPY kudos (id, team_id, request_id, from_id, to_id, created_at) FROM STDIN"
            ) as copy:
                for row in kudos:
                    copy.write_row(row)
        cursor.execute("SELECT setval('requests_id_seq', (SELECT max(id) FROM requests))")
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def setup_people_and_subscriptions(engine: Engine, channels: int) -> None:
    rng = random.Random(11)
    with engine.begin() as connection:
        connection.execute(
            Base.metadata.tables["people"].insert(),
            [
                {"team_id": TEAM, "user_id": user, "name": user, "tz": rng.choice(ZONES), "fetched_at": NOW}
                for user in people()
            ],
        )
        connection.execute(
            Base.metadata.tables["digest_subscriptions"].insert(),
            [
                {
                    "team_id": TEAM,
                    "channel_id": f"C{n:05d}",
                    "weekday": 0,
                    "hour": 9,
                    "minute": 0,
                    "timezone": "Europe/Berlin" if n % 4 else rng.choice(ZONES),
                    "language": "en" if n % 2 else "de",
                    "scope": "channel",
                    "usergroup_id": None,
                    "name_people": n % 10 == 0,
                    "active": True,
                    "created_by": "U000000",
                    "created_at": NOW - timedelta(days=365),
                }
                for n in range(channels)
            ],
        )


def measure(database_url: str, total: int, channels: int) -> dict[str, float]:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        setup_people_and_subscriptions(engine, channels)
        started = time.perf_counter()
        (load_sqlite if engine.dialect.name == "sqlite" else load_postgres)(engine, total, channels)
        load_seconds = time.perf_counter() - started

        sessions = make_session_factory(engine)
        started = time.perf_counter()
        with transaction(sessions) as session:
            due = digest_service.due_digests(session, now=NOW)
        due_ms = (time.perf_counter() - started) * 1000
        with transaction(sessions) as session:
            subscriptions = digest_service.active_subscriptions(session)
        timings, sizes, opened = [], [], 0
        per_query: dict[str, float] = {}

        def started_query(_conn, _cursor, _statement, _params, context, _many) -> None:  # type: ignore[no-untyped-def]
            context.bench_started = time.perf_counter()

        def finished_query(_conn, _cursor, statement, _params, context, _many) -> None:  # type: ignore[no-untyped-def]
            first_column = statement.split()[1].split("(")[0].split(".")[-1].rstrip(",")
            label = QUERY_LABELS.get(first_column, "other")
            per_query[label] = per_query.get(label, 0.0) + time.perf_counter() - context.bench_started

        event.listen(engine, "before_cursor_execute", started_query)
        event.listen(engine, "after_cursor_execute", finished_query)
        for subscription in subscriptions:
            week = digest_service.last_week(subscription, NOW)
            started = time.perf_counter()
            with transaction(sessions) as session:
                report = digest_service.compute_report(
                    session, settings=SETTINGS, subscription=subscription, week=week
                )
            _text, blocks = digest_message(
                report, channel_reader(subscription), channel_id=subscription.channel_id
            )
            timings.append((time.perf_counter() - started) * 1000)
            sizes.append(len(blocks))
            opened += report.current.opened
        event.remove(engine, "before_cursor_execute", started_query)
        event.remove(engine, "after_cursor_execute", finished_query)
        timings.sort()
        breakdown = {f"sql_{label}_ms": seconds * 1000 / len(timings) for label, seconds in per_query.items()}
        return {
            **breakdown,
            "load_s": load_seconds,
            "due_digests_ms": due_ms,
            "due": len(due),
            "digests": len(timings),
            "mean_ms": statistics.fmean(timings),
            "median_ms": statistics.median(timings),
            "p95_ms": timings[int(len(timings) * 0.95) - 1],
            "max_ms": timings[-1],
            "total_s": sum(timings) / 1000,
            "opened_last_week_per_channel": opened / len(timings),
            "max_blocks": max(sizes),
        }
    finally:
        engine.dispose()


#: The first selected column names the query (see bot.services.digest.compute_report).
QUERY_LABELS = {
    "coalesce": "trend",
    "created_at": "first_answers",
    "count": "ratings",
    "to_id": "kudos",
    "assignee_id": "named_overdue",
}


def report(name: str, figures: dict[str, float], total: int) -> None:
    print(
        f"{name:10} load {figures['load_s']:.1f} s ({total / figures['load_s']:,.0f} requests/s) · "
        f"due_digests {figures['due_digests_ms']:.1f} ms ({figures['due']:.0f} due) · "
        f"per digest mean {figures['mean_ms']:.1f} ms, median {figures['median_ms']:.1f}, "
        f"p95 {figures['p95_ms']:.1f}, max {figures['max_ms']:.1f} · all {figures['digests']:.0f} in "
        f"{figures['total_s']:.1f} s · ~{figures['opened_last_week_per_channel']:.0f} requests/channel/week, "
        f"≤ {figures['max_blocks']:.0f} blocks"
    )
    queries = ", ".join(
        f"{key[4:-3]} {value:.1f}" for key, value in figures.items() if key.startswith("sql_")
    )
    print(f"{'':10} SQL per digest (ms): {queries}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--postgres", default=os.environ.get("KUNDENFOKUS_TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        report("SQLite", measure(url, args.requests, args.channels), args.requests)

    if args.postgres and not args.sqlite_only:
        name = f"kf_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            report("PostgreSQL", measure(url, args.requests, args.channels), args.requests)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
