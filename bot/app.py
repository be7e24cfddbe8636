"""The app factory: a Bolt app wired to our settings, database, clock and Slack client.

The composition root: it is the one place in ``bot/`` that knows the Slack surface (``handlers``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import payloads
from bot.blocks.errors import ERRORS
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.deps import Deps
from bot.i18n import translator
from bot.slack import BOT_SCOPES, authorize_url_for, make_web_client
from handlers import errors, register_all

if TYPE_CHECKING:
    from slack_bolt.oauth import OAuthFlow

    from bot.installations import Installations

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    clock: Clock = system_clock,
    client: WebClient | None = None,
    installations: Installations | None = None,
) -> tuple[App, Deps]:
    """Build the Bolt app. Signature verification stays on: every request must be signed by Slack.

    ``process_before_response=True``: a listener runs on the server's request thread and Slack gets its
    answer the moment the listener returns. Our listeners only validate and ``ack()``; the work after the
    ack goes to ``deps.work`` and what the bot then says to ``deps.outbox`` — so an ack never waits for
    anything but its own request, and Bolt's listener thread pool is not used at all.

    The caller starts the workers (``deps.start()``) and stops them (``deps.stop()``).

    OAuth mode (``settings.oauth``): no bot token; Bolt's OAuth flow serves the install pages
    (``app.oauth_flow``, routed by ``bot.server``) and stores each install encrypted
    (``bot.installations``); every request is authorised with its own workspace's token, from a cache.
    """
    client = client or make_web_client(settings.slack_bot_token, settings.slack_api_url)
    oauth: dict[str, Any] = {}
    if settings.oauth:
        from bot.installations import CachedAuthorize, make_installations

        client.token = None  # every call names its workspace's token
        installations = installations or make_installations(settings, sessions, clock)
        oauth = {
            "oauth_flow": _oauth_flow(settings, sessions, client, installations, clock),
            "authorize": CachedAuthorize(installations),
            # Who asked is not known yet where no install is found: say it in both languages.
            "user_facing_authorize_error_message": "\n".join(
                translator(language)._(ERRORS["not_installed"]) for language in ("en", "de")
            ),
        }
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=True,
        token_verification_enabled=False,  # no auth.test at import; `run` checks the token itself
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
        process_before_response=True,
        logger=logging.getLogger("bot.bolt"),
        **oauth,
    )
    deps = Deps(settings=settings, sessions=sessions, clock=clock, client=client, installations=installations)

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


def _oauth_flow(
    settings: Settings,
    sessions: sessionmaker[Session],
    client: WebClient,
    installations: Installations,
    clock: Clock,
) -> OAuthFlow:
    """Bolt's flow: ``GET /slack/install`` (the Add-to-Slack page with a one-time state, checked against
    a browser cookie and the ``slack_oauth_states`` table) and ``GET /slack/oauth_redirect``
    (``oauth.v2.access``, then the encrypted store). A stored install un-pauses its workspaces."""
    from slack_bolt.oauth import OAuthFlow
    from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
    from slack_bolt.oauth.oauth_settings import OAuthSettings
    from slack_bolt.response import BoltResponse

    from bot.installations import make_state_store
    from bot.services import workspaces
    from models.db import transaction

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        with transaction(sessions) as session:
            workspaces.mark_installed(
                session, team_id=installation.team_id, enterprise_id=installation.enterprise_id, now=clock()
            )
        installations.installed(installation)
        logging.getLogger("bot").info(
            "installed in %s%s",
            installation.team_id or installation.enterprise_id,
            " (org-wide)" if installation.is_enterprise_install else "",
        )
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        logging.getLogger("bot").warning("an installation failed: %s", args.reason)
        return args.default.failure(args)

    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        authorization_url=authorize_url_for(settings.slack_api_url),
        installation_store=installations.store,
        state_store=make_state_store(sessions, expiration_seconds=600),
        state_expiration_seconds=600,
        callback_options=CallbackOptions(success=success, failure=failure),
        token_rotation_expiration_minutes=installations.refresh_before_minutes,
        logger=logging.getLogger("bot.oauth"),
    )
    return OAuthFlow(client=client, settings=oauth_settings, logger=logging.getLogger("bot.oauth"))
