"""``kundenfokus export [--format json|csv] [--team ID]``: every request with its agreed times, state,
history and rating, to stdout. Columns: docs/export.md.

Everything heavy is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings

NAME = "export"
HELP = "all requests with their history, as JSON or CSV, to stdout"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("json", "csv"), default="json", help="output format (default json)"
    )
    parser.add_argument("--team", help="only this workspace (team ID); default: all")


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from bot.services.export import write_export
    from models.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            count = write_export(session, sys.stdout, now=system_clock(), fmt=args.format, team_id=args.team)
        sys.stdout.flush()
    finally:
        engine.dispose()
    print(f"Exported {count} requests.", file=sys.stderr)
    return 0
