"""The forms of the requester's card: Edit (text now; new times as a proposal to the assignee) and
Reopen (with a reason; the clocks start again). Input is checked before ``ack()`` so that errors show
under their fields; the change runs after it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import card as card_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.domain.parsing import ParseError, parse_duration
from bot.domain.text import MAX_REASON_TEXT, MAX_REQUEST_TEXT
from bot.services import card as card_service
from bot.services import requests as request_service
from bot.services.agreement import end_of_day, response_due
from bot.services.requests import ServiceError
from handlers.common import Interaction, later
from handlers.filing import calendar_of, check_text, due_for_assignee
from handlers.views.request_forms import _due_from_form
from models import State
from models.db import reading


def register(app: App, deps: Deps) -> None:
    @app.view(card_blocks.EDIT_VIEW)
    def on_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        values = payloads.state_values(view)
        reader = form.reader()
        typed = payloads.typed(values, "text", limit=MAX_REQUEST_TEXT * 2)
        within_text = payloads.typed(values, "within", limit=200).strip()
        errors: dict[str, str] = {}
        text = respond_by = due_at = None
        try:
            text = check_text(typed)
        except ServiceError as error:
            errors["text"] = error_text(reader, error.code, **error.params)
        try:
            with reading(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=form.team_id, request_id=form.request_id or 0, lock=False
                )
                if request.requester_id != form.user_id:
                    raise ServiceError(
                        "not_requester_card", number=request.number, requester_id=request.requester_id
                    )
                assignee_id, state, number = request.assignee_id, request.state, request.number
                current = (request.text, request.response_due_at, request.due_at)
            person = deps.people.get(form.team_id, assignee_id)
            calendar = calendar_of(deps, form.team_id, assignee_id, person.tz if person else None)
            if within_text and state == State.OPEN.value:
                try:
                    within = parse_duration(within_text, reader.tr.language)
                    respond_by = response_due(
                        deps.settings, tz=None, now=form.now, within=within, calendar=calendar
                    )
                except ParseError as error:
                    errors["within"] = error_text(reader, error.code, **{"text": within_text, **error.params})
            due = _due_from_form(values, reader.tz, end_of_day(deps.settings))
            if due is not None:
                due = due_for_assignee(due, requester_tz=reader.tz, calendar=calendar)
                if due.at <= form.now:
                    errors["due_date"] = error_text(
                        reader, "due_day_over", day=reader.tr.date(due.at, calendar.tz), assignee=assignee_id
                    )
                elif due.at != current[2]:
                    due_at = due.at
            if not errors and text == current[0] and respond_by is None and due_at is None:
                errors["text"] = error_text(reader, "edit_unchanged", number=number)
        except ServiceError as error:
            errors["text"] = error_text(reader, error.code, **error.params)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        later(
            deps,
            form,
            lambda form: form.change(card_service.edit, text=text, response_due_at=respond_by, due_at=due_at),
        )

    @app.view(card_blocks.REOPEN_VIEW)
    def on_reopen(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        reason = payloads.typed(payloads.state_values(view), "reason", limit=MAX_REASON_TEXT * 4).strip()
        if not reason or len(reason) > MAX_REASON_TEXT:
            code = "reason_required" if not reason else "reason_too_long"
            ack(
                response_action="errors",
                errors={"reason": error_text(form.reader(), code, length=len(reason), limit=MAX_REASON_TEXT)},
            )
            return
        ack()

        def reopen_it(form: Interaction) -> None:
            with reading(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=form.team_id, request_id=form.request_id or 0, lock=False
                )
                assignee_id = request.assignee_id
            person = deps.people.get(form.team_id, assignee_id)
            tz = person.tz if person else None
            calendar = calendar_of(deps, form.team_id, assignee_id, tz)
            due = response_due(deps.settings, tz=tz, now=form.now, within=None, calendar=calendar)
            form.change(card_service.reopen, reason=reason, response_due_at=due)

        later(deps, form, reopen_it)
