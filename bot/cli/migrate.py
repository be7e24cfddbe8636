"""``kundenfokus migrate``: the database schema to the newest Alembic revision (creates a SQLite file;
a PostgreSQL database must exist)."""

from __future__ import annotations

import argparse

from bot.config import Settings

NAME = "migrate"
HELP = "bring the database schema to the newest revision"
DATABASE = "creates"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot import migrate
    from bot.cli.database import describe, prepare_writable

    prepare_writable(settings.database_url)
    migrate.upgrade(settings.database_url)
    print(f"The {describe(settings.database_url)} is at revision {migrate.head_revision()} (the newest).")
    return 0
