"""A reply by the assignee in the request's thread counts as the first answer."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.outbox.publish import publish_outcome
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from models import State
from models.db import transaction

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        thread_ts = event.get("thread_ts")
        user_id = event.get("user")
        if not thread_ts or not user_id or event.get("subtype") or event.get("bot_id"):
            return  # only people's replies in threads
        team_id = body.get("team_id") or event.get("team")
        now = deps.now()
        with transaction(deps.sessions) as session:
            request = request_service.find_by_thread(
                session, team_id=team_id, channel_id=event["channel"], thread_ts=thread_ts
            )
            if request is None or request.assignee_id != user_id or request.state != State.OPEN.value:
                return
            try:
                outcome = request_service.acknowledge(
                    session, team_id=team_id, request_id=request.id, actor_id=user_id, now=now, via="thread"
                )
            except ServiceError:
                return
        with transaction(deps.sessions) as session:
            outcome.request = session.merge(outcome.request)
            publish_outcome(deps, session, outcome, now)
