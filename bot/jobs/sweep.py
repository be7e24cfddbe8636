"""The reminder sweep: ``kundenfokus sweep [--at ISO] [--dry-run]`` and the scheduler's job are this code.

One pass: plan what the ladder says is due (``bot.services.reminders.plan_batch``), claim it under a
lease, post ONE message per recipient, record the outcome. Safe with any number of processes at once:
see ``bot.services.reminders`` for the claim protocol and ``docs/reminders.md`` for the semantics.

Slack: 429 (Retry-After) and 500/503 are retried inside slack_sdk's retry handlers (the sweep's client
always has them); what is still failing afterwards goes back to ``pending`` with a back-off. Permanent
errors (user gone, account inactive, archived channel) are recorded on the row and never block the rest.
"""

from __future__ import annotations

import logging
import os
import socket
import time as time_module
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.reminders import ReminderItem, reminder_message
from bot.clock import Clock
from bot.config import Settings
from bot.deps import Deps
from bot.people import (
    PERSON_TTL,
    PersonInfo,
    lookup_person,
    person_info,
    reader_for_person,
    workspace_language,
)
from bot.services import reminders as reminder_service
from bot.services.agreement import calendar_for
from bot.services.reminders import LEASE, Claimed
from bot.slack import make_web_client
from models import Person
from models.db import transaction

logger = logging.getLogger(__name__)

#: Slack errors that will not go away by trying again: recorded on the row, never retried.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


@dataclass(frozen=True)
class SweepLine:
    """One reminder in the sweep's output: whom, which request, which step, what happened."""

    outcome: str
    team_id: str
    number: int
    step: str
    recipient_id: str
    recipient_name: str

    def __str__(self) -> str:
        return (
            f"{self.outcome:<10} {self.team_id} #{self.number:<6} {self.step:<9} "
            f"-> {self.recipient_id} ({self.recipient_name})"
        )


@dataclass
class SweepReport:
    now: datetime
    dry_run: bool = False
    looked_at: int = 0
    planned: int = 0
    messages: int = 0
    lines: list[SweepLine] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)


class People:
    """Cached person look-ups for one sweep (time zone, locale, still active?).

    Fresh rows from the ``people`` cache are used as they are; stale or unknown people are asked of
    Slack (users.info). If Slack cannot be reached, a stale row — or the workspace defaults — is better
    than skipping a reminder. With ``sessions`` each look-up that stores something commits on its own,
    before the sweep's writing transactions begin (several sweeps may store the same person at the same
    moment: the loser reads the winner's row); without, everything happens in the caller's session.
    """

    def __init__(
        self, client: WebClient | None, now: datetime, sessions: sessionmaker[Session] | None = None
    ) -> None:
        self._client = client
        self._now = now
        self._sessions = sessions
        self._known: dict[tuple[str, str], PersonInfo | None] = {}
        self._languages: dict[str, str] = {}

    def prefetch(self, session: Session, pairs: Iterable[tuple[str, str]]) -> None:
        missing = [pair for pair in pairs if pair not in self._known]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            for row in session.scalars(
                select(Person).where(tuple_(Person.team_id, Person.user_id).in_(chunk))
            ):
                if self._now - row.fetched_at < PERSON_TTL:
                    self._known[(row.team_id, row.user_id)] = person_info(row)
        for team_id, user_id in missing:
            if (team_id, user_id) not in self._known:
                self._known[(team_id, user_id)] = self._fetch(session, team_id, user_id)

    def _fetch(self, session: Session, team_id: str, user_id: str) -> PersonInfo | None:
        for _attempt in range(2 if self._client is not None else 0):
            try:
                if self._sessions is None:
                    return lookup_person(
                        session, self._client, team_id=team_id, user_id=user_id, now=self._now
                    )
                with transaction(self._sessions) as own:
                    return lookup_person(own, self._client, team_id=team_id, user_id=user_id, now=self._now)
            except IntegrityError:
                continue  # stored by another sweep just now; the next attempt reads it
            except Exception:
                logger.warning("could not look up %s; using what is known", user_id, exc_info=True)
                break
        row = session.get(Person, (team_id, user_id))
        if row is not None:
            return person_info(row)
        return PersonInfo(user_id, user_id, None, None, None, is_bot=False, deleted=False)

    def language(self, session: Session, settings: Settings, team_id: str) -> str:
        """The workspace's default language, looked up once per sweep."""
        if team_id not in self._languages:
            self._languages[team_id] = workspace_language(session, settings, team_id)
        return self._languages[team_id]

    def __call__(self, session: Session, team_id: str, user_id: str) -> PersonInfo | None:
        if (team_id, user_id) not in self._known:
            self.prefetch(session, [(team_id, user_id)])
        return self._known[(team_id, user_id)]


