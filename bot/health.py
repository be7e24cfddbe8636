"""Liveness and readiness: ``GET /healthz`` (the process answers) and ``GET /readyz`` (it can do its work).

``Health`` holds named readiness checks; each returns a ``CheckResult`` (or a bool) and is run on every
``/readyz``, so a database that comes back makes the bot ready again without a restart. A check that
raises counts as failed. A change of a check's state is logged once (not on every probe).

The health WSGI app also serves ``GET /metrics``; in HTTP mode it sits beside ``POST /slack/events``, in
Socket Mode it is the whole of the small server on ``--health-port``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from bot import migrate
from bot.metrics import Metrics
from bot.version import package_version

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
HEALTH_PATHS = ("/healthz", "/readyz", "/metrics")


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


Check = Callable[[], "CheckResult | bool"]


class Health:
    """Named readiness checks. ``add_check("outbox", lambda: CheckResult(True, "12 pending"))``."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._last: dict[str, bool] = {}
        self._lock = threading.Lock()
        self.started = time.monotonic()

    def add_check(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def alive(self) -> dict[str, Any]:
        return {
            "ok": True,
            "version": package_version(),
            "uptime_seconds": round(time.monotonic() - self.started),
        }

    def ready(self) -> tuple[bool, dict[str, Any]]:
        results = {name: self._run(name, check) for name, check in list(self._checks.items())}
        ok = all(result.ok for result in results.values())
        body = {
            "ok": ok,
            "checks": {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
        }
        return ok, body

    def _run(self, name: str, check: Check) -> CheckResult:
        try:
            outcome = check()
            result = outcome if isinstance(outcome, CheckResult) else CheckResult(bool(outcome), "")
        except Exception as error:
            logger.debug("readiness check %s raised", name, exc_info=True)
            result = CheckResult(False, f"check failed ({type(error).__name__})")
        with self._lock:
            before = self._last.get(name)
            self._last[name] = result.ok
        if before is not None and before != result.ok:
            if result.ok:
                logger.info("ready again: %s: %s", name, result.detail)
            else:
                logger.warning("not ready: %s: %s", name, result.detail)
        elif before is None and not result.ok:
            logger.warning("not ready: %s: %s", name, result.detail)
        return result


# --- the standard checks -------------------------------------------------------------------------


def database_check(engine: Engine) -> Check:
    def check() -> CheckResult:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            return CheckResult(False, f"unreachable ({_reason(error)})")
        return CheckResult(True, "reachable")

    return check


def schema_check(engine: Engine) -> Check:
    """Behind this version's newest revision: not ready. Ahead of it (``migrate`` ran for a newer version
    during a rolling upgrade): still ready — this replica keeps serving until it is replaced."""
    head = migrate.head_revision()
    known = migrate.known_revisions()

    def check() -> CheckResult:
        try:
            current = migrate.current_revision(engine)
        except Exception as error:
            return CheckResult(False, f"unknown ({_reason(error)})")
        if current == head:
            return CheckResult(True, f"at {head}")
        if current is not None and current not in known:
            return CheckResult(True, f"at {current}, newer than this version's {head}: upgrade this replica")
        return CheckResult(False, f"at {current or 'no revision'}, needs {head}: run kundenfokus migrate")

    return check


def socket_mode_check(is_connected: Callable[[], bool]) -> Check:
    def check() -> CheckResult:
        return CheckResult(True, "connected") if is_connected() else CheckResult(False, "not connected")

    return check


def stopping_check(is_stopping: Callable[[], bool]) -> Check:
    def check() -> CheckResult:
        return CheckResult(False, "shutting down") if is_stopping() else CheckResult(True, "running")

    return check


def standard_health(engine: Engine) -> Health:
    health = Health()
    health.add_check("database", database_check(engine))
    health.add_check("schema", schema_check(engine))
    return health


def _reason(error: BaseException) -> str:
    """A short, credential-free reason: the first line of the driver's words, or the error's type."""
    original = getattr(error, "orig", None) or error
    first = (str(original).strip().splitlines() or [""])[0]
    if "connection refused" in first.lower():
        return "connection refused"
    if "does not exist" in first.lower():
        return first.rpartition("FATAL:")[2].strip()[:120]
    return type(original).__name__


# --- WSGI ------------------------------------------------------------------------------------------


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [payload]


def health_response(
    path: str, start_response: StartResponse, health: Health, metrics: Metrics
) -> Iterable[bytes]:
    """Answer one of ``HEALTH_PATHS``."""
    if path == "/healthz":
        return _json(start_response, "200 OK", health.alive())
    if path == "/readyz":
        ok, body = health.ready()
        return _json(start_response, "200 OK" if ok else "503 Service Unavailable", body)
    payload, content_type = metrics.exposition()
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
    return [payload]


def make_health_app(health: Health, metrics: Metrics) -> Callable[..., Iterable[bytes]]:
    """The small WSGI app of the health port: /healthz, /readyz, /metrics and nothing else."""

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path in HEALTH_PATHS and method in ("GET", "HEAD"):
            return health_response(path, start_response, health, metrics)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]

    return wsgi
