"""The rating form: stars, whether the tone felt respectful, and an optional comment."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import payloads
from bot.blocks import feedback as feedback_blocks
from bot.blocks.errors import error_text
from bot.deps import Deps
from bot.outbox import news
from bot.services import feedback as feedback_service
from bot.services.requests import ServiceError
from handlers.common import Interaction, later
from models.db import reading, transaction

#: Longer than any comment the form accepts (it has its own max_length).
MAX_FORM_TEXT = 10_000


def register(app: App, deps: Deps) -> None:
    @app.view(feedback_blocks.RATING_VIEW)
    def on_rating(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Interaction.from_view(deps, body, view, request=True)
        values = payloads.state_values(view)
        score_text = payloads.selected_value(values, "score")
        tone = payloads.selected_value(values, "tone")
        comment = payloads.typed(values, "comment", limit=MAX_FORM_TEXT)
        if score_text is not None and score_text not in {"1", "2", "3", "4", "5"}:
            raise payloads.BadPayload("view.score")
        problem = feedback_service.check_rating(
            score=int(score_text) if score_text else None, comment=comment
        )
        if problem is None and score_text is None:
            with reading(deps.sessions) as session:
                if feedback_service.rating_of(session, form.request_id or 0) is None:
                    problem = ServiceError("rating_score_missing")
        if problem is not None:
            field = "comment" if problem.code == "too_long" else "score"
            ack(
                response_action="errors",
                errors={field: error_text(form.reader(), problem.code, **problem.params)},
            )
            return
        ack()

        def rate(form: Interaction) -> None:
            with transaction(deps.sessions) as session:
                rated = feedback_service.rate(
                    session,
                    team_id=form.team_id,
                    request_id=form.request_id or 0,
                    actor_id=form.user_id,
                    now=form.now,
                    score=int(score_text) if score_text else None,
                    tone_respectful=None if tone is None else tone == "yes",
                    comment=comment,
                )
                news.rated(session, rated.request, now=form.now, origin=form.origin)

        later(deps, form, rate)
