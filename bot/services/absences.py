"""Absences: who is away, until when, who stands in — and what that does to their clocks.

Where an absence comes from:

* **Slack status** (``source='slack'``): a status whose emoji or words mean "away"
  (``KUNDENFOKUS_AWAY_EMOJI`` / ``KUNDENFOKUS_AWAY_WORDS``), until its ``status_expiration`` (or until
  further notice). Read with ``users.profile.get`` (``bot.statuses``) and kept current on
  ``user_status_changed``; ``record_status`` stores what a read said.
* **Planned** (``source='planned'``): ``/request away until 2026-12-28 [deputy @carol]``, all of that day
  included; ``/request back`` ends every current absence (a Slack status still saying "vacation" then
  counts only once it changes).

What absence changes (``move_clocks``): away time is closed time on the person's calendar
(``BusinessCalendar.away``), so each clock of an active request assigned to them moves by exactly the
absent working time between the moment it paused and the moment it now falls due. The agreed clocks are
kept (``paused_clocks``): a changed absence (back early, longer away) moves them again from what was
agreed; a clock changed otherwise (a proposal, a hand-over) starts afresh from its new value. No reminder
reaches someone while they are away (their calendar is closed then); reminders about their overdue
requests go to their deputy, who may take them over (``take_over_as_deputy``); the requester may ask the
deputy instead (``ask_deputy``).

Services never call Slack and take ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, exc, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.absence import end_of_local_day, last_day_away, status_says_away
from bot.domain.calendar import BusinessCalendar
from bot.services import calendars as calendar_service
from bot.services.agreement import zone_or_default
from bot.services.requests import NotAllowed, NotNow, Outcome, ServiceError, load, record
from models import ACTIVE_STATES, Absence, PausedClock, Request, State, StatusCheck
from models.db import connection_for

SLACK = "slack"
PLANNED = "planned"
#: A Slack status read this recently is trusted; older, it is read again before a reminder goes out.
STATUS_FRESH = timedelta(minutes=10)
#: The longest planned absence (beyond, it is no absence but a change of job).
MAX_AWAY_DAYS = 366


@dataclass(frozen=True)
class AbsenceInfo:
    """Someone's absence as others see it: until when (exclusive; None: until further notice) and who
    stands in."""

    user_id: str
    until: datetime | None
    deputy_id: str | None
    sources: frozenset[str] = field(default_factory=frozenset)

    def last_day(self, tz: ZoneInfo) -> date | None:
        """The last local day away (None: until further notice)."""
        return last_day_away(self.until, tz) if self.until is not None else None


def _current(now: datetime):
    return (Absence.starts_at <= now) & or_(Absence.ends_at.is_(None), Absence.ends_at > now)


def current(session: Session, *, team_id: str, user_id: str, now: datetime) -> list[Absence]:
    """The person's absences that hold at ``now``."""
    return list(
        session.scalars(
            select(Absence)
            .where(Absence.team_id == team_id, Absence.user_id == user_id, _current(now))
            .order_by(Absence.id)
        )
    )


def _info(user_id: str, rows: list[Any]) -> AbsenceInfo | None:
    """From absences (rows or their source, ends_at and deputy_id)."""
    if not rows:
        return None
    ends = [row.ends_at for row in rows]
    until = None if any(end is None for end in ends) else max(end for end in ends if end is not None)
    planned = [row for row in rows if row.source == PLANNED and row.deputy_id]
    deputy = planned[-1].deputy_id if planned else None
    return AbsenceInfo(user_id, until, deputy, frozenset(row.source for row in rows))


def absence_of(session: Session, *, team_id: str, user_id: str, now: datetime) -> AbsenceInfo | None:
    """Is the person away at ``now``; if so until when, and who is their deputy."""
    rows = connection_for(session).execute(_ABSENCE_OF, {"team_id": team_id, "user_id": user_id, "now": now})
    return _info(user_id, list(rows))


#: ``absence_of``'s query, built once (every card and confirmation asks it): the columns ``_info`` reads.
_ABSENCE_OF = (
    select(Absence.source, Absence.ends_at, Absence.deputy_id)
    .where(
        Absence.team_id == bindparam("team_id"),
        Absence.user_id == bindparam("user_id"),
        _current(bindparam("now", type_=Absence.starts_at.type)),
    )
    .order_by(Absence.id)
)


