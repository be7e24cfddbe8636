"""The agreement's buttons: Need more time (propose), Accept / Keep the original times, and the
requester's own choice to ask for help in the channel or of a person (the bot never escalates alone)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.blocks import reminders as reminder_blocks
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.outbox.publish import publish_outcome
from bot.people import reader_for, workspace_language
from bot.services import reminders as reminder_service
from bot.services import requests as request_service
from bot.services.requests import ServiceError
from handlers.actions.request_buttons import open_form
from handlers.common import action_ids, refuse
from models.db import transaction

logger = logging.getLogger(__name__)


def _proposal_id(action: dict[str, Any]) -> int | None:
    """The proposal a button belongs to rides in its block id (``proposal_<id>``)."""
    block_id = action.get("block_id") or ""
    prefix = "proposal_"
    return (
        int(block_id[len(prefix) :])
        if block_id.startswith(prefix) and block_id[len(prefix) :].isdigit()
        else None
    )


def decide(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond, *, accept: bool
) -> None:
    """The requester's one click on a proposal; both sides see the outcome."""
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    change = request_service.accept_proposal if accept else request_service.reject_proposal
    try:
        if request_id is None:
            raise ServiceError("not_found")
        with transaction(deps.sessions) as session:
            outcome = change(
                session,
                team_id=team_id,
                request_id=request_id,
                actor_id=user_id,
                now=now,
                proposal_id=_proposal_id(action),
            )
    except ServiceError as error:
        refuse(deps, respond, team_id=team_id, user_id=user_id, error=error)
        return
    with transaction(deps.sessions) as session:
        request = outcome.request = session.merge(outcome.request)
        publish_outcome(deps, session, outcome, now)
        reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        text, blocks = reminder_blocks.proposal_decided_for_requester(request, accept, reader)
        respond(replace_original=True, text=text, blocks=blocks)
        assignee = reader_for(deps, session, team_id=team_id, user_id=request.assignee_id, now=now)
        text, blocks = reminder_blocks.proposal_decided_for_assignee(request, accept, assignee)
        deps.messenger.dm(request.assignee_id, text=text, blocks=blocks)


def channel_reader(deps: Deps, session: Any, team_id: str) -> Reader:
    """A channel reads the workspace's language and time zone."""
    return Reader.of(workspace_language(session, deps.settings, team_id), deps.settings.timezone)


def escalate_to_channel(deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    """Post a blameless call for help where the request was filed — only because the requester asked."""
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    try:
        if request_id is None:
            raise ServiceError("not_found")
        with transaction(deps.sessions) as session:
            request = reminder_service.check_escalation(
                session, team_id=team_id, request_id=request_id, actor_id=user_id
            )
            if not reminder_blocks.filed_in_channel(request):
                raise ServiceError("escalate_no_channel", number=request.number)
            text, blocks = reminder_blocks.channel_help_post(request, channel_reader(deps, session, team_id))
        channel_id = request.channel_id or ""
        try:
            deps.messenger.post(channel_id, text=text, blocks=blocks)
        except SlackApiError as failure:
            logger.warning("escalation post to %s failed: %s", channel_id, failure.response.get("error"))
            raise ServiceError("escalate_channel_failed", channel=channel_id) from None
        with transaction(deps.sessions) as session:
            request = reminder_service.record_escalation(
                session,
                team_id=team_id,
                request_id=request_id,
                actor_id=user_id,
                now=now,
                to="channel",
                target_id=channel_id,
            )
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
            confirmation = reminder_blocks.escalation_confirmation(reader, channel_id=channel_id)
            assignee = reader_for(deps, session, team_id=team_id, user_id=request.assignee_id, now=now)
            text, blocks = reminder_blocks.assignee_escalation_notice(
                request, assignee, channel_id=channel_id
            )
    except ServiceError as error:
        refuse(deps, respond, team_id=team_id, user_id=user_id, error=error)
        return
    respond(response_type="ephemeral", replace_original=False, text=confirmation)
    deps.messenger.dm(request.assignee_id, text=text, blocks=blocks)


def open_escalate_form(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any
) -> None:
    team_id, user_id, request_id = action_ids(body, action)
    now = deps.now()
    try:
        if request_id is None:
            raise ServiceError("not_found")
        with transaction(deps.sessions) as session:
            request = reminder_service.check_escalation(
                session, team_id=team_id, request_id=request_id, actor_id=user_id
            )
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
            view = reminder_blocks.escalate_modal(request, reader)
    except ServiceError as error:
        refuse(deps, respond, team_id=team_id, user_id=user_id, error=error)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, deps: Deps) -> None:
    @app.action("request_propose")
    def on_propose(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any
    ) -> None:
        ack()
        open_form(deps, body, action, respond, client, reminder_blocks.propose_modal)

    @app.action("request_accept_proposal")
    def on_accept(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        decide(deps, body, action, respond, accept=True)

    @app.action("request_reject_proposal")
    def on_reject(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        decide(deps, body, action, respond, accept=False)

    @app.action("request_escalate_channel")
    def on_escalate_channel(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        escalate_to_channel(deps, body, action, respond)

    @app.action("request_escalate_person")
    def on_escalate_person(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any
    ) -> None:
        ack()
        open_escalate_form(deps, body, action, respond, client)