def with_retries(client: WebClient) -> WebClient:
    """The given client if it retries 429 and 5xx by itself, else one that does (same token and URL)."""
    kinds = {type(handler) for handler in client.retry_handlers}
    if {RateLimitErrorRetryHandler, ServerErrorRetryHandler} <= kinds:
        return client
    return make_web_client(client.token or "", client.base_url)


def _worker_id() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _is_transient(error: SlackApiError) -> bool:
    status = getattr(error.response, "status_code", 200)
    return status == 429 or status >= 500 or error.response.get("error") in TRANSIENT_ERRORS


@dataclass
class _Prepared:
    """A recipient's message, rendered, with the rows it covers."""

    team_id: str
    recipient_id: str
    name: str
    rows: list[Claimed]
    numbers: dict[int, int]
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None  #: a permanent problem known before posting (the person is gone)


def _prepare(
    session: Session,
    deps: Deps,
    people: People,
    rows: list[Claimed],
    *,
    now: datetime,
    worker: str,
    write: bool,
) -> _Prepared | None:
    """Re-check the claimed rows against the requests as they are now, then render one message."""
    team_id, recipient_id = rows[0].team_id, rows[0].recipient_id
    verdicts = reminder_service.review(session, rows, now=now)
    for reason in {v.reason for v in verdicts.values() if not v.send}:
        ids = [r.id for r in rows if not verdicts[r.id].send and verdicts[r.id].reason == reason]
        logger.info("reminders %s no longer wanted (%s)", ids, reason)
        if write:
            reminder_service.mark_skipped(session, ids, worker=worker, reason=reason)
    wanted = [r for r in rows if verdicts[r.id].send]
    if not wanted:
        return None
    numbers = {r.id: verdicts[r.id].request.number for r in wanted}  # type: ignore[union-attr]
    person = people(session, team_id, recipient_id)
    if person is None or not person.usable:
        name = person.name if person is not None else recipient_id
        error = "user_not_found" if person is None else "account_inactive"
        return _Prepared(team_id, recipient_id, name, wanted, numbers, failure=error)
    today = calendar_for(deps.settings, person.tz).local_business_day(now).isoformat()
    stale = [r.id for r in wanted if r.day_key != today]
    if stale:
        # Its business day is over (a sweep died and nobody took over in time): plan afresh.
        logger.info("reminders %s belong to a past day; re-planning", stale)
        if write:
            reminder_service.release_stale(session, stale, worker=worker, now=now)
        wanted = [r for r in wanted if r.day_key == today]
        if not wanted:
            return None
    reader = reader_for_person(person, deps.settings, people.language(session, deps.settings, team_id))
    items = [ReminderItem(verdicts[r.id].request, r.step, r.key) for r in wanted]  # type: ignore[arg-type]
    text, blocks = reminder_message(items, reader)
    return _Prepared(team_id, recipient_id, person.name, wanted, numbers, text, blocks)


def _lines(prepared: _Prepared, outcome: str) -> list[SweepLine]:
    return [
        SweepLine(
            outcome,
            prepared.team_id,
            prepared.numbers[row.id],
            row.step,
            prepared.recipient_id,
            prepared.name,
        )
        for row in prepared.rows
    ]


def _post(client: WebClient, prepared: _Prepared) -> tuple[str, str]:
    channel = client.conversations_open(users=prepared.recipient_id)["channel"]["id"]
    response = client.chat_postMessage(
        channel=channel, text=prepared.text, blocks=prepared.blocks, unfurl_links=False
    )
    return response["channel"], response["ts"]