def is_away(session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """The predicate teams use (``present`` is its negation): away at ``now``."""
    return bool(
        session.scalar(
            select(Absence.id)
            .where(Absence.team_id == team_id, Absence.user_id == user_id, _current(now))
            .limit(1)
        )
    )


def absences_of(
    session: Session, pairs: Iterable[tuple[str, str]], *, now: datetime
) -> dict[tuple[str, str], AbsenceInfo]:
    """Many people's current absences in one query per 500 (the sweep's batch); the present are left out."""
    wanted = sorted(set(pairs))
    rows: dict[tuple[str, str], list[Absence]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        asked = set(chunk)
        for row in session.scalars(
            select(Absence)
            .where(
                Absence.team_id.in_({team for team, _ in chunk}),
                Absence.user_id.in_({user for _, user in chunk}),
                _current(now),
            )
            .order_by(Absence.id)
        ):
            if (row.team_id, row.user_id) in asked:
                rows.setdefault((row.team_id, row.user_id), []).append(row)
    found = {}
    for pair, mine in rows.items():
        info = _info(pair[1], mine)
        if info is not None:
            found[pair] = info
    return found


def intervals(
    session: Session, *, team_id: str, user_id: str, since: datetime, now: datetime, tz: ZoneInfo
) -> tuple[tuple[datetime, datetime], ...]:
    """The person's absences that reach past ``since``, as closed ``[start, end)`` intervals. One without
    an end counts until the end of today (their local day): it is re-read before anything is due again,
    and every read that still says "away" moves the clocks on."""
    provisional = end_of_local_day(now.astimezone(tz).date(), tz)
    found = []
    for row in session.scalars(
        select(Absence).where(
            Absence.team_id == team_id,
            Absence.user_id == user_id,
            or_(Absence.ends_at.is_(None), Absence.ends_at > since),
        )
    ):
        end = row.ends_at if row.ends_at is not None else max(provisional, row.starts_at)
        if end > row.starts_at:
            found.append((row.starts_at, end))
    return tuple(sorted(found))


def intervals_of(
    session: Session, pairs: Iterable[tuple[str, str]], *, now: datetime
) -> dict[tuple[str, str], tuple[tuple[datetime, datetime], ...]]:
    """Many people's absences from ``now`` on (the sweep's batch), as closed intervals; one without an
    end counts for a day (the status is read again before then)."""
    wanted = sorted(set(pairs))
    found: dict[tuple[str, str], list[tuple[datetime, datetime]]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        asked = set(chunk)
        for row in session.scalars(
            select(Absence).where(
                Absence.team_id.in_({team for team, _ in chunk}),
                Absence.user_id.in_({user for _, user in chunk}),
                or_(Absence.ends_at.is_(None), Absence.ends_at > now),
            )
        ):
            pair = (row.team_id, row.user_id)
            if pair in asked:
                end = row.ends_at if row.ends_at is not None else max(now, row.starts_at) + timedelta(days=1)
                found.setdefault(pair, []).append((row.starts_at, end))
    return {pair: tuple(sorted(spans)) for pair, spans in found.items()}


def present_calendar(
    session: Session, settings: Settings, *, team_id: str, user_id: str, tz: str | None, now: datetime
) -> BusinessCalendar:
    """The person's calendar with their absences (from ``now`` on) closed: reminders to them and every
    clock counted from now see their away time as time they do not work."""
    calendar = calendar_service.personal_calendar(session, settings, team_id=team_id, user_id=user_id, tz=tz)
    return calendar.away(
        intervals(session, team_id=team_id, user_id=user_id, since=now, now=now, tz=calendar.tz)
    )


# --- the clocks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """A request whose clocks ``move_clocks`` changed: from what they were to what they are."""

    request: Request
    response_due_at: tuple[datetime, datetime]
    due_at: tuple[datetime | None, datetime | None]

    @property
    def slipped(self) -> bool:
        """The absence made a promise later than it was."""
        before_r, after_r = self.response_due_at
        before_d, after_d = self.due_at
        return after_r > before_r or (before_d is not None and after_d is not None and after_d > before_d)


def _moved(
    moment: datetime | None, *, since: datetime, calendar: BusinessCalendar, away: BusinessCalendar
) -> datetime | None:
    """``moment`` moved by the absent working time between ``since`` and when it now falls due: the same
    working time of the person's calendar is left from ``since`` once their away time is taken out."""
    if moment is None or moment <= since:
        return moment
    left = calendar.business_time_between(since, moment)
    if away.business_time_between(since, moment) == left:
        return moment  # no absent working time before it
    moved = away.add_business_time(since, left)
    # A time after working hours (a named 18:00) stays after hours where that adds no working time.
    after_hours = moment - calendar.add_business_time(since, left)
    if after_hours and calendar.business_time_between(moved, moved + after_hours) == timedelta(0):
        return moved + after_hours
    return moved


def away_after(session: Session, *, team_id: str, user_id: str, since: datetime) -> bool:
    """Has the person an absence that reaches past ``since``? (One indexed look-up; when not, a request
    just filed has no clock to move: ``move_clocks`` would find nothing to do.)"""
    found = connection_for(session).execute(
        _AWAY_AFTER, {"team_id": team_id, "user_id": user_id, "since": since}
    )
    return found.first() is not None


#: ``away_after``'s query, built once (it runs for every request filed).
_AWAY_AFTER = (
    select(Absence.id)
    .where(
        Absence.team_id == bindparam("team_id"),
        Absence.user_id == bindparam("user_id"),
        or_(Absence.ends_at.is_(None), Absence.ends_at > bindparam("since")),
    )
    .limit(1)
)


def move_clocks(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    tz: str | None,
    now: datetime,
    request_ids: Iterable[int] | None = None,
) -> list[Moved]:
    """Move the clocks of every active request assigned to the person (or of ``request_ids``) by their
    absent working time (or back, when the absence got shorter). Returns what moved."""
    calendar = calendar_service.personal_calendar(session, settings, team_id=team_id, user_id=user_id, tz=tz)
    query = select(Request).where(
        Request.team_id == team_id,
        Request.assignee_id == user_id,
        Request.state.in_(ACTIVE_STATES),
    )
    if request_ids is not None:
        query = query.where(Request.id.in_(list(request_ids)))
    requests = list(session.scalars(query.order_by(Request.id).with_for_update()))
    if not requests:
        return []
    paused = {
        row.request_id: row
        for row in session.scalars(
            select(PausedClock).where(PausedClock.request_id.in_([request.id for request in requests]))
        )
    }
    moved: list[Moved] = []
    for request in requests:
        row = paused.get(request.id)
        if row is not None and (
            row.assignee_id != user_id
            or row.moved_response_due_at != request.response_due_at
            or row.moved_due_at != request.due_at
        ):
            session.delete(row)  # changed by something else since: those are the agreed clocks now
            row = None
        if row is None:
            since = now  # the clocks pause from here on
            agreed_response, agreed_due = request.response_due_at, request.due_at
        else:
            since, agreed_response, agreed_due = row.since, row.agreed_response_due_at, row.agreed_due_at
        away = calendar.away(
            intervals(session, team_id=team_id, user_id=user_id, since=since, now=now, tz=calendar.tz)
        )
        new_response = _moved(agreed_response, since=since, calendar=calendar, away=away)
        new_due = _moved(agreed_due, since=since, calendar=calendar, away=away)
        assert new_response is not None
        if new_due is not None and new_due < new_response:
            new_response = new_due  # an answer can't be due after the work itself
        before = (request.response_due_at, request.due_at)
        if (new_response, new_due) == (agreed_response, agreed_due):
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                PausedClock(
                    request_id=request.id,
                    assignee_id=user_id,
                    since=since,
                    agreed_response_due_at=agreed_response,
                    agreed_due_at=agreed_due,
                    moved_response_due_at=new_response,
                    moved_due_at=new_due,
                )
            )
        else:
            row.moved_response_due_at, row.moved_due_at = new_response, new_due
        if (new_response, new_due) != before:
            request.response_due_at, request.due_at = new_response, new_due
            request.updated_at = now
            record(
                session,
                request,
                kind="clocks_paused",
                actor_id=None,
                now=now,
                before={"response_due_at": _iso(before[0]), "due_at": _iso(before[1])},
                after={"response_due_at": _iso(new_response), "due_at": _iso(new_due)},
            )
            moved.append(Moved(request, (before[0], new_response), (before[1], new_due)))
    session.flush()
    return moved


def _absence_changed(
    session: Session, settings: Settings, *, team_id: str, user_id: str, tz: str | None, now: datetime
) -> list[Moved]:
    """An absence began, changed or ended: the clocks move, and the person's requests (both sides, and
    so their deputy's reminders) are planned afresh on the calendar as it is now."""
    moved = move_clocks(session, settings, team_id=team_id, user_id=user_id, tz=tz, now=now)
    calendar_service.replan(session, team_id=team_id, user_id=user_id, now=now)
    return moved


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- Slack status ----------------------------------------------------------------------------------------


def says_away(settings: Settings, *, text: str, emoji: str) -> bool:
    return status_says_away(
        text or "", emoji or "", words=settings.away_word_list, emoji_codes=settings.away_emoji_set
    )


def status_fresh(session: Session, *, team_id: str, user_id: str, now: datetime) -> bool:
    """Was the person's Slack status read within ``STATUS_FRESH``?"""
    check = session.get(StatusCheck, (team_id, user_id))
    return check is not None and timedelta(0) <= now - check.checked_at < STATUS_FRESH


def stale_statuses(
    session: Session, pairs: Iterable[tuple[str, str]], *, now: datetime
) -> set[tuple[str, str]]:
    """Those of ``pairs`` whose status was not read within ``STATUS_FRESH``."""
    wanted = set(pairs)
    return wanted - set(fresh_statuses(session, wanted, now=now))


def fresh_statuses(
    session: Session, pairs: Iterable[tuple[str, str]], *, now: datetime
) -> dict[tuple[str, str], datetime]:
    """Those of ``pairs`` whose status was read within ``STATUS_FRESH``, with when it was read."""
    wanted = set(pairs)
    fresh: dict[tuple[str, str], datetime] = {}
    for start in range(0, len(wanted), 500):
        chunk = sorted(wanted)[start : start + 500]
        for check in session.scalars(
            select(StatusCheck).where(
                StatusCheck.team_id.in_({team for team, _ in chunk}),
                StatusCheck.user_id.in_({user for _, user in chunk}),
                StatusCheck.checked_at > now - STATUS_FRESH,
            )
        ):
            if (check.team_id, check.user_id) in wanted:
                fresh[(check.team_id, check.user_id)] = check.checked_at
    return fresh


@dataclass(frozen=True)
class Change:
    """What a status read or an away/back command changed."""

    user_id: str
    changed: bool
    absence: AbsenceInfo | None
    moved: list[Moved] = field(default_factory=list)


def record_status(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    text: str,
    emoji: str,
    expiration: int | float | None,
    tz: str | None,
    now: datetime,
) -> Change:
    """What the person's Slack status says now (from ``users.profile.get`` or ``user_status_changed``):
    an absence begins, changes its end, or ends; their clocks follow."""
    away = says_away(settings, text=text, emoji=emoji)
    expires = datetime.fromtimestamp(float(expiration), UTC) if expiration else None
    if expires is not None and expires <= now:
        away = False  # an expired status reads as cleared
    check = session.get(StatusCheck, (team_id, user_id), with_for_update=True)
    if check is None:
        try:
            with session.begin_nested():
                session.add(StatusCheck(team_id=team_id, user_id=user_id, checked_at=now, away=away))
        except exc.IntegrityError:  # read at the same moment elsewhere (the event and a sweep)
            check = session.get(StatusCheck, (team_id, user_id), with_for_update=True, populate_existing=True)
    if check is not None:
        check.checked_at, check.away = now, away
    rows = [row for row in current(session, team_id=team_id, user_id=user_id, now=now) if row.source == SLACK]
    changed = False
    if away:
        if not rows:
            if not _dismissed(session, team_id=team_id, user_id=user_id, expires=expires, now=now):
                session.add(
                    Absence(
                        team_id=team_id,
                        user_id=user_id,
                        source=SLACK,
                        starts_at=now,
                        ends_at=expires,
                        expires_at=expires,
                        created_at=now,
                        updated_at=now,
                    )
                )
                changed = True
        elif rows[-1].expires_at != expires:
            rows[-1].ends_at = rows[-1].expires_at = expires
            rows[-1].updated_at = now
            changed = True
        elif expires is None:
            changed = True  # until further notice: the clocks move on to the end of today
    else:
        for row in rows:
            row.ends_at, row.updated_at = now, now
            changed = True
    session.flush()
    moved = (
        _absence_changed(session, settings, team_id=team_id, user_id=user_id, tz=tz, now=now)
        if changed
        else []
    )
    return Change(user_id, changed, absence_of(session, team_id=team_id, user_id=user_id, now=now), moved)


def _dismissed(
    session: Session, *, team_id: str, user_id: str, expires: datetime | None, now: datetime
) -> bool:
    """The person said "back" while this very status was set: it does not make them away again."""
    latest = session.scalars(
        select(Absence)
        .where(Absence.team_id == team_id, Absence.user_id == user_id, Absence.source == SLACK)
        .order_by(Absence.id.desc())
        .limit(1)
    ).first()
    return latest is not None and latest.ended_early and latest.expires_at == expires


# --- planned: /request away, /request back ----------------------------------------------------------------


def plan_absence(
    session: Session,
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    until: date,
    deputy_id: str | None,
    tz: str | None,
    now: datetime,
) -> Change:
    """``/request away until <day> [deputy @x]``: away from now through all of ``until`` (local day).
    A new announcement replaces the one before."""
    zone = ZoneInfo(zone_or_default(tz, settings))
    today = now.astimezone(zone).date()
    if until < today:
        raise ServiceError("away_past", day=until.isoformat())
    if (until - today).days > MAX_AWAY_DAYS:
        raise ServiceError("away_too_long", days=MAX_AWAY_DAYS)
    if deputy_id == user_id:
        raise ServiceError("deputy_self")
    for row in current(session, team_id=team_id, user_id=user_id, now=now):
        if row.source == PLANNED:
            row.ends_at, row.updated_at = now, now
    ends = end_of_local_day(until, zone)
    session.add(
        Absence(
            team_id=team_id,
            user_id=user_id,
            source=PLANNED,
            starts_at=now,
            ends_at=ends,
            expires_at=ends,
            deputy_id=deputy_id,
            created_at=now,
            updated_at=now,
        )
    )
    session.flush()
    moved = _absence_changed(session, settings, team_id=team_id, user_id=user_id, tz=tz, now=now)
    return Change(user_id, True, absence_of(session, team_id=team_id, user_id=user_id, now=now), moved)


def come_back(
    session: Session, settings: Settings, *, team_id: str, user_id: str, tz: str | None, now: datetime
) -> Change:
    """``/request back`` (``zurück``, App Home): every current absence ends now; the clocks move back to
    what the absence so far leaves of them."""
    rows = current(session, team_id=team_id, user_id=user_id, now=now)
    if not rows:
        raise NotNow("not_away")
    for row in rows:
        row.ends_at, row.updated_at, row.ended_early = now, now, True
    session.flush()
    moved = _absence_changed(session, settings, team_id=team_id, user_id=user_id, tz=tz, now=now)
    return Change(user_id, True, None, moved)


# --- the deputy -----------------------------------------------------------------------------------------


def deputies_of(
    session: Session, pairs: Iterable[tuple[str, str]], *, now: datetime
) -> dict[tuple[str, str], str]:
    """(team, person) -> their deputy, for those of ``pairs`` who are away with one."""
    return {
        pair: info.deputy_id for pair, info in absences_of(session, pairs, now=now).items() if info.deputy_id
    }


def overdue(request: Request, now: datetime) -> bool:
    """A promise already missed: the first answer (while open) or the due date."""
    if request.state not in ACTIVE_STATES:
        return False
    if request.state == State.OPEN.value and request.response_due_at <= now:
        return True
    return request.due_at is not None and request.due_at <= now


def deputy_still_wanted(session: Session, request: Request, deputy_id: str, now: datetime) -> bool:
    """Right before a deputy's reminder goes out: still overdue, its assignee still away, and this the
    deputy?"""
    if not overdue(request, now):
        return False
    info = absence_of(session, team_id=request.team_id, user_id=request.assignee_id, now=now)
    return info is not None and info.deputy_id == deputy_id


def _hand_to(
    session: Session,
    request: Request,
    *,
    deputy_id: str,
    actor_id: str,
    now: datetime,
    kind: str,
    state: State,
    response_due_at: datetime | None,
) -> Outcome:
    previous_state, previous_assignee = request.state, request.assignee_id
    previous_message = (request.assignee_channel_id, request.assignee_message_ts)
    paused = session.get(PausedClock, request.id)
    if paused is not None:
        # The deputy is here: the absence no longer holds the clocks up.
        if paused.moved_due_at == request.due_at:
            request.due_at = paused.agreed_due_at
        session.delete(paused)
    request.assignee_id = deputy_id
    request.snoozed_until = None
    request.assignee_channel_id = request.assignee_message_ts = None
    if state is State.ACKNOWLEDGED:
        request.acknowledged_at = request.acknowledged_at or now
    else:
        request.acknowledged_at = None
    if response_due_at is not None:
        request.response_due_at = response_due_at
    if request.due_at is not None and request.due_at < request.response_due_at:
        request.response_due_at = request.due_at
    request.state = state.value
    request.updated_at = now
    detail = {
        "from_assignee_id": previous_assignee,
        "to_assignee_id": deputy_id,
        "via": "deputy",
        "response_due_at": _iso(request.response_due_at),
        "due_at": _iso(request.due_at),
    }
    event = record(
        session, request, kind=kind, actor_id=actor_id, now=now, previous_state=previous_state, **detail
    )
    session.flush()
    outcome = Outcome(
        request=request,
        kind=kind,
        actor_id=actor_id,
        previous_state=previous_state,
        detail=dict(detail),
        event_id=event.id,
    )
    outcome.detail["previous_message"] = previous_message
    return outcome


def may_take_over_as_deputy(session: Session, request: Request, actor_id: str, now: datetime) -> bool:
    """The deputy of the request's absent assignee may take it over (while the request is active)."""
    if request.is_closed:
        return False
    info = absence_of(session, team_id=request.team_id, user_id=request.assignee_id, now=now)
    return info is not None and info.deputy_id == actor_id


def take_over_as_deputy(
    session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime
) -> Outcome:
    """The deputy takes a request of the absent person over: it is theirs now, as acknowledged (taking
    it over is the answer), with the due date as agreed before the absence moved it."""
    request = load(session, team_id=team_id, request_id=request_id)
    if request.is_closed:
        raise NotNow("already_closed", number=request.number, state=request.state)
    if actor_id == request.assignee_id:
        raise NotNow("already_yours", number=request.number)
    if not may_take_over_as_deputy(session, request, actor_id, now):
        raise NotAllowed("not_deputy", number=request.number, assignee=request.assignee_id)
    if actor_id == request.requester_id:
        raise ServiceError("reassign_to_requester")
    return _hand_to(
        session,
        request,
        deputy_id=actor_id,
        actor_id=actor_id,
        now=now,
        kind="taken_over",
        state=State.ACKNOWLEDGED,
        response_due_at=None,
    )


def deputy_for_request(
    session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime
) -> str:
    """Whom ``ask_deputy`` would hand the request to; raises why not (only the requester may, only while
    its assignee is away with a deputy)."""
    request = load(session, team_id=team_id, request_id=request_id, lock=False)
    if actor_id != request.requester_id:
        raise NotAllowed("not_requester_deputy", number=request.number, requester_id=request.requester_id)
    if request.is_closed:
        raise NotNow("already_closed", number=request.number, state=request.state)
    info = absence_of(session, team_id=team_id, user_id=request.assignee_id, now=now)
    if info is None:
        raise NotNow("assignee_back", number=request.number, assignee=request.assignee_id)
    if info.deputy_id is None:
        raise NotNow("no_deputy", number=request.number, assignee=request.assignee_id)
    if info.deputy_id == request.requester_id:
        raise ServiceError("reassign_to_requester")
    return info.deputy_id


def ask_deputy(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    actor_id: str,
    now: datetime,
    deputy_id: str,
    response_due_at: datetime,
) -> Outcome:
    """The requester asks the absent person's deputy instead: the request starts over as open for them,
    with a fresh response time on their calendar."""
    if deputy_for_request(session, team_id=team_id, request_id=request_id, actor_id=actor_id, now=now) != (
        deputy_id
    ):
        raise NotNow("changed_meanwhile")
    request = load(session, team_id=team_id, request_id=request_id)
    return _hand_to(
        session,
        request,
        deputy_id=deputy_id,
        actor_id=actor_id,
        now=now,
        kind="asked_deputy",
        state=State.OPEN,
        response_due_at=response_due_at,
    )


def keep_with_assignee(
    session: Session, *, team_id: str, request_id: int, actor_id: str, now: datetime
) -> Request:
    """The requester keeps the request with the absent person (nothing changes; only they may say so)."""
    request = load(session, team_id=team_id, request_id=request_id, lock=False)
    if actor_id != request.requester_id:
        raise NotAllowed("not_requester_deputy", number=request.number, requester_id=request.requester_id)
    return request


def forget_clocks_of(session: Session, request_ids: Iterable[int]) -> None:
    """Drop the paused clocks of these requests (their clocks are agreed afresh)."""
    ids = list(request_ids)
    if ids:
        session.execute(delete(PausedClock).where(PausedClock.request_id.in_(ids)))
