"""The requester's rating prompt: five stars, "Say thank you", and "Add a comment" (a modal).

The prompt is the requester's DM when a request is done (``send_rating_prompt`` is called from
``publish_outcome``). Clicking a star stores or changes the rating and redraws the prompt in place;
the thank-you reaches the assignee as kudos.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import feedback as feedback_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.outbox.publish import redraw_prompt, refresh_homes
from bot.people import reader_for
from bot.services import feedback as feedback_service
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from handlers.common import action_ids
from models import State
from models.db import transaction

logger = logging.getLogger(__name__)


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The message the click came from (None for a click in App Home)."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return None, None
    return container.get("channel_id"), container.get("message_ts")


def _tell(deps: Deps, body: dict[str, Any], respond: Respond, team_id: str, user_id: str, text: str) -> None:
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text)
    else:  # from App Home there is no response_url; a DM always reaches the person
        deps.messenger.dm(user_id, text=text, blocks=[])


def rate(deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond, score: int) -> None:
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    try:
        if request_id is None:
            raise ServiceError("not_found")
        with transaction(deps.sessions) as session:
            rated = feedback_service.rate(
                session, team_id=team_id, request_id=request_id, actor_id=user_id, now=now, score=score
            )
    except ServiceError as error:
        with transaction(deps.sessions) as session:
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        _tell(deps, body, respond, team_id, user_id, error_text(reader, error.code, **error.params))
        return
    channel, ts = _where(body)
    with transaction(deps.sessions) as session:
        request = session.merge(rated.request)
        redraw_prompt(deps, session, request, channel=channel, ts=ts, now=now)
        refresh_homes(
            deps, session, team_id=team_id, user_ids=[request.requester_id, request.assignee_id], now=now
        )


def thank(deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    try:
        if request_id is None:
            raise ServiceError("not_found")
        with transaction(deps.sessions) as session:
            thanked = feedback_service.thank(
                session, team_id=team_id, request_id=request_id, actor_id=user_id, now=now
            )
    except ServiceError as error:
        with transaction(deps.sessions) as session:
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        _tell(deps, body, respond, team_id, user_id, error_text(reader, error.code, **error.params))
        return
    channel, ts = _where(body)
    with transaction(deps.sessions) as session:
        request = session.merge(thanked.request)
        if thanked.created:
            reader = reader_for(deps, session, team_id=team_id, user_id=request.assignee_id, now=now)
            text, blocks = feedback_blocks.kudos_message(request, reader)
            deps.messenger.dm(request.assignee_id, text=text, blocks=blocks)
        redraw_prompt(deps, session, request, channel=channel, ts=ts, now=now)
        refresh_homes(deps, session, team_id=team_id, user_ids=[request.assignee_id], now=now)


def open_details(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any
) -> None:
    """ "Add a comment": stars, tone and comment in a modal (only for the requester of a done request)."""
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    channel, ts = _where(body)
    with transaction(deps.sessions) as session:
        reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        try:
            if request_id is None:
                raise ServiceError("not_found")
            request = request_service.load(session, team_id=team_id, request_id=request_id, lock=False)
            if request.requester_id != user_id:
                raise ServiceError(
                    "rating_not_requester", number=request.number, requester_id=request.requester_id
                )
            if request.state != State.DONE.value:
                raise ServiceError("rating_not_done", number=request.number)
            metadata = json.dumps({"request_id": request.id, "channel": channel, "ts": ts})
            view = feedback_blocks.rating_modal(
                request, reader, rating=feedback_service.rating_of(session, request.id), metadata=metadata
            )
        except ServiceError as error:
            _tell(deps, body, respond, team_id, user_id, error_text(reader, error.code, **error.params))
            return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, deps: Deps) -> None:
    def make_rater(score: int):  # type: ignore[no-untyped-def]
        def on_rate(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            ack()
            rate(deps, body, action, respond, score)

        return on_rate

    for score, action_id in enumerate(feedback_blocks.RATE_ACTIONS, start=1):
        app.action(action_id)(make_rater(score))

    @app.action(feedback_blocks.THANK_ACTION)
    def on_thank(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        thank(deps, body, action, respond)

    @app.action(feedback_blocks.DETAILS_ACTION)
    def on_details(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any
    ) -> None:
        ack()
        open_details(deps, body, action, respond, client)
