"""The agreement's clocks: response-by and due-by on the assignee's own business calendar."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import Settings
from bot.domain.calendar import BusinessCalendar, WorkingHours
from bot.domain.parsing import Duration, parse_duration


@lru_cache(maxsize=512)
def _calendar(
    tz: str, hours: str, days: str, country: str | None, subdivision: str | None
) -> BusinessCalendar:
    return BusinessCalendar(tz, WorkingHours.parse(hours, days), country, subdivision)


def zone_or_default(tz: str | None, settings: Settings) -> str:
    """A person's time zone if Slack gave a valid one, else the workspace's."""
    if tz:
        try:
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return settings.timezone


def calendar_for(settings: Settings, tz: str | None) -> BusinessCalendar:
    return _calendar(
        zone_or_default(tz, settings),
        settings.working_hours,
        settings.working_days,
        settings.holiday_country,
        settings.holiday_subdivision,
    )


def default_response(settings: Settings) -> Duration:
    return parse_duration(settings.default_response)


def end_of_day(settings: Settings) -> time:
    return WorkingHours.parse(settings.working_hours, settings.working_days).end


def response_due(settings: Settings, *, tz: str | None, now: datetime, within: Duration | None) -> datetime:
    """When the first answer is due: ``within`` (or the default) counted in the assignee's working time."""
    duration = within or default_response(settings)
    calendar = calendar_for(settings, tz)
    moment = calendar.add_business_days(now, duration.days) if duration.days else now
    if duration.minutes:
        moment = calendar.add_business_time(moment, timedelta(minutes=duration.minutes))
    return moment
