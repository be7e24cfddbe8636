"""App Home: published when a person opens the tab, and refreshed after actions on their requests.

A refresh only goes to people who have opened App Home before (one lookup), so an action costs at
most two ``views.publish`` calls and none for people who never look there.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.services import home as home_service
from handlers.common import Deps, reader_for
from handlers.home_blocks import home_view
from models.db import transaction

logger = logging.getLogger(__name__)


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
