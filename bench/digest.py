"""Digest cost at scale: 100 subscribed channels over 1,000,000 requests.

Bulk-loads a synthetic workspace (26 weeks of requests, ratings and kudos; assignees in three time
zones) into a fresh database, then

* computes and renders every channel's digest **one at a time** (``compute_report`` per channel, the
  figures this benchmark always reported: time per digest and for all of them), and
* computes **all of them at once** the way the scheduler does (``compute_reports``: set-based
  statements for all channels together, then rendering each) — total, and mean per channel;
* times the first answers' working time both ways: a calendar walk per answer, and one laid-out
  calendar per time zone (``business_durations``), for every first answer of the week;
* and ``due_digests`` (what every scheduler tick runs).

Each channel reports the window its latest slot reported at ``NOW`` in its own time zone.

    python bench/digest.py [--requests 1000000] [--channels 100] [--sqlite-only]
                           [--postgres-only]
                           [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Loading: SQLite through ``executemany`` in one transaction with journaling off and the secondary
indexes built after the load; PostgreSQL through ``COPY``, then ``VACUUM ANALYZE`` (what autovacuum
does to a table soon after such a load; index-only scans need the visibility map). SQLite ``ANALYZE``.
"""

from __future__ import annotations

import argparse
import gc
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

from sqlalchemy import Engine, and_, create_engine, event, select, text
from sqlalchemy.engine import make_url

from bot import migrate
from bot.blocks.digest import digest_message
from bot.config import Settings
from bot.domain.digest_stats import business_durations
from bot.jobs.digest import channel_reader
from bot.services import digest as digest_service
from bot.services.agreement import calendar_for
from bot.services.digest import DigestTarget
from models import Base, Person, Request
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
        raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
        raw.driver_connection.execute("VACUUM ANALYZE")
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
        gc.collect()  # the generated rows are garbage now; don't let collecting them count below
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
            label = query_label(statement)
            per_query[label] = per_query.get(label, 0.0) + time.perf_counter() - context.bench_started
            statements[label] = statements.get(label, 0) + 1

        statements: dict[str, int] = {}
        event.listen(engine, "before_cursor_execute", started_query)
        event.listen(engine, "after_cursor_execute", finished_query)
        windows = {sub.id: digest_service.latest_window(sub, NOW) for sub in subscriptions}
        for subscription in subscriptions:
            started = time.perf_counter()
            with transaction(sessions) as session:
                report = digest_service.compute_report(
                    session, settings=SETTINGS, subscription=subscription, week=windows[subscription.id]
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

        # All at once, as the scheduler does; best of three (the first also warms the caches). The
        # garbage of generating a million rows is collected first, as it is for the loop above.
        gc.collect()
        targets = [DigestTarget(sub, windows[sub.id]) for sub in subscriptions]
        at_once, at_once_sql = [], []
        for _attempt in range(3):
            per_query.clear()
            statements.clear()
            event.listen(engine, "before_cursor_execute", started_query)
            event.listen(engine, "after_cursor_execute", finished_query)
            started = time.perf_counter()
            with transaction(sessions) as session:
                reports = digest_service.compute_reports(session, settings=SETTINGS, targets=targets)
            computed = time.perf_counter()
            for subscription, each in zip(subscriptions, reports, strict=True):
                digest_message(each, channel_reader(subscription), channel_id=subscription.channel_id)
            finished = time.perf_counter()
            event.remove(engine, "before_cursor_execute", started_query)
            event.remove(engine, "after_cursor_execute", finished_query)
            at_once.append((finished - started, computed - started, finished - computed))
            at_once_sql.append((dict(per_query), sum(statements.values())))
        best = min(range(3), key=lambda attempt: at_once[attempt][0])
        together_s, compute_s, render_s = at_once[best]
        together_statements = at_once_sql[best][1]
        assert sum(each.current.opened for each in reports) == opened  # the same numbers both ways

        walk_ms, line_ms, answers = first_answer_working_time(sessions, subscriptions, windows)
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
            "together_s": together_s,
            "together_compute_s": compute_s,
            "together_render_s": render_s,
            "together_statements": together_statements,
            "answers": answers,
            "walk_ms": walk_ms,
            "line_ms": line_ms,
            "opened_last_week_per_channel": opened / len(timings),
            "max_blocks": max(sizes),
        }
    finally:
        engine.dispose()


