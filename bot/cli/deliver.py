"""``kundenfokus deliver``: only the outbox's delivery workers, until SIGTERM or SIGINT.

What ``kundenfokus run`` starts itself with ``KUNDENFOKUS_DELIVERY_PROCESSES`` (``--with-parent``: work is
announced on stdin, and its end stops this process; ``bot.outbox.processes``). An operator can also run
it on its own beside the bot, e.g. as more replicas on PostgreSQL: it finds new rows by polling then.
It listens to no one and starts no scheduler; it only claims, renders, sends and records messages.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

from bot.cli.common import require_slack
from bot.config import Settings

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.lifecycle import Lifecycle

logger = logging.getLogger("bot")

NAME = "deliver"
HELP = "deliver the outbox's messages only (beside `kundenfokus run`, which can also start this itself)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Started by `kundenfokus run`: stdin announces work, and its end means the parent is gone.
    parser.add_argument("--with-parent", action="store_true", help=argparse.SUPPRESS)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from bot.deps import Deps
    from bot.installations import make_installations
    from bot.lifecycle import Lifecycle
    from bot.slack import make_web_client
    from models.db import make_engine, make_session_factory, share_writes

    lifecycle = Lifecycle()
    lifecycle.install_signal_handlers()
    if args.with_parent:
        # Ctrl-C in a terminal reaches the whole process group; the parent decides when this one stops.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    require_slack(settings)
    engine = make_engine(settings.database_url)
    share_writes(engine)  # beside the bot, or beside more of its kind
    try:
        sessions = make_session_factory(engine)
        client = make_web_client(None if settings.oauth else settings.slack_bot_token, settings.slack_api_url)
        installations = make_installations(settings, sessions, system_clock) if settings.oauth else None
        deps = Deps(
            settings=settings,
            sessions=sessions,
            clock=system_clock,
            client=client,
            installations=installations,
        )
        deps.start()
        lifecycle.on_stop(lambda: deps.work.stop(lifecycle.time_left() / 2), name="work")
        lifecycle.on_stop(lambda: deps.outbox.stop(max(0.5, lifecycle.time_left() - 0.5)), name="outbox")
        if args.with_parent:
            threading.Thread(
                target=_listen_to_parent, args=(deps, lifecycle), name="kf-parent", daemon=True
            ).start()
        logger.info("Kundenfokus delivery is running (process %s)", os.getpid())
        lifecycle.wait()
        finished = lifecycle.stop()
    finally:
        engine.dispose()
    return 0 if finished else 1


def _listen_to_parent(deps: Deps, lifecycle: Lifecycle) -> None:
    """Each byte on stdin: new rows to claim. End of file: the parent has gone (even by SIGKILL)."""
    fd = sys.stdin.fileno()
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            lifecycle.request_stop("kundenfokus run has gone")
            return
        deps.outbox.wake()
