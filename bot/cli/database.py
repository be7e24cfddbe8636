"""The database as an operator sees it: where it is, whether it can be used, and what to do if not.

``run`` and ``migrate`` may create a database (``prepare_writable``); every other command needs one that
exists and is migrated (``require_migrated``) and never creates one by connecting to it. Driver errors
become one paragraph each (``explain``): what is wrong, how to fix it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot import migrate
from bot.cli.common import OperatorError
from models.db import make_engine

MIGRATE_HINT = "Run: kundenfokus migrate"


def sqlite_path(database_url: str) -> Path | None:
    """The absolute file of a SQLite URL, or None (PostgreSQL, or SQLite in memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser().resolve()


def describe(database_url: str) -> str:
    """Where the data lives, without user name or password: for log lines and messages."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(database_url)
        return f"SQLite file {path}" if path else "SQLite in memory"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f'PostgreSQL database "{url.database or ""}" on {where}'


def _shown(database_url: str) -> str:
    url: URL = make_url(database_url)
    return url.render_as_string(hide_password=True)


def prepare_writable(database_url: str) -> None:
    """Before ``run``/``migrate`` creates a SQLite file: its folder must exist and be writable."""
    path = sqlite_path(database_url)
    if path is None:
        return
    folder = path.parent
    setting = f"DATABASE_URL={_shown(database_url)}"
    if not folder.is_dir():
        raise OperatorError(
            f"The folder {folder} for the SQLite database does not exist ({setting}). Create the folder, "
            "or point DATABASE_URL at a file in a folder that exists, e.g. sqlite:///kundenfokus.db."
        )
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        raise OperatorError(
            f"Kundenfokus may not write to {target} ({setting}): permission denied for this user. "
            "Give the user that runs Kundenfokus write access to it, or point DATABASE_URL at a "
            "writable place."
        )


def require_migrated(database_url: str) -> None:
    """For commands that only use the database: it must exist and be at the newest revision.

    Never creates anything: a missing SQLite file is reported before anything connects to it.
    """
    path = sqlite_path(database_url)
    if path is not None and not path.exists():
        raise OperatorError(
            f"There is no Kundenfokus database at {path} (DATABASE_URL={_shown(database_url)}). A new "
            "installation creates it with: kundenfokus migrate — or, if the bot already runs somewhere, "
            "set DATABASE_URL to the database it uses."
        )
    engine = make_engine(database_url)
    try:
        check_schema(engine, database_url)
    finally:
        engine.dispose()


def check_schema(engine: Engine, database_url: str) -> None:
    """Connect once and compare the schema with this version's newest revision."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.current_revision(engine)
    except SQLAlchemyError as error:
        raise OperatorError(explain(error, database_url)) from error
    head = migrate.head_revision()
    if current == head:
        return
    where = describe(database_url)
    if current is None:
        raise OperatorError(f"The {where} has no Kundenfokus tables yet. {MIGRATE_HINT}")
    if current not in migrate.known_revisions():
        raise OperatorError(
            f"The {where} is at revision {current}, which this Kundenfokus does not know: a newer version "
            "migrated it. Install that version (or newer) here too."
        )
    raise OperatorError(
        f"The {where} is at revision {current}; this version of Kundenfokus needs {head}. {MIGRATE_HINT}"
    )


def explain(error: BaseException, database_url: str) -> str:
    """One paragraph for a driver error: what is wrong with the database, and how to fix it."""
    original = getattr(error, "orig", None) or error
    message = str(original).strip()
    lowered = message.lower()
    state = getattr(original, "sqlstate", None)
    url = make_url(database_url)
    setting = f"DATABASE_URL={_shown(database_url)}"
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(database_url)
        where = str(path) if path else "memory"
        if "unable to open database file" in lowered:
            folder = path.parent if path else None
            if folder is not None and not folder.is_dir():
                return (
                    f"The folder {folder} for the SQLite database does not exist ({setting}). Create the "
                    "folder, or point DATABASE_URL at a file in a folder that exists."
                )
            return (
                f"SQLite cannot open {where} ({setting}): the file or its folder is not readable and "
                "writable for this user. Fix the permissions, or point DATABASE_URL at a writable place."
            )
        if "readonly database" in lowered or "read-only" in lowered:
            return (
                f"The SQLite file {where} is read-only for this user ({setting}). Give the user that runs "
                "Kundenfokus write access to the file and its folder."
            )
        if "database is locked" in lowered:
            return (
                f"The SQLite file {where} stayed locked by another process for too long. SQLite suits one "
                "process; for several replicas use PostgreSQL."
            )
        if "no such table" in lowered:
            return f"The SQLite file {where} has no Kundenfokus tables. {MIGRATE_HINT}"
        return f"Kundenfokus cannot use the SQLite file {where} ({_first_line(message)}). Check {setting}."
    server = f"{url.host or 'localhost'}:{url.port or 5432}"
    if state == "3D000" or ("database" in lowered and "does not exist" in lowered):
        return (
            f'The PostgreSQL server at {server} has no database named "{url.database}". Create it '
            f"(e.g. createdb -h {url.host or 'localhost'} -U {url.username or 'postgres'} {url.database}, or "
            f'CREATE DATABASE "{url.database}";), then: kundenfokus migrate'
        )
    if (
        state in ("28000", "28P01")
        or "authentication failed" in lowered
        or ('role "' in lowered and "does not exist" in lowered)
    ):
        return (
            f'PostgreSQL at {server} did not let user "{url.username or ""}" in '
            f"({_first_line(_after_fatal(message))}). Check the user name and password in DATABASE_URL."
        )
    if "failed to resolve host" in lowered or "could not translate host name" in lowered:
        return (
            f'The PostgreSQL host "{url.host}" in DATABASE_URL cannot be found (unknown host name). '
            f"Check the host in {setting}."
        )
    if "connection refused" in lowered:
        return (
            f"PostgreSQL at {server} is not answering (connection refused). Check that the server is "
            f"running and that DATABASE_URL names the right host and port ({setting})."
        )
    if "timeout" in lowered or "timed out" in lowered:
        return (
            f"PostgreSQL at {server} did not answer in time. Check that the server is running and "
            f"reachable from here (firewall, host and port in {setting})."
        )
    if state is not None and state.startswith("42"):  # undefined table and friends
        return f"The {describe(database_url)} is missing Kundenfokus tables. {MIGRATE_HINT}"
    return (
        f"Kundenfokus cannot use the {describe(database_url)} ({_first_line(_after_fatal(message))}). "
        f"Check {setting}."
    )


def is_database_error(error: BaseException) -> bool:
    """Errors ``explain`` turns into an operator message (connection, permissions, missing schema)."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    return isinstance(error, OperationalError | ProgrammingError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def _first_line(message: str) -> str:
    return message.splitlines()[0].strip() if message else "no detail"


def _after_fatal(message: str) -> str:
    """psycopg prefixes the server's words with the connection attempt; the server's words say it."""
    _, marker, rest = message.partition("FATAL:")
    return rest.strip() if marker else message
