"""Delivery at Slack's speed: 1,000 due reminders to 1,000 people through the outbox, with the fake Slack
answering every call after 100 ms and enforcing Slack's limits (per-method tiers, chat.postMessage about
1 per second per channel plus a workspace budget, 429 with ``Retry-After`` for a call over budget).

The sweep queues the reminders (one outbox row each, in its transaction); then the delivery workers of
this process (``bot.outbox.worker.Outbox``, as ``kundenfokus run`` starts them) send them. Reported: the
time from the first send to the last, next to the bound the limits imply — the workspace budget's bucket
(``burst`` at once, then ``per_minute / 60`` a second) for 1,000 posts, or the latency with the bot's
posts in flight, whichever is longer — and the checks: every person got exactly one reminder (none lost,
none twice), every outbox row is ``sent``, how many calls Slack answered 429.

    python bench/delivery.py [--people 1000] [--latency 0.1] [--post-per-minute 300] [--post-burst 50]
                             [--bot-post-rate N]   # KUNDENFOKUS_POST_RATE: the bot paces itself
                             [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ack_burst import postgres_database  # noqa: E402

from bot import migrate  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.jobs.sweep import run_sweep  # noqa: E402
from bot.outbox.worker import CONCURRENCY  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402
from bot.slack import make_web_client  # noqa: E402
from models import OutboxMessage, Person, Request, Workspace  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
TEAM = "T0001"
#: Thursday 26 November 2026: first answers were due at 13:00 Berlin; the 14:00 sweep finds them overdue.
RESPONSE_DUE = datetime(2026, 11, 26, 13, 0, tzinfo=BERLIN).astimezone(UTC)
BUSY = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN).astimezone(UTC)


def seed(sessions, people: int) -> None:
    """``people`` open requests, each to its own assignee, from ``people`` requesters; profiles cached."""
    created = RESPONSE_DUE - timedelta(days=1)
    with sessions.begin() as session:
        session.add(Workspace(team_id=TEAM, last_request_number=people, created_at=created))
        for index in range(people):
            for user_id in (f"UA{index:05d}", f"UR{index:05d}"):
                session.add(
                    Person(
                        team_id=TEAM,
                        user_id=user_id,
                        name=user_id.lower(),
                        tz="Europe/Berlin",
                        locale="en-US",
                        fetched_at=BUSY,
                    )
                )
        for index in range(people):
            session.add(
                Request(
                    team_id=TEAM,
                    number=index + 1,
                    requester_id=f"UR{index:05d}",
                    assignee_id=f"UA{index:05d}",
                    text=f"Delivery benchmark {index}",
                    kind="task",
                    channel_id="C0001",
                    state="open",
                    created_at=created,
                    updated_at=created,
                    response_due_at=RESPONSE_DUE,
                )
            )


def bound(posts: int, *, per_minute: float, burst: float, latency: float, in_flight: int) -> float:
    """The least time Slack's limits allow for ``posts`` messages (each to its own DM, so the per-channel
    limit never binds): the workspace bucket's burst, then its refill; or the latency with ``in_flight``
    calls at once, whichever is longer."""
    by_budget = max(0.0, posts - burst) / (per_minute / 60.0)
    by_latency = posts * latency / in_flight
    return max(by_budget, by_latency)


def measure(backend: str, url: str, args: argparse.Namespace) -> dict[str, object]:
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        seed(sessions, args.people)
        with FakeSlack(team_id=TEAM) as fake:
            for index in range(args.people):
                fake.add_user(f"UA{index:05d}", f"ua{index:05d}")
                fake.add_user(f"UR{index:05d}", f"ur{index:05d}")
            settings = Settings(
                slack_bot_token=fake.bot_token,
                slack_api_url=fake.base_url,
                database_url=url,
                post_rate=args.bot_post_rate,
            )
            deps = Deps(settings, sessions, ManualClock(BUSY), make_web_client(fake.bot_token, fake.base_url))
            started = time.perf_counter()
            report = run_sweep(deps, BUSY)  # queues; nothing is sent yet (no workers)
            queued = time.perf_counter() - started
            with sessions() as session:
                rows = session.scalar(select(func.count()).select_from(OutboxMessage))
            print(f"[{backend}] the sweep queued {rows:,} messages in {queued:.2f} s", flush=True)

            fake.set_latency(args.latency)
            fake.enforce_rate_limits(
                post_workspace_per_minute=args.post_per_minute, post_workspace_burst=args.post_burst
            )
            calls_before = len(fake.calls)
            started = time.perf_counter()
            deps.start()
            settled = deps.outbox.settle(timeout=args.timeout)
            elapsed = time.perf_counter() - started
            deps.stop()
            calls = fake.calls[calls_before:]
            posts = [c for c in calls if c.method == "chat.postMessage" and c.ok]
            first = min(c.at for c in posts) if posts else 0.0
            last = max(c.at for c in posts) if posts else 0.0
            per_person = Counter(str(c.args.get("channel")) for c in posts)
            dm_of = {fake.dm_channel_for(f"UA{i:05d}"): f"UA{i:05d}" for i in range(args.people)}
            reached = Counter(dm_of.get(channel, channel) for channel in per_person.elements())
            with sessions() as session:
                states = Counter(
                    dict(
                        session.execute(
                            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
                        ).all()
                    )
                )
        limit = bound(
            len(posts),
            per_minute=args.post_per_minute,
            burst=args.post_burst,
            latency=args.latency,
            in_flight=max(2, CONCURRENCY // 2),
        )
        wanted = {f"UA{i:05d}" for i in range(args.people)}
        return {
            "backend": backend,
            "sweep_lines": len(report.lines) if hasattr(report, "lines") else None,
            "queued_s": queued,
            "settled": settled,
            "elapsed_s": elapsed,
            "first_to_last_s": last - first,
            "bound_s": limit,
            "posts": len(posts),
            "calls": Counter(c.method for c in calls),
            "rate_limited": sum(c.status == 429 for c in calls),
            "lost": len(wanted - set(reached)),
            "twice": sum(1 for n in reached.values() if n > 1),
            "elsewhere": len(set(reached) - wanted),
            "states": dict(states),
        }
    finally:
        engine.dispose()


def show(result: dict[str, object]) -> None:
    elapsed, limit = float(result["elapsed_s"]), float(result["bound_s"])  # type: ignore[arg-type]
    print(
        f"[{result['backend']}] {result['posts']:,} reminders delivered in {elapsed:.1f} s "
        f"(first to last post {float(result['first_to_last_s']):.1f} s); bound {limit:.1f} s; "
        f"ratio {elapsed / limit:.2f}x (goal <= 1.2x)\n"
        f"  lost: {result['lost']}, twice: {result['twice']}, elsewhere: {result['elsewhere']}; "
        f"outbox rows: {result['states']}; settled: {result['settled']}\n"
        f"  Slack calls: {dict(result['calls'])}; answered 429: {result['rate_limited']}",  # type: ignore[call-overload]
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before the fake answers")
    parser.add_argument("--post-per-minute", type=float, default=300, help="the fake's workspace budget")
    parser.add_argument("--post-burst", type=float, default=50, help="the fake's workspace burst")
    parser.add_argument("--bot-post-rate", type=int, help="KUNDENFOKUS_POST_RATE (posts per minute)")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is created there")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        f"{args.people:,} due reminders; fake Slack: {args.latency * 1000:.0f} ms a call, tiers, "
        f"chat.postMessage 1/s per channel (burst 3) and {args.post_per_minute:g}/min per workspace "
        f"(burst {args.post_burst:g}); bot pacing: "
        + (f"KUNDENFOKUS_POST_RATE={args.bot_post_rate}" if args.bot_post_rate else "Slack's 429s only"),
        flush=True,
    )
    if not args.postgres_only:
        with tempfile.TemporaryDirectory(dir=ROOT, prefix=".bench-") as folder:
            show(measure("SQLite", f"sqlite:///{folder}/bench.db", args))
    if args.postgres:
        with postgres_database(args.postgres) as url:
            show(measure("PostgreSQL", url, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
