"""``kundenfokus export [--format json|csv] [--team ID]``: every request with its agreed times, state,
history and rating, to stdout. ``kundenfokus export --user U… [--team ID]``: everything stored about
one person, as JSON (the right of access). Formats: docs/export.md.

Everything heavy is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings

NAME = "export"
HELP = "all requests with their history (JSON or CSV), or with --user everything about one person"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("json", "csv"), help="output format (default json)")
    parser.add_argument("--team", help="only this workspace (team ID); default: all")
    parser.add_argument(
        "--user", metavar="USER_ID", help="everything stored about this person (Slack user ID), as JSON"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from bot.services.export import subject_access, write_export, write_subject_access
    from models.db import make_engine, make_session_factory

    if args.user and args.format == "csv":
        print("export --user writes JSON only (one document about one person).", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            if args.user:
                document = subject_access(session, user_id=args.user, now=system_clock(), team_id=args.team)
                write_subject_access(document, sys.stdout)
            else:
                count = write_export(
                    session, sys.stdout, now=system_clock(), fmt=args.format or "json", team_id=args.team
                )
        sys.stdout.flush()
    finally:
        engine.dispose()
    if args.user:
        others = sum(len(rows) for rows in document["other_rows"].values())
        print(
            f"Exported everything about {document['subject']['user_id']}: "
            f"{len(document['requests'])} requests, {others} other rows.",
            file=sys.stderr,
        )
    else:
        print(f"Exported {count} requests.", file=sys.stderr)
    return 0
