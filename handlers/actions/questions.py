"""The buttons on the questions `/request` asks back (an option, "Open the form"), and "Set the times"
on the requester's confirmation."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import questions
from bot.blocks import requests as blocks
from bot.deps import Deps
from bot.services import requests as request_service
from bot.services.requests import NotAllowed, NotNow
from handlers.common import NOW, Interaction, later, on_action
from handlers.text_filing import Answer, file_from_text, prefilled_form
from models import State
from models.db import reading


def open_set_times(click: Interaction) -> None:
    """Only the requester, and only while nobody has answered: then the times are still theirs to set."""
    reader = click.reader()
    with reading(click.deps.sessions) as session:
        request = request_service.load(
            session, team_id=click.team_id, request_id=click.request_id or 0, lock=False
        )
        if request.requester_id != click.user_id:
            raise NotAllowed("not_requester_times", number=request.number, requester_id=request.requester_id)
        if request.state != State.OPEN.value:
            raise NotNow("times_agreed", number=request.number, assignee=request.assignee_id)
        assignee_zone = click.deps.people.reader(click.team_id, request.assignee_id).tz
        view = blocks.set_times_modal(
            request, reader.knowing(click.user_id, {request.assignee_id: assignee_zone})
        )
    click.open_view(view)


def register(app: App, deps: Deps) -> None:
    @app.action(questions.CHOOSE_ACTION)
    def on_choose(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action, request=False)
        answer = Answer.unseal(click, action.get("value"))  # a stranger's or forged value: BadPayload
        ack()
        later(deps, click, lambda click: file_from_text(click, answer.text, answer=answer))

    @app.action(questions.FORM_ACTION)
    def on_form(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action, request=False)
        answer = Answer.unseal(click, action.get("value"))
        ack()
        later(deps, click, lambda click: click.open_view(prefilled_form(click, answer)), priority=NOW)

    on_action(app, deps, blocks.SET_TIMES_ACTION, open_set_times, priority=NOW)
