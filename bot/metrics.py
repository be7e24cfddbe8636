"""Prometheus metrics for ``GET /metrics``: one registry per app instance, never the global default (the
tests run many bots in one process).

Where each number comes from:

- ``kundenfokus_requests_filed_total``, ``kundenfokus_state_changes_total{state}`` and
  ``kundenfokus_reminders_sent_total`` are read from the database when scraped (cached for a few
  seconds): the audit trail (``request_events``) and the reminders table. They are workspace-wide, so every
  replica reports the same value: aggregate with ``max``, not ``sum``. ``kundenfokus forget`` and
  retention delete history, which Prometheus reads as a counter reset.
- ``kundenfokus_slack_api_calls_total{method,outcome}``: this process's calls, counted in the Web API
  client (``slack_call``; ``bot.slack.make_web_client(on_call=...)``).
- ``kundenfokus_sweep_seconds``: this process's scheduler passes (``observe_sweep`` / ``time_sweep``).
- ``kundenfokus_outbox_pending`` and ``kundenfokus_outbox_oldest_seconds``: asked of the outbox when
  scraped (``set_outbox_probe``); absent until the outbox registers its probe.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, func, select

from bot.keepalive import KeptAliveWebClient
from bot.version import package_version
from models import Reminder, RequestEvent
from models.request import State

logger = logging.getLogger(__name__)

#: Audit-trail kinds that mean "the request entered this state" (a state's name is its event's kind).
STATE_EVENT_KINDS = frozenset(state.value for state in State)
#: The audit-trail kind of a newly filed request.
FILED_EVENT_KIND = "created"
_OUTCOME = re.compile(r"[a-z0-9_]{1,48}")
# The *_created series double every counter's lines and tell an operator nothing (process-wide setting).
disable_created_metrics()

SWEEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@dataclass(frozen=True)
class OutboxStatus:
    """What the outbox reports when scraped: rows waiting to be delivered, and the oldest one's age."""

    pending: int
    oldest_seconds: float = 0.0


OutboxProbe = Callable[[], OutboxStatus]


