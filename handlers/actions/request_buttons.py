"""The buttons on request messages: Got it, Done, Snooze, Cancel — and the ones that open a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.blocks import requests as blocks
from bot.deps import Deps
from bot.services import requests as request_service
from bot.services.agreement import calendar_for
from bot.services.requests import ServiceError
from handlers.common import NOW, Interaction, on_action
from models.db import reading


def acknowledge(click: Interaction) -> None:
    click.change(request_service.acknowledge)


def complete(click: Interaction) -> None:
    click.change(request_service.complete)


def cancel(click: Interaction) -> None:
    click.change(request_service.cancel)


def snooze(click: Interaction) -> None:
    """Snooze until the same time on the assignee's next working day."""
    person = click.deps.people.get(click.team_id, click.user_id)
    calendar = calendar_for(click.deps.settings, person.tz if person else None)
    click.change(request_service.snooze, until=calendar.add_business_days(click.now, 1))


def form_for_assignee(build: Callable[[Any, Any], dict[str, Any]]) -> Callable[[Interaction], None]:
    """Decline and Reassign ask for more in a modal; only the assignee of an active request gets it."""

    def open_form(click: Interaction) -> None:
        reader = click.reader()
        with reading(click.deps.sessions) as session:
            request = request_service.load(
                session, team_id=click.team_id, request_id=click.request_id or 0, lock=False
            )
            if request.assignee_id != click.user_id:
                raise ServiceError("not_assignee", number=request.number, assignee_id=request.assignee_id)
            if request.is_closed:
                raise ServiceError("already_closed", number=request.number, state=request.state)
            view = build(request, reader)
        click.open_view(view)

    open_form.__name__ = f"open_{build.__name__}"
    return open_form


def register(app: App, deps: Deps) -> None:
    on_action(app, deps, "request_ack", acknowledge)
    on_action(app, deps, "request_done", complete)
    on_action(app, deps, "request_cancel", cancel)
    on_action(app, deps, "request_snooze", snooze)
    on_action(app, deps, "request_decline", form_for_assignee(blocks.decline_modal), priority=NOW)
    on_action(app, deps, "request_reassign", form_for_assignee(blocks.reassign_modal), priority=NOW)
