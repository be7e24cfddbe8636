"""Filing a request from any surface (command, modal, shortcut): check, store, and say so — once.

Shared by the slash command and the modal so both apply the same checks in the same order. The people
are looked up first (that may ask Slack), then one transaction stores the request and writes its
messages to the outbox (the assignee's card, the requester's confirmation, App Home refreshes).

The clocks are the assignee's (``prepare``): the response time counts their working time on their own
calendar, urgent requests get the shortest response time (``bot.services.agreement.URGENT_RESPONSE``),
and a due date without a time is the end of that working day *for the assignee*, in their zone.
``due_check`` finds a due date that falls on a day the assignee does not work (or whose working day is
already over for them), so the text command can ask back instead of filing it silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.calendar import BusinessCalendar
from bot.domain.parsing import Deadline, Duration
from bot.domain.person import PersonInfo
from bot.domain.text import MAX_REQUEST_TEXT
from bot.outbox import news
from bot.outbox.news import Origin
from bot.services import absences as absence_service
from bot.services import calendars as calendar_service
from bot.services import deliveries
from bot.services import home as home_service
from bot.services import requests as request_service
from bot.services.agreement import response_due
from bot.services.requests import ServiceError
from models import Request
from models.db import group_commit, reading

logger = logging.getLogger(__name__)

#: Looked for this far around a day off for a working day to offer instead.
_SEARCH_DAYS = 30


@dataclass(frozen=True)
class Filing:
    team_id: str
    requester_id: str
    assignee_id: str
    text: str
    kind: str = "task"
    channel_id: str | None = None
    within: Duration | None = None
    #: As the requester meant it (a date-only deadline at the end of *their* day, in their zone).
    due: Deadline | None = None
    thread_channel_id: str | None = None
    thread_ts: str | None = None
    #: The Slack delivery that asked for it (a command's trigger_id): filed once however often it arrives.
    delivery_key: str | None = None
    urgent: bool = False
    #: Words of the text that look like a time but were not read as one: the confirmation names them.
    unread: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared:
    """A checked filing with its clocks on the assignee's calendar, ready to store."""

    filing: Filing
    text: str
    assignee: PersonInfo
    calendar: BusinessCalendar
    #: The response time counted on the assignee's calendar (before the due date caps it).
    respond_by: datetime
    due: Deadline | None
    #: Of the requester and the assignee, those who use App Home, read by ``prepare`` (not in the
    #: writing transaction: on SQLite that one holds the one write lock). None: read there after all.
    visitors: frozenset[str] | None = None

    @property
    def response_due_at(self) -> datetime:
        return _capped(self.respond_by, self.due)

    def with_due_day(self, day: date) -> Prepared:
        """The due date moved to ``day`` (the end of that working day for the assignee)."""
        return replace(self, due=Deadline(at=self.calendar.end_of_working_day(day), date_only=True))


def check_assignee(deps: Deps, *, team_id: str, requester_id: str, assignee_id: str) -> PersonInfo:
    """The person asked must exist, be a human, be active and not be the requester. Returns their info."""
    if not assignee_id:
        raise ServiceError("unknown_user")
    if assignee_id == requester_id:
        raise ServiceError("self_request")
    person = deps.people.get(team_id, assignee_id)
    if person is None:
        raise ServiceError("unknown_user")
    if person.is_bot:
        raise ServiceError("bot_user", user=assignee_id)
    if person.deleted:
        raise ServiceError("deleted_user", user=assignee_id)
    return person


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ServiceError("missing_text")
    if len(text) > MAX_REQUEST_TEXT:
        raise ServiceError("too_long", length=len(text), limit=MAX_REQUEST_TEXT)
    return text


def calendar_of(deps: Deps, team_id: str, user_id: str, tz: str | None) -> BusinessCalendar:
    """Someone's own business calendar as it is now (call it before a writing transaction)."""
    with reading(deps.sessions) as session:
        return calendar_service.personal_calendar(
            session, deps.settings, team_id=team_id, user_id=user_id, tz=tz
        )


def requester_zone(deps: Deps, filing: Filing) -> ZoneInfo:
    return deps.people.reader(filing.team_id, filing.requester_id).tz


def due_for_assignee(due: Deadline, *, requester_tz: ZoneInfo, calendar: BusinessCalendar) -> Deadline:
    """A named time stays the moment it is; a date means the end of that working day for the assignee."""
    if not due.date_only:
        return due
    day = due.at.astimezone(requester_tz).date()
    return Deadline(at=calendar.end_of_working_day(day), date_only=True)


def _capped(respond_by: datetime, due: Deadline | None) -> datetime:
    # An answer can't be due after the work itself.
    return due.at if due is not None and due.at < respond_by else respond_by


