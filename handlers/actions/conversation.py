"""The conversation's buttons: Answer and Ask back (the assignee), Reply (the requester, while the
request waits on them), Take it over (the person asked to help), and Ask someone else after a decline.

The ones that open a form check first that the person clicking may use it (a stranger hears why not,
nothing opens); the forms' submissions are in ``handlers.views.conversation``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.blocks import conversation as blocks
from bot.deps import Deps
from bot.outbox import absence_news
from bot.services import absences as absence_service
from bot.services import conversation as conversation_service
from bot.services import handover as handover_service
from bot.services import requests as request_service
from bot.services.requests import NotAllowed, NotNow
from handlers.common import NOW, Interaction, on_action
from models import Request, State
from models.db import reading, transaction


def _form(
    check: Callable[[Any, Request, Interaction], None],
    build: Callable[[Any, Request, Interaction], dict[str, Any]],
) -> Callable[[Interaction], None]:
    """Open the form ``build`` makes, once ``check`` (raising a ServiceError) lets the person in."""

    def open_form(click: Interaction) -> None:
        with reading(click.deps.sessions) as session:
            request = request_service.load(
                session, team_id=click.team_id, request_id=click.request_id or 0, lock=False
            )
            check(session, request, click)
            view = build(session, request, click)
        click.open_view(view)

    open_form.__name__ = f"open_{build.__name__}"
    return open_form


def _assignee_of_active(session: Any, request: Request, click: Interaction) -> None:
    if request.assignee_id != click.user_id:
        raise NotAllowed("not_assignee", number=request.number, assignee_id=request.assignee_id)
    if request.is_closed:
        raise NotNow("already_closed", number=request.number, state=request.state)


def _assignee_not_waiting(session: Any, request: Request, click: Interaction) -> None:
    _assignee_of_active(session, request, click)
    if request.state == State.WAITING.value:
        raise NotNow("already_waiting", number=request.number, requester_id=request.requester_id)


def _requester_waited_on(session: Any, request: Request, click: Interaction) -> None:
    if request.requester_id != click.user_id:
        raise NotAllowed("not_requester_reply", number=request.number, requester_id=request.requester_id)
    if request.is_closed:
        raise NotNow("already_closed", number=request.number, state=request.state)
    if request.state != State.WAITING.value:
        raise NotNow("not_waiting", number=request.number)


def _requester_declined(session: Any, request: Request, click: Interaction) -> None:
    if request.requester_id != click.user_id:
        raise NotAllowed("not_requester_escalate", number=request.number, requester_id=request.requester_id)
    if request.state != State.DECLINED.value:
        if request.is_closed:
            raise NotNow("already_closed", number=request.number, state=request.state)
        raise NotNow("not_declined", number=request.number)


def answer_form(session: Any, request: Request, click: Interaction) -> dict[str, Any]:
    return blocks.answer_modal(request, click.reader())


def ask_back_form(session: Any, request: Request, click: Interaction) -> dict[str, Any]:
    return blocks.ask_back_modal(request, click.reader())


def reply_form(session: Any, request: Request, click: Interaction) -> dict[str, Any]:
    question = conversation_service.waiting_question(session, request)
    text = (question.detail or {}).get("text") if question is not None else None
    return blocks.reply_modal(request, click.reader(), text)


def redirect_form(session: Any, request: Request, click: Interaction) -> dict[str, Any]:
    return blocks.redirect_modal(request, click.reader())


def take_over(click: Interaction) -> None:
    """``request_take_over``: the absent assignee's deputy, or someone the requester asked to help."""
    with reading(click.deps.sessions) as session:
        as_deputy = handover_service.by_deputy(
            session,
            team_id=click.team_id,
            request_id=click.request_id or 0,
            user_id=click.user_id,
            now=click.now,
        )
    if not as_deputy:
        click.change(handover_service.take_over)
        return
    with transaction(click.deps.sessions) as session:
        outcome = absence_service.take_over_as_deputy(
            session,
            team_id=click.team_id,
            request_id=click.request_id or 0,
            actor_id=click.user_id,
            now=click.now,
        )
        absence_news.handed_to_deputy(session, outcome, now=click.now, origin=click.origin)


def register(app: App, deps: Deps) -> None:
    on_action(app, deps, blocks.ANSWER_ACTION, _form(_assignee_of_active, answer_form), priority=NOW)
    on_action(app, deps, blocks.ASK_BACK_ACTION, _form(_assignee_not_waiting, ask_back_form), priority=NOW)
    on_action(app, deps, blocks.REPLY_ACTION, _form(_requester_waited_on, reply_form), priority=NOW)
    on_action(app, deps, blocks.REDIRECT_ACTION, _form(_requester_declined, redirect_form), priority=NOW)
    on_action(app, deps, blocks.TAKE_OVER_ACTION, take_over)
