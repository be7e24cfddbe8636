"""Modal submissions: the new-request form, Decline (with a reason) and Reassign.

A form's errors must come back in the ack (Slack shows them under the fields), so these listeners check
the input before ``ack()`` — reading the people cache, and asking Slack only about someone never seen
before. The change itself runs after the ack, on the work queue.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import requests as blocks
from bot.blocks.conversation import NOTE_LIMIT
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.domain.parsing import Deadline, ParseError, parse_duration
from bot.domain.text import MAX_REASON_TEXT, MAX_REQUEST_TEXT
from bot.outbox import news
from bot.services import requests as request_service
from bot.services.agreement import end_of_day, response_due
from bot.services.requests import ServiceError
from handlers import team_filing
from handlers.common import Interaction, later
from handlers.filing import Filing, calendar_of, check_assignee, check_text, due_for_assignee, file
from models.db import reading

logger = logging.getLogger(__name__)


def _due_from_form(values: dict[str, Any], tz: ZoneInfo, default_time: time) -> Deadline | None:
    day = payloads.picked_date(values, "due_date")
    if day is None:
        return None
    clock = payloads.picked_time(values, "due_time")
    local = datetime.combine(day, clock or default_time, tzinfo=tz)
    return Deadline(at=local.astimezone(UTC), date_only=clock is None)


def register(app: App, deps: Deps) -> None:
    @app.view(blocks.NEW_REQUEST_VIEW)
    def on_new_request(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=False)
        values = payloads.state_values(view)
        reader = form.reader()
        assignee_id = payloads.selected_user(values, "assignee") or ""
        text = payloads.typed(values, "text", limit=MAX_REQUEST_TEXT * 2)
        kind = payloads.selected_value(values, "kind") or "task"
        if kind not in blocks.KIND_LABELS:
            raise payloads.BadPayload("view.kind")
        within_text = payloads.typed(values, "within", limit=200).strip()
        errors: dict[str, str] = {}
        within = None
        try:
            check_text(text)
        except ServiceError as error:
            errors["text"] = error_text(reader, error.code, **error.params)
        if within_text:
            try:
                within = parse_duration(within_text, reader.tr.language)
            except ParseError as error:
                errors["within"] = error_text(reader, error.code, **{"text": within_text, **error.params})
        urgent = "urgent" in payloads.checked(values, "urgent")
        due = _due_from_form(values, reader.tz, end_of_day(deps.settings))
        if due is not None and due.at <= form.now and not due.date_only:
            errors["due_date"] = error_text(reader, "past_date")
        team_choice = payloads.selected_value(values, "team")
        if team_choice is not None or (not assignee_id and "team" in values):
            _on_team_form(deps, ack, form, view, values, errors, assignee_id, team_choice)
            return
        if not errors:
            try:
                person = check_assignee(
                    deps, team_id=form.team_id, requester_id=form.user_id, assignee_id=assignee_id
                )
                if due is not None:
                    # A date means the end of *their* working day: it may be over for them already.
                    calendar = calendar_of(deps, form.team_id, assignee_id, person.tz)
                    theirs = due_for_assignee(due, requester_tz=reader.tz, calendar=calendar)
                    if theirs.at <= form.now:
                        errors["due_date"] = error_text(
                            reader,
                            "due_day_over" if due.date_only else "past_date",
                            day=reader.tr.date(due.at, reader.tz),
                            assignee=assignee_id,
                        )
            except ServiceError as error:
                errors["assignee"] = error_text(reader, error.code, **error.params)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        origin = blocks.read_origin(view.get("private_metadata", ""))
        channel_id = payloads.channel_id(origin.get("channel"))
        thread_ts = payloads.message_ts(origin.get("thread_ts"))
        filing = Filing(
            team_id=form.team_id,
            requester_id=form.user_id,
            assignee_id=assignee_id,
            text=text,
            kind=kind,
            channel_id=channel_id,
            within=within,
            due=due,
            urgent=urgent,
            thread_channel_id=channel_id if thread_ts else None,
            thread_ts=thread_ts,
            delivery_key=f"view:{view.get('id')}" if isinstance(view.get("id"), str) else None,
        )

        def file_it(form: Interaction) -> None:
            # The confirmation goes where the form was opened (an ephemeral there, or a DM).
            file(deps, filing, now=form.now, origin=news.Origin(channel_id=channel_id))

        later(deps, form, file_it)

    def _on_team_form(deps, ack, form, view, values, errors, assignee_id, team_choice) -> None:
        """The form asked a team (``bot.blocks.requests`` offers the choice): exactly one of the two."""
        reader = form.reader()
        if bool(assignee_id) == bool(team_choice):
            errors["assignee"] = error_text(reader, "team_needs_both")
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        origin = blocks.read_origin(view.get("private_metadata", ""))
        channel_id = payloads.channel_id(origin.get("channel"))
        thread_ts = payloads.message_ts(origin.get("thread_ts"))
        within_text = payloads.typed(values, "within", limit=200).strip()
        filing = team_filing.TeamFiling(
            team_id=form.team_id,
            requester_id=form.user_id,
            usergroup_id=payloads.subteam_id(team_choice, "view.team"),
            text=payloads.typed(values, "text", limit=MAX_REQUEST_TEXT * 2),
            kind=payloads.selected_value(values, "kind") or "task",
            channel_id=channel_id,
            within=parse_duration(within_text, reader.tr.language) if within_text else None,
            due=_due_from_form(values, reader.tz, end_of_day(deps.settings)),
            urgent="urgent" in payloads.checked(values, "urgent"),
            thread_channel_id=channel_id if thread_ts else None,
            thread_ts=thread_ts,
            delivery_key=f"view:{view.get('id')}" if isinstance(view.get("id"), str) else None,
        )
        later(
            deps,
            form,
            lambda form: team_filing.file_from_form(form, filing, origin=news.Origin(channel_id=channel_id)),
        )

    @app.view(blocks.DECLINE_VIEW)
    def on_decline(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
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
        later(deps, form, lambda form: form.change(request_service.decline, reason=reason))

    @app.view(blocks.REASSIGN_VIEW)
    def on_reassign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        values = payloads.state_values(view)
        new_assignee = payloads.selected_user(values, "assignee") or ""
        note = payloads.typed(values, "note", limit=10_000).strip()[:NOTE_LIMIT]
        try:
            if new_assignee == form.user_id:
                raise ServiceError("reassign_self")
            with reading(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=form.team_id, request_id=form.request_id or 0, lock=False
                )
                requester_id = request.requester_id
            person = check_assignee(
                deps, team_id=form.team_id, requester_id=requester_id, assignee_id=new_assignee
            )
        except ServiceError as error:
            code = "reassign_to_requester" if error.code == "self_request" else error.code
            ack(
                response_action="errors", errors={"assignee": error_text(form.reader(), code, **error.params)}
            )
            return
        ack()
        calendar = calendar_of(deps, form.team_id, new_assignee, person.tz)
        due = response_due(deps.settings, tz=person.tz, now=form.now, within=None, calendar=calendar)
        later(
            deps,
            form,
            lambda form: form.change(
                request_service.reassign, new_assignee_id=new_assignee, response_due_at=due, note=note or None
            ),
        )

    @app.view(blocks.SET_TIMES_VIEW)
    def on_set_times(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The requester sets the times of a request just filed: counted on the assignee's calendar."""
        form = Interaction.from_view(deps, body, view, request=True)
        values = payloads.state_values(view)
        reader = form.reader()
        within_text = payloads.typed(values, "within", limit=200).strip()
        errors: dict[str, str] = {}
        try:
            with reading(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=form.team_id, request_id=form.request_id or 0, lock=False
                )
                assignee_id = request.assignee_id
            person = deps.people.get(form.team_id, assignee_id)
            calendar = calendar_of(deps, form.team_id, assignee_id, person.tz if person else None)
            respond_by = None
            if within_text:
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
            if respond_by is None and due is None and not errors:
                errors["within"] = error_text(reader, "proposal_needs_time")
        except ServiceError as error:
            errors["within"] = error_text(reader, error.code, **error.params)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        later(
            deps,
            form,
            lambda form: form.change(
                request_service.set_times,
                response_due_at=respond_by,
                due_at=due.at if due else None,
                due_date_only=bool(due and due.date_only),
            ),
        )
