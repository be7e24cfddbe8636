"""``kundenfokus digest [--at ISO-8601] [--channel ID] [--dry-run]``: post the digests due at ``--at``,
or last week's digest for one channel now. Never twice for the same channel and week.

Everything heavy is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import parse_instant
from bot.config import ConfigError, Settings

NAME = "digest"
HELP = "post the weekly digests that are due (or one channel's)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=parse_instant,
        help="act as if it were this moment (ISO-8601; without an offset it means UTC). Default: now",
    )
    parser.add_argument(
        "--channel", help="post last week's digest for this channel ID now, whatever its schedule"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="compute and print; post nothing and claim nothing"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from bot.deps import Deps
    from bot.jobs.digest import post_channel_digest, post_due_digests
    from bot.slack import make_web_client
    from models.db import make_engine, make_session_factory

    if not args.dry_run:
        try:
            settings.validate_slack()
        except ConfigError as error:
            print(f"Kundenfokus can't post to Slack yet.\n\n{error}", file=sys.stderr)
            return 2
    now = args.at or system_clock()
    engine = make_engine(settings.database_url)
    try:
        client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
        deps = Deps(
            settings=settings, sessions=make_session_factory(engine), clock=lambda: now, client=client
        )
        if args.channel:
            results = post_channel_digest(deps, now, args.channel, dry_run=args.dry_run)
            if not results:
                print(f"{args.channel} is not subscribed to the digest.", file=sys.stderr)
                return 1
        else:
            results = post_due_digests(deps, now, dry_run=args.dry_run)
        for result in results:
            print(result.line())
        if not results:
            print(f"No digest is due at {now.isoformat()}.")
        return 1 if any(result.status == "failed" for result in results) else 0
    finally:
        engine.dispose()
