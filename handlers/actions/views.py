"""The buttons of the places people look: *More* of a list (``request_list_more``), *Open* one request
(``request_show``) and App Home's *New request* (``request_new``).

Where the click came from decides where the answer goes: in a message (the ephemeral list) it replaces
that message through ``response_url``; in App Home it opens a modal; in a modal it updates (or, for
*Open*, pushes onto) that modal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import requests as request_blocks
from bot.blocks import views as view_blocks
from bot.blocks.kit import modal
from bot.deps import Deps
from bot.domain.list_filters import STATE_FILTERS, ListFilter
from handlers.commands import views as view_commands
from handlers.common import NOW, Interaction, later

_VIEW_ID = re.compile(r"^V[A-Z0-9]{1,31}$")
_USER = re.compile(r"^[UW][A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class Surface:
    """Where a click was: ``"message"``, ``"home"`` or ``"modal"`` (then with its view id)."""

    kind: str
    view_id: str | None = None

    @classmethod
    def of(cls, body: dict[str, Any]) -> Surface:
        view = body.get("view")
        if isinstance(view, dict):
            view_id = view.get("id")
            view_id = view_id if isinstance(view_id, str) and _VIEW_ID.match(view_id) else None
            return cls("home" if view.get("type") == "home" else "modal", view_id)
        return cls("message")


def read_list_value(value: Any) -> tuple[ListFilter, int]:
    """The cursor and filters ``list_value`` wrote; anything else is a bad payload."""
    try:
        fields = json.loads(value) if isinstance(value, str) and len(value) <= 500 else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise payloads.BadPayload("value")
    after, state = fields.get("a", 0), fields.get("s", "")
    people = [fields.get("f"), fields.get("t")]
    if not isinstance(after, int) or isinstance(after, bool) or after < 0 or state not in STATE_FILTERS:
        raise payloads.BadPayload("value")
    if any(person is not None and not (isinstance(person, str) and _USER.match(person)) for person in people):
        raise payloads.BadPayload("value")
    return ListFilter(state=state, from_id=people[0], to_id=people[1]), after


def _in_modal(click: Interaction, blocks: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    reader = click.reader()
    view = modal(view_blocks.LIST_VIEW, title, "", reader, blocks)
    view.pop("submit")
    view["close"] = {"type": "plain_text", "text": reader.tr._("Close")[:24], "emoji": True}
    return view


def register(app: App, deps: Deps) -> None:
    @app.action(view_blocks.LIST_MORE_ACTION)
    def on_list_more(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action, request=False)
        filters, after = read_list_value(action.get("value"))
        surface = Surface.of(body)
        ack()

        def more(click: Interaction) -> None:
            fallback, blocks = view_commands.render_list(click, filters, after=after)
            if surface.kind == "message":
                click.reply(fallback, blocks, replace=True)
                return
            view = _in_modal(click, blocks, title=click.reader().tr._("All your requests"))
            client = deps.client_for(click.team_id)
            if surface.kind == "modal" and surface.view_id:
                client.views_update(view_id=surface.view_id, view=view)
            else:
                client.views_open(trigger_id=click.trigger_id, view=view)

        later(deps, click, more, priority=NOW)

    @app.action(view_blocks.SHOW_ACTION)
    def on_show(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action)
        surface = Surface.of(body)
        ack()

        def show(click: Interaction) -> None:
            fallback, blocks = view_commands.render_request(click, request_id=click.request_id)
            if surface.kind == "message":
                click.reply(fallback, blocks)
                return
            view = _in_modal(click, blocks, title=fallback.split(":")[0])
            client = deps.client_for(click.team_id)
            if surface.kind == "modal":
                client.views_push(trigger_id=click.trigger_id, view=view)
            else:
                client.views_open(trigger_id=click.trigger_id, view=view)

        later(deps, click, show, priority=NOW)

    @app.action(view_blocks.NEW_ACTION)
    def on_new(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action, request=False)
        ack()
        later(
            deps,
            click,
            lambda click: click.open_view(request_blocks.new_request_modal(click.reader(), channel_id="")),
            priority=NOW,
        )
