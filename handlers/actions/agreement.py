"""The agreement's buttons: Need more time (propose), Accept / Keep the original times, and the
requester's own choice to ask for help in the channel or of a person (the bot never escalates alone)."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import reminders as reminder_blocks
from bot.deps import Deps
from bot.outbox import news
from bot.services import reminders as reminder_service
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from handlers.actions.request_buttons import form_for_assignee
from handlers.common import NOW, Interaction, on_action
from models.db import reading, transaction


def _proposal_id(click: Interaction) -> int | None:
    """The proposal a button belongs to rides in its block id (``proposal_<id>``)."""
    prefix = "proposal_"
    rest = click.block_id[len(prefix) :] if click.block_id.startswith(prefix) else ""
    return int(rest) if rest.isdigit() and len(rest) < 10 else None


def accept(click: Interaction) -> None:
    click.change(request_service.accept_proposal, proposal_id=_proposal_id(click))


def keep_original(click: Interaction) -> None:
    click.change(request_service.reject_proposal, proposal_id=_proposal_id(click))


def ask_in_channel(click: Interaction) -> None:
    """A blameless call for help where the request was filed — only because the requester asked."""
    with transaction(click.deps.sessions) as session:
        request = reminder_service.check_escalation(
            session, team_id=click.team_id, request_id=click.request_id or 0, actor_id=click.user_id
        )
        if not reminder_blocks.filed_in_channel(request):
            raise ServiceError("escalate_no_channel", number=request.number)
        news.ask_channel(session, request, now=click.now, requester_id=click.user_id, origin=click.origin)


def open_escalate_form(click: Interaction) -> None:
    reader = click.reader()
    with reading(click.deps.sessions) as session:
        request = reminder_service.check_escalation(
            session, team_id=click.team_id, request_id=click.request_id or 0, actor_id=click.user_id
        )
        view = reminder_blocks.escalate_modal(request, reader)
    click.open_view(view)


def register(app: App, deps: Deps) -> None:
    on_action(app, deps, "request_propose", form_for_assignee(reminder_blocks.propose_modal), priority=NOW)
    on_action(app, deps, "request_accept_proposal", accept)
    on_action(app, deps, "request_reject_proposal", keep_original)
    on_action(app, deps, "request_escalate_channel", ask_in_channel)
    on_action(app, deps, "request_escalate_person", open_escalate_form, priority=NOW)
