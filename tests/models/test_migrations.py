"""Migrations: upgrade from empty, downgrade to base, and models and migrations agree."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot import migrate
from models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path, postgres_server_url):
    """A database with nothing in it (not even the alembic_version table)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if postgres_server_url is None:
        pytest.skip("PostgreSQL not configured")
    name = "kf_migrations_" + make_url(postgres_server_url).database[-10:]
    admin = create_engine(
        make_url(postgres_server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table_then_downgrade_removes_them(empty_database):
    migrate.upgrade(empty_database)
    assert set(Base.metadata.tables) <= table_names(empty_database)
    engine = create_engine(empty_database)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()

    migrate.downgrade(empty_database, "base")
    assert table_names(empty_database) <= {"alembic_version"}

    migrate.upgrade(empty_database)  # and back up again: downgrades leave nothing behind
    assert set(Base.metadata.tables) <= table_names(empty_database)


def test_models_and_migrations_agree(empty_database):
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], f"models differ from migrations: {differences}"


def test_every_revision_steps_down_and_up(empty_database):
    """Each migration's downgrade() works on its own, not only all at once."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(empty_database))
    revisions = [r.revision for r in script.walk_revisions("base", "heads")]
    migrate.upgrade(empty_database)
    for _ in revisions:
        migrate.downgrade(empty_database, "-1")
    assert table_names(empty_database) <= {"alembic_version"}
    assert len(revisions) >= 3


def test_the_oauth_tables_are_slack_sdks_own_with_wider_token_columns(empty_database):
    """Migration 0006 creates what slack_sdk's SQLAlchemy stores read and write, column for column."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
    from sqlalchemy import MetaData, String

    from models.installation import TOKEN_COLUMN_LENGTH, TOKEN_COLUMNS

    theirs = MetaData()
    expected = [
        SQLAlchemyInstallationStore.build_installations_table(theirs, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(theirs, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, "slack_oauth_states"),
    ]
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        inspector = inspect(engine)
        for table in expected:
            ours = {column["name"]: column for column in inspector.get_columns(table.name)}
            assert list(ours) == [column.name for column in table.columns], table.name
            for column in table.columns:
                mine = ours[column.name]
                assert mine["nullable"] == column.nullable, (table.name, column.name)
                assert type(mine["type"]).__name__.upper() in {
                    type(column.type).__name__.upper(), type(column.type).__visit_name__.upper(),
                    "VARCHAR", "TIMESTAMP", "DATETIME", "BOOLEAN", "INTEGER",
                }, (table.name, column.name, mine["type"])  # fmt: skip
                if isinstance(column.type, String):
                    wanted = (
                        TOKEN_COLUMN_LENGTH
                        if column.name in TOKEN_COLUMNS.get(table.name, ())
                        else column.type.length
                    )
                    assert mine["type"].length == wanted, (table.name, column.name)
            indexes = {index["name"]: index["column_names"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                assert indexes[index.name] == [column.name for column in index.columns]
    finally:
        engine.dispose()