def first_answer_working_time(sessions, subscriptions, windows) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """Working time to every first answer of the reported windows: a calendar walk per answer vs one
    laid-out calendar per time zone (both give the same durations)."""
    pairs_by_zone: dict[str | None, list[tuple[datetime, datetime]]] = {}
    with transaction(sessions) as session:
        for subscription in subscriptions:
            window = windows[subscription.id]
            rows = session.execute(
                select(Request.created_at, Request.acknowledged_at, Person.tz)
                .outerjoin(
                    Person, and_(Person.team_id == Request.team_id, Person.user_id == Request.assignee_id)
                )
                .where(
                    Request.team_id == subscription.team_id,
                    Request.channel_id == subscription.channel_id,
                    Request.acknowledged_at >= window.start,
                    Request.acknowledged_at < window.end,
                )
            ).all()
            for created, answered, tz in rows:
                pairs_by_zone.setdefault(tz, []).append((created, answered))
    started = time.perf_counter()
    walked = {
        tz: [calendar_for(SETTINGS, tz).business_time_between(a, b) for a, b in pairs]
        for tz, pairs in pairs_by_zone.items()
    }
    walk = time.perf_counter() - started
    started = time.perf_counter()
    laid_out = {
        tz: business_durations(calendar_for(SETTINGS, tz), pairs) for tz, pairs in pairs_by_zone.items()
    }
    line = time.perf_counter() - started
    assert walked == laid_out
    return walk * 1000, line * 1000, sum(len(pairs) for pairs in pairs_by_zone.values())


def query_label(statement: str) -> str:
    """Which of the digest's statements this is (see bot.services.digest.compute_reports)."""
    text = " ".join(statement.split()).lower()
    if "from ratings" in text:
        return "ratings"
    if "from kudos" in text:
        return "kudos"
    if "join people" in text:
        return "first_answers"
    if "requests.requester_id in" in text:
        return "usergroups"
    if "requests.due_at" in text and "count(distinct" not in text:
        return "named_overdue"
    if "from requests" in text or "union all" in text:
        return "counts"
    return "other"


def report(name: str, figures: dict[str, float], total: int) -> None:
    print(
        f"{name:10} load {figures['load_s']:.1f} s ({total / figures['load_s']:,.0f} requests/s) · "
        f"due_digests {figures['due_digests_ms']:.1f} ms ({figures['due']:.0f} due) · "
        f"~{figures['opened_last_week_per_channel']:.0f} requests/channel/week, "
        f"≤ {figures['max_blocks']:.0f} blocks"
    )
    print(
        f"{'':10} one at a time: per digest mean {figures['mean_ms']:.1f} ms, median {figures['median_ms']:.1f}, "
        f"p95 {figures['p95_ms']:.1f}, max {figures['max_ms']:.1f} · all {figures['digests']:.0f} in "
        f"{figures['total_s']:.2f} s"
    )
    queries = ", ".join(
        f"{key[4:-3]} {value:.1f}" for key, value in figures.items() if key.startswith("sql_")
    )
    # Time in execute(); SQLite computes part of a statement while its rows are fetched.
    print(f"{'':10}   SQL per digest, in execute (ms): {queries}")
    print(
        f"{'':10} all at once: {figures['together_s'] * 1000:.0f} ms for {figures['digests']:.0f} "
        f"({figures['together_s'] * 1000 / figures['digests']:.1f} ms per channel; computing "
        f"{figures['together_compute_s'] * 1000:.0f} ms in {figures['together_statements']:.0f} statements, "
        f"rendering {figures['together_render_s'] * 1000:.0f} ms)"
    )
    print(
        f"{'':10} first answers' working time, {figures['answers']:.0f} answers: calendar walk per answer "
        f"{figures['walk_ms']:.0f} ms, laid-out calendars {figures['line_ms']:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--postgres", default=os.environ.get("KUNDENFOKUS_TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()

    if not args.postgres_only:
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
