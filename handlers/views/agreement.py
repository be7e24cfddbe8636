"""Modal submissions of the agreement: "Need more time" (a proposal) and "Ask someone else"."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from bot.blocks import reminders as reminder_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.outbox.publish import publish_outcome
from bot.people import reader_for
from bot.services import reminders as reminder_service
from bot.services import requests as request_service
from bot.services.agreement import end_of_day
from bot.services.requests import ServiceError
from handlers.common import team_of
from handlers.filing import check_assignee
from models.db import transaction

logger = logging.getLogger(__name__)


def _value(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return (values.get(block_id) or {}).get(action_id) or {}


def proposed_time(
    values: dict[str, Any],
    prefix: str,
    *,
    tz: ZoneInfo,
    now: datetime,
    default_time: time,
    current: datetime | None,
) -> datetime | None:
    """A date (and optional time) from the form in the reader's zone; None if empty or unchanged."""
    day = _value(values, f"{prefix}_date", f"{prefix}_date").get("selected_date")
    clock = _value(values, f"{prefix}_time", f"{prefix}_time").get("selected_time")
    if not day and not clock:
        return None
    local_day = datetime.fromisoformat(day).date() if day else now.astimezone(tz).date()
    at_time = time.fromisoformat(clock) if clock else default_time
    moment = datetime.combine(local_day, at_time, tzinfo=tz).astimezone(UTC)
    if current is not None and moment == current.replace(second=0, microsecond=0):
        return None  # the prefilled agreed value, left as it was
    return moment


def register(app: App, deps: Deps) -> None:
    @app.view(reminder_blocks.PROPOSE_VIEW)
    def on_propose(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id = team_of(body)
        user_id, now = body["user"]["id"], deps.now()
        values = view["state"]["values"]
        note = (_value(values, "note", "note").get("value") or "").strip()[: reminder_blocks.NOTE_LIMIT]
        with transaction(deps.sessions) as session:
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        response_due_at = None
        try:
            with transaction(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=team_id, request_id=int(view["private_metadata"]), lock=False
                )
                kwargs = {"tz": reader.tz, "now": now, "default_time": end_of_day(deps.settings)}
                response_due_at = proposed_time(values, "response", current=request.response_due_at, **kwargs)
                due_at = proposed_time(values, "due", current=request.due_at, **kwargs)
                filled = any(
                    _value(values, f"{prefix}_date", f"{prefix}_date").get("selected_date")
                    for prefix in ("response", "due")
                )
                if response_due_at is None and due_at is None and filled:
                    raise ServiceError("proposal_unchanged", number=request.number)
                outcome = request_service.propose(
                    session,
                    team_id=team_id,
                    request_id=request.id,
                    actor_id=user_id,
                    now=now,
                    response_due_at=response_due_at,
                    due_at=due_at,
                    note=note,
                )
        except (ServiceError, ValueError) as error:
            code = error.code if isinstance(error, ServiceError) else "not_found"
            params = error.params if isinstance(error, ServiceError) else {}
            field = "due_date"
            if code == "past_date" and response_due_at is not None and response_due_at <= now:
                field = "response_date"
            if field not in values:
                field = next(iter(values), "due_date")
            ack(response_action="errors", errors={field: error_text(reader, code, **params)})
            return
        ack()
        proposal = outcome.detail["proposal"]
        with transaction(deps.sessions) as session:
            request = outcome.request = session.merge(outcome.request)
            publish_outcome(deps, session, outcome, now)
            requester = reader_for(deps, session, team_id=team_id, user_id=request.requester_id, now=now)
            text, blocks = reminder_blocks.proposal_for_requester(request, proposal, requester)
            deps.messenger.dm(request.requester_id, text=text, blocks=blocks)
            text, blocks = reminder_blocks.proposal_sent(request, reader)
            deps.messenger.dm(user_id, text=text, blocks=blocks)

    @app.view(reminder_blocks.ESCALATE_VIEW)
    def on_escalate(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id = team_of(body)
        user_id, now = body["user"]["id"], deps.now()
        values = view["state"]["values"]
        person_id = _value(values, "person", "person").get("selected_user") or ""
        note = (_value(values, "note", "note").get("value") or "").strip()[: reminder_blocks.NOTE_LIMIT]
        with transaction(deps.sessions) as session:
            reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=now)
        try:
            with transaction(deps.sessions) as session:
                request = reminder_service.check_escalation(
                    session, team_id=team_id, request_id=int(view["private_metadata"]), actor_id=user_id
                )
                if person_id in (request.requester_id, request.assignee_id):
                    raise ServiceError("escalate_same_person", assignee=request.assignee_id)
                check_assignee(
                    deps, session, team_id=team_id, requester_id=user_id, assignee_id=person_id, now=now
                )
        except (ServiceError, ValueError) as error:
            code = error.code if isinstance(error, ServiceError) else "not_found"
            params = error.params if isinstance(error, ServiceError) else {}
            ack(response_action="errors", errors={"person": error_text(reader, code, **params)})
            return
        ack()
        with transaction(deps.sessions) as session:
            person = reader_for(deps, session, team_id=team_id, user_id=person_id, now=now)
            text, blocks = reminder_blocks.person_help_dm(request, person, note or None)
        if deps.messenger.dm(person_id, text=text, blocks=blocks) is None:
            deps.messenger.dm(user_id, text=error_text(reader, "internal"), blocks=[])
            return
        with transaction(deps.sessions) as session:
            request = reminder_service.record_escalation(
                session,
                team_id=team_id,
                request_id=request.id,
                actor_id=user_id,
                now=now,
                to="person",
                target_id=person_id,
            )
            assignee = reader_for(deps, session, team_id=team_id, user_id=request.assignee_id, now=now)
            text, blocks = reminder_blocks.assignee_escalation_notice(request, assignee, person_id=person_id)
        deps.messenger.dm(request.assignee_id, text=text, blocks=blocks)
        confirmation = reminder_blocks.escalation_confirmation(reader, person_id=person_id)
        deps.messenger.dm(user_id, text=confirmation, blocks=[])
