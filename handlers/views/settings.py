"""The personal settings form: checked in the ack (errors under the fields), saved after it.

Saving stores the calendar choice and the language in one transaction, plans the person's active
requests afresh on the new calendar, and tells them what is now in force (in the language just chosen).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import settings as settings_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.domain.calendar import CalendarError, WorkingHours, check_holiday_region
from bot.outbox import news
from bot.services import calendars as calendar_service
from bot.services import language as language_service
from bot.services.agreement import default_holiday_region
from handlers.common import Interaction, later
from models.db import transaction


def register(app: App, deps: Deps) -> None:
    @app.view(settings_blocks.SETTINGS_VIEW)
    def on_settings(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=False)
        values = payloads.state_values(view)
        reader = form.reader()
        person = deps.people.get(form.team_id, form.user_id)
        tz = person.tz if person else None
        start = payloads.picked_time(values, "work_start")
        end = payloads.picked_time(values, "work_end")
        reminder = payloads.picked_time(values, "reminder_time")
        days = payloads.checked(values, "working_days")
        country = payloads.typed(values, "holiday_country", limit=100).strip()
        subdivision = payloads.typed(values, "holiday_subdivision", limit=100).strip()
        language = payloads.selected_value(values, "language") or "auto"
        if language not in settings_blocks.LANGUAGE_CHOICES or not all(
            d in "0123456" and len(d) == 1 for d in days
        ):
            raise payloads.BadPayload("view.settings")
        errors: dict[str, str] = {}
        if start is None or end is None or not start < end:
            errors["work_end"] = error_text(reader, "settings_hours")
        if not days:
            errors["working_days"] = error_text(reader, "settings_days")
        if reminder is None:
            errors["reminder_time"] = error_text(reader, "settings_reminder")
        region: tuple[str | None, str | None] = default_holiday_region(deps.settings, tz)
        if country:
            try:
                region = check_holiday_region(country, subdivision or None)
            except CalendarError as error:
                field = (
                    "holiday_subdivision"
                    if error.code == "unknown_holiday_subdivision"
                    else "holiday_country"
                )
                errors[field] = error_text(
                    reader, error.code, country=country.upper()[:8], subdivision=subdivision[:32]
                )
        elif subdivision:
            errors["holiday_country"] = error_text(reader, "settings_region_needs_country")
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        assert start is not None and end is not None and reminder is not None
        hours = WorkingHours(start=start, end=end, weekdays=frozenset(int(day) for day in days))

        def save(form: Interaction) -> None:
            with transaction(deps.sessions) as session:
                calendar_service.save_choice(
                    session,
                    settings=deps.settings,
                    team_id=form.team_id,
                    user_id=form.user_id,
                    tz=tz,
                    now=form.now,
                    hours=hours,
                    country=region[0],
                    subdivision=region[1],
                    reminder_time=reminder,
                )
                language_service.set_language_override(
                    session,
                    team_id=form.team_id,
                    user_id=form.user_id,
                    choice=language,  # type: ignore[arg-type]
                )
                news.settings_saved(session, team_id=form.team_id, user_id=form.user_id, now=form.now)
            deps.people.forget(form.team_id, form.user_id)  # every message from now on reads the new choice

        later(deps, form, save)
