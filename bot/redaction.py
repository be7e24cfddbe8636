"""What must never reach a log line: Slack's token shapes, and every secret the process learns at run time.

The logging set-up (``bot.cli.common``) redacts with both. Secrets that arrive later than the settings —
the workspaces' tokens read from the installation store in OAuth mode — are announced with
``remember`` the moment they are decrypted, so even a token of an unexpected shape is covered.
"""

from __future__ import annotations

import re
import threading

#: Bot, user, app, refresh (``xoxe-``), rotating (``xoxe.xoxb-``) and workflow (``xwfp-``) tokens.
TOKEN = re.compile(r"(?:xox[a-z]\.)?xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|xwf[a-z]-[A-Za-z0-9-]+")
#: Shorter values would redact ordinary words.
MIN_SECRET_LENGTH = 6
#: Tokens come and go with rotation; the oldest are let go beyond this many (they matched TOKEN anyway).
MAX_REMEMBERED = 10_000

_lock = threading.Lock()
_remembered: dict[str, None] = {}


def remember(secret: str | None) -> None:
    """From now on, ``secret`` is redacted from every log line of this process."""
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        return
    with _lock:
        _remembered[secret] = None
        while len(_remembered) > MAX_REMEMBERED:
            _remembered.pop(next(iter(_remembered)))


def remembered() -> list[str]:
    with _lock:
        return list(_remembered)
