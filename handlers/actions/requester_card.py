"""The buttons of the requester's card — Edit, Reopen — and Undo on the message that confirms Done or
Cancel. Cancel itself is ``request_cancel`` in ``request_buttons``."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import card as card_blocks
from bot.deps import Deps
from bot.services import card as card_service
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from handlers.common import NOW, Interaction, later, on_action
from models.db import reading

#: ``<request id>:<change>:<event id>`` — the undo button knows exactly which change it takes back.
_UNDO_VALUE = re.compile(r"^([1-9][0-9]{0,11}):(done|cancelled):([1-9][0-9]{0,11})$")


def open_edit_form(click: Interaction) -> None:
    reader = click.reader()
    with reading(click.deps.sessions) as session:
        request = request_service.load(
            session, team_id=click.team_id, request_id=click.request_id or 0, lock=False
        )
        if request.requester_id != click.user_id:
            raise ServiceError("not_requester_card", number=request.number, requester_id=request.requester_id)
        if request.is_closed:
            raise ServiceError("already_closed", number=request.number, state=request.state)
        view = card_blocks.edit_modal(request, reader)
    click.open_view(view)


def open_reopen_form(click: Interaction) -> None:
    reader = click.reader()
    with reading(click.deps.sessions) as session:
        request = request_service.load(
            session, team_id=click.team_id, request_id=click.request_id or 0, lock=False
        )
        card_service.check_reopen(request, actor_id=click.user_id)
        view = card_blocks.reopen_modal(request, reader)
    click.open_view(view)


def undo_value(value: Any) -> tuple[int, str, int]:
    match = _UNDO_VALUE.match(value) if isinstance(value, str) else None
    if match is None:
        raise payloads.BadPayload("value")
    return int(match.group(1)), match.group(2), int(match.group(3))


def register(app: App, deps: Deps) -> None:
    on_action(app, deps, card_blocks.EDIT_ACTION, open_edit_form, priority=NOW)
    on_action(app, deps, card_blocks.REOPEN_ACTION, open_reopen_form, priority=NOW)

    @app.action(card_blocks.UNDO_ACTION)
    def on_undo(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action, request=False)
        click.request_id, change, event_id = undo_value(action.get("value"))
        ack()
        later(deps, click, lambda click: click.change(card_service.undo, event_id=event_id, change=change))
