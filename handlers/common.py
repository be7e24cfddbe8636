"""What listeners share: reading who clicked what, and refusing politely."""

from __future__ import annotations

import logging
from typing import Any

from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.people import reader_for
from bot.services.requests import ServiceError
from models.db import transaction

logger = logging.getLogger(__name__)


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction payload (``team`` is absent for some Enterprise Grid payloads)."""
    return body["team"]["id"] if body.get("team") else body["user"]["team_id"]


def action_ids(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, str, int | None]:
    """(team, user, request id) of a button click; the id is None when the value is not a number."""
    try:
        request_id: int | None = int(action.get("value", ""))
    except ValueError:
        request_id = None
    return team_of(body), body["user"]["id"], request_id


def refuse(deps: Deps, respond: Any, *, team_id: str, user_id: str, error: ServiceError) -> None:
    """Only the person who clicked learns, in their language, why nothing changed."""
    with transaction(deps.sessions) as session:
        reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=deps.now())
    respond(
        response_type="ephemeral", replace_original=False, text=error_text(reader, error.code, **error.params)
    )
