"""Message shortcut "Make this a request": the form, prefilled with the message; its thread becomes
the request's thread, so the assignee's reply there counts as the first answer."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import requests as blocks
from bot.deps import Deps
from bot.domain.text import MAX_REQUEST_TEXT, from_slack
from handlers import team_filing
from handlers.common import NOW, Interaction, later


def register(app: App, deps: Deps) -> None:
    @app.shortcut(blocks.MESSAGE_SHORTCUT)
    def on_shortcut(ack: Ack, body: dict[str, Any]) -> None:
        shortcut = Interaction.from_shortcut(deps, body)
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        thread_ts = payloads.message_ts(message.get("thread_ts") or message.get("ts"))
        # The message as mrkdwn → as its author typed it (references readable): the form shows text.
        text = from_slack(payloads.text(message.get("text"), "message.text"))[:MAX_REQUEST_TEXT]
        ack()

        def open_form(shortcut: Interaction) -> None:
            shortcut.open_view(
                blocks.new_request_modal(
                    shortcut.reader(),
                    channel_id=shortcut.channel_id or "",
                    thread_ts=thread_ts,
                    text=text,
                    team_options=team_filing.team_options(shortcut),
                )
            )

        later(deps, shortcut, open_form, priority=NOW)
