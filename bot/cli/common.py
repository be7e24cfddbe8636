"""What every command shares: logging that never shows a secret, and reading ``--at`` moments."""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.config import Settings


class SecretFilter(logging.Filter):
    """Last line of defence: tokens and the signing secret never reach a log line."""

    TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.TOKEN.sub("[redacted]", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(
        SecretFilter([settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token])
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.getLogger("alembic.runtime.plugins").setLevel(max(logging.WARNING, root.level))


def parse_instant(value: str) -> datetime:
    """``--at`` values: ISO-8601; without an offset they mean UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 time: {value!r} (e.g. 2026-12-04T09:30+01:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
