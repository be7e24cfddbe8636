"""Stopping in phases within a budget: the order the callbacks run in, and a callback that hangs."""

from __future__ import annotations

import threading
import time

from bot.lifecycle import Lifecycle, Phase


def test_callbacks_run_phase_by_phase_in_registration_order():
    lifecycle = Lifecycle(budget_seconds=5)
    ran: list[str] = []
    lifecycle.on_stop(lambda: ran.append("engine"), name="engine", phase=Phase.CLOSE)
    lifecycle.on_stop(lambda: ran.append("outbox"), name="outbox")  # DRAIN by default
    lifecycle.on_stop(lambda: ran.append("listeners"), name="listeners", phase=Phase.IN_FLIGHT)
    lifecycle.on_stop(lambda: ran.append("http"), name="http", phase=Phase.INTAKE)
    lifecycle.on_stop(lambda: ran.append("scheduler"), name="scheduler", phase=Phase.IN_FLIGHT)
    assert not lifecycle.stopping
    assert lifecycle.stop() is True
    assert ran == ["http", "listeners", "scheduler", "outbox", "engine"]
    assert lifecycle.stopping


def test_a_hanging_or_failing_callback_is_left_behind_and_the_rest_still_runs():
    lifecycle = Lifecycle(budget_seconds=0.5)
    release = threading.Event()
    closed = threading.Event()
    lifecycle.on_stop(release.wait, name="stuck delivery", phase=Phase.DRAIN)
    lifecycle.on_stop(lambda: 1 / 0, name="broken", phase=Phase.DRAIN)
    lifecycle.on_stop(closed.set, name="engine", phase=Phase.CLOSE)
    started = time.monotonic()
    assert lifecycle.stop() is False
    assert time.monotonic() - started < 2
    assert lifecycle.unfinished == ["stuck delivery", "broken"]
    assert closed.is_set()  # after the budget a callback gets no time, but it is still started
    release.set()


def test_a_stop_requested_from_another_thread_ends_the_wait():
    lifecycle = Lifecycle()
    threading.Timer(0.1, lifecycle.request_stop, args=("test",)).start()
    started = time.monotonic()
    lifecycle.wait()
    assert time.monotonic() - started < 2 and 0 < lifecycle.time_left() <= lifecycle.budget_seconds
