"""The app factory: a Bolt app wired to our settings, database, clock and Slack client.

The composition root: it is the one place in ``bot/`` that knows the Slack surface (``handlers``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import payloads
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.deps import Deps
from bot.slack import make_web_client
from handlers import errors, register_all

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    clock: Clock = system_clock,
    client: WebClient | None = None,
) -> tuple[App, Deps]:
    """Build the Bolt app. Signature verification stays on: every request must be signed by Slack.

    ``process_before_response=True``: a listener runs on the server's request thread and Slack gets its
    answer the moment the listener returns. Our listeners only validate and ``ack()``; the work after the
    ack goes to ``deps.work`` and what the bot then says to ``deps.outbox`` — so an ack never waits for
    anything but its own request, and Bolt's listener thread pool is not used at all.

    The caller starts the workers (``deps.start()``) and stops them (``deps.stop()``).
    """
    client = client or make_web_client(settings.slack_bot_token, settings.slack_api_url)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=True,
        token_verification_enabled=False,  # no auth.test at import; `run` checks the token itself
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
        process_before_response=True,
        logger=logging.getLogger("bot.bolt"),
    )
    deps = Deps(settings=settings, sessions=sessions, clock=clock, client=client)

    @app.middleware
    def well_formed(body: dict, next: Callable[[], object]) -> object:
        """Socket Mode has no HTTP edge: payloads with a shape Slack never sends stop here too."""
        problem = payloads.shape_problem(body)
        if problem:
            raise payloads.BadPayload(problem)
        return next()

    register_all(app, deps)
    errors.register(app, deps)
    return app, deps
