"""The conversation's forms: the answer (optionally finishing the request), the question back, the
requester's reply, and asking someone else after a decline.

Input is checked before ``ack()`` (a form's errors go back in the ack); the change runs after it, on the
work queue — one service call and its messages in one transaction (``Interaction.change``).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import conversation as blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.services import conversation as conversation_service
from bot.services import handover as handover_service
from bot.services import requests as request_service
from bot.services.agreement import response_due
from bot.services.conversation import MAX_ANSWER_TEXT
from bot.services.requests import ServiceError
from handlers.common import Interaction, later
from handlers.filing import calendar_of, check_assignee
from models.db import reading


def _written(form: Interaction, view: dict[str, Any], block_id: str, ack: Ack) -> str | None:
    """The text typed in ``block_id``, or None after answering the form with what is wrong with it."""
    typed = payloads.typed(payloads.state_values(view), block_id, limit=MAX_ANSWER_TEXT * 4)
    try:
        return conversation_service.check_answer_text(typed)
    except ServiceError as error:
        ack(
            response_action="errors", errors={block_id: error_text(form.reader(), error.code, **error.params)}
        )
        return None


def register(app: App, deps: Deps) -> None:
    @app.view(blocks.ANSWER_VIEW)
    def on_answer(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        text = _written(form, view, "answer", ack)
        if text is None:
            return
        finish = blocks.FINISH_OPTION in payloads.checked(payloads.state_values(view), "finish")
        ack()
        later(deps, form, lambda form: form.change(conversation_service.answer, text=text, finish=finish))

    @app.view(blocks.ASK_BACK_VIEW)
    def on_ask_back(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        text = _written(form, view, "question", ack)
        if text is None:
            return
        ack()
        later(deps, form, lambda form: form.change(conversation_service.ask_back, text=text))

    @app.view(blocks.REPLY_VIEW)
    def on_reply(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        text = _written(form, view, "reply", ack)
        if text is None:
            return
        ack()

        def reply(form: Interaction) -> None:
            # The assignee's calendar first (people look-ups before the writing transaction).
            with reading(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=form.team_id, request_id=form.request_id or 0, lock=False
                )
                assignee_id = request.assignee_id
            person = deps.people.get(form.team_id, assignee_id)
            calendar = calendar_of(deps, form.team_id, assignee_id, person.tz if person else None)
            form.change(conversation_service.reply_to_question, text=text, calendar=calendar)

        later(deps, form, reply)

    @app.view(blocks.REDIRECT_VIEW)
    def on_redirect(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        values = payloads.state_values(view)
        new_assignee = payloads.selected_user(values, "assignee") or ""
        note = payloads.typed(values, "note", limit=10_000).strip()[: blocks.NOTE_LIMIT]
        try:
            with reading(deps.sessions) as session:
                request = request_service.load(
                    session, team_id=form.team_id, request_id=form.request_id or 0, lock=False
                )
                if new_assignee == request.assignee_id:
                    raise ServiceError("redirect_same", assignee=request.assignee_id)
            person = check_assignee(
                deps, team_id=form.team_id, requester_id=form.user_id, assignee_id=new_assignee
            )
        except ServiceError as error:
            ack(
                response_action="errors",
                errors={"assignee": error_text(form.reader(), error.code, **error.params)},
            )
            return
        ack()
        calendar = calendar_of(deps, form.team_id, new_assignee, person.tz)
        due = response_due(deps.settings, tz=person.tz, now=form.now, within=None, calendar=calendar)
        later(
            deps,
            form,
            lambda form: form.change(
                handover_service.redirect,
                new_assignee_id=new_assignee,
                response_due_at=due,
                note=note or None,
            ),
        )
