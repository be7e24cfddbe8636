"""The buttons absence brings: ask the deputy instead (``request_ask_deputy``) or keep it
(``request_keep``) — the requester's; take it over (``request_take_over``) — the deputy's; I'm back
(``request_back``) — in App Home."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import absences as absence_blocks
from bot.deps import Deps
from bot.outbox import absence_news
from bot.services import absences as absence_service
from bot.services.agreement import response_due
from handlers.common import Interaction, later, on_action
from handlers.filing import calendar_of
from models.db import reading, transaction


def ask_deputy(click: Interaction) -> None:
    """The requester hands the request to the absent person's deputy, with a fresh response time on the
    deputy's calendar."""
    deps = click.deps
    with reading(deps.sessions) as session:
        deputy_id = absence_service.deputy_for_request(
            session,
            team_id=click.team_id,
            request_id=click.request_id or 0,
            actor_id=click.user_id,
            now=click.now,
        )
    deputy = deps.people.get(click.team_id, deputy_id)
    tz = deputy.tz if deputy else None
    respond_by = response_due(
        deps.settings,
        tz=tz,
        now=click.now,
        within=None,
        calendar=calendar_of(deps, click.team_id, deputy_id, tz),
    )
    with transaction(deps.sessions) as session:
        outcome = absence_service.ask_deputy(
            session,
            team_id=click.team_id,
            request_id=click.request_id or 0,
            actor_id=click.user_id,
            now=click.now,
            deputy_id=deputy_id,
            response_due_at=respond_by,
        )
        absence_news.handed_to_deputy(session, outcome, now=click.now, origin=click.origin)


def keep(click: Interaction) -> None:
    """The requester keeps it with the absent person: nothing changes, the question is answered."""
    with transaction(click.deps.sessions) as session:
        request = absence_service.keep_with_assignee(
            session,
            team_id=click.team_id,
            request_id=click.request_id or 0,
            actor_id=click.user_id,
            now=click.now,
        )
        absence_news.kept_with_assignee(
            session,
            team_id=click.team_id,
            recipient=click.user_id,
            number=request.number,
            assignee=request.assignee_id,
            key=f"kept:{request.id}:{click.message_ts or click.now.isoformat()}",
            now=click.now,
            response_url=click.response_url,
        )


def back(click: Interaction) -> None:
    """App Home's *I'm back*: every current absence ends now."""
    deps = click.deps
    person = deps.people.get(click.team_id, click.user_id)
    with transaction(deps.sessions) as session:
        change = absence_service.come_back(
            session,
            deps.settings,
            team_id=click.team_id,
            user_id=click.user_id,
            tz=person.tz if person else None,
            now=click.now,
        )
        absence_news.clocks_moved(session, change, team_id=click.team_id, now=click.now)
    click.tell(absence_blocks.back_saved(click.reader(), moved=len(change.moved)))


def register(app: App, deps: Deps) -> None:
    on_action(app, deps, absence_blocks.ASK_DEPUTY_ACTION, ask_deputy)
    on_action(app, deps, absence_blocks.KEEP_ACTION, keep)
    # request_take_over is one listener for both ways of taking over (handlers/actions/conversation.py).

    @app.action(absence_blocks.BACK_ACTION)
    def on_back(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        click = Interaction.from_action(deps, body, action, request=False)
        ack()
        later(deps, click, back)
