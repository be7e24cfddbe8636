"""Message shortcut "Make this a request": the form, prefilled with the message; its thread becomes
the request's thread, so the assignee's reply there counts as the first answer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import requests as blocks
from bot.deps import Deps
from bot.domain.text import MAX_REQUEST_TEXT
from bot.people import reader_for
from handlers.common import team_of
from models.db import transaction


def register(app: App, deps: Deps) -> None:
    @app.shortcut(blocks.MESSAGE_SHORTCUT)
    def on_shortcut(ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        message = body.get("message") or {}
        team_id = team_of(body)
        with transaction(deps.sessions) as session:
            reader = reader_for(deps, session, team_id=team_id, user_id=body["user"]["id"], now=deps.now())
        view = blocks.new_request_modal(
            reader,
            channel_id=(body.get("channel") or {}).get("id", ""),
            thread_ts=message.get("thread_ts") or message.get("ts"),
            text=(message.get("text") or "")[:MAX_REQUEST_TEXT],
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)
