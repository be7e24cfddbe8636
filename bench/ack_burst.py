"""Ack latency under a burst: N signed ``/request`` commands sent at the same instant to the real bot
(``kundenfokus run --http`` in its own process: waitress + Bolt + the work queue + the outbox + the
database), and the same burst to a bare Bolt app that only acks, on the same server type (waitress,
``bot.cli.run.LISTENER_THREADS`` threads) and the same machine, in the same run.

Both run as subprocesses so that neither shares the GIL with the senders and the bot's resident memory
can be read honestly from ``/proc/PID/status`` (VmRSS sampled every 20 ms during the burst, VmHWM),
summed over the bot's delivery processes if it has any, and their PSS (``smaps_rollup``) beside it.
The loopback fake Slack (in this process) is the Web API; after each burst the bench waits until every
request's card reached its assignee, so every filing was also delivered.

Bursts by default: 300; two bursts of 300 at once (600); 200; then 20 clients each sending 10 commands
one after another. Reported per burst: ack p50/p99/max for both, the ratio of the p99s, acks over
Slack's 3-second limit, non-200 answers, the bot's peak RSS, how long until the last card arrived, and
the share of CPU time the virtual machine's host took for others during each run ("steal": on a busy
host the same code runs slower, and a figure means little without it).

    python bench/ack_burst.py [--bursts 300,2x300,200] [--serial 20x10] [--delivery-processes 2]
                              [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.sandbox.driver import SlackDriver  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"
#: Slack shows the user "operation_timeout" when the ack takes longer than this.
SLACK_LIMIT = 3.0
PEOPLE = 700
TAG = re.compile(r"Bench ([a-z0-9]+)\b")


# --- the machine ----------------------------------------------------------------------------------


class Stolen:
    """The share of the machine's CPU time its host gave to others while a run went on ("steal" in
    ``/proc/stat``; on a virtual machine whose host is busy). The same code then takes longer and uses
    more CPU, so a figure means little without it."""

    def __init__(self) -> None:
        self._start = self._read()

    @staticmethod
    def _read() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as stat:
                ticks = [int(value) for value in stat.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        if len(ticks) < 8:
            return None
        return ticks[7], sum(ticks)  # steal, all (user nice system idle iowait irq softirq steal)

    def stop(self) -> float | None:
        """The share since the start, 0.0–1.0 (None without ``/proc/stat``)."""
        end = self._read()
        if self._start is None or end is None or end[1] == self._start[1]:
            return None
        return (end[0] - self._start[0]) / (end[1] - self._start[1])


# --- processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    ours = ("SLACK_", "DATABASE_URL", "LOG_", "KUNDENFOKUS_", "PORT")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        environment.pop(name, None)
    environment.update(extra)
    return environment


class Served:
    """A subprocess serving Slack's events on ``port``; its output is collected (and shown on failure)."""

    def __init__(self, name: str, command: list[str], port: int, env: dict[str, str], ready: str) -> None:
        self.name, self.port = name, port
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=clean_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 60
        while not any(ready in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{name} did not start:\n{''.join(self.lines)}")
            time.sleep(0.05)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def processes(self) -> list[int]:
        """The process and its children (``KUNDENFOKUS_DELIVERY_PROCESSES``), from the kernel."""
        found, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                for thread in os.listdir(f"/proc/{pid}/task"):  # a child is listed under its thread
                    with (
                        contextlib.suppress(OSError),
                        open(f"/proc/{pid}/task/{thread}/children") as children,
                    ):
                        queue.extend(int(child) for child in children.read().split())
        return found

    def memory(self, pids: list[int] | None = None) -> dict[str, int]:
        """VmRSS and VmHWM (peak) in KiB, from the kernel, summed over the process and its children
        (``pids``: those, as ``processes()`` found them a moment ago)."""
        values: dict[str, int] = {}
        for pid in self.processes() if pids is None else pids:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
                for line in status:
                    key, _, rest = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        values[key] = values.get(key, 0) + int(rest.split()[0])
        return values

    def proportional(self, pids: list[int]) -> int:
        """PSS in KiB summed over ``pids``: each shared page (the interpreter, the libraries that the
        processes map alike) counted once in all, where a sum of RSS counts it in every process."""
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        return total

    def cpu_seconds(self) -> float:
        """User + system CPU time the process and its children have used so far."""
        return sum(self.cpu_by_process().values())

    def cpu_by_process(self) -> dict[int, float]:
        """pid -> user + system CPU seconds so far, for the process and each of its children."""
        used = {}
        for pid in self.processes():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return used

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_bot(fake: FakeSlack, database_url: str, **settings: str) -> Served:
    """``settings``: more of the bot's environment, e.g. ``KUNDENFOKUS_DELIVERY_PROCESSES="1"``."""
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        **settings,
    }
    launcher = os.environ.get("BENCH_BOT_LAUNCHER")  # e.g. a profiling wrapper around ``python -m bot``
    start = [sys.executable, launcher] if launcher else [sys.executable, "-m", "bot"]
    command = [*start, "run", "--http", "--port", str(port)]
    return Served("the bot", command, port, env, ready="is running")


