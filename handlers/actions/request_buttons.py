"""The buttons on request messages: Got it, Done, Snooze, Cancel — and the ones that open a form."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session

from bot.blocks import requests as blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.outbox.publish import publish_outcome
from bot.people import lookup_person, reader_for
from bot.services import requests as request_service
from bot.services.agreement import calendar_for
from bot.services.requests import Outcome, ServiceError
from handlers.common import action_ids, refuse
from models.db import transaction

logger = logging.getLogger(__name__)

Change = Callable[[Session, Deps, dict[str, Any]], Outcome]


def _snooze(session: Session, deps: Deps, kwargs: dict[str, Any]) -> Outcome:
    """Snooze until the same time on the assignee's next working day."""
    person = lookup_person(
        session, deps.client, team_id=kwargs["team_id"], user_id=kwargs["actor_id"], now=kwargs["now"]
    )
    calendar = calendar_for(deps.settings, person.tz if person else None)
    until = calendar.add_business_days(kwargs["now"], 1)
    return request_service.snooze(session, until=until, **kwargs)


CHANGES: dict[str, Change] = {
    "request_ack": lambda session, deps, kwargs: request_service.acknowledge(session, **kwargs),
    "request_done": lambda session, deps, kwargs: request_service.complete(session, **kwargs),
    "request_cancel": lambda session, deps, kwargs: request_service.cancel(session, **kwargs),
    "request_snooze": _snooze,
}


def apply_change(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond, change: Change
) -> None:
    """One click: check and change in one transaction, then update the card and tell the other side."""
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    try:
        if request_id is None:
            raise ServiceError("not_found")
        with transaction(deps.sessions) as session:
            outcome = change(
                session, deps, {"team_id": team_id, "request_id": request_id, "actor_id": user_id, "now": now}
            )
    except ServiceError as error:
        refuse(deps, respond, team_id=team_id, user_id=user_id, error=error)
        return
    with transaction(deps.sessions) as session:
        outcome.request = session.merge(outcome.request)
        publish_outcome(deps, session, outcome, now)
        if outcome.kind == "cancelled":
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
            respond(
                replace_original=True,
                text=blocks.closed_line(outcome.request, reader),
                blocks=blocks.notice(blocks.closed_line(outcome.request, reader)),
            )


def open_form(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any, build: Callable
) -> None:
    """Decline and Reassign ask for more in a modal; only the assignee gets it."""
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    with transaction(deps.sessions) as session:
        reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        try:
            if request_id is None:
                raise ServiceError("not_found")
            request = request_service.load(session, team_id=team_id, request_id=request_id, lock=False)
            if request.assignee_id != user_id:
                raise ServiceError("not_assignee", number=request.number, assignee_id=request.assignee_id)
            if request.is_closed:
                raise ServiceError("already_closed", number=request.number, state=request.state)
            view = build(request, reader)
        except ServiceError as error:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=error_text(reader, error.code, **error.params),
            )
            return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, deps: Deps) -> None:
    def make_listener(change: Change) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            ack()
            apply_change(deps, body, action, respond, change)

        return listener

    for action_id, change in CHANGES.items():
        app.action(action_id)(make_listener(change))

    @app.action("request_decline")
    def on_decline(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any
    ) -> None:
        ack()
        open_form(deps, body, action, respond, client, blocks.decline_modal)

    @app.action("request_reassign")
    def on_reassign(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any
    ) -> None:
        ack()
        open_form(deps, body, action, respond, client, blocks.reassign_modal)
