"""``user_status_changed``: someone set or cleared their Slack status — an absence may begin or end."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot import payloads
from bot.deps import Deps

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("user_status_changed")
    def on_status_changed(event: dict[str, Any], body: dict[str, Any]) -> None:
        user = event.get("user") if isinstance(event, dict) else None
        if not isinstance(user, dict) or not isinstance(user.get("profile"), dict):
            return
        team_id = payloads.team_id(body.get("team_id") or user.get("team_id"), "team_id")
        user_id = payloads.user_id(user.get("id"), "event.user.id")
        if user.get("is_bot") or user.get("deleted"):
            return
        profile = dict(user["profile"])

        def store() -> None:
            try:
                deps.statuses.store(team_id, user_id, profile)
            except Exception:  # an event has nobody to answer; the next read catches up
                logger.exception("could not store the status of %s", user_id)

        deps.work.submit(store, label="status")
