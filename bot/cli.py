"""``kundenfokus`` — the only place that reads the environment."""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from dotenv import load_dotenv

from bot.config import ConfigError, Settings

logger = logging.getLogger("bot")

#: Commands contributed by other modules: name -> (help, add_arguments, run(settings, args) -> exit code).
Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[Settings, argparse.Namespace], int]]
EXTRA_COMMANDS: dict[str, Command] = {}


class SecretFilter(logging.Filter):
    """Last line of defence: tokens and the signing secret never reach a log line."""

    TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.TOKEN.sub("[redacted]", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(
        SecretFilter([settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token])
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.getLogger("alembic.runtime.plugins").setLevel(max(logging.WARNING, root.level))


def parse_instant(value: str) -> datetime:
    """``--at`` values: ISO-8601; without an offset they mean UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 time: {value!r} (e.g. 2026-12-04T09:30+01:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from bot import migrate

    migrate.upgrade(settings.database_url)
    print(f"Database is at revision {migrate.head_revision()}.")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
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
        engine.dispose()
    return 0


def _start_scheduler(deps):  # type: ignore[no-untyped-def]
    from bot.scheduler import start_scheduler

    return start_scheduler(deps)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kundenfokus",
        description="Kundenfokus: internal requests with agreed times, polite reminders and a weekly digest.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="run the bot and its scheduler (Socket Mode or HTTP)")
    run.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    run.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")
    run.set_defaults(handler=cmd_run)
    migrate = commands.add_parser("migrate", help="bring the database schema to the newest revision")
    migrate.set_defaults(handler=cmd_migrate)
    _load_extra_commands()
    for name, (help_text, add_arguments, handler) in EXTRA_COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        add_arguments(sub)
        sub.set_defaults(handler=handler)
    return parser


def _load_extra_commands() -> None:
    """Feature modules (listed in bot.commands) register their commands in EXTRA_COMMANDS."""
    import bot.commands  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    load_dotenv(".env")
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"Configuration problem: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    return args.handler(settings, args)


if __name__ == "__main__":
    sys.exit(main())
