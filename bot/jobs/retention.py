"""Retention: the words of requests closed more than ``KUNDENFOKUS_RETENTION_DAYS`` ago are removed.

Texts, reasons, notes, comments and every other field the privacy registry marks ``retention`` become
the placeholder; states, times, scores and counts stay, so the digest and its trend do not change.

The scheduler calls ``retention_job`` every minute; each process does the work on its first tick of
every day (in the workspace time zone), in batches of requests, one short transaction each. Several
processes at once are safe: on PostgreSQL an advisory lock lets one of them work at a time (the others
leave it to that one), on SQLite the single writer orders them, and every change is idempotent — a
second pass finds nothing left to remove.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.deps import Deps
from bot.services.privacy import claim_retention, remove_expired_texts, retention_cutoff
from models.db import transaction

logger = logging.getLogger(__name__)

#: The day each database (by its session factory, i.e. per process) last had its retention pass.
_last_pass: WeakKeyDictionary[sessionmaker[Session], date] = WeakKeyDictionary()


@dataclass
class RetentionReport:
    cutoff: datetime
    #: Closed requests looked at (older than the cutoff).
    requests: int = 0
    #: ``table.column`` → rows whose words were removed.
    changed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: Another process held the retention lock: it does the work.
    busy: bool = False

    def line(self) -> str:
        if self.busy:
            return "retention: another process is removing texts"
        changes = ", ".join(f"{key} {count}" for key, count in sorted(self.changed.items())) or "nothing"
        return (
            f"retention: {self.requests} requests closed before {self.cutoff.isoformat()} looked at; "
            f"texts removed: {changes}"
        )


def run_retention(
    sessions: sessionmaker[Session], *, now: datetime, days: int, batch: int = 500
) -> RetentionReport:
    """One full pass over the requests closed more than ``days`` before ``now``."""
    report = RetentionReport(cutoff=retention_cutoff(now, days))
    after_id = 0
    while True:
        with transaction(sessions) as session:
            if not claim_retention(session):
                report.busy = True
                return report
            result = remove_expired_texts(session, now=now, days=days, after_id=after_id, batch=batch)
        if result.last_id is None:
            return report
        report.requests += result.requests
        for key, count in result.changed.items():
            report.changed[key] += count
        after_id = result.last_id


def retention_job(deps: Deps, now: datetime) -> RetentionReport | None:
    """The scheduler's periodic job: nothing unless retention is configured and today's pass is due."""
    days = deps.settings.retention_days
    if days is None:
        return None
    today = now.astimezone(ZoneInfo(deps.settings.timezone)).date()
    if _last_pass.get(deps.sessions) == today:
        return None
    # Marked before the pass: one that fails is logged by the scheduler and tried again tomorrow,
    # not every minute.
    _last_pass[deps.sessions] = today
    report = run_retention(deps.sessions, now=now, days=days)
    if report.changed or report.busy:
        logger.info(report.line())
    return report
