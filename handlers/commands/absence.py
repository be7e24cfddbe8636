"""``/request away until <day> [deputy @x]`` (``abwesend bis <Datum> [vertretung @x]``) and
``/request back`` (``zurück``): announce an absence, or end it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Respond

from bot.blocks import absences as absence_blocks
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.absence import parse_away
from bot.domain.parsing import ParseError
from bot.domain.text import from_slack
from bot.outbox import absence_news
from bot.services import absences as absence_service
from bot.services.agreement import zone_or_default
from bot.services.requests import ServiceError
from models.db import transaction


def away(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    team_id, user_id, now = body["team_id"], body["user_id"], deps.now()
    person = deps.people.get(team_id, user_id)
    tz = person.tz if person else None
    zone = ZoneInfo(zone_or_default(tz, deps.settings))
    languages = (reader.tr.language, *(lang for lang in ("en", "de") if lang != reader.tr.language))
    try:
        command = parse_away(args, now=now, tz=zone, languages=languages)
    except ParseError as error:
        params = {k: from_slack(v) if isinstance(v, str) else v for k, v in error.params.items()}
        respond(response_type="ephemeral", text=error_text(reader, error.code, **params))
        return
    if command.deputy_id is not None and command.deputy_id != user_id:
        deputy = deps.people.get(team_id, command.deputy_id)
        if deputy is None or not deputy.usable:
            raise ServiceError("deputy_unusable", user=command.deputy_id)
    with transaction(deps.sessions) as session:
        change = absence_service.plan_absence(
            session,
            deps.settings,
            team_id=team_id,
            user_id=user_id,
            until=command.until,
            deputy_id=command.deputy_id,
            tz=tz,
            now=now,
        )
        absence_news.clocks_moved(session, change, team_id=team_id, now=now)
    info = change.absence
    text = absence_blocks.away_saved(
        reader,
        user_id=user_id,
        until=info.until if info else None,
        deputy=command.deputy_id,
        moved=len(change.moved),
    )
    respond(response_type="ephemeral", text=text)


def back(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    team_id, user_id, now = body["team_id"], body["user_id"], deps.now()
    person = deps.people.get(team_id, user_id)
    with transaction(deps.sessions) as session:
        change = absence_service.come_back(
            session,
            deps.settings,
            team_id=team_id,
            user_id=user_id,
            tz=person.tz if person else None,
            now=now,
        )
        absence_news.clocks_moved(session, change, team_id=team_id, now=now)
    respond(response_type="ephemeral", text=absence_blocks.back_saved(reader, moved=len(change.moved)))


#: The words ``/request`` understands for them (English and German).
SUBCOMMANDS = {
    "away": away,
    "abwesend": away,
    "ooo": away,
    "back": back,
    "zurück": back,
    "zurueck": back,
}
