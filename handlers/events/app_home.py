"""App Home: published when a person opens the tab, and refreshed after actions on their requests.

A refresh only goes to people who have opened App Home before (``bot.outbox.news.refresh_homes``), so
an action costs at most two ``views.publish`` calls and none for people who never look there.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.outbox import store
from bot.services import home as home_service
from handlers.common import NOW, later
from handlers.events.common import EventContext
from models.db import transaction
from models.outbox import PRIORITY_NOW


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if not isinstance(event, dict) or event.get("tab", "home") != "home":
            return  # the Messages tab
        visit = EventContext.from_event(deps, body, event)
        later(deps, visit, publish, priority=NOW)


def publish(visit: EventContext) -> None:
    """Remember the visit and publish the Home (through the outbox, collapsed with pending refreshes)."""
    with transaction(visit.deps.sessions) as session:
        home_service.record_visit(session, team_id=visit.team_id, user_id=visit.user_id, now=visit.now)
        key = f"home:{visit.team_id}:{visit.user_id}"
        store.enqueue(
            session,
            team_id=visit.team_id,
            kind="home",
            key=key,
            collapse=True,
            sequence=key,
            priority=PRIORITY_NOW,
            now=visit.now,
            recipient=visit.user_id,
        )
