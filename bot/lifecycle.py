"""Stopping gracefully: SIGTERM or SIGINT, then everything in order, within a time budget.

``kundenfokus run`` waits in ``Lifecycle.wait()``; a signal (or ``request_stop()``) ends the wait and
``stop()`` runs the registered callbacks phase by phase, each phase in registration order:

1. ``INTAKE`` — stop taking work: the HTTP server stops accepting and answers what it has; the Socket
   Mode connection is closed.
2. ``IN_FLIGHT`` — finish what was started: the listeners still working after their ack, and a
   scheduler tick that is running (no new tick starts).
3. ``DRAIN`` (the default of ``on_stop``) — hand over what is buffered in this process, e.g. the outbox
   delivering what it claimed or handing it back; nothing new is produced here any more.
4. ``CLOSE`` — release resources: the health server, the database engine.

Every callback runs on its own thread and gets ``time_left()`` seconds at most (a tenth of a second
even past the budget); one that overruns is logged and left behind, so the process exits soon after the
budget (Docker's and Kubernetes' default grace period is 10 s, the budget defaults to 8 s).
"""

from __future__ import annotations

import enum
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DEFAULT_BUDGET_SECONDS = 8.0
#: Even past the budget each callback gets this long (closing an engine takes a moment, not seconds).
MINIMUM_SECONDS = 0.1


class Phase(enum.IntEnum):
    INTAKE = 1
    IN_FLIGHT = 2
    DRAIN = 3
    CLOSE = 4


StopCallback = Callable[[], object]


@dataclass(frozen=True)
class _Registered:
    phase: Phase
    name: str
    callback: StopCallback


class Lifecycle:
    def __init__(self, *, budget_seconds: float = DEFAULT_BUDGET_SECONDS) -> None:
        self.budget_seconds = budget_seconds
        self._callbacks: list[_Registered] = []
        self._stop_requested = threading.Event()
        self._deadline: float | None = None
        self._signals = 0
        self.unfinished: list[str] = []

    # --- registering --------------------------------------------------------------------------

    def on_stop(self, callback: StopCallback, *, name: str, phase: Phase = Phase.DRAIN) -> None:
        """Run ``callback()`` when the process stops. It may take ``time_left()`` seconds at most."""
        self._callbacks.append(_Registered(phase, name, callback))

    # --- stopping -----------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop_requested.is_set()

    def request_stop(self, reason: str = "asked to stop", *, quiet: bool = False) -> None:
        """Thread-safe and idempotent; also what the signal handlers call."""
        if not self._stop_requested.is_set():
            self._deadline = time.monotonic() + self.budget_seconds
            if not quiet:
                logger.info("stopping (%s): finishing work in progress", reason)
            self._stop_requested.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop gracefully; a second signal while stopping ends the process at once."""

        def handle(signum: int, _frame: object) -> None:
            self._signals += 1
            if self._signals > 1:
                logger.warning("second %s: stopping immediately", signal.Signals(signum).name)
                logging.shutdown()
                os._exit(1)
            self.request_stop(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def wait(self) -> None:
        """Block (the main thread) until a stop is requested; signals are handled meanwhile."""
        while not self._stop_requested.wait(0.5):
            pass

    def time_left(self) -> float:
        if self._deadline is None:
            return self.budget_seconds
        return max(0.0, self._deadline - time.monotonic())

    def stop(self, *, quiet: bool = False) -> bool:
        """Run every callback, phase by phase. True when all finished in time and without error.
        ``quiet``: after a failed start, say nothing unless something goes wrong."""
        self.request_stop(quiet=quiet)
        ordered = sorted(self._callbacks, key=lambda registered: registered.phase)  # stable: keeps order
        self._callbacks = []
        for registered in ordered:
            self._run(registered)
        if self.unfinished:
            logger.warning("stopped; not finished in time or failed: %s", ", ".join(self.unfinished))
            return False
        if not quiet:
            logger.info("stopped")
        return True

    def _run(self, registered: _Registered) -> None:
        failed: list[BaseException] = []

        def target() -> None:
            try:
                registered.callback()
            except BaseException as error:
                failed.append(error)

        thread = threading.Thread(target=target, name=f"stop-{registered.name}", daemon=True)
        thread.start()
        thread.join(max(self.time_left(), MINIMUM_SECONDS))
        if thread.is_alive():
            logger.warning("stop: %s did not finish in time", registered.name)
            self.unfinished.append(registered.name)
        elif failed:
            logger.error(
                "stop: %s failed: %s",
                registered.name,
                type(failed[0]).__name__,
                exc_info=failed[0] if logger.isEnabledFor(logging.DEBUG) else None,
            )
            self.unfinished.append(registered.name)
        else:
            logger.debug("stop: %s done", registered.name)
