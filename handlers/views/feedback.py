"""The rating form: stars, whether the tone felt respectful, and an optional comment."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.blocks import feedback as feedback_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.outbox.publish import redraw_prompt, refresh_homes
from bot.people import reader_for
from bot.services import feedback as feedback_service
from bot.services.requests import ServiceError
from handlers.common import team_of
from models.db import transaction

logger = logging.getLogger(__name__)


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    element = (values.get(block_id) or {}).get(block_id) or {}
    return (element.get("selected_option") or {}).get("value")


def register(app: App, deps: Deps) -> None:
    @app.view(feedback_blocks.RATING_VIEW)
    def on_rating(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id = team_of(body)
        user_id = body["user"]["id"]
        now = deps.now()
        values = view["state"]["values"]
        try:
            origin = json.loads(view.get("private_metadata") or "{}")
            request_id = int(origin["request_id"])
        except (ValueError, KeyError, TypeError):
            origin, request_id = {}, 0
        score_text = _selected(values, "score")
        tone = _selected(values, "tone")
        comment = ((values.get("comment") or {}).get("comment") or {}).get("value") or ""
        try:
            with transaction(deps.sessions) as session:
                rated = feedback_service.rate(
                    session,
                    team_id=team_id,
                    request_id=request_id,
                    actor_id=user_id,
                    now=now,
                    score=int(score_text) if score_text else None,
                    tone_respectful=None if tone is None else tone == "yes",
                    comment=comment,
                )
        except ServiceError as error:
            with transaction(deps.sessions) as session:
                reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
            field = "comment" if error.code == "too_long" else "score"
            ack(response_action="errors", errors={field: error_text(reader, error.code, **error.params)})
            return
        ack()
        with transaction(deps.sessions) as session:
            request = session.merge(rated.request)
            redraw_prompt(deps, session, request, channel=origin.get("channel"), ts=origin.get("ts"), now=now)
            refresh_homes(
                deps, session, team_id=team_id, user_ids=[request.requester_id, request.assignee_id], now=now
            )
