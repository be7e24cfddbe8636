"""What every command shares: operator errors, logging that never shows a secret, reading ``--at``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from bot import redaction
from bot.config import ConfigError, Settings

#: Exit code for a problem the operator can fix (configuration, database, Slack credentials).
OPERATOR_ERROR = 2


class OperatorError(Exception):
    """Something the person running Kundenfokus can fix. The message is one paragraph: what is wrong
    and how to fix it. The CLI prints it and exits with 2; the traceback only with LOG_LEVEL=DEBUG."""


class Redactor:
    """Removes Slack tokens and our secrets from any text: log messages, tracebacks, JSON lines — also
    the secrets the process learns later (tokens read from the installation store, ``bot.redaction``)."""

    TOKEN = redaction.TOKEN

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= 6:
                forms.add(secret)
                forms.add(json.dumps(secret)[1:-1])  # as it reads inside a JSON string
        self.secrets = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        cleaned = self.TOKEN.sub("[redacted]", text)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        for secret in redaction.remembered():
            if secret in cleaned:
                cleaned = cleaned.replace(secret, "[redacted]")
        return cleaned


class SecretFilter(logging.Filter):
    """Last line of defence for the message itself (the formatter also redacts the whole line)."""

    TOKEN = Redactor.TOKEN

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class RedactingFormatter(logging.Formatter):
    """Formats with ``inner`` and redacts the finished line, so exception text and JSON are covered too."""

    def __init__(self, inner: logging.Formatter, redact: Redactor) -> None:
        super().__init__()
        self.inner = inner
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.inner.format(record))


class _AlembicChatter(logging.Filter):
    """Alembic says at INFO which dialect it uses; nothing an operator needs (``Running upgrade`` stays)."""

    NOISE = ("Context impl ", "Will assume ")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOISE)


_ALEMBIC_CHATTER = _AlembicChatter()


def make_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


#: Loggers whose own level slack_sdk and Bolt read before building a debug line.
LIBRARY_LOGGERS = (
    "bot.bolt",
    "bot.oauth",
    "slack_sdk.web.base_client",
    "slack_sdk.webhook.client",
    "slack_sdk.socket_mode.builtin.client",
)


def configure_logging(settings: Settings, stream: object | None = None) -> None:
    secrets = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_secret,
        settings.token_key,
    ]
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(RedactingFormatter(make_formatter(settings.log_format), Redactor(secrets)))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    quiet = max(logging.WARNING, root.level)
    logging.getLogger("alembic.runtime.plugins").setLevel(quiet)
    # APScheduler logs every tick at INFO ("Running job …", "executed successfully").
    logging.getLogger("apscheduler").setLevel(quiet)
    # slack_sdk and Bolt decide whether to build a debug line (a request's whole body, a response with
    # its headers, one line per listener checked) from their own logger's ``level``, not from what the
    # root logger lets through; left unset (0) that is "debug", and building those lines cost about a
    # fifth of a delivery's CPU and a tenth of an ack's. Bolt's middleware copies the level of the
    # logger the app is given (``bot.bolt``) when the app is built, so this runs before that.
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(root.level)
    alembic = logging.getLogger("alembic.runtime.migration")
    alembic.removeFilter(_ALEMBIC_CHATTER)
    if root.level > logging.DEBUG:
        alembic.addFilter(_ALEMBIC_CHATTER)


def require_slack(settings: Settings) -> None:
    """The Slack settings a command that talks to Slack needs; ``OperatorError`` says which is missing."""
    try:
        settings.validate_slack()
    except ConfigError as error:
        raise OperatorError(f"Kundenfokus can't connect to Slack yet.\n\n{error}") from error


def parse_instant(value: str) -> datetime:
    """``--at`` values: ISO-8601; without an offset they mean UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 time: {value!r} (e.g. 2026-12-04T09:30+01:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
