"""Each person's own working calendar: read for every clock, written by ``/request settings``.

What the choice changes (docs/reminders.md, "Personal calendars"): agreed times are an agreement and
stay as they are; reminders and business-time figures follow the calendar as it is when they are
computed. So saving a choice puts the person's active requests back on the reminder schedule at once
(``next_at = now``): the sweep plans them afresh on the new calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.calendar import BusinessCalendar, WorkingHours
from bot.services.agreement import (
    NO_CHOICE,
    CalendarChoice,
    calendar_for,
    default_holiday_region,
    reminder_time_for,
    working_hours,
)
from models import ACTIVE_STATES, PersonCalendar, Request
from models.db import connection_for
from models.reminder import NudgeSchedule

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def choice_of(row: PersonCalendar | None) -> CalendarChoice:
    if row is None:
        return NO_CHOICE
    return CalendarChoice(
        work_start=row.work_start,
        work_end=row.work_end,
        working_days=row.working_days,
        holiday_country=row.holiday_country,
        holiday_subdivision=row.holiday_subdivision,
        reminder_time=row.reminder_time,
    )


def choices(session: Session, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], CalendarChoice]:
    """The choices of many people (team, user) in one query; people who chose nothing are left out."""
    wanted = sorted(set(pairs))
    found: dict[tuple[str, str], CalendarChoice] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        asked = set(chunk)
        teams = {team for team, _user in chunk}
        users = {user for _team, user in chunk}
        for row in session.scalars(
            select(PersonCalendar).where(PersonCalendar.team_id.in_(teams), PersonCalendar.user_id.in_(users))
        ):
            if (row.team_id, row.user_id) in asked:
                found[(row.team_id, row.user_id)] = choice_of(row)
    return found


def choice(session: Session, *, team_id: str, user_id: str) -> CalendarChoice:
    row = connection_for(session).execute(_CHOICE, {"team_id": team_id, "user_id": user_id}).first()
    return NO_CHOICE if row is None else CalendarChoice(**row._mapping)


#: ``choice``'s query, built once: every clock reads a calendar (two for each request filed).
_CHOICE = select(
    PersonCalendar.work_start,
    PersonCalendar.work_end,
    PersonCalendar.working_days,
    PersonCalendar.holiday_country,
    PersonCalendar.holiday_subdivision,
    PersonCalendar.reminder_time,
).where(PersonCalendar.team_id == bindparam("team_id"), PersonCalendar.user_id == bindparam("user_id"))


def personal_calendar(
    session: Session, settings: Settings, *, team_id: str, user_id: str, tz: str | None
) -> BusinessCalendar:
    """A person's business calendar as it is now (their zone from Slack, their choice from the table)."""
    return calendar_for(settings, tz, choice(session, team_id=team_id, user_id=user_id))


@dataclass(frozen=True)
class CalendarView:
    """What the settings form shows: the values in force and whether each is the person's own choice."""

    hours: WorkingHours
    country: str | None
    subdivision: str | None
    reminder_time: time
    default_hours: WorkingHours
    default_country: str | None
    default_subdivision: str | None
    default_reminder_time: time
    chosen: CalendarChoice


def calendar_view(
    session: Session, settings: Settings, *, team_id: str, user_id: str, tz: str | None
) -> CalendarView:
    chosen = choice(session, team_id=team_id, user_id=user_id)
    calendar = calendar_for(settings, tz, chosen)
    country, subdivision = default_holiday_region(settings, tz)
    return CalendarView(
        hours=calendar.hours,
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision,
        reminder_time=reminder_time_for(settings, chosen),
        default_hours=working_hours(settings),
        default_country=country,
        default_subdivision=subdivision,
        default_reminder_time=settings.reminder_hour,
        chosen=chosen,
    )


def days_text(weekdays: Iterable[int]) -> str:
    """{0, 1, 2} -> "mon,tue,wed" (the stored form)."""
    return ",".join(DAY_NAMES[day] for day in sorted(set(weekdays)))


def save_choice(
    session: Session,
    *,
    settings: Settings,
    team_id: str,
    user_id: str,
    tz: str | None,
    now: datetime,
    hours: WorkingHours,
    country: str | None,
    subdivision: str | None,
    reminder_time: time,
) -> CalendarChoice:
    """Store what the person chose; a value equal to the default is stored as "the default", so it keeps
    following the workspace settings. Their active requests are planned afresh on the new calendar."""
    default_hours = working_hours(settings)
    default_country, default_subdivision = default_holiday_region(settings, tz)
    same_region = (country, subdivision) == (default_country, default_subdivision)
    row = session.get(PersonCalendar, (team_id, user_id))
    if row is None:
        row = PersonCalendar(team_id=team_id, user_id=user_id, updated_at=now)
        session.add(row)
    row.work_start = None if hours.start == default_hours.start else hours.start
    row.work_end = None if hours.end == default_hours.end else hours.end
    row.working_days = None if hours.weekdays == default_hours.weekdays else days_text(hours.weekdays)
    row.holiday_country = None if same_region else country
    row.holiday_subdivision = None if same_region else subdivision
    row.reminder_time = None if reminder_time == settings.reminder_hour else reminder_time
    row.updated_at = now
    session.flush()
    replan(session, team_id=team_id, user_id=user_id, now=now)
    return choice_of(row)


def replan(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    """Put the person's active requests (either side) on the reminder schedule now."""
    involved = (
        select(Request.id)
        .where(
            Request.team_id == team_id,
            Request.state.in_(ACTIVE_STATES),
            or_(Request.assignee_id == user_id, Request.requester_id == user_id),
        )
        .scalar_subquery()
    )
    session.execute(
        update(NudgeSchedule)
        .where(NudgeSchedule.request_id.in_(involved))
        .values(next_at=now, version=NudgeSchedule.version + 1)
        .execution_options(synchronize_session=False)
    )
