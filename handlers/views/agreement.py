"""Modal submissions of the agreement: "Need more time" (a proposal) and "Ask someone else".

Both check their input before ``ack()`` (a form's errors go back in the ack) and change things after it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import reminders as reminder_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.outbox import news
from bot.services import reminders as reminder_service
from bot.services import requests as request_service
from bot.services.agreement import end_of_day
from bot.services.requests import ServiceError
from handlers.common import Interaction, later
from handlers.filing import check_assignee
from models.db import reading, transaction

logger = logging.getLogger(__name__)


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
    day = payloads.picked_date(values, f"{prefix}_date")
    clock = payloads.picked_time(values, f"{prefix}_time")
    if day is None and clock is None:
        return None
    local_day = day or now.astimezone(tz).date()
    moment = datetime.combine(local_day, clock or default_time, tzinfo=tz).astimezone(UTC)
    if current is not None and moment == current.replace(second=0, microsecond=0):
        return None  # the prefilled agreed value, left as it was
    return moment


def register(app: App, deps: Deps) -> None:
    @app.view(reminder_blocks.PROPOSE_VIEW)
    def on_propose(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        values = payloads.state_values(view)
        note = payloads.typed(values, "note", limit=10_000).strip()[: reminder_blocks.NOTE_LIMIT]
        reader = form.reader()
        response_due_at = due_at = None
        try:
            with reading(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=form.team_id, request_id=form.request_id or 0, lock=False
                )
                times = {"tz": reader.tz, "now": form.now, "default_time": end_of_day(deps.settings)}
                response_due_at = proposed_time(values, "response", current=request.response_due_at, **times)
                due_at = proposed_time(values, "due", current=request.due_at, **times)
                filled = any(payloads.picked_date(values, f"{prefix}_date") for prefix in ("response", "due"))
                if response_due_at is None and due_at is None and filled:
                    raise ServiceError("proposal_unchanged", number=request.number)
                request_service.check_proposal(
                    request,
                    actor_id=form.user_id,
                    now=form.now,
                    response_due_at=response_due_at,
                    due_at=due_at,
                )
        except ServiceError as error:
            field = "due_date"
            if error.code == "past_date" and response_due_at is not None and response_due_at <= form.now:
                field = "response_date"
            if field not in values:
                field = next(iter(values), "due_date")
            ack(response_action="errors", errors={field: error_text(reader, error.code, **error.params)})
            return
        ack()
        later(
            deps,
            form,
            lambda form: form.change(
                request_service.propose, response_due_at=response_due_at, due_at=due_at, note=note
            ),
        )

    @app.view(reminder_blocks.ESCALATE_VIEW)
    def on_escalate(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        values = payloads.state_values(view)
        person_id = payloads.selected_user(values, "person") or ""
        note = payloads.typed(values, "note", limit=10_000).strip()[: reminder_blocks.NOTE_LIMIT]
        try:
            with reading(deps.sessions) as session:
                request = reminder_service.check_escalation(
                    session, team_id=form.team_id, request_id=form.request_id or 0, actor_id=form.user_id
                )
                if person_id in (request.requester_id, request.assignee_id):
                    raise ServiceError("escalate_same_person", assignee=request.assignee_id)
            check_assignee(deps, team_id=form.team_id, requester_id=form.user_id, assignee_id=person_id)
        except ServiceError as error:
            ack(
                response_action="errors",
                errors={"person": error_text(form.reader(), error.code, **error.params)},
            )
            return
        ack()

        def ask(form: Interaction) -> None:
            with transaction(deps.sessions) as session:
                request = reminder_service.check_escalation(
                    session, team_id=form.team_id, request_id=form.request_id or 0, actor_id=form.user_id
                )
                news.ask_person(
                    session,
                    request,
                    now=form.now,
                    requester_id=form.user_id,
                    person_id=person_id,
                    note=note or None,
                )

        later(deps, form, ask)
