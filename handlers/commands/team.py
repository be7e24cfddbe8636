"""``/request team @group …`` (``/request team @group`` alone opens the form): a team's settings.

Only a member of the group (as Slack lists it now) may change them; the answer shows what is in force.
"""

from __future__ import annotations

from bot import groups
from bot.blocks import teams as team_blocks
from bot.blocks.errors import error_text
from bot.domain.parsing import ParseError, parse_mention
from bot.domain.team_words import TeamWords, parse_team_words
from bot.domain.text import from_slack
from bot.outbox import team_news
from bot.services import teams as team_service
from bot.services.requests import NotAllowed
from handlers.common import Interaction
from models import TeamMode
from models.db import reading, transaction

#: ``/request team …`` (``/request team`` in German too).
TEAM_WORDS = frozenset({"team", "gruppe"})


def change_from(words: TeamWords) -> team_service.TeamChange:
    return team_service.TeamChange(
        mode=TeamMode(words.mode) if words.mode else None,
        intake_channel_id=words.intake_channel_id,
        response=words.response,
        hours=words.hours,
        holidays=words.holidays,
    )


def save(interaction: Interaction, group: team_service.Group, change: team_service.TeamChange) -> None:
    """Store the change and say what is in force now (through the outbox)."""
    with transaction(interaction.deps.sessions) as session:
        team_service.change_team(
            session,
            team_id=interaction.team_id,
            group=group,
            actor_id=interaction.user_id,
            change=change,
            now=interaction.now,
        )
        team_news.settings_saved(
            session,
            team_id=interaction.team_id,
            user_id=interaction.user_id,
            usergroup_id=group.id,
            response_url=interaction.response_url,
            now=interaction.now,
        )


def team_command(command: Interaction, args: str) -> None:
    reader = command.reader()
    found = parse_mention(args)
    if found is None or found[0].kind != "usergroup":
        command.tell(team_blocks.team_help(reader, command=command.command))
        return
    mention, rest = found
    try:
        words = parse_team_words(rest, reader.tr.language)
    except ParseError as error:
        text = from_slack(str(error.params.get("text") or rest))
        command.tell(error_text(reader, "team_bad_setting", text=text))
        return
    group = groups.look_up(command.deps, command.team_id, mention.id)
    if command.user_id not in group.members:
        raise NotAllowed("not_team_member", team=group.id)
    if words.empty:
        with reading(command.deps.sessions) as session:
            facts = team_service.describe(
                team_service.team_of(session, team_id=command.team_id, usergroup_id=group.id)
            )
        if command.trigger_id:
            command.open_view(team_blocks.team_modal(reader, group.id, facts))
        else:
            command.tell(team_blocks.team_settings_text(reader, group.id, facts))
        return
    save(command, group, change_from(words))
