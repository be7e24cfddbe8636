"""Replies in a request's threads: the assignee's first reply counts as the first answer, and each
party's reply in their card's thread is relayed to the other card's thread (``bot.services.card``)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot import payloads
from bot.deps import Deps
from bot.domain.text import from_slack
from bot.outbox import card_news, news
from bot.services import card as card_service
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
            return  # only people's replies in threads: no edits, no bot posts (so no relay loops)
        reply = EventContext.from_event(deps, body, event)
        reply.channel_id = payloads.channel_id(event.get("channel"), "event.channel", optional=False)
        reply.message_ts = payloads.message_ts(thread_ts, "event.thread_ts", optional=False)
        text = from_slack(payloads.text(event.get("text"), "event.text", limit=payloads.MAX_TEXT))
        later(deps, reply, lambda reply: answer_in_thread(reply, text))


def answer_in_thread(reply: EventContext, text: str = "") -> None:
    """A party's reply in their card's thread: relayed to the other card's thread and kept in the
    history; the assignee's first reply is also the first answer."""
    deps = reply.deps
    with transaction(deps.sessions) as session:
        found = card_service.find_thread(
            session,
            team_id=reply.team_id,
            channel_id=reply.channel_id or "",
            thread_ts=reply.message_ts or "",
        )
        if found is None or reply.user_id not in (found[0].requester_id, found[0].assignee_id):
            return  # not a request's thread, or someone who is neither party: nothing to relay
        request, side = found
        if not deliveries.first_time(session, team_id=reply.team_id, key=reply.delivery_key, now=reply.now):
            return  # Slack delivered this event before
        message = card_service.record_message(
            session, request, side=side, actor_id=reply.user_id, text=text, now=reply.now
        )
        if message is not None:
            card_news.relay(session, request, message, now=reply.now)
            if side == card_service.REQUESTER_SIDE:
                # The call point for the ``waiting`` state: the requester's reply may resume the request.
                resumed = card_service.requester_replied(
                    session, request, actor_id=reply.user_id, now=reply.now
                )
                if resumed is not None:
                    news.announce(session, resumed, now=reply.now)
        if request.assignee_id != reply.user_id or request.state != State.OPEN.value:
            return
        if side != card_service.ASSIGNEE_SIDE:
            return
        try:
            with session.begin_nested():
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
