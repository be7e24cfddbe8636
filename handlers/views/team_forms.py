"""The team settings form (``/request team @group``): checked in the ack, saved after it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import groups, payloads
from bot.blocks import teams as team_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.domain.parsing import Duration, ParseError, parse_duration
from bot.domain.team_words import parse_team_words
from bot.services import teams as team_service
from bot.services.requests import NotAllowed
from handlers.commands.team import save
from handlers.common import Interaction, later
from models import TeamMode


def register(app: App, deps: Deps) -> None:
    @app.view(team_blocks.TEAM_VIEW)
    def on_team_settings(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=False)
        usergroup_id = payloads.subteam_id(payloads.metadata(view).get("usergroup"), "private_metadata")
        values = payloads.state_values(view)
        reader = form.reader()
        language = reader.tr.language
        mode = payloads.selected_value(values, "mode") or TeamMode.CLAIM.value
        if mode not in (TeamMode.CLAIM.value, TeamMode.ROTATE.value):
            raise payloads.BadPayload("view.mode")
        channel = payloads.channel_id(payloads.element(values, "channel").get("selected_conversation"))
        within_text = payloads.typed(values, "within", limit=200).strip()
        hours_text = payloads.typed(values, "hours", limit=100).strip()
        holidays_text = payloads.typed(values, "holidays", limit=100).strip()
        errors: dict[str, str] = {}
        response = Duration()
        if within_text:
            try:
                response = parse_duration(within_text, language)
            except ParseError as error:
                errors["within"] = error_text(reader, error.code, **{"text": within_text, **error.params})
        hours: tuple[Any, ...] = ()
        holidays: tuple[str, str | None] = ("", None)
        for block, keyword, typed in (
            ("hours", "hours", hours_text),
            ("holidays", "holidays", holidays_text),
        ):
            if not typed:
                continue
            try:
                words = parse_team_words(f"{keyword} {typed}", language)
            except ParseError:
                errors[block] = error_text(reader, "team_bad_setting", text=typed)
                continue
            if block == "hours" and words.hours:
                hours = words.hours
            elif block == "holidays" and words.holidays:
                holidays = words.holidays
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        change = team_service.TeamChange(
            mode=TeamMode(mode),
            intake_channel_id=channel or "",
            response=response,
            hours=hours,  # type: ignore[arg-type]
            holidays=holidays,
        )

        def save_it(form: Interaction) -> None:
            group = groups.look_up(deps, form.team_id, usergroup_id)
            if form.user_id not in group.members:
                raise NotAllowed("not_team_member", team=group.id)
            save(form, group, change)

        later(deps, form, save_it)
