"""Opening the personal settings form — from ``/request settings`` and from App Home's *My settings*."""

from __future__ import annotations

from bot.blocks import settings as settings_blocks
from bot.services import calendars as calendar_service
from bot.services import language as language_service
from handlers.common import Interaction
from models.db import reading


def open_settings(interaction: Interaction) -> None:
    """The form with what is in force for the person now (runs first on the work queue: the trigger
    expires after 3 seconds)."""
    reader = interaction.reader()
    person = interaction.deps.people.get(interaction.team_id, interaction.user_id)
    with reading(interaction.deps.sessions) as session:
        view = calendar_service.calendar_view(
            session,
            interaction.deps.settings,
            team_id=interaction.team_id,
            user_id=interaction.user_id,
            tz=person.tz if person else None,
        )
        override = language_service.language_override(
            session, team_id=interaction.team_id, user_id=interaction.user_id
        )
    interaction.open_view(settings_blocks.settings_modal(reader, view, language=override or "auto"))
