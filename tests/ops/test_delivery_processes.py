"""``KUNDENFOKUS_DELIVERY_PROCESSES``: ``kundenfokus run`` delivers in processes of its own — real
processes, over HTTP, against the loopback fake Slack, on SQLite and PostgreSQL. The child delivers
what the parent files, is started again when it dies, never outlives its parent (not even a SIGKILL of
the parent) and stops with it."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.outbox.processes import DeliveryProcesses
from bot.sandbox.driver import SlackDriver
from models import OutboxMessage
from tests.ops.processes import BotProcess, get, start_http_bot
from tests.slackutil import dms_to, text_of


def children_of(pid: int) -> list[int]:
    """Every thread's children (the kernel lists a child under the thread that started it)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for thread in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{thread}/children") as children:
                found.extend(int(child) for child in children.read().split())
    return found


def command_of(pid: int) -> str:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return cmdline.read().replace(b"\0", b" ").decode()
    return ""


def delivering(parent: int) -> list[int]:
    """The parent's delivery processes, once they are one (a child shows its parent's command line
    between fork and exec)."""
    return [pid for pid in children_of(parent) if "bot deliver --with-parent" in command_of(pid)]


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, what: str, timeout: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)
    return value


def start(database_url: str, fake_slack, tmp_path: Path) -> tuple[BotProcess, SlackDriver, int, int]:
    bot, slack, port = start_http_bot(
        database_url, fake_slack, tmp_path, LOG_LEVEL="INFO", KUNDENFOKUS_DELIVERY_PROCESSES="1"
    )
    [child] = wait_until(lambda: delivering(bot.process.pid), "the delivery process started")
    return bot, slack, port, child


def card_for(fake_slack, words: str) -> dict | None:
    return next((m for m in dms_to(fake_slack, "UBOB") if words in text_of(m)), None)


def test_the_delivery_process_sends_what_the_bot_files_and_stops_with_it(
    database_url, fake_slack, sessions, tmp_path
):
    bot, slack, port, child = start(database_url, fake_slack, tmp_path)
    try:
        status, body = get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200
        assert body["checks"]["delivery"]["ok"] is True, body
        assert slack.command("UALICE", "<@UBOB|bob> Check the invoices within 4h").status == 200
        card = wait_until(lambda: card_for(fake_slack, "Check the invoices"), "the card reached Bob")
        assert "asks you" in text_of(card)
        with sessions() as session:
            rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")))
        # Claimed and sent by the child, not by the process that filed it.
        assert [row.claimed_by.split(":")[-2] for row in rows] == [str(child)]
        if database_url.startswith("sqlite"):  # both take turns to write on the file lock
            assert Path(make_url(database_url).database + "-writer.lock").exists()
        code, _took = bot.stop(signal.SIGTERM, timeout=15)
    finally:
        bot.kill()
    assert code == 0, bot.output
    assert not running(child)
    assert "did not stop in time" not in bot.output, bot.output


def test_a_delivery_process_that_dies_is_started_again(database_url, fake_slack, tmp_path):
    bot, slack, port, child = start(database_url, fake_slack, tmp_path)
    try:
        os.kill(child, signal.SIGKILL)
        wait_until(lambda: not running(child), "the child died")
        [_started_again] = wait_until(
            lambda: [pid for pid in delivering(bot.process.pid) if pid != child and running(pid)],
            "a new delivery process",
            timeout=20,
        )
        assert "starting it again" in bot.output
        wait_until(lambda: get(f"http://127.0.0.1:{port}/readyz")[0] == 200, "ready again")
        assert slack.command("UALICE", "<@UBOB|bob> Renew the certificate within 4h").status == 200
        wait_until(lambda: card_for(fake_slack, "Renew the certificate"), "the card reached Bob")
    finally:
        bot.stop(signal.SIGTERM, timeout=15)


def test_the_delivery_process_never_outlives_its_parent(database_url, fake_slack, tmp_path):
    bot, _slack, _port, child = start(database_url, fake_slack, tmp_path)
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(timeout=10)
    # Its stdin ends with the parent: it stops as on SIGTERM, on its own.
    wait_until(lambda: not running(child), "the orphaned delivery process stopped", timeout=15)


def test_two_delivery_processes_take_turns_and_send_each_message_once(
    database_url, fake_slack, sessions, tmp_path
):
    bot, slack, _port = start_http_bot(
        database_url, fake_slack, tmp_path, LOG_LEVEL="INFO", KUNDENFOKUS_DELIVERY_PROCESSES="2"
    )
    try:
        children = wait_until(
            lambda: found if len(found := delivering(bot.process.pid)) == 2 else None,
            "both delivery processes started",
        )
        tasks = [f"Task number {number} for the twins" for number in range(8)]

        def posts_of(task: str) -> int:
            return sum(task in text_of(call.args) for call in fake_slack.calls_to("chat.postMessage"))

        for task in tasks:  # one after another: each filing's news wakes the next child in turn
            assert slack.command("UALICE", f"<@UBOB|bob> {task} within 4h").status == 200
            # Bob's card and Alice's card are two messages: either may go out first.
            wait_until(lambda task=task: posts_of(task) >= 2, f"both cards of {task!r} went out")
        for task in tasks:  # the card once, and the requester's card once: never twice
            assert posts_of(task) == 2, task
        assert all(card_for(fake_slack, task) for task in tasks)
        with sessions() as session:
            rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")))
        assert len(rows) == len(tasks) and {row.state for row in rows} == {"sent"}
        assert {row.claimed_by.split(":")[-2] for row in rows} == {str(pid) for pid in children}
        code, _took = bot.stop(signal.SIGTERM, timeout=15)
    finally:
        bot.kill()
    assert code == 0, bot.output
    assert not any(running(pid) for pid in children)


def test_each_announcement_wakes_one_child_in_turn(tmp_path):
    # Children that only write down each byte they are woken with, in a file named by their pid.
    listen = (
        "import os, sys\n"
        "with open(os.path.join(sys.argv[1], str(os.getpid())), 'ab', buffering=0) as out:\n"
        "    while chunk := os.read(0, 1):\n"
        "        out.write(chunk)\n"
    )
    children = DeliveryProcesses(
        2, env=dict(os.environ), command=[sys.executable, "-c", listen, str(tmp_path)]
    ).start()
    try:
        pids = children.pids
        for _ in range(6):
            children.wake()

        def woken() -> list[int]:
            return [
                len((tmp_path / str(pid)).read_bytes()) if (tmp_path / str(pid)).exists() else 0
                for pid in pids
            ]

        wait_until(lambda: sum(woken()) == 6, "six wake-ups arrived")
        assert woken() == [3, 3]
        # One that has gone is passed over: the other is woken every time.
        os.kill(pids[0], signal.SIGKILL)
        wait_until(lambda: not running(pids[0]), "the first child died")
        for _ in range(4):
            children.wake()
        wait_until(lambda: woken()[1] == 7, "the living child woken each time")
        assert woken() == [3, 7]
    finally:
        children.stop(timeout=5)
