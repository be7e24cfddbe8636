"""Replies in a request's threads. The assignee's first reply counts as the first answer; a reply by the
requester in the thread of a question they were asked (or of their card) while the request waits on them
is their answer to it, and resumes the request; and any other reply of a party in their card's thread is
relayed to the other card's thread (``bot.services.card``) and kept in the history."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot import payloads
from bot.deps import Deps
from bot.domain.text import from_slack
from bot.outbox import card_news, news
from bot.services import card as card_service
from bot.services import conversation as conversation_service
from bot.services import deliveries
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from handlers.common import later
from handlers.events.common import EventContext
from handlers.filing import calendar_of
from models import State
from models.db import reading, transaction

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
        text = payloads.text(event.get("text"), "event.text", limit=payloads.MAX_TEXT)
        later(deps, reply, lambda reply: answer_in_thread(reply, text))


def reply_to_question_in_thread(reply: EventContext, text: str) -> bool:
    """The requester answers the question of a request that waits on them, in its thread: the request
    resumes. False when the thread is no such question's."""
    deps = reply.deps
    with reading(deps.sessions) as session:
        request = conversation_service.find_waiting_by_thread(
            session,
            team_id=reply.team_id,
            user_id=reply.user_id,
            channel_id=reply.channel_id or "",
            thread_ts=reply.message_ts or "",
        )
        if request is None:
            return False
        request_id, assignee_id = request.id, request.assignee_id
    person = deps.people.get(reply.team_id, assignee_id)
    calendar = calendar_of(deps, reply.team_id, assignee_id, person.tz if person else None)
    with transaction(deps.sessions) as session:
        if not deliveries.first_time(session, team_id=reply.team_id, key=reply.delivery_key, now=reply.now):
            return True  # Slack delivered this event before
        outcome = conversation_service.reply_to_question(
            session,
            team_id=reply.team_id,
            request_id=request_id,
            actor_id=reply.user_id,
            text=from_slack(text),
            now=reply.now,
            calendar=calendar,
        )
        news.announce(session, outcome, now=reply.now)
    return True


def answer_in_thread(reply: EventContext, text: str = "") -> None:
    """``text`` as Slack sent it. The answer to a waiting question resumes the request (and reaches the
    assignee as such); any other reply of a party is relayed to the other card's thread; the assignee's
    first reply is also the first answer."""
    deps = reply.deps
    if reply_to_question_in_thread(reply, text):
        return
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
            session, request, side=side, actor_id=reply.user_id, text=from_slack(text), now=reply.now
        )
        if message is not None:
            card_news.relay(session, request, message, now=reply.now)
        if side != card_service.ASSIGNEE_SIDE or request.assignee_id != reply.user_id:
            return
        if request.state != State.OPEN.value:
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
