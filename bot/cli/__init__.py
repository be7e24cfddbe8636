"""``kundenfokus`` — the command line, and the only place that reads the environment.

The commands are listed in ``COMMANDS``, each a module of this package with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(settings, args) -> exit code``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dotenv import load_dotenv

from bot.cli import digest, export, forget, migrate, run, shell, sweep
from bot.cli.common import configure_logging
from bot.config import ConfigError, Settings

COMMANDS = (run, migrate, sweep, digest, export, forget, shell)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kundenfokus",
        description="Kundenfokus: internal requests with agreed times, polite reminders and a weekly digest.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(command.NAME, help=command.HELP)
        command.add_arguments(sub)
        sub.set_defaults(handler=command.run)
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
        return 2
    configure_logging(settings)
    return args.handler(settings, args)


if __name__ == "__main__":
    sys.exit(main())
