"""The agreement's clocks: response-by and due-by on the assignee's own business calendar.

A person's calendar is their Slack time zone plus what they chose in ``/request settings``
(``CalendarChoice``); whatever they left empty follows the workspace settings. Holidays default to the
workspace's region, except for someone whose time zone lies in another country: they get that country's
public holidays (``bot.domain.zones``). ``KUNDENFOKUS_CLOSED_DAYS`` are added for everyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.config import Settings
from bot.domain.calendar import BusinessCalendar, CalendarError, WorkingHours
from bot.domain.parsing import Duration, parse_duration
from bot.domain.zones import zone_country

logger = logging.getLogger(__name__)

#: An urgent request's response time: one business hour, or the named one if that is shorter.
URGENT_RESPONSE = Duration(minutes=60)


@dataclass(frozen=True)
class CalendarChoice:
    """What a person chose for their own calendar; None everywhere means "the default"."""

    work_start: time | None = None
    work_end: time | None = None
    working_days: str | None = None  # "mon,tue,wed,thu"
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    reminder_time: time | None = None


NO_CHOICE = CalendarChoice()


@lru_cache(maxsize=1024)
def _calendar(
    tz: str,
    hours: WorkingHours,
    country: str | None,
    subdivision: str | None,
    closed: frozenset[tuple[int, int]],
) -> BusinessCalendar:
    return BusinessCalendar(tz, hours, country, subdivision, closed)


def zone_or_default(tz: str | None, settings: Settings) -> str:
    """A person's time zone if Slack gave a valid one, else the workspace's."""
    if tz:
        try:
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return settings.timezone


@lru_cache(maxsize=64)
def _workspace_hours(hours: str, days: str) -> WorkingHours:
    return WorkingHours.parse(hours, days)


def working_hours(settings: Settings, choice: CalendarChoice = NO_CHOICE) -> WorkingHours:
    """The person's working hours and days: their choice where they made one, else the workspace's."""
    default = _workspace_hours(settings.working_hours, settings.working_days)
    weekdays = default.weekdays
    if choice.working_days:
        try:
            weekdays = WorkingHours.parse("9-17", choice.working_days).weekdays
        except CalendarError:
            logger.warning("ignoring stored working days %r", choice.working_days)
    start, end = choice.work_start or default.start, choice.work_end or default.end
    if not start < end:  # one of the two chosen, the other default, and they cross: keep the default
        start, end = default.start, default.end
    return WorkingHours(start=start, end=end, weekdays=weekdays)


def default_holiday_region(settings: Settings, tz: str | None) -> tuple[str | None, str | None]:
    """The workspace's holiday region — or, for someone whose zone lies in another country, that
    country's public holidays (without a region: the zone cannot tell Bavaria from Berlin)."""
    country = zone_country(zone_or_default(tz, settings))
    if (
        country is not None
        and country != settings.holiday_country
        and country in holidays.list_supported_countries()
    ):
        return country, None
    return settings.holiday_country, settings.holiday_subdivision


def holiday_region(
    settings: Settings, tz: str | None, choice: CalendarChoice = NO_CHOICE
) -> tuple[str | None, str | None]:
    if choice.holiday_country:
        return choice.holiday_country, choice.holiday_subdivision
    return default_holiday_region(settings, tz)


def calendar_for(settings: Settings, tz: str | None, choice: CalendarChoice = NO_CHOICE) -> BusinessCalendar:
    """A person's business calendar: their zone, their hours, their holidays, the closing days."""
    zone = zone_or_default(tz, settings)
    hours = working_hours(settings, choice)
    closed = settings.closed_day_set
    country, subdivision = holiday_region(settings, tz, choice)
    try:
        return _calendar(zone, hours, country, subdivision, closed)
    except CalendarError:
        # A stored region the holidays package no longer knows: the default rather than no calendar.
        logger.warning("holiday region %s-%s unknown; using the default", country, subdivision)
        country, subdivision = default_holiday_region(settings, tz)
        return _calendar(zone, hours, country, subdivision, closed)


def reminder_time_for(settings: Settings, choice: CalendarChoice = NO_CHOICE) -> time:
    """The earliest local time for reminders to this person."""
    return choice.reminder_time or settings.reminder_hour


def default_response(settings: Settings) -> Duration:
    return parse_duration(settings.default_response)


def end_of_day(settings: Settings) -> time:
    return _workspace_hours(settings.working_hours, settings.working_days).end


def response_time(settings: Settings, *, within: Duration | None, urgent: bool = False) -> Duration:
    """The response time that applies: the named one or the default; urgent caps it at one business hour."""
    duration = within or default_response(settings)
    if urgent and (duration.days or duration.minutes > URGENT_RESPONSE.minutes):
        return URGENT_RESPONSE
    return duration


def response_due(
    settings: Settings,
    *,
    tz: str | None,
    now: datetime,
    within: Duration | None,
    calendar: BusinessCalendar | None = None,
    urgent: bool = False,
) -> datetime:
    """When the first answer is due: ``within`` (or the default) counted in the assignee's working time.

    ``calendar`` is the assignee's (``calendar_for`` with their choice); without it, the defaults for
    ``tz``.
    """
    duration = response_time(settings, within=within, urgent=urgent)
    calendar = calendar or calendar_for(settings, tz)
    moment = calendar.add_business_days(now, duration.days) if duration.days else now
    if duration.minutes:
        moment = calendar.add_business_time(moment, timedelta(minutes=duration.minutes))
    return moment
