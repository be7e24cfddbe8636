"""The reminder sweep: ``kundenfokus sweep [--at ISO] [--dry-run]`` and the scheduler's job are this code.

One pass: plan what the ladder says is due (``bot.services.reminders.plan_batch``) and queue it in the
outbox, ONE message per recipient (``queue_due``), then the teams' reminders of requests nobody has taken
(``bot.services.team_reminders``; their lines show the step ``team``); the outbox's delivery workers
render, send and record it. Safe with any number of processes at once — see ``bot.services.reminders`` and ``docs/reminders.md``.

The people a batch concerns are looked up *before* its planning transaction (a look-up may ask Slack and
store what it learnt); planning itself only reads what was looked up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.person import PersonInfo
from bot.people import MemoryLookup, lookup_person, person_info
from bot.services import reminders as reminder_service
from bot.services import team_reminders
from bot.services.agreement import calendar_for
from models import OutboxMessage, Person, Request
from models.db import reading, transaction
from models.reminder import Reminder

logger = logging.getLogger(__name__)


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
    #: Messages queued (one per recipient), or in a dry run: that would be.
    messages: int = 0
    lines: list[SweepLine] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    #: The team reminders queued (outbox id, what it is about): one line per request each.
    team_reminders: list[tuple[int, team_reminders.TeamReminder]] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)


def run_sweep(
    deps: Deps,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    look_up_people: bool = True,
    deliver: bool = False,
    timeout: float = 120.0,
) -> SweepReport:
    """One reminder pass as if the time were ``now``.

    Without ``deliver`` it queues the messages and returns (the running bot's delivery workers, woken by
    the commit, send them). With ``deliver`` it waits until they are sent — delivering them itself when no
    workers run in this process — and reports one line per reminder. A dry run with
    ``look_up_people=False`` asks Slack nothing and uses the cached profiles (or the workspace defaults).
    """
    now = now or deps.now()
    report = SweepReport(now=now, dry_run=dry_run)
    if dry_run:
        # With OAuth a dry run reads the cached profiles only (no workspace's token is needed).
        client = deps.client if look_up_people and deps.installations is None else None
        _dry_run(deps, report, now=now, client=client)
        return report
    # Uninstalled (or, with OAuth, never installed) workspaces are left alone: nothing is planned or
    # queued for them, so nothing piles up while the app is away.
    paused = deps.paused_teams()
    lookup = MemoryLookup(deps.people)
    cursor = None
    while True:
        with reading(deps.sessions) as session:
            pairs = reminder_service.due_people(session, now=now, after=cursor, skip_teams=paused)
        deps.people.prefetch(pairs)
        # Re-read the Slack status of whoever a reminder may reach (a recent read is trusted).
        deps.statuses.refresh_many(pairs)
        with transaction(deps.sessions) as session:
            batch = reminder_service.plan_batch(
                session, settings=deps.settings, now=now, people=lookup, after=cursor, skip_teams=paused
            )
        if batch.cursor is None:
            break
        cursor = batch.cursor
        report.looked_at += batch.looked_at
        report.planned += batch.planned
    while True:
        with transaction(deps.sessions) as session:
            queued = reminder_service.queue_due(session, now=now, skip_teams=paused)
        if not queued:
            break
        report.outbox_ids += queued
    with transaction(deps.sessions) as session:
        # Team requests nobody has taken yet: the team hears of them (at most once a business day each).
        report.team_reminders = team_reminders.queue_team_reminders(
            session, settings=deps.settings, now=now, skip_teams=paused
        )
    report.outbox_ids += [outbox_id for outbox_id, _reminder in report.team_reminders]
    report.messages = len(report.outbox_ids)
    if deliver and report.outbox_ids:
        _deliver(deps, report, timeout=timeout)
    return report


def _deliver(deps: Deps, report: SweepReport, *, timeout: float) -> None:
    started_here = not deps.outbox.running
    if started_here:
        deps.outbox.start()
    try:
        deps.outbox.wait_for(report.outbox_ids, timeout=timeout)
        if started_here:
            deps.outbox.settle(timeout=10)  # and what followed from them (redraws)
    finally:
        if started_here:
            deps.outbox.stop()
    with reading(deps.sessions) as session:
        rows = session.execute(
            select(Reminder, Request.number, Person.name)
            .join(Request, Request.id == Reminder.request_id)
            .outerjoin(
                Person, (Person.team_id == Reminder.team_id) & (Person.user_id == Reminder.recipient_id)
            )
            .where(Reminder.outbox_id.in_(report.outbox_ids))
            .order_by(Reminder.team_id, Reminder.recipient_id, Reminder.id)
        ).all()
    for reminder, number, name in rows:
        outcome = {"sent": "sent", "queued": "queued"}.get(reminder.state)
        if outcome is None:
            outcome = f"{reminder.state} ({reminder.error})" if reminder.error else reminder.state
        report.lines.append(
            SweepLine(
                outcome,
                reminder.team_id,
                number,
                reminder.step,
                reminder.recipient_id,
                name or reminder.recipient_id,
            )
        )
    _team_lines(deps, report)


#: The step a team reminder shows in the sweep's lines.
TEAM_STEP = "team"


def _numbers_and_names(
    session: Session, reminders: list[team_reminders.TeamReminder]
) -> tuple[dict[int, int], dict[tuple[str, str], str]]:
    ids = {request_id for reminder in reminders for request_id in reminder.request_ids}
    numbers = dict(session.execute(select(Request.id, Request.number).where(Request.id.in_(ids))).all())
    names: dict[tuple[str, str], str] = {}
    for reminder in reminders:
        person = session.get(Person, (reminder.team_id, reminder.recipient))
        names[(reminder.team_id, reminder.recipient)] = (person.name if person else "") or reminder.recipient
    return numbers, names


def _team_lines(deps: Deps, report: SweepReport) -> None:
    """One line per request of each team reminder (to a member or an intake channel), as delivered."""
    if not report.team_reminders:
        return
    with reading(deps.sessions) as session:
        rows = {
            row.id: row
            for row in session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_([i for i, _r in report.team_reminders]))
            )
        }
        numbers, names = _numbers_and_names(session, [reminder for _i, reminder in report.team_reminders])
    for outbox_id, reminder in sorted(
        report.team_reminders, key=lambda item: (item[1].team_id, item[1].recipient)
    ):
        row = rows.get(outbox_id)
        state = row.state if row is not None else "gone"
        outcome = "sent" if state == "sent" else (f"{state} ({row.error})" if row and row.error else state)
        for request_id in reminder.request_ids:
            if request_id in numbers:
                report.lines.append(
                    SweepLine(
                        outcome,
                        reminder.team_id,
                        numbers[request_id],
                        TEAM_STEP,
                        reminder.recipient,
                        names[(reminder.team_id, reminder.recipient)],
                    )
                )


class _DryPeople:
    """People for a dry run: read (and, with a client, fetched) inside the rolled-back session."""

    def __init__(self, client: WebClient | None, now: datetime) -> None:
        self._client, self._now = client, now
        self._known: dict[tuple[str, str], PersonInfo | None] = {}

    def prefetch(self, session: Session, pairs: object) -> None:
        """Looked up one by one when asked."""

    def __call__(self, session: Session, team_id: str, user_id: str) -> PersonInfo | None:
        key = (team_id, user_id)
        if key not in self._known:
            person: PersonInfo | None
            if self._client is not None:
                try:
                    person = lookup_person(
                        session, self._client, team_id=team_id, user_id=user_id, now=self._now
                    )
                except Exception:
                    logger.warning("could not look up %s; using what is known", user_id, exc_info=True)
                    row = session.get(Person, key)
                    person = person_info(row) if row is not None else None
            else:
                row = session.get(Person, key)
                person = person_info(row) if row is not None else None
            if person is None and self._client is None:
                person = PersonInfo(user_id, user_id, None, None, None, is_bot=False, deleted=False)
            self._known[key] = person
        return self._known[key]


def _dry_run(deps: Deps, report: SweepReport, *, now: datetime, client: WebClient | None) -> None:
    """Plan and look, in one transaction that is rolled back: nothing is stored, nothing is sent."""
    people = _DryPeople(client, now)
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
        rows = reminder_service.due_now(session, now=now)
        for (team_id, recipient_id), group in groupby(rows, key=lambda row: (row.team_id, row.recipient_id)):
            group = list(group)
            verdicts = reminder_service.review(session, group, now=now)
            person = people(session, team_id, recipient_id)
            if person is None or not person.usable:
                continue
            today = calendar_for(deps.settings, person.tz).local_business_day(now).isoformat()
            wanted = [row for row in group if verdicts[row.id].send and row.day_key == today]
            if not wanted:
                continue
            report.messages += 1
            for row in wanted:
                request = verdicts[row.id].request
                assert request is not None
                report.lines.append(
                    SweepLine("would send", team_id, request.number, row.step, recipient_id, person.name)
                )
        # The teams' reminders of requests nobody has taken yet (not those already sent today).
        planned = team_reminders.unsent(
            session, team_reminders.plan_team_reminders(session, settings=deps.settings, now=now)
        )
        numbers, names = _numbers_and_names(session, planned)
        for reminder in sorted(planned, key=lambda item: (item.team_id, item.recipient)):
            report.messages += 1
            if reminder.recipient[:1] not in ("C", "G"):  # a member, named as the ladder's lines are
                person = people(session, reminder.team_id, reminder.recipient)
                if person is not None and person.name:
                    names[(reminder.team_id, reminder.recipient)] = person.name
            for request_id in reminder.request_ids:
                report.lines.append(
                    SweepLine(
                        "would send",
                        reminder.team_id,
                        numbers[request_id],
                        TEAM_STEP,
                        reminder.recipient,
                        names[(reminder.team_id, reminder.recipient)],
                    )
                )
    finally:
        session.rollback()
        session.close()


def sweep_job(deps: Deps, now: datetime) -> SweepReport:
    """The scheduler's periodic job (``bot.jobs.scheduler.periodic_jobs``)."""
    report = run_sweep(deps, now)
    if report.messages:
        logger.info("sweep at %s: %s reminder message(s) queued", now.isoformat(), report.messages)
    return report
