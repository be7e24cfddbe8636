"""``kundenfokus`` — the command line, and the only place that reads the environment.

The commands are listed in ``COMMANDS``, each a module of this package with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(settings, args) -> exit code``. A module may say how it uses
``DATABASE_URL`` with ``DATABASE``: ``"creates"`` (``run``, ``migrate``: may create and migrate it),
``None`` (does not use it), or — the default — ``"existing"``: it must exist and be migrated, which is
checked before the command runs, so such a command never creates a database by connecting to it.

Problems the operator can fix (``OperatorError``, an unreachable or missing database) are printed as one
paragraph and exit with 2; the traceback follows only with ``LOG_LEVEL=DEBUG``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from dotenv import load_dotenv

from bot.cli import deliver, digest, export, forget, migrate, run, shell, sweep
from bot.cli.common import OPERATOR_ERROR, OperatorError, configure_logging
from bot.config import ConfigError, Settings
from bot.version import package_version

COMMANDS = (run, deliver, migrate, sweep, digest, export, forget, shell)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kundenfokus",
        description="Kundenfokus: internal requests with agreed times, polite reminders and a weekly digest.",
    )
    parser.add_argument("--version", action="version", version=f"kundenfokus {package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(command.NAME, help=command.HELP)
        command.add_arguments(sub)
        sub.set_defaults(handler=command.run, database=getattr(command, "DATABASE", "existing"))
    return parser


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
        return OPERATOR_ERROR
    configure_logging(settings)
    try:
        if args.database == "existing":
            from bot.cli.database import require_migrated

            require_migrated(settings.database_url)
        return args.handler(settings, args)
    except OperatorError as error:
        return _explained(settings, str(error))
    except Exception as error:
        from bot.cli.database import explain, is_database_error

        if not is_database_error(error):
            raise
        return _explained(settings, explain(error, settings.database_url))


def _explained(settings: Settings, message: str) -> int:
    print(message, file=sys.stderr)
    if settings.log_level == "DEBUG":
        logging.getLogger("bot.cli").debug("details:\n%s", traceback.format_exc())
    return OPERATOR_ERROR


if __name__ == "__main__":
    sys.exit(main())
