"""Telling people after a change: the assignee's card, the requester's news, redraws, App Home.

Everything the bot says after a state change starts here; listeners and jobs call these functions and
never render or send on their own.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import feedback as feedback_blocks
from bot.blocks import requests as blocks
from bot.blocks.home import home_view
from bot.blocks.reminders import ReminderItem, reminder_message
from bot.deps import Deps
from bot.people import reader_for
from bot.services import feedback as feedback_service
from bot.services import home as home_service
from bot.services import requests as request_service
from bot.services.reminders import sent_messages_about
from models import Request

logger = logging.getLogger(__name__)


def refresh_card(deps: Deps, session: Session, request: Request, now: datetime) -> None:
    """Re-render the assignee's card in place so it always shows the request's current state."""
    if not (request.assignee_channel_id and request.assignee_message_ts):
        return
    reader = reader_for(deps, session, team_id=request.team_id, user_id=request.assignee_id, now=now)
    text, card = blocks.assignee_card(request, reader)
    deps.messenger.update(request.assignee_channel_id, request.assignee_message_ts, text=text, blocks=card)


def refresh_reminders(deps: Deps, session: Session, request: Request, now: datetime) -> None:
    """Reminder messages that listed this request show its new state too, so no stale buttons linger."""
    for message in sent_messages_about(session, request_id=request.id):
        reader = reader_for(deps, session, team_id=message.team_id, user_id=message.recipient_id, now=now)
        items = [ReminderItem(listed, step, key) for listed, step, key in message.rows]
        text, redrawn = reminder_message(items, reader)
        deps.messenger.update(message.channel_id, message.message_ts, text=text, blocks=redrawn)


def deliver_card(deps: Deps, session: Session, request: Request, now: datetime) -> bool:
    """Send the assignee their card by DM and remember where it is."""
    reader = reader_for(deps, session, team_id=request.team_id, user_id=request.assignee_id, now=now)
    text, card = blocks.assignee_card(request, reader)
    posted = deps.messenger.dm(request.assignee_id, text=text, blocks=card)
    if posted is None:
        return False
    request_service.remember_card(session, request=request, channel_id=posted.channel, message_ts=posted.ts)
    return True


def publish_outcome(deps: Deps, session: Session, outcome: request_service.Outcome, now: datetime) -> None:
    """After any change: the assignee's card shows the new state, and the other side is told."""
    request = outcome.request
    if not outcome.changed:
        return
    if outcome.kind == "reassigned":
        old_channel, old_ts = outcome.detail.get("previous_message") or (None, None)
        previous = outcome.detail["from_assignee_id"]
        previous_reader = reader_for(deps, session, team_id=request.team_id, user_id=previous, now=now)
        text, card = blocks.previous_assignee_handed_over(request, previous_reader)
        if old_channel and old_ts:
            deps.messenger.update(old_channel, old_ts, text=text, blocks=card)
        deliver_card(deps, session, request, now)
    else:
        refresh_card(deps, session, request, now)
    refresh_reminders(deps, session, request, now)
    if outcome.kind == "cancelled":
        reader = reader_for(deps, session, team_id=request.team_id, user_id=request.assignee_id, now=now)
        text, message = blocks.assignee_cancelled(request, reader)
        deps.messenger.dm(request.assignee_id, text=text, blocks=message)
    elif outcome.kind == "done":
        send_rating_prompt(deps, session, request, now)  # the news and "how did it go?" in one DM
    elif outcome.kind in blocks.REQUESTER_NEWS:
        reader = reader_for(deps, session, team_id=request.team_id, user_id=request.requester_id, now=now)
        text, message = blocks.requester_news(request, outcome.kind, reader, outcome.detail)
        deps.messenger.dm(request.requester_id, text=text, blocks=message)
    involved = [request.requester_id, request.assignee_id, outcome.detail.get("from_assignee_id")]
    refresh_homes(deps, session, team_id=request.team_id, user_ids=[u for u in involved if u], now=now)


def send_rating_prompt(deps: Deps, session: Session, request: Request, now: datetime) -> None:
    """Tell the requester it is done and ask how it went — one DM."""
    reader = reader_for(deps, session, team_id=request.team_id, user_id=request.requester_id, now=now)
    rating = feedback_service.rating_of(session, request.id)
    thanked = feedback_service.has_thanked(session, request_id=request.id, from_id=request.requester_id)
    text, blocks = feedback_blocks.rating_prompt(request, reader, rating=rating, thanked=thanked)
    deps.messenger.dm(request.requester_id, text=text, blocks=blocks)


def redraw_prompt(
    deps: Deps, session: Session, request: Request, *, channel: str | None, ts: str | None, now: datetime
) -> None:
    """Show the current rating on the prompt message the person clicked."""
    if not (channel and ts):
        return
    reader = reader_for(deps, session, team_id=request.team_id, user_id=request.requester_id, now=now)
    rating = feedback_service.rating_of(session, request.id)
    thanked = feedback_service.has_thanked(session, request_id=request.id, from_id=request.requester_id)
    text, blocks = feedback_blocks.rating_prompt(request, reader, rating=rating, thanked=thanked)
    deps.messenger.update(channel, ts, text=text, blocks=blocks)


def publish_home(deps: Deps, session: Session, *, team_id: str, user_id: str, now: datetime) -> bool:
    """Build and publish one person's App Home; False when Slack refused it (logged)."""
    reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
    data = home_service.home_data(
        session, settings=deps.settings, team_id=team_id, user_id=user_id, now=now, tz=reader.tz.key
    )
    view = home_view(data, reader, user_id=user_id, now=now)
    try:
        deps.client.views_publish(user_id=user_id, view=view)
    except SlackApiError:
        logger.exception("could not publish App Home for %s", user_id)
        return False
    return True


def refresh_homes(deps: Deps, session: Session, *, team_id: str, user_ids: list[str], now: datetime) -> None:
    """Re-publish App Home for those of ``user_ids`` who use it. Never raises into the caller's flow."""
    try:
        for user_id in home_service.visitors(session, team_id=team_id, user_ids=user_ids):
            publish_home(deps, session, team_id=team_id, user_id=user_id, now=now)
    except Exception:
        logger.exception("App Home refresh failed for %s", user_ids)
