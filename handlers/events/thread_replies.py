"""A reply by the assignee in the request's thread counts as the first answer."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot import payloads
from bot.deps import Deps
from bot.outbox import news
from bot.services import deliveries
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from handlers.common import later
from handlers.events.common import EventContext
from models import State
from models.db import transaction

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        if not isinstance(event, dict):
            return
        thread_ts, user_id = event.get("thread_ts"), event.get("user")
        if not thread_ts or not user_id or event.get("subtype") or event.get("bot_id"):
            return  # only people's replies in threads
        reply = EventContext.from_event(deps, body, event)
        reply.channel_id = payloads.channel_id(event.get("channel"), "event.channel", optional=False)
        reply.message_ts = payloads.message_ts(thread_ts, "event.thread_ts", optional=False)
        later(deps, reply, answer_in_thread)


def answer_in_thread(reply: EventContext) -> None:
    deps = reply.deps
    with transaction(deps.sessions) as session:
        request = request_service.find_by_thread(
            session,
            team_id=reply.team_id,
            channel_id=reply.channel_id or "",
            thread_ts=reply.message_ts or "",
        )
        if request is None or request.assignee_id != reply.user_id or request.state != State.OPEN.value:
            return
        if not deliveries.first_time(session, team_id=reply.team_id, key=reply.delivery_key, now=reply.now):
            return  # Slack delivered this event before
        try:
            outcome = request_service.acknowledge(
                session,
                team_id=reply.team_id,
                request_id=request.id,
                actor_id=reply.user_id,
                now=reply.now,
                via="thread",
            )
        except ServiceError:
            return
        news.announce(session, outcome, now=reply.now)
