"""``kundenfokus digest [--at ISO-8601] [--channel ID|#name] [--dry-run] [--list]``: post the digests due
at ``--at``, or one channel's week so far now, or list the subscriptions. Never twice for the same
channel and week.

Everything heavy is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli.common import parse_instant
from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.deps import Deps

NAME = "digest"
HELP = "post the weekly digests that are due (or one channel's week so far), or list the subscriptions"

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=parse_instant,
        help="act as if it were this moment (ISO-8601; without an offset it means UTC). Default: now",
    )
    parser.add_argument(
        "--channel",
        help="post this channel's week so far now, whatever its schedule (a channel ID or #name)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="compute and print; post nothing and claim nothing"
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="list the subscriptions: team, channel, schedule, time zone, language, scope, "
        "active, last posted week",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from bot.deps import Deps
    from bot.installations import installations_for
    from bot.jobs.digest import post_channel_digest, post_due_digests
    from bot.slack import make_web_client
    from models.db import make_engine, make_session_factory

    if not args.dry_run and not args.list:
        try:
            settings.validate_slack()
        except ConfigError as error:
            print(f"Kundenfokus can't post to Slack yet.\n\n{error}", file=sys.stderr)
            return 2
    now = args.at or system_clock()
    engine = make_engine(settings.database_url)
    try:
        client = make_web_client(settings.slack_bot_token or None, settings.slack_api_url)
        sessions = make_session_factory(engine)
        deps = Deps(
            settings=settings,
            sessions=sessions,
            clock=lambda: now,
            client=client,
            installations=installations_for(settings, sessions),
        )
        if args.list:
            return _list(deps, names=bool(settings.slack_bot_token or settings.oauth))
        if args.channel:
            results = post_channel_digest(deps, now, args.channel, dry_run=args.dry_run, deliver=True)
            if not results:
                print(f"{args.channel} is not subscribed to the digest.", file=sys.stderr)
                return 1
        else:
            results = post_due_digests(deps, now, dry_run=args.dry_run, deliver=True)
        for result in results:
            print(result.line())
        if not results:
            print(f"No digest is due at {now.isoformat()}.")
        return 1 if any(result.status == "failed" for result in results) else 0
    finally:
        engine.dispose()


def _list(deps: Deps, *, names: bool) -> int:
    from bot.jobs.digest import list_subscriptions

    lines = list_subscriptions(deps, names=names)
    if not lines:
        print("No channel is subscribed to the digest yet. Subscribe one with /request digest in it.")
        return 0
    header = (
        "team",
        "channel",
        "name",
        "schedule",
        "time zone",
        "language",
        "scope",
        "active",
        "last posted",
    )
    rows = [header]
    for line in lines:
        sub = line.subscription
        scope = f"usergroup {sub.usergroup_id}" if sub.scope == "usergroup" else "channel"
        if sub.name_people:
            scope += ", names shown"
        rows.append(
            (
                sub.team_id,
                sub.channel_id,
                f"#{line.channel_name}" if line.channel_name else "-",
                f"{WEEKDAYS[sub.weekday]} {sub.hour:02d}:{sub.minute:02d}",
                sub.timezone,
                sub.language,
                scope,
                "yes" if sub.active else "no",
                line.last_posted or "-",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
    return 0
