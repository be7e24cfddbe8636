"""Sustained filing throughput: signed ``/request`` commands at a steady rate (default 100 a second for
30 s, among 200 requester/assignee pairs the bot already knows) against the real bot (``kundenfokus run --http`` in its own process, as in ``bench/ack_burst.py``),
every one of them to be delivered: the assignee's card posted in the fake Slack.

Commands are sent open-loop — on a fixed schedule, whether or not earlier ones were answered — by a pool
of sender threads, so a slow bot cannot slow the offered load down. Reported: the rate offered and the
rate achieved (acks, and cards delivered over the whole run), ack p50/p99, and the delivery lag from a
command's ack to its card (p50/p99/max), plus the bot's peak RSS and CPU (with its delivery processes,
if any) — and the CPU of this bench process itself, which shares the machine's cores with the bot, and
the share of CPU time the host took for others during the run (steal; ``ack_burst.Stolen``).

    python bench/filing_rate.py [--rate 100] [--seconds 30] [--delivery-processes 1]
                                [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ack_burst import (  # noqa: E402
    SECRET,
    Burst,
    Stolen,
    add_bot_arguments,
    cards_by_tag,
    command_text,
    fake_slack,
    postgres_database,
    run_burst,
    sampling,
    start_bot,
)

from bot.sandbox.driver import SlackDriver  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def measure(
    backend: str, database_url: str, rate: float, seconds: float, people: int, delivery_processes: int
) -> None:
    fake = fake_slack()
    bot = start_bot(fake, database_url, KUNDENFOKUS_DELIVERY_PROCESSES=str(delivery_processes))
    try:
        # Warm-up: every pair files once, so the bot knows its people (users.info), as a bot that has
        # been running for a while does; the measured run then costs what filing costs.
        run_burst(fake, bot, "warm-up", 10, people // 10, deliver=True)
        driver = SlackDriver(bot.url, SECRET, fake=fake, timeout=60)
        burst = Burst(f"{rate:g}/s for {seconds:g} s")
        prefix = uuid.uuid4().hex[:6]
        total = int(rate * seconds)
        lock = threading.Lock()

        def send(number: int, at: float) -> None:
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            tag = f"{prefix}n{number}"
            requester, assignee = f"UR{number % people:04d}", f"UA{number % people:04d}"
            try:
                reply = driver.command(requester, command_text(tag, assignee))
                status, elapsed = reply.status, reply.elapsed
            except OSError:
                status, elapsed = 0, driver.timeout
            with lock:
                burst.acks.append(elapsed)
                burst.statuses.append(status)
                burst.sent_at[tag] = time.time()

        cpu_before = bot.cpu_by_process()
        own_before = _own_cpu()
        stolen = Stolen()
        with sampling(bot, burst):
            burst.wall_started = time.time()
            start = time.perf_counter() + 0.2
            with ThreadPoolExecutor(max_workers=64) as pool:
                for number in range(total):
                    pool.submit(send, number, start + number / rate)
            sent_for = time.perf_counter() - start
            deadline = time.monotonic() + 300
            while True:
                cards = cards_by_tag(fake)
                if set(burst.sent_at) <= set(cards) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        cpu_after = bot.cpu_by_process()
        steal = stolen.stop()
        cpu = sum(cpu_after.values()) - sum(cpu_before.values())
        per_process = [cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after]
        own = _own_cpu() - own_before
        delivered = {tag: cards[tag] for tag in burst.sent_at if tag in cards}
        lags = [delivered[tag] - burst.sent_at[tag] for tag in delivered]
        last = max(delivered.values()) - burst.wall_started if delivered else float("nan")
        ms = lambda value: f"{value * 1000:,.0f} ms"  # noqa: E731
        print(
            f"[{backend}, delivery processes: {delivery_processes}] offered {rate:g}/s for {seconds:g} s = {total:,} commands; sent in {sent_for:.1f} s "
            f"({total / sent_for:.0f}/s); non-200: {burst.failed}; ack p50 {ms(burst.percentile(0.5))}, "
            f"p99 {ms(burst.percentile(0.99))}, >3 s: {burst.over_limit}\n"
            f"  delivered {len(delivered):,}/{total:,} cards; last {last:.1f} s after the first command "
            f"=> {len(delivered) / last:.0f} filings/s delivered; lag ack->card p50 {ms(percentile(lags, 0.5))}, "
            f"p99 {ms(percentile(lags, 0.99))}, max {ms(max(lags))}; bot RSS peak "
            f"{burst.peak_rss_kib / 1024:.0f} MB (PSS {burst.peak_pss_kib / 1024:.0f} MB); bot CPU {cpu:.1f} s ({cpu / max(1, len(delivered)) * 1000:.1f} ms "
            f"a filing{_split(per_process, len(delivered))})\n  this bench process (senders and the fake Slack) used {own:.1f} s of CPU "
            f"({own / max(1, len(delivered)) * 1000:.1f} ms a filing) on a machine with {os.cpu_count()} cores{_host(steal)}",
            flush=True,
        )
    finally:
        bot.stop()
        fake.stop()


def _split(per_process: list[float], filings: int) -> str:
    """ ": the bot 6.1 ms, its delivery process 11.0 ms" when there are delivery processes."""
    if len(per_process) < 2:
        return ""
    bot, *children = (f"{seconds / max(1, filings) * 1000:.1f} ms" for seconds in per_process)
    return f": the bot {bot}, its delivery process(es) {', '.join(children)}"


def _host(steal: float | None) -> str:
    """ "; the host took 18% of the CPU time (steal)": on a busy host the same code is slower."""
    return "" if steal is None else f"; the host took {steal:.0%} of the CPU time (steal)"


def _own_cpu() -> float:
    """CPU seconds of this process (the load generator and the fake Slack share the bot's machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--people", type=int, default=200, help="requester/assignee pairs (<= 700)")
    add_bot_arguments(parser)
    args = parser.parse_args()
    if not args.postgres_only:
        with tempfile.TemporaryDirectory(dir=ROOT, prefix=".bench-") as folder:
            measure(
                "SQLite",
                f"sqlite:///{folder}/bench.db",
                args.rate,
                args.seconds,
                args.people,
                args.delivery_processes,
            )
    if args.postgres:
        from bot import migrate

        with postgres_database(args.postgres) as url:
            migrate.upgrade(url)
            measure("PostgreSQL", url, args.rate, args.seconds, args.people, args.delivery_processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
