"""The requester's rating prompt: five stars, "Say thank you", and "Add a comment" (a modal).

The prompt is the requester's DM when a request is done. Clicking a star stores or changes the rating
and redraws the prompt in place; the thank-you reaches the assignee as kudos.
"""

from __future__ import annotations

import json

from slack_bolt import App

from bot.blocks import feedback as feedback_blocks
from bot.deps import Deps
from bot.outbox import news
from bot.services import feedback as feedback_service
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from handlers.common import NOW, Interaction, on_action
from models import State
from models.db import reading, transaction


def rate(score: int):  # type: ignore[no-untyped-def]
    def rate_it(click: Interaction) -> None:
        with transaction(click.deps.sessions) as session:
            rated = feedback_service.rate(
                session,
                team_id=click.team_id,
                request_id=click.request_id or 0,
                actor_id=click.user_id,
                now=click.now,
                score=score,
            )
            news.rated(session, rated.request, now=click.now, origin=click.origin)

    rate_it.__name__ = f"rate_{score}"
    return rate_it


def thank(click: Interaction) -> None:
    with transaction(click.deps.sessions) as session:
        thanked = feedback_service.thank(
            session,
            team_id=click.team_id,
            request_id=click.request_id or 0,
            actor_id=click.user_id,
            now=click.now,
        )
        news.thanked(session, thanked.request, now=click.now, created=thanked.created, origin=click.origin)


def open_details(click: Interaction) -> None:
    """ "Add a comment": stars, tone and comment in a modal (only for the requester of a done request)."""
    reader = click.reader()
    with reading(click.deps.sessions) as session:
        request = request_service.load(
            session, team_id=click.team_id, request_id=click.request_id or 0, lock=False
        )
        if request.requester_id != click.user_id:
            raise ServiceError(
                "rating_not_requester", number=request.number, requester_id=request.requester_id
            )
        if request.state != State.DONE.value:
            raise ServiceError("rating_not_done", number=request.number)
        metadata = json.dumps({"request_id": request.id, "channel": click.channel_id, "ts": click.message_ts})
        view = feedback_blocks.rating_modal(
            request, reader, rating=feedback_service.rating_of(session, request.id), metadata=metadata
        )
    click.open_view(view)


def register(app: App, deps: Deps) -> None:
    for score, action_id in enumerate(feedback_blocks.RATE_ACTIONS, start=1):
        on_action(app, deps, action_id, rate(score))
    on_action(app, deps, feedback_blocks.THANK_ACTION, thank)
    on_action(app, deps, feedback_blocks.DETAILS_ACTION, open_details, priority=NOW)