def _deliver(
    deps: Deps,
    client: WebClient,
    people: People,
    rows: list[Claimed],
    *,
    now: datetime,
    worker: str,
    lease_now: Callable[[], datetime],
    lease: timedelta,
) -> tuple[list[SweepLine], bool]:
    """One recipient: confirm ownership, render, post, record. Returns the lines and whether a message went out."""
    with deps.sessions() as session:  # before the writing transaction (SQLite has one writer)
        people.prefetch(session, {(rows[0].team_id, rows[0].recipient_id)})
    with transaction(deps.sessions) as session:
        owned = reminder_service.renew(
            session, [r.id for r in rows], worker=worker, lease_now=lease_now(), lease=lease
        )
        rows = [r for r in rows if r.id in owned]
        prepared = _prepare(session, deps, people, rows, now=now, worker=worker, write=True) if rows else None
    if prepared is None:
        return [], False
    error: str | None = prepared.failure
    permanent = error is not None
    channel = ts = ""
    if error is None:
        try:
            channel, ts = _post(client, prepared)
        except SlackApiError as failure:
            error = str(failure.response.get("error") or "unknown_error")
            permanent = not _is_transient(failure)
            log = logger.warning if permanent else logger.error
            log("reminder to %s failed: %s", prepared.recipient_id, error)
        except Exception as failure:  # connection trouble that outlived the SDK's retries
            error, permanent = type(failure).__name__, False
            logger.exception("reminder to %s failed", prepared.recipient_id)
    with transaction(deps.sessions) as session:
        if error is None:
            reminder_service.mark_sent(
                session,
                [r.id for r in prepared.rows],
                worker=worker,
                at=now,
                channel_id=channel,
                message_ts=ts,
            )
            return _lines(prepared, "sent"), True
        retry_at = now + timedelta(minutes=2 ** max(r.attempts for r in prepared.rows))
        reminder_service.mark_failed(
            session, prepared.rows, worker=worker, error=error, permanent=permanent, retry_at=retry_at
        )
    return _lines(prepared, f"failed ({error})" if permanent else f"retry ({error})"), False


def run_sweep(
    deps: Deps,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    lease: timedelta = LEASE,
    wall: Clock | None = None,
    worker: str | None = None,
    look_up_people: bool = True,
) -> SweepReport:
    """One reminder pass as if the time were ``now``; returns one line per reminder (sent or not).

    ``wall`` is the clock leases are measured on (the deps' clock by default), so a sweep ``--at`` a
    simulated time never steals the claims of a sweep running in real time. A dry run with
    ``look_up_people=False`` asks Slack nothing and uses the cached profiles (or the workspace defaults).
    """
    now = now or deps.now()
    wall = wall or deps.clock
    wall_start, started = wall(), time_module.monotonic()

    def lease_now() -> datetime:
        return wall_start + timedelta(seconds=time_module.monotonic() - started)

    worker = worker or _worker_id()
    client = with_retries(deps.client)
    report = SweepReport(now=now, dry_run=dry_run)
    if dry_run:
        people = People(client if look_up_people else None, now)
        _dry_run(deps, people, report, now=now, lease_now=lease_now(), worker=worker)
        return report
    people = People(client, now, deps.sessions)
    cursor = None
    while True:
        with transaction(deps.sessions) as session:
            batch = reminder_service.plan_batch(
                session, settings=deps.settings, now=now, people=people, after=cursor
            )
        if batch.cursor is None:
            break
        cursor = batch.cursor
        report.looked_at += batch.looked_at
        report.planned += batch.planned
    while True:
        with transaction(deps.sessions) as session:
            claimed = reminder_service.claim(
                session, now=now, lease_now=lease_now(), worker=worker, lease=lease
            )
        if not claimed:
            break
        for _key, group in groupby(claimed, key=lambda row: (row.team_id, row.recipient_id)):
            lines, posted = _deliver(
                deps, client, people, list(group), now=now, worker=worker, lease_now=lease_now, lease=lease
            )
            report.lines += lines
            report.messages += posted
    return report


def _dry_run(
    deps: Deps, people: People, report: SweepReport, *, now: datetime, lease_now: datetime, worker: str
) -> None:
    """Plan and look, in one transaction that is rolled back: nothing is stored, nothing is sent."""
    session = deps.sessions()
    try:
        session.begin()
        cursor = None
        while True:
            batch = reminder_service.plan_batch(
                session, settings=deps.settings, now=now, people=people, after=cursor
            )
            if batch.cursor is None:
                break
            cursor = batch.cursor
            report.looked_at += batch.looked_at
            report.planned += batch.planned
        rows = reminder_service.claimable(session, now=now, lease_now=lease_now)
        for _key, group in groupby(rows, key=lambda row: (row.team_id, row.recipient_id)):
            prepared = _prepare(session, deps, people, list(group), now=now, worker=worker, write=False)
            if prepared is not None:
                report.lines += _lines(prepared, "would send")
                report.messages += 1
    finally:
        session.rollback()
        session.close()


def sweep_job(deps: Deps, now: datetime) -> SweepReport:
    """The scheduler's periodic job (``bot.scheduler.periodic_jobs``)."""
    report = run_sweep(deps, now)
    if report.lines:
        logger.info("sweep at %s: %s", now.isoformat(), ", ".join(str(line) for line in report.lines))
    return report