def prepare(deps: Deps, filing: Filing, *, now: datetime) -> Prepared:
    """Check the filing and work out its clocks on the assignee's calendar. Raises ServiceError."""
    text = check_text(filing.text)
    assignee = check_assignee(
        deps, team_id=filing.team_id, requester_id=filing.requester_id, assignee_id=filing.assignee_id
    )
    # Is the person asked away? Their Slack status is read again unless a recent read is trusted.
    deps.statuses.refresh(filing.team_id, filing.assignee_id)
    with reading(deps.sessions) as session:
        calendar = calendar_service.personal_calendar(
            session, deps.settings, team_id=filing.team_id, user_id=filing.assignee_id, tz=assignee.tz
        )
        visitors = home_service.visitors(
            session, team_id=filing.team_id, user_ids=[filing.requester_id, filing.assignee_id]
        )
    respond_by = response_due(
        deps.settings, tz=assignee.tz, now=now, within=filing.within, calendar=calendar, urgent=filing.urgent
    )
    due = (
        due_for_assignee(filing.due, requester_tz=requester_zone(deps, filing), calendar=calendar)
        if filing.due is not None
        else None
    )
    return Prepared(filing, text, assignee, calendar, respond_by, due, frozenset(visitors))


@dataclass(frozen=True)
class DueCheck:
    """Why a due date deserves a question: the assignee does not work that day, or it is over for them."""

    kind: Literal["holiday", "day_off", "over"]
    day: date  # the due date's day in the assignee's zone
    holiday: str | None  # the public holiday's name, if any (in the requester's language)
    #: A working day to offer instead: the one before (or, when that is past too, the next one).
    alternative: date | None


def due_check(prepared: Prepared, *, now: datetime, language: str = "en") -> DueCheck | None:
    due, calendar = prepared.due, prepared.calendar
    if due is None:
        return None
    day = calendar.local_business_day(due.at)

    def still_ahead(candidate: date) -> bool:
        return calendar.end_of_working_day(candidate) > now

    if due.at <= now:
        after = _working_day(calendar, day, +1, still_ahead)
        return DueCheck("over", day, None, after)
    if calendar.is_working_day(day):
        return None
    before = _working_day(calendar, day, -1, still_ahead) or _working_day(calendar, day, +1, still_ahead)
    if calendar.is_holiday(day):
        return DueCheck("holiday", day, calendar.holiday_name(day, language), before)
    return DueCheck("day_off", day, None, before)


def _working_day(calendar: BusinessCalendar, day: date, step: int, wanted) -> date | None:
    for offset in range(1, _SEARCH_DAYS):
        candidate = day + timedelta(days=offset * step)
        if calendar.is_working_day(candidate) and wanted(candidate):
            return candidate
    return None


def store(deps: Deps, prepared: Prepared, *, now: datetime, origin: Origin | None = None) -> Request | None:
    """Store the request and its messages, all or nothing. Returns None when this delivery was filed
    before (a retry, a second click). Filings stored at the same moment share one transaction
    (``models.db.GroupCommit``), each still all or nothing."""
    return group_commit(deps.sessions).run(
        lambda session: _store(session, deps, prepared, now=now, origin=origin)
    )


def _store(
    session: Session, deps: Deps, prepared: Prepared, *, now: datetime, origin: Origin | None
) -> Request | None:
    filing = prepared.filing
    if not deliveries.first_time(session, team_id=filing.team_id, key=filing.delivery_key, now=now):
        logger.info("request from delivery %s was filed already", filing.delivery_key)
        return None
    request = request_service.file_request(
        session,
        team_id=filing.team_id,
        requester_id=filing.requester_id,
        assignee_id=filing.assignee_id,
        text=prepared.text,
        kind=filing.kind,
        channel_id=filing.channel_id,
        now=now,
        response_due_at=prepared.response_due_at,
        due_at=prepared.due.at if prepared.due else None,
        due_date_only=bool(prepared.due and prepared.due.date_only),
        urgent=filing.urgent,
        thread_channel_id=filing.thread_channel_id,
        thread_ts=filing.thread_ts,
    )
    # Asked while away: the clocks agreed above pause for the absent working time. A new request has
    # no paused clock yet, so without an absence from now on there is nothing to move.
    if absence_service.away_after(session, team_id=filing.team_id, user_id=filing.assignee_id, since=now):
        absence_service.move_clocks(
            session,
            deps.settings,
            team_id=filing.team_id,
            user_id=filing.assignee_id,
            tz=prepared.assignee.tz,
            now=now,
            request_ids=[request.id],
        )
    news.filed(session, request, now=now, origin=origin, unread=filing.unread, visitors=prepared.visitors)
    return request


def file(deps: Deps, filing: Filing, *, now: datetime, origin: Origin | None = None) -> Request | None:
    """Check, then store the request and its messages in one transaction. Raises ServiceError; returns
    None when this delivery was filed before (a retry)."""
    return store(deps, prepare(deps, filing, now=now), now=now, origin=origin)
