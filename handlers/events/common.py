"""What event listeners share: an ``Interaction`` built from an event, with its delivery key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import payloads
from bot.deps import Deps
from handlers.common import Interaction


@dataclass
class EventContext(Interaction):
    #: ``event:<event_id>``: what the event causes takes effect once, however often Slack delivers it.
    delivery_key: str | None = None

    @classmethod
    def from_event(cls, deps: Deps, body: dict[str, Any], event: dict[str, Any]) -> EventContext:
        team = body.get("team_id") or event.get("team") or (event.get("view") or {}).get("team_id")
        event_id = body.get("event_id")
        if event_id is not None and (not isinstance(event_id, str) or len(event_id) > 100):
            raise payloads.BadPayload("event_id")
        return cls(
            deps=deps,
            team_id=payloads.team_id(team, "team_id"),
            user_id=payloads.user_id(event.get("user"), "event.user"),
            now=deps.now(),
            delivery_key=f"event:{event_id}" if event_id else None,
        )