class Metrics:
    """Every metric Kundenfokus exposes, on its own registry.

    In-process numbers are recorded with ``slack_call``, ``observe_sweep`` / ``time_sweep``; the outbox
    gauges come from ``set_outbox_probe``; the request counters from ``count_from_database``.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._slack_calls = Counter(
            "kundenfokus_slack_api_calls",
            "Calls to Slack's Web API by this process, by method and outcome (ok, Slack's error code, "
            "or unreachable).",
            ["method", "outcome"],
            registry=self.registry,
        )
        self._sweep = Histogram(
            "kundenfokus_sweep_seconds",
            "Duration of one scheduler pass in this process: the reminder sweep, then any digests due.",
            buckets=SWEEP_BUCKETS,
            registry=self.registry,
        )
        self._outbox_probe: OutboxProbe | None = None
        self._database: _DatabaseCounts | None = None
        self.registry.register(_Collected(self))

    # --- recorded in process ---------------------------------------------------------------------

    def slack_call(self, method: str, outcome: str) -> None:
        """One Web API call finished: ``outcome`` is "ok", Slack's error code, or "unreachable"."""
        label = outcome if _OUTCOME.fullmatch(outcome) else "error"
        self._slack_calls.labels(method=method, outcome=label).inc()

    def observe_sweep(self, seconds: float) -> None:
        self._sweep.observe(seconds)

    def web_client_factory(self) -> Callable[..., WebClient]:
        """For ``bot.slack.make_web_client(client_factory=...)``: a client that counts every call."""
        return functools.partial(CountingWebClient, on_call=self.slack_call)

    @contextmanager
    def time_sweep(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.observe_sweep(time.monotonic() - started)

    # --- asked when scraped ----------------------------------------------------------------------

    def set_outbox_probe(self, probe: OutboxProbe | None) -> None:
        """The outbox's ``() -> OutboxStatus``, called at every scrape; keep it to one cheap query."""
        self._outbox_probe = probe

    def count_from_database(self, engine: Engine, *, max_age_seconds: float = 10.0) -> None:
        """Serve the request and reminder counters from this database (cached for ``max_age_seconds``)."""
        self._database = _DatabaseCounts(engine, max_age_seconds)

    # --- exposition ------------------------------------------------------------------------------

    def exposition(self) -> tuple[bytes, str]:
        """The body and content type of ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def _collect_extra(self) -> Iterable[Metric]:
        info = GaugeMetricFamily(
            "kundenfokus_build_info", "The running version (always 1).", labels=["version"]
        )
        info.add_metric([package_version()], 1)
        yield info
        filed = CounterMetricFamily(
            "kundenfokus_requests_filed", "Requests filed, workspace-wide (from the database)."
        )
        changes = CounterMetricFamily(
            "kundenfokus_state_changes",
            "Requests that entered a state, workspace-wide (from the audit trail).",
            labels=["state"],
        )
        reminders = CounterMetricFamily(
            "kundenfokus_reminders_sent", "Reminders delivered, workspace-wide (from the database)."
        )
        counts = self._database.read() if self._database is not None else None
        if counts is not None:
            filed.add_metric([], counts.filed)
            for state, count in sorted(counts.state_changes.items()):
                changes.add_metric([state], count)
            reminders.add_metric([], counts.reminders_sent)
        yield from (filed, changes, reminders)
        pending = GaugeMetricFamily(
            "kundenfokus_outbox_pending", "Outbox rows waiting to be delivered to Slack."
        )
        oldest = GaugeMetricFamily(
            "kundenfokus_outbox_oldest_seconds",
            "Age of the oldest outbox row still waiting (0 when none waits).",
        )
        status = self._outbox_status()
        if status is not None:
            pending.add_metric([], status.pending)
            oldest.add_metric([], status.oldest_seconds)
        yield from (pending, oldest)

    def _outbox_status(self) -> OutboxStatus | None:
        if self._outbox_probe is None:
            return None
        try:
            return self._outbox_probe()
        except Exception:
            logger.warning("metrics: the outbox probe failed", exc_info=logger.isEnabledFor(logging.DEBUG))
            return None


class CountingWebClient(KeptAliveWebClient):
    """slack_sdk's client, reporting each finished call as (method, "ok" | Slack's error code |
    "unreachable"); retries inside the SDK count as one call with its final outcome."""

    def __init__(self, *, on_call: Callable[[str, str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_call = on_call

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            self._on_call(api_method, str(error.response.get("error") or "error"))
            raise
        except OSError:
            self._on_call(api_method, "unreachable")
            raise
        self._on_call(api_method, "ok")
        return response


class _Collected(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self._metrics._collect_extra()


@dataclass(frozen=True)
class _Counts:
    filed: int
    state_changes: dict[str, int]
    reminders_sent: int


class _DatabaseCounts:
    """Two cheap queries per scrape at most every ``max_age`` seconds; the last answer if the database is
    away (it shows in /readyz)."""

    def __init__(self, engine: Engine, max_age: float) -> None:
        self._engine = engine
        self._max_age = max_age
        self._lock = threading.Lock()
        self._cached: _Counts | None = None
        self._read_at = float("-inf")

    def read(self) -> _Counts | None:
        with self._lock:
            if time.monotonic() - self._read_at < self._max_age:
                return self._cached
            try:
                self._cached = self._query()
            except Exception:
                logger.debug("metrics: database counts unavailable", exc_info=True)
            self._read_at = time.monotonic()
            return self._cached

    def _query(self) -> _Counts:
        kinds = sorted({*STATE_EVENT_KINDS, FILED_EVENT_KIND})
        with self._engine.connect() as connection:
            by_kind = dict(
                connection.execute(
                    select(RequestEvent.kind, func.count())
                    .where(RequestEvent.kind.in_(kinds))
                    .group_by(RequestEvent.kind)
                ).all()
            )
            sent = connection.execute(
                select(func.count()).select_from(Reminder).where(Reminder.state == "sent")
            ).scalar_one()
        filed = int(by_kind.pop(FILED_EVENT_KIND, 0))
        return _Counts(
            filed=filed, state_changes={k: int(v) for k, v in by_kind.items()}, reminders_sent=sent
        )
