"""The requester's choice after the reminder cap: *Keep waiting* (``request_keep_waiting``).

The same question offers *Ask someone else* (``request_escalate_person``, ``handlers.actions.agreement``)
and *Close it* (``request_cancel``, ``handlers.actions.request_buttons``); only the requester may press
any of them — the services refuse everyone else, and nothing changes.
"""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.services import reminders as reminder_service
from handlers.common import Interaction, on_action


def _question(click: Interaction) -> int | None:
    """Which question after the cap the button belongs to rides in its block id (``capped_<id>_<n>``)."""
    _, _, rest = click.block_id.partition("_")
    _, _, number = rest.partition("_")
    return int(number) if number.isdigit() and len(number) < 4 else None


def keep_waiting(click: Interaction) -> None:
    click.change(reminder_service.keep_waiting, settings=click.deps.settings, question=_question(click))


def register(app: App, deps: Deps) -> None:
    on_action(app, deps, "request_keep_waiting", keep_waiting)
