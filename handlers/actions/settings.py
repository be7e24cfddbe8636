"""App Home's *My settings* button: the personal settings form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks.home import SETTINGS_ACTION
from bot.deps import Deps
from handlers.common import NOW, Interaction, later
from handlers.settings_forms import open_settings


def register(app: App, deps: Deps) -> None:
    @app.action(SETTINGS_ACTION)
    def on_settings(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action, request=False)
        ack()
        later(deps, click, open_settings, priority=NOW)
