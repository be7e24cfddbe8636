"""``kundenfokus sweep [--at ISO-8601] [--dry-run]``: one reminder pass; one line per reminder."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import parse_instant
from bot.config import Settings

NAME = "sweep"
HELP = "one reminder pass (as if at --at); prints one line per reminder sent or, with --dry-run, to be sent"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=parse_instant,
        metavar="ISO-8601",
        help="sweep as if it were this time (e.g. 2026-12-01T09:30+01:00; default: now)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be sent, to whom; send and store nothing"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """The database was checked before (it must exist and be migrated: ``DATABASE`` is "existing")."""
    from bot.clock import system_clock
    from bot.deps import Deps
    from bot.installations import installations_for
    from bot.jobs.sweep import run_sweep
    from bot.slack import make_web_client
    from models.db import make_engine, make_session_factory

    if not settings.slack_bot_token and not settings.oauth and not args.dry_run:
        print(
            "SLACK_BOT_TOKEN is not set, so no reminder can be sent. "
            "Set it (see .env.example), or look with --dry-run.",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(settings.database_url)
    try:
        moment = args.at or system_clock()
        sessions = make_session_factory(engine)
        deps = Deps(
            settings=settings,
            sessions=sessions,
            clock=lambda: moment,  # messages are rendered and checked as of --at, too
            client=make_web_client(settings.slack_bot_token or None, settings.slack_api_url),
            installations=installations_for(settings, sessions),
        )
        report = run_sweep(
            deps,
            moment,
            dry_run=args.dry_run,
            look_up_people=bool(settings.slack_bot_token or settings.oauth),
            deliver=True,
        )
    finally:
        engine.dispose()
    for line in report.lines:
        print(line)
    verb = "would send" if args.dry_run else "sent"
    print(
        f"{report.now.isoformat()}: {verb} {report.messages} message(s), {len(report.lines)} reminder(s).",
        file=sys.stderr,
    )
    return 0
