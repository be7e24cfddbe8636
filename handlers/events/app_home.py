"""App Home: published when a person opens the tab, and refreshed after actions on their requests.

A refresh only goes to people who have opened App Home before (one lookup), so an action costs at
most two ``views.publish`` calls and none for people who never look there.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.outbox.publish import publish_home
from bot.services import home as home_service
from models.db import transaction

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        team_id = body.get("team_id") or (event.get("view") or {}).get("team_id")
        user_id = event["user"]
        now = deps.now()
        with transaction(deps.sessions) as session:
            home_service.record_visit(session, team_id=team_id, user_id=user_id, now=now)
        with transaction(deps.sessions) as session:
            publish_home(deps, session, team_id=team_id, user_id=user_id, now=now)
