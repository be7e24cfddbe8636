"""``kundenfokus shell [--start ISO-8601] [--db URL] [--demo]``: the whole bot on a simulated workspace."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.cli.common import parse_instant
from bot.config import Settings
from bot.shell import DEMO_START, PROXY_VARIABLES, demo_script

NAME = "shell"
HELP = "try the bot without Slack: a local sandbox with simulated colleagues"
DATABASE = None  # its own sandbox database (--db), never DATABASE_URL


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "The real bot on a simulated workspace (alice, bob, carol, dieter, erin; #general, #team), "
        "served on 127.0.0.1 with no Slack and no .env needed. Type slash commands as one person, "
        "switch with 'as NAME', press buttons, let time pass with 'wait'. Inside, 'help' lists it all. "
        "Without a terminal it reads commands from stdin: kundenfokus shell < scenario.txt"
    )
    parser.add_argument(
        "--start",
        type=parse_instant,
        metavar="ISO-8601",
        help="where the sandbox clock starts, e.g. 2026-11-27T16:00+01:00 (default: now; without an offset: UTC)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="keep the sandbox's data in this database, e.g. sqlite:///sandbox.db (default: in memory, forgotten)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="play the bundled demo: a request, a reminder, an answer, a rating",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="show the bot's log (INFO and up)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    _quiet_logs(verbose=args.verbose)
    from bot.shell.repl import Console, Shell
    from bot.shell.sandbox import IN_MEMORY, Sandbox, SandboxError

    # The sandbox only talks to itself on 127.0.0.1; a proxy from the environment would intercept that.
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    emoji = _utf8(sys.stdout)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace")
    if args.demo:
        stdin, interactive = io.StringIO(demo_script()), False
        start = args.start or DEMO_START
    else:
        stdin, interactive = sys.stdin, sys.stdin.isatty()
        start = args.start or datetime.now(UTC)
    if interactive:
        _enable_line_editing()
    console = Console(stdin, sys.stdout, interactive=interactive)
    try:
        with Sandbox(settings, start=start, database_url=args.db or IN_MEMORY) as sandbox:
            if interactive:
                console.say(_welcome(sandbox.clock()))
            return Shell(sandbox, console, emoji=emoji).run()
    except SandboxError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        console.say()
        return 130


class _ShellReportsThis(logging.Filter):
    """Bolt warns about requests no listener handles, with a code suggestion; the shell says it in words."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Unhandled request")


def _quiet_logs(*, verbose: bool) -> None:
    """WARNING and up by default (errors in the bot still show); INFO with --verbose."""
    root = logging.getLogger()
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    if not verbose:
        logging.getLogger("bot.bolt").addFilter(_ShellReportsThis())


def _welcome(now: datetime) -> str:
    berlin = now.astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %d %b %Y, %H:%M")
    return (
        "Kundenfokus sandbox: the real bot on a pretend workspace — no Slack, nothing leaves this machine.\n"
        f"You are alice (Berlin, {berlin}). Try:  /request @bob Send the Q3 numbers within 4h\n"
        "Then: as bob · press Got it · wait 5h · home · help · quit"
    )


def _utf8(stream: TextIO) -> bool:
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    return encoding == "utf8"


def _enable_line_editing() -> None:
    """Arrow keys and history for input(); readline keeps history in memory only (no files)."""
    with contextlib.suppress(ImportError):  # Windows has no readline; input() still works
        import readline  # noqa: F401
