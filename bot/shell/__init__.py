"""``kundenfokus shell``: the whole bot in a terminal, on a simulated workspace, with no Slack.

The real handlers run through Bolt over loopback HTTP with signed requests, on the real database code
(a throwaway in-memory SQLite unless ``--db`` names one) and the real scheduler, driven by a clock that
moves only when you ``wait``. See ``bot.shell.repl`` for the commands.

The command line is ``bot.cli.shell``; everything heavy is imported when it runs.
"""

from __future__ import annotations

import io
from datetime import datetime
from importlib import resources
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.config import Settings

#: The demo starts on a Thursday morning in Berlin, so its four working hours end the same afternoon.
DEMO_START = datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
DEMO_SCRIPT = "demo.txt"

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


def demo_script() -> str:
    """The bundled scenario (``bot/sandbox/demo.txt``)."""
    return resources.files("bot.sandbox").joinpath(DEMO_SCRIPT).read_text(encoding="utf-8")


def play(
    script: str | TextIO,
    *,
    start: datetime,
    settings: Settings | None = None,
    database_url: str | None = None,
    out: TextIO | None = None,
    emoji: bool = False,
) -> str:
    """Run a scripted session and return its transcript (also written to ``out`` when given)."""
    from bot.shell.repl import Console, Shell
    from bot.shell.sandbox import IN_MEMORY, Sandbox

    stream = io.StringIO(script) if isinstance(script, str) else script
    transcript = io.StringIO()
    target = _Tee(transcript, out) if out is not None else transcript
    with Sandbox(settings or Settings(), start=start, database_url=database_url or IN_MEMORY) as sandbox:
        Shell(sandbox, Console(stream, target, interactive=False), emoji=emoji).run()
    return transcript.getvalue()


class _Tee(io.TextIOBase):
    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()
