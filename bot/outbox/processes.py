"""Delivery in processes of its own: ``kundenfokus run`` with ``KUNDENFOKUS_DELIVERY_PROCESSES=N``.

One Python process runs one thread at a time (the GIL). Beside the acks and the work after them,
rendering and sending every message kept that one core busy at about 60 filings a second; with the
delivery in its own process the two halves use two cores. The parent starts N ``kundenfokus deliver
--with-parent`` children and keeps them running:

* **Work is announced, not polled for.** After every commit that wrote outbox rows the parent writes a
  byte to one child's stdin, to each in turn (never blocking: a child whose pipe is full is passed
  over); the child wakes its dispatcher. Without it a child would find new rows only at its next poll.
* **A child never outlives its parent.** End of file on stdin — the parent stopped, even by SIGKILL —
  makes the child stop the way SIGTERM does: what it sends is finished, the rest handed back.
* **A child that dies is started again** (after 1 s, longer if it keeps dying), and until then
  ``/readyz`` says so. Stopping the parent stops the children with SIGTERM within the time left.

The outbox's guarantees do not change: the rows are claimed, sent once and recorded in the database,
as with replicas (``bot.outbox.worker``); on SQLite the processes take turns to write
(``models.db.WriterLock``).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence

logger = logging.getLogger(__name__)

#: Seconds before a child that exited is started again; doubled while it keeps dying soon after.
RESTART_AFTER = 1.0
MAX_RESTART_AFTER = 30.0
#: A child that ran at least this long died of something new: the next restart waits RESTART_AFTER again.
HEALTHY_AFTER = 60.0


class DeliveryProcesses:
    def __init__(self, count: int, *, env: Mapping[str, str], command: Sequence[str] | None = None) -> None:
        self.count = count
        self._env = dict(env)
        self._command = list(command or [sys.executable, "-m", "bot", "deliver", "--with-parent"])
        self._children: list[subprocess.Popen[bytes] | None] = [None] * count
        self._started_at = [0.0] * count
        self._restart_after = [RESTART_AFTER] * count
        self._turns = itertools.count()  # whose turn it is to be woken (next() is atomic under the GIL)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> DeliveryProcesses:
        with self._lock:
            for index in range(self.count):
                self._spawn(index)
        self._watcher = threading.Thread(target=self._watch, name="kf-delivery-watch", daemon=True)
        self._watcher.start()
        return self

    def _spawn(self, index: int) -> None:
        child = subprocess.Popen(self._command, env=self._env, stdin=subprocess.PIPE, close_fds=True)
        assert child.stdin is not None
        os.set_blocking(child.stdin.fileno(), False)
        self._children[index] = child
        self._started_at[index] = time.monotonic()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [child.pid for child in self._children if child is not None]

    def alive(self) -> bool:
        with self._lock:
            return all(child is not None and child.poll() is None for child in self._children)

    def wake(self) -> None:
        """There are new rows: a byte to one child, each in turn (the next one if that one is gone).

        One is enough: it claims what is pending. Woken all at once, all but the first to claim would
        find nothing left — an empty claim each, a write transaction on SQLite's one lock. Taking turns
        also spreads the work over the children. A child that is busy claims again as each of its sends
        finishes, so rows it leaves behind wait at most for that, or for another child's next wake-up
        or poll."""
        start = next(self._turns)
        for step in range(self.count):
            child = self._children[(start + step) % self.count]
            if child is None or child.stdin is None:
                continue
            try:
                os.write(child.stdin.fileno(), b"\n")
            except (OSError, ValueError):
                continue  # full (that child is not reading), closed, or gone: the next one
            return

    def _watch(self) -> None:
        due: dict[int, float] = {}
        while not self._stopping.wait(0.2):
            with self._lock:
                for index, child in enumerate(self._children):
                    if child is None or child.poll() is None or self._stopping.is_set():
                        continue
                    now = time.monotonic()
                    if index not in due:
                        ran = now - self._started_at[index]
                        if ran >= HEALTHY_AFTER:
                            self._restart_after[index] = RESTART_AFTER
                        due[index] = now + self._restart_after[index]
                        logger.warning(
                            "delivery process %s exited (%s) after %.0f s; starting it again in %.0f s",
                            child.pid,
                            child.returncode,
                            ran,
                            self._restart_after[index],
                        )
                        self._restart_after[index] = min(MAX_RESTART_AFTER, self._restart_after[index] * 2)
                    elif now >= due[index]:
                        del due[index]
                        with contextlib.suppress(OSError):
                            child.stdin.close()  # type: ignore[union-attr]
                        try:
                            self._spawn(index)
                        except OSError:
                            logger.exception("could not start a delivery process; trying again")
                            due[index] = now + self._restart_after[index]

    def stop(self, timeout: float) -> bool:
        """SIGTERM to every child (each finishes what it sends, hands back the rest); True if all exited
        in time. One that overruns is killed: what it claimed goes back to pending for the next one."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=1)
        deadline = time.monotonic() + timeout
        with self._lock:
            children = [child for child in self._children if child is not None]
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(OSError):
                    child.terminate()
        finished = True
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("delivery process %s did not stop in time; killing it", child.pid)
                child.kill()
                child.wait()
                finished = False
            with contextlib.suppress(OSError):
                if child.stdin is not None:
                    child.stdin.close()
        return finished