def start_bare(fake: FakeSlack) -> Served:
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(port)]
    return Served(
        "the bare Bolt app",
        command,
        port,
        {"BARE_API_URL": fake.base_url, "BARE_TOKEN": fake.bot_token},
        ready="listening",
    )


def serve_bare(port: int) -> None:
    """A Bolt app with Bolt's defaults whose only listener acks ``/request``; waitress as the bot has it."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from bot.cli.run import LISTENER_THREADS
    from bot.server import serve_wsgi

    # Bolt asks auth.test once (then caches it): the fake answers, as Slack would.
    client = WebClient(token=os.environ["BARE_TOKEN"], base_url=os.environ["BARE_API_URL"])
    app = App(client=client, signing_secret=SECRET, token_verification_enabled=False)

    @app.command("/request")
    def only_ack(ack: Callable[[], None]) -> None:
        ack()

    server = serve_wsgi(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=LISTENER_THREADS)
    print("listening", flush=True)
    server.run()


# --- sending ---------------------------------------------------------------------------------------


@dataclass
class Burst:
    label: str
    acks: list[float] = field(default_factory=list)  # seconds
    statuses: list[int] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)  # tag -> wall time of the ack
    peak_rss_kib: int = 0  # sum of VmRSS over the bot's processes, sampled every 20 ms
    peak_pss_kib: int = 0  # sum of PSS, sampled twice a second
    delivered_after: float | None = None  # seconds from the burst's start to the last card
    delivered: int = 0
    wall_started: float = 0.0
    steal: float | None = None  # the host's share of the CPU time during the burst (Stolen)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.acks)
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]

    @property
    def over_limit(self) -> int:
        return sum(ack > SLACK_LIMIT for ack in self.acks)

    @property
    def failed(self) -> int:
        return sum(status != 200 for status in self.statuses)


def command_text(tag: str, assignee: str) -> str:
    return f"<@{assignee}> Bench {tag} within 4h"


def fire(driver: SlackDriver, clients: int, per_client: int, burst: Burst, prefix: str) -> None:
    """``clients`` threads released together; each sends ``per_client`` commands one after another."""
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()

    def client(index: int) -> None:
        barrier.wait()
        for step in range(per_client):
            number = index * per_client + step
            tag = f"{prefix}n{number}"
            requester, assignee = f"UR{number % PEOPLE:04d}", f"UA{number % PEOPLE:04d}"
            try:
                reply = driver.command(requester, command_text(tag, assignee))
                status, elapsed = reply.status, reply.elapsed
            except OSError:
                status, elapsed = 0, driver.timeout
            with lock:
                burst.acks.append(elapsed)
                burst.statuses.append(status)
                burst.sent_at[tag] = time.time()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    burst.wall_started = time.time()
    barrier.wait()
    for thread in threads:
        thread.join()


@contextlib.contextmanager
def sampling(served: Served, burst: Burst) -> Iterator[None]:
    stop = threading.Event()

    def sample() -> None:
        # The processes are looked up twice a second, not at every sample: that walk reads a file for
        # each of the bot's threads, and its cost would be the bench's, on the bot's cores. RSS is read
        # ten times a second (memory grows over many requests; at 50 a second the reads alone were a
        # tenth of this process's CPU under a sustained load).
        pids: list[int] = []
        looked = 0.0
        while not stop.is_set():
            if time.monotonic() - looked > 0.5:
                pids, looked = served.processes(), time.monotonic()
                burst.peak_pss_kib = max(burst.peak_pss_kib, served.proportional(pids))
            burst.peak_rss_kib = max(burst.peak_rss_kib, served.memory(pids).get("VmRSS", 0))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        stop.set()
        sampler.join()


_scanned: dict[int, tuple[int, dict[str, float]]] = {}


def cards_by_tag(fake: FakeSlack) -> dict[str, float]:
    """tag -> when the assignee's card with it was posted (first ok chat.postMessage naming the tag).
    Reads only the calls since the last look, and of each its text first (a JSON dump of the whole call
    only when the text does not name it), so watching costs the fake (same process) little."""
    done, found = _scanned.get(id(fake), (0, {}))
    calls = fake.calls
    for call in calls[done:]:
        if call.method != "chat.postMessage" or not call.ok:
            continue
        # The notification text names the request; the whole call is searched only when it does not.
        text = call.args.get("text")
        match = (TAG.search(text) if isinstance(text, str) else None) or TAG.search(
            json.dumps(call.args, ensure_ascii=False)
        )
        if match and match.group(1) not in found:
            found[match.group(1)] = call.at
    _scanned[id(fake)] = (len(calls), found)
    return dict(found)


def wait_delivered(fake: FakeSlack, burst: Burst, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    wanted = set(burst.sent_at)
    while True:
        cards = cards_by_tag(fake)
        got = wanted & set(cards)
        if len(got) == len(wanted) or time.monotonic() > deadline:
            burst.delivered = len(got)
            if got:
                burst.delivered_after = max(cards[tag] for tag in got) - burst.wall_started
            return
        time.sleep(0.25)


def run_burst(
    fake: FakeSlack, served: Served, label: str, clients: int, per_client: int, *, deliver: bool
) -> Burst:
    driver = SlackDriver(served.url, SECRET, fake=fake, timeout=60)
    burst = Burst(label)
    prefix = f"{uuid.uuid4().hex[:6]}"
    stolen = Stolen()
    with sampling(served, burst):
        fire(driver, clients, per_client, burst, prefix)
        if deliver:
            wait_delivered(fake, burst, timeout=180)
    burst.steal = stolen.stop()
    return burst


def parse_bursts(value: str) -> list[tuple[str, int, int]]:
    """ "300,2x300,200" -> [(label, clients, 1)]: 2x300 is two bursts of 300 at the same instant."""
    bursts = []
    for part in value.split(","):
        copies, _, size = part.strip().rpartition("x")
        total = int(size) * (int(copies) if copies else 1)
        bursts.append((f"{part.strip()} at once" if copies else f"{size} at once", total, 1))
    return bursts


# --- the run ----------------------------------------------------------------------------------------


def fake_slack() -> FakeSlack:
    fake = FakeSlack().start()
    for index in range(PEOPLE):
        fake.add_user(f"UR{index:04d}", f"requester{index}")
        fake.add_user(f"UA{index:04d}", f"assignee{index}")
    return fake


def measure(
    database_url: str, plan: list[tuple[str, int, int]], delivery_processes: int = 0
) -> list[tuple[Burst, Burst, dict[str, int]]]:
    fake = fake_slack()
    bot = bare = None
    results = []
    try:
        bot = start_bot(fake, database_url, KUNDENFOKUS_DELIVERY_PROCESSES=str(delivery_processes))
        bare = start_bare(fake)
        for served in (bot, bare):  # warm-up: first imports, first connections, the people cache
            warm = run_burst(fake, served, "warm-up", 10, 2, deliver=served is bot)
            assert warm.failed == 0, warm.statuses
        for label, clients, per_client in plan:
            bare_burst = run_burst(fake, bare, label, clients, per_client, deliver=False)
            bot_burst = run_burst(fake, bot, label, clients, per_client, deliver=True)
            results.append((bot_burst, bare_burst, bot.memory()))
            print(line(bot_burst, bare_burst), flush=True)
    finally:
        for served in (bot, bare):
            if served is not None:
                served.stop()
        fake.stop()
    return results


def line(bot: Burst, bare: Burst) -> str:
    ms = lambda seconds: f"{seconds * 1000:,.0f} ms"  # noqa: E731
    delivered = (
        f"{bot.delivered}/{len(bot.sent_at)} cards, last after {bot.delivered_after:.1f} s"
        if bot.delivered_after is not None
        else f"{bot.delivered}/{len(bot.sent_at)} cards"
    )
    return (
        f"  {bot.label:<18} bot: p50 {ms(bot.percentile(0.5))}, p99 {ms(bot.percentile(0.99))}, "
        f"max {ms(max(bot.acks))}, >3 s: {bot.over_limit}, non-200: {bot.failed} | "
        f"bare Bolt: p50 {ms(bare.percentile(0.5))}, p99 {ms(bare.percentile(0.99))}, "
        f"max {ms(max(bare.acks))}, >3 s: {bare.over_limit}, non-200: {bare.failed} | "
        f"p99 ratio {bot.percentile(0.99) / bare.percentile(0.99):.2f}x | "
        f"bot RSS peak {bot.peak_rss_kib / 1024:.0f} MB (PSS {bot.peak_pss_kib / 1024:.0f} MB) | {delivered}"
        f"{_stolen(bot, bare)}"
    )


def _stolen(bot: Burst, bare: Burst) -> str:
    """ " | steal 13% / 15% (bot / bare)": the host's share of the CPU time during each run."""
    if bot.steal is None or bare.steal is None:
        return ""
    return f" | steal {bot.steal:.0%} / {bare.steal:.0%} (bot / bare)"


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    name = f"kf_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_bot_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the benches that run the bot: the databases, and its delivery processes."""
    parser.add_argument("--postgres", help="PostgreSQL server URL; a throwaway database is created there")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument(
        "--delivery-processes",
        type=int,
        default=0,
        metavar="N",
        help="KUNDENFOKUS_DELIVERY_PROCESSES for the bot (0: it delivers in its own threads)",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bursts", default="300,2x300,200", help="sizes; 2x300 = two bursts of 300 at once")
    parser.add_argument("--serial", default="20x10", help="CLIENTSxCOMMANDS sent one after another (or '')")
    add_bot_arguments(parser)
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0
    plan = parse_bursts(args.bursts)
    if args.serial:
        clients, per_client = (int(n) for n in args.serial.split("x"))
        plan.append((f"{clients} serial x{per_client}", clients, per_client))
    print(
        f"bare Bolt vs the bot (kundenfokus run --http, delivery processes: {args.delivery_processes}), "
        f"both on waitress; {os.cpu_count()} cores"
    )
    if not args.postgres_only:
        with tempfile.TemporaryDirectory(dir=ROOT, prefix=".bench-") as folder:
            print("SQLite:", flush=True)
            measure(f"sqlite:///{folder}/bench.db", plan, args.delivery_processes)
    if args.postgres:
        from bot import migrate

        with postgres_database(args.postgres) as url:
            migrate.upgrade(url)
            print("PostgreSQL:", flush=True)
            measure(url, plan, args.delivery_processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
