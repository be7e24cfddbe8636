"""Work after the ack: a bounded pool that never shares threads with the acks.

Bolt answers Slack on the server's request threads (``process_before_response=True``): a listener
validates the payload and calls ``ack()`` — nothing else. The work that follows (people look-ups, the
service transaction that writes the change and its outbox rows, opening a modal) is handed to this pool,
so however long it takes, no other request's ack waits for it. ``PRIORITY_NOW`` work (opening a modal
within Slack's 3-second trigger window, refusing a click) runs before the rest.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: Someone is looking at their screen (a modal must open within Slack's 3-second trigger window).
NOW = 0
NORMAL = 1

Task = Callable[[], Any]


class WorkQueue:
    def __init__(
        self,
        threads: int,
        *,
        name: str = "kf-work",
        on_error: Callable[[BaseException, str], None] | None = None,
    ) -> None:
        self._threads_wanted = threads
        self._name = name
        self._queue: queue.PriorityQueue[tuple[int, int, str, Task | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._idle = threading.Condition()
        self._accepting = True
        self._started = False
        self._on_error = on_error

    def start(self) -> WorkQueue:
        if not self._started:
            self._started = True
            for index in range(self._threads_wanted):
                thread = threading.Thread(target=self._run, name=f"{self._name}-{index}", daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def submit(self, task: Task, *, priority: int = NORMAL, label: str = "") -> None:
        """Queue ``task``; exceptions are logged with their traceback (and reported to ``on_error``)."""
        if not self._started:
            self.start()
        if not self._accepting:
            raise RuntimeError("the bot is shutting down")
        with self._idle:
            self._busy += 1
        self._queue.put((priority, next(self._order), label, task))

    @property
    def pending(self) -> int:
        with self._idle:
            return self._busy

    def _run(self) -> None:
        while True:
            _priority, _order, label, task = self._queue.get()
            if task is None:
                return
            try:
                task()
            except BaseException as error:  # a bug in one task must not stop the others
                logger.exception("work after the ack failed (%s)", label or "task")
                if self._on_error is not None:
                    try:
                        self._on_error(error, label)
                    except Exception:
                        logger.exception("reporting a failure failed")
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def stop(self, timeout: float = 8.0) -> bool:
        """Take no more work, finish what is queued and running (up to ``timeout``)."""
        self._accepting = False
        finished = self.wait_idle(timeout)
        for _ in self._threads:
            self._queue.put((99, next(self._order), "", None))
        deadline = time.monotonic() + 1
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return finished
