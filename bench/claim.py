"""The outbox claim against a backlog: what one claim costs when delivery has fallen behind.

Writes ``--pending`` rows (default 9,000: what 3,000 filings leave when nothing has been sent yet; three
rows a filing, one sequence per filing) into a fresh migrated database, then claims ``--claims`` times
(default 50) ``--limit`` rows each (default 16, as many as the dispatcher asks for at once) and reports
the CPU time of one claim, with SQLite's plan for the claim's query ("USE TEMP B-TREE FOR ... ORDER BY"
means every claim sorts the whole backlog).

    python bench/claim.py [--pending 9000] [--claims 50] [--limit 16]
                          [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ack_burst import postgres_database  # noqa: E402

from bot import migrate  # noqa: E402
from bot.outbox import store  # noqa: E402
from models.db import make_engine, make_session_factory, transaction  # noqa: E402


def measure(backend: str, url: str, pending: int, claims: int, limit: int) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        for number in range(pending):
            store.enqueue(
                session,
                team_id="T1",
                kind="card",
                key=f"bench-{number}",
                now=now,
                recipient=f"U{number % 200:04d}",
                sequence=f"request:{number // 3}",
            )
    seen: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # The claim's query: on its own (PostgreSQL), or within the one UPDATE that claims (SQLite).
        if statement.lstrip().startswith(("SELECT outbox.id", "UPDATE outbox SET state")):
            seen.append((statement, parameters))

    taken = 0
    started = time.process_time()
    for _ in range(claims):
        with transaction(sessions) as session:
            taken += len(store.claim(session, worker="bench", wall_now=now, limit=limit))
    cost = (time.process_time() - started) / claims
    print(f"[{backend}] {pending:,} pending: {cost * 1000:.2f} ms CPU a claim of {limit} ({taken:,} claimed)")
    if engine.dialect.name == "sqlite" and seen:
        statement, parameters = seen[0]
        with engine.connect() as connection:
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters):
                print(f"  plan: {row[-1]}")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=9000)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is created there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT, prefix=".bench-") as folder:
        measure("SQLite", f"sqlite:///{folder}/claim.db", args.pending, args.claims, args.limit)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            measure("PostgreSQL", url, args.pending, args.claims, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
