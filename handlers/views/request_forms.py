"""Modal submissions: the new-request form, Decline (with a reason) and Reassign."""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from bot.blocks import requests as blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.domain.parsing import Deadline, ParseError, parse_duration
from bot.domain.text import MAX_REASON_TEXT
from bot.outbox.publish import publish_outcome
from bot.people import reader_for
from bot.services import requests as request_service
from bot.services.agreement import end_of_day, response_due
from bot.services.requests import ServiceError
from handlers.common import team_of
from handlers.filing import Filing, check_assignee, check_text, file_and_deliver
from models.db import transaction

logger = logging.getLogger(__name__)


def _value(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return (values.get(block_id) or {}).get(action_id) or {}


def _due_from_form(values: dict[str, Any], tz: ZoneInfo, default_time: time) -> Deadline | None:
    day = _value(values, "due_date", "due_date").get("selected_date")
    if not day:
        return None
    clock = _value(values, "due_time", "due_time").get("selected_time")
    at_time = time.fromisoformat(clock) if clock else default_time
    local = datetime.combine(datetime.fromisoformat(day).date(), at_time, tzinfo=tz)
    return Deadline(at=local.astimezone(ZoneInfo("UTC")), date_only=not clock)


def register(app: App, deps: Deps) -> None:
    @app.view(blocks.NEW_REQUEST_VIEW)
    def on_new_request(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id = team_of(body)
        user_id = body["user"]["id"]
        values = view["state"]["values"]
        now = deps.now()
        with transaction(deps.sessions) as session:
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        errors: dict[str, str] = {}
        assignee_id = _value(values, "assignee", "assignee").get("selected_user") or ""
        text = _value(values, "text", "text").get("value") or ""
        kind = (_value(values, "kind", "kind").get("selected_option") or {}).get("value") or "task"
        within_text = (_value(values, "within", "within").get("value") or "").strip()
        within = due = None
        try:
            check_text(text)
        except ServiceError as error:
            errors["text"] = error_text(reader, error.code, **error.params)
        if within_text:
            try:
                within = parse_duration(within_text, reader.tr.language)
            except ParseError as error:
                errors["within"] = error_text(reader, error.code, **{"text": within_text, **error.params})
        due = _due_from_form(values, reader.tz, end_of_day(deps.settings))
        if due is not None and due.at <= now:
            errors["due_date"] = error_text(reader, "past_date")
        if not errors:
            try:
                with transaction(deps.sessions) as session:
                    check_assignee(
                        deps, session, team_id=team_id, requester_id=user_id, assignee_id=assignee_id, now=now
                    )
            except ServiceError as error:
                errors["assignee"] = error_text(reader, error.code, **error.params)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        origin = blocks.read_origin(view.get("private_metadata", ""))
        channel_id = origin.get("channel") or None
        filing = Filing(
            team_id=team_id,
            requester_id=user_id,
            assignee_id=assignee_id,
            text=text,
            kind=kind,
            channel_id=channel_id,
            within=within,
            due=due,
            thread_channel_id=channel_id if origin.get("thread_ts") else None,
            thread_ts=origin.get("thread_ts") or None,
        )
        try:
            request = file_and_deliver(deps, filing, now)
        except ServiceError as error:
            deps.messenger.dm(user_id, text=error_text(reader, error.code, **error.params), blocks=[])
            return
        message_text, confirmation = blocks.requester_confirmation(request, reader)
        if channel_id:
            deps.messenger.ephemeral(channel_id, user_id, text=message_text, blocks=confirmation)
        else:
            deps.messenger.dm(user_id, text=message_text, blocks=confirmation)

    @app.view(blocks.DECLINE_VIEW)
    def on_decline(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = (_value(view["state"]["values"], "reason", "reason").get("value") or "").strip()
        if not reason or len(reason) > MAX_REASON_TEXT:
            with transaction(deps.sessions) as session:
                reader = reader_for(
                    deps, session, team_id=body["team"]["id"], user_id=body["user"]["id"], now=deps.now()
                )
            code = "reason_required" if not reason else "reason_too_long"
            ack(
                response_action="errors",
                errors={"reason": error_text(reader, code, length=len(reason), limit=MAX_REASON_TEXT)},
            )
            return
        ack()
        _change_from_view(
            deps,
            body,
            view,
            lambda session, d, kwargs: request_service.decline(session, reason=reason, **kwargs),
        )

    @app.view(blocks.REASSIGN_VIEW)
    def on_reassign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.now()
        new_assignee = _value(view["state"]["values"], "assignee", "assignee").get("selected_user") or ""
        try:
            with transaction(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=team_id, request_id=int(view["private_metadata"]), lock=False
                )
                person = check_assignee(
                    deps,
                    session,
                    team_id=team_id,
                    requester_id=request.requester_id,
                    assignee_id=new_assignee,
                    now=now,
                )
        except (ServiceError, ValueError) as error:
            with transaction(deps.sessions) as session:
                reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
            code = error.code if isinstance(error, ServiceError) else "not_found"
            if code == "self_request":
                code = "reassign_to_requester"
            params = error.params if isinstance(error, ServiceError) else {}
            ack(response_action="errors", errors={"assignee": error_text(reader, code, **params)})
            return
        ack()
        due = response_due(deps.settings, tz=person.tz, now=now, within=None)
        _change_from_view(
            deps,
            body,
            view,
            lambda session, d, kwargs: request_service.reassign(
                session, new_assignee_id=new_assignee, response_due_at=due, **kwargs
            ),
        )


def _change_from_view(deps: Deps, body: dict[str, Any], view: dict[str, Any], change: Any) -> None:
    """Like a button click, with the request id carried in the modal's private_metadata."""
    team_id, user_id, now = body["team"]["id"], body["user"]["id"], deps.now()
    try:
        with transaction(deps.sessions) as session:
            outcome = change(
                session,
                deps,
                {
                    "team_id": team_id,
                    "request_id": int(view["private_metadata"]),
                    "actor_id": user_id,
                    "now": now,
                },
            )
    except (ServiceError, ValueError) as error:
        with transaction(deps.sessions) as session:
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        code = error.code if isinstance(error, ServiceError) else "not_found"
        params = error.params if isinstance(error, ServiceError) else {}
        deps.messenger.dm(user_id, text=error_text(reader, code, **params), blocks=[])
        return
    with transaction(deps.sessions) as session:
        outcome.request = session.merge(outcome.request)
        publish_outcome(deps, session, outcome, now)
