"""Migration 0010 (teams): an installed database keeps every request and everything that refers to it,
and a request may then have no assignee while a team has not taken it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from bot import migrate
from tests.models.test_migrations import empty_database  # noqa: F401 - the fixture

NOW = "2026-11-26 09:00:00"


def test_upgrading_to_teams_keeps_requests_and_their_history(empty_database):  # noqa: F811
    migrate.upgrade(empty_database, "0007")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO requests (id, team_id, number, requester_id, assignee_id, text, kind, state, "
                "created_at, updated_at, response_due_at) VALUES (1, 'T1', 1, 'UALICE', 'UBOB', 'hi', "
                "'task', 'open', :now, :now, :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO request_events (request_id, at, actor_id, kind, detail) "
                "VALUES (1, :now, 'UALICE', 'created', '{}')"
            ),
            {"now": NOW},
        )
    engine.dispose()

    migrate.upgrade(empty_database)

    engine = create_engine(empty_database)
    try:
        with engine.begin() as connection:
            assert connection.execute(text("SELECT assignee_id, group_id FROM requests")).all() == [
                ("UBOB", None)
            ]
            assert connection.execute(text("SELECT count(*) FROM request_events")).scalar_one() == 1
            connection.execute(
                text(
                    "INSERT INTO requests (id, team_id, number, requester_id, assignee_id, group_id, text, "
                    "kind, state, created_at, updated_at, response_due_at) VALUES (2, 'T1', 2, 'UALICE', "
                    "NULL, 'SIT', 'help', 'task', 'open', :now, :now, :now)"
                ),
                {"now": NOW},
            )
        with pytest.raises(RuntimeError, match="not been taken"):
            migrate.downgrade(empty_database, "0007")
    finally:
        engine.dispose()
