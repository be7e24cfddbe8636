"""``kundenfokus migrate``: the database schema to the newest Alembic revision."""

from __future__ import annotations

import argparse

from bot.config import Settings

NAME = "migrate"
HELP = "bring the database schema to the newest revision"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot import migrate

    migrate.upgrade(settings.database_url)
    print(f"Database is at revision {migrate.head_revision()}.")
    return 0
