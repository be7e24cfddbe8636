"""``kundenfokus run [--http] [--port N]``: the bot with its scheduler, in Socket Mode or over HTTP."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys

from bot.config import ConfigError, Settings

logger = logging.getLogger("bot")

NAME = "run"
HELP = "run the bot and its scheduler (Socket Mode or HTTP)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    parser.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    from slack_sdk.errors import SlackApiError

    from bot import migrate
    from bot.app import create_app
    from models.db import make_engine, make_session_factory

    if args.port:
        settings = settings.with_(port=args.port)
    try:
        settings.validate_slack()
    except ConfigError as error:
        print(f"Kundenfokus can't connect to Slack yet.\n\n{error}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        migrate.upgrade(settings.database_url)
    elif not migrate.is_up_to_date(engine):
        print("The database schema is not up to date. Run: kundenfokus migrate", file=sys.stderr)
        return 2
    app, deps = create_app(settings, sessions=make_session_factory(engine))
    try:
        identity = deps.client.auth_test()
    except SlackApiError as error:
        print(
            f"Slack did not accept SLACK_BOT_TOKEN ({error.response.get('error')}). Copy the Bot User OAuth "
            "Token again from your app's OAuth & Permissions page.",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        print(f"Slack's Web API at {settings.slack_api_url} is not reachable: {error}", file=sys.stderr)
        return 2
    logger.info("connected to workspace %s as %s", identity.get("team"), identity.get("user"))
    deps.start()  # the work after the acks and the outbox's delivery workers
    scheduler = _start_scheduler(deps)
    try:
        if settings.socket_mode and not args.http:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("Kundenfokus is connecting to Slack in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            from bot.server import make_server

            server = make_server(app, engine, port=settings.port)
            signal.signal(signal.SIGTERM, lambda *_: server.close())
            logger.info(
                "Kundenfokus listens on port %s: POST /slack/events, GET /healthz", server.effective_port
            )
            with contextlib.suppress(KeyboardInterrupt, OSError):
                server.run()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        deps.stop()
        engine.dispose()
    return 0


def _start_scheduler(deps):  # type: ignore[no-untyped-def]
    from bot.jobs.scheduler import start_scheduler

    return start_scheduler(deps)
