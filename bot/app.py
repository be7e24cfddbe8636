"""The app factory: a Bolt app wired to our settings, database, clock and Slack client."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.deps import Deps
from bot.slack import make_web_client
from handlers import register_all

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    clock: Clock = system_clock,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
) -> tuple[App, Deps]:
    """Build the Bolt app. Signature verification stays on: every request must be signed by Slack.

    ``listener_executor`` runs the listeners after their ack; ``kundenfokus run`` passes its own so that
    stopping can wait for the work in progress (Bolt makes a pool of its own otherwise)."""
    client = client or make_web_client(settings.slack_bot_token, settings.slack_api_url)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=True,
        token_verification_enabled=False,  # no auth.test at import; `run` checks the token itself
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.bolt"),
        listener_executor=listener_executor,
    )
    deps = Deps(settings=settings, sessions=sessions, clock=clock, client=client)
    register_all(app, deps)
    return app, deps
