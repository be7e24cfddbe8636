"""Pure builders for a person's own settings (``/request settings``, App Home's *My settings*): working
hours and days, holiday region, language, earliest reminder time — and the note once they are saved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Any

from bot.blocks.kit import Block, Reader, context, input_block, modal, plain, section
from bot.services.calendars import CalendarView

SETTINGS_VIEW = "request_settings_view"
LANGUAGE_CHOICES = ("auto", "de", "en")


def day_names(reader: Reader, width: str = "wide") -> list[str]:
    """Monday first, in the reader's language."""
    names = reader.tr.locale.days["format"][width]
    return [names[index] for index in range(7)]


def days_text(reader: Reader, weekdays: Iterable[int]) -> str:
    """{0, 1, 2, 3, 4} -> "Mon–Fri" / "Mo.–Fr."; gaps as a list: "Mon, Wed–Fri"."""
    names = day_names(reader, "abbreviated")
    days = sorted(set(weekdays))
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}" for run in runs]
    return ", ".join(parts)


def hours_text(start: time, end: time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def region_text(reader: Reader, country: str | None, subdivision: str | None) -> str:
    """ "Germany (BY)" / "Deutschland (BY)"; "none" when no holidays apply."""
    if not country:
        return reader.tr._("none")
    name = reader.tr.locale.territories.get(country, country)
    return f"{name} ({subdivision})" if subdivision else name


def _time_picker(action_id: str, value: time) -> dict[str, Any]:
    return {"type": "timepicker", "action_id": action_id, "initial_time": value.strftime("%H:%M")}


def settings_modal(reader: Reader, view: CalendarView, *, language: str) -> dict[str, Any]:
    """The form, filled with what is in force for the person now."""
    tr = reader.tr
    names = day_names(reader)
    day_options = [{"text": plain(names[day]), "value": str(day)} for day in range(7)]
    language_labels = {
        "auto": tr._("My Slack language"),
        "de": "Deutsch",
        "en": "English",
    }
    language_options = [{"text": plain(language_labels[code]), "value": code} for code in LANGUAGE_CHOICES]
    defaults = tr._(
        "Left as they are, the workspace defaults apply: {hours}, {days}, holidays: {region}, reminders "
        "from {reminder}.",
        hours=hours_text(view.default_hours.start, view.default_hours.end),
        days=days_text(reader, view.default_hours.weekdays),
        region=region_text(reader, view.default_country, view.default_subdivision),
        reminder=view.default_reminder_time.strftime("%H:%M"),
    )
    blocks: list[Block] = [
        section(
            tr._(
                "Your own working calendar: response times, due dates and reminders follow it. "
                "Times are in your Slack time zone (*{zone}*).",
                zone=reader.tz.key,
            )
        ),
        input_block("work_start", tr._("Working day starts"), _time_picker("work_start", view.hours.start)),
        input_block("work_end", tr._("Working day ends"), _time_picker("work_end", view.hours.end)),
        input_block(
            "working_days",
            tr._("Working days"),
            {
                "type": "checkboxes",
                "action_id": "working_days",
                "options": day_options,
                "initial_options": [day_options[day] for day in sorted(view.hours.weekdays)],
            },
        ),
        input_block(
            "holiday_country",
            tr._("Public holidays of (country)"),
            {
                "type": "plain_text_input",
                "action_id": "holiday_country",
                "initial_value": view.country or "",
                "placeholder": plain(tr._("e.g. DE, AT, CH, US")),
                "max_length": 8,
            },
            optional=True,
            hint=tr._(
                "Two letters. Empty: the default for you, {region}.",
                region=region_text(reader, view.default_country, view.default_subdivision),
            ),
        ),
        input_block(
            "holiday_subdivision",
            tr._("Region (optional)"),
            {
                "type": "plain_text_input",
                "action_id": "holiday_subdivision",
                "initial_value": view.subdivision or "",
                "placeholder": plain(tr._("e.g. BY for Bavaria, CA for California")),
                "max_length": 32,
            },
            optional=True,
        ),
        input_block(
            "language",
            tr._("Language"),
            {
                "type": "static_select",
                "action_id": "language",
                "options": language_options,
                "initial_option": language_options[LANGUAGE_CHOICES.index(language)],
            },
        ),
        input_block(
            "reminder_time",
            tr._("Reminders not before"),
            _time_picker("reminder_time", view.reminder_time),
            hint=tr._("Reminders come only on your working days, within your working hours."),
        ),
        context(
            defaults
            + " "
            + tr._(
                "Times already agreed stay as they are; reminders and working-time figures follow your "
                "calendar from now on."
            )
        ),
    ]
    return modal(SETTINGS_VIEW, tr._("My settings"), tr._("Save"), reader, blocks)


def settings_saved(reader: Reader, view: CalendarView) -> str:
    """Said once the settings are saved — in the language just chosen."""
    return reader.tr._(
        ":white_check_mark: Saved. Your working time: {hours}, {days}. Public holidays: {region}. "
        "Reminders not before {reminder}. Times already agreed stay as they are; reminders follow your "
        "calendar from now on.",
        hours=hours_text(view.hours.start, view.hours.end),
        days=days_text(reader, view.hours.weekdays),
        region=region_text(reader, view.country, view.subdivision),
        reminder=view.reminder_time.strftime("%H:%M"),
    )
