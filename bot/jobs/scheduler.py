"""The ticker inside ``kundenfokus run``: APScheduler 3 runs ``tick`` every minute (UTC, coalesced,
one instance at a time). Each periodic job is safe to run from several processes at once; the jobs
themselves claim their work in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.deps import Deps

logger = logging.getLogger(__name__)

Job = Callable[[Deps, datetime], object]


def periodic_jobs() -> list[tuple[str, Job]]:
    """The jobs each tick runs, in order. Feature modules are listed here explicitly."""
    jobs: list[tuple[str, Job]] = []
    from bot.jobs.tokens import tokens_job

    jobs.append(("tokens", tokens_job))
    from bot.jobs.sweep import sweep_job

    jobs.append(("reminders", sweep_job))
    from bot.jobs.digest import digest_job

    jobs.append(("digest", digest_job))
    from bot.jobs.retention import retention_job

    jobs.append(("retention", retention_job))
    return jobs


def tick(deps: Deps, now: datetime | None = None) -> None:
    """One pass of every periodic job at ``now`` (the clock's time by default). A failing job is
    logged and does not stop the others."""
    moment = now or deps.now()
    for name, job in periodic_jobs():
        try:
            job(deps, moment)
        except Exception:
            logger.exception("periodic job %s failed at %s", name, moment.isoformat())


def start_scheduler(deps: Deps, *, interval_seconds: int = 60) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=interval_seconds, timezone="UTC"),
        args=[deps],
        id="kundenfokus-tick",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=300,
        replace_existing=True,
    )
    scheduler.start()
    logger.info("scheduler started: a tick every %s seconds", interval_seconds)
    return scheduler
