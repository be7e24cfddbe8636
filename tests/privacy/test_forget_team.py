"""Forgetting a whole workspace: no row of it is left in any table of the metadata, and every other
workspace (and what belongs to no workspace) is exactly as before — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Time,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.services import privacy
from models import Base, Workspace, slack_bots, slack_installations
from models.db import transaction
from tests.privacy import scenario
from tests.privacy.scenario import OTHER_TEAM, TEAM

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _value(table: Table, column: Any, team: str, serial: int) -> Any:
    base = privacy.base_type(column.type)
    if isinstance(base, JSON):
        return {"team": team, "words": f"synthetic {table.name}"}
    if isinstance(base, String):
        length = getattr(base, "length", None) or 200
        value = f"{team}{serial}{table.name}{column.name}"
        return value[:length]
    if isinstance(base, Boolean):
        return False
    if isinstance(base, DateTime):
        return NOW
    if isinstance(base, Date):
        return NOW.date()
    if isinstance(base, Time):
        return NOW.time()
    if isinstance(base, Integer | Float | Numeric):
        return serial
    raise AssertionError(f"no synthetic value for {table.name}.{column.name} ({column.type})")


def fill_every_team_table(session: Session, teams: tuple[str, ...] = (TEAM, OTHER_TEAM)) -> list[str]:
    """A row per workspace in every table whose rows belong to a workspace (parents first) where the
    scenario left none of it, so a table added tomorrow is covered without touching this test. Foreign keys point at a row of the same
    workspace; the team column holds the workspace; everything else is synthetic."""
    filled = []
    for serial, table in enumerate(privacy.team_tables(), start=900):
        rule = privacy.REGISTRY[table.name]
        for team in teams:
            if session.scalar(select(func.count()).select_from(table).where(privacy.team_rows(table, team))):
                continue  # the scenario already put rows of this workspace here
            values: dict[str, Any] = {}
            for column in table.columns:
                keys = list(column.foreign_keys)
                if rule.team is not None and column.name == rule.team:
                    values[column.name] = team
                elif keys:
                    parent = keys[0].column.table
                    values[column.name] = session.scalar(
                        select(keys[0].column).where(privacy.team_rows(parent, team)).limit(1)
                    )
                    assert values[column.name] is not None, f"no {parent.name} row of {team}"
                elif column.primary_key and isinstance(privacy.base_type(column.type), Integer):
                    continue  # the database numbers it
                else:
                    values[column.name] = _value(table, column, team, serial)
            session.execute(insert(table).values(values))
        filled.append(table.name)
    return filled


def rows_of(session: Session, table: Table, team: str | None) -> list[tuple[Any, ...]]:
    where = privacy.team_rows(table, team) if team is not None else True
    key = list(table.primary_key.columns) or list(table.columns)
    return [tuple(row) for row in session.execute(select(table).where(where).order_by(*key))]


def snapshot(session: Session, team: str | None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``team`` in every table with a workspace; with None, every row of every other table."""
    team_tables = {t.name for t in privacy.team_tables()}
    if team is None:
        return {
            t.name: rows_of(session, t, None)
            for t in Base.metadata.sorted_tables
            if t.name not in team_tables
        }
    return {t.name: rows_of(session, t, team) for t in Base.metadata.sorted_tables if t.name in team_tables}


def seed_everything(sessions) -> None:
    scenario.seed(sessions)
    with transaction(sessions) as session:
        fill_every_team_table(session)
        # An org-wide Grid install belongs to the org, not to a workspace: it has no team.
        session.execute(
            insert(slack_bots).values(
                client_id="C1",
                app_id="A1",
                enterprise_id="E1",
                team_id=None,
                bot_token="x",
                bot_id="B1",
                bot_user_id="UBOT",
                installed_at=NOW,
                is_enterprise_install=True,
            )
        )


def forget_team(sessions, team_id: str = TEAM) -> privacy.TeamForgetReport:
    with transaction(sessions) as session:
        return privacy.forget_team(session, team_id=team_id)


def test_every_table_with_a_workspace_column_is_forgotten_by_team():
    # Iterating the metadata: a new table with a team_id (or one below such a table) is included.
    team_tables = {t.name for t in privacy.team_tables()}
    for table in Base.metadata.sorted_tables:
        if "team_id" in table.c:
            assert table.name in team_tables, table.name
    assert {
        "requests",
        "request_events",
        "people",
        "person_calendars",
        "outbox",
        "slack_bots",
        "slack_installations",
        "workspaces",
        "digest_runs",
        "nudge_schedule",
    } <= team_tables
    assert "outbox_workers" not in team_tables and "slack_oauth_states" not in team_tables


def test_no_row_of_the_workspace_is_left_in_any_table_and_the_others_are_untouched(sessions):
    seed_everything(sessions)
    with sessions() as session:
        before = snapshot(session, TEAM)
        others = snapshot(session, OTHER_TEAM)
        teamless = snapshot(session, None)
    # Not a test that cannot fail: the workspace has rows in every table that can hold its rows.
    assert all(before.values()), [name for name, rows in before.items() if not rows]
    assert all(others.values())

    report = forget_team(sessions)

    with sessions() as session:
        assert snapshot(session, TEAM) == {name: [] for name in before}
        for table in Base.metadata.sorted_tables:  # nothing anywhere still names the workspace
            if "team_id" in table.c:
                left = session.scalar(select(func.count()).select_from(table).where(table.c.team_id == TEAM))
                assert left == 0, table.name
        assert snapshot(session, OTHER_TEAM) == others
        assert snapshot(session, None) == teamless  # the org-wide install, worker heartbeats, states
    assert report.tables == {name: len(rows) for name, rows in before.items()}
    assert report.deleted == sum(len(rows) for rows in before.values())
    assert report.still_open >= 1

    again = forget_team(sessions)
    assert again.empty and again.tables == {}


def test_the_other_workspace_can_be_forgotten_too_and_then_nothing_of_either_is_left(sessions):
    seed_everything(sessions)
    forget_team(sessions, TEAM)
    forget_team(sessions, OTHER_TEAM)
    with sessions() as session:
        for table in privacy.team_tables():
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.team_id.isnot(None) if "team_id" in table.c else True)
                )
                == 0
            ), table.name


def test_installed_means_tokens_stored_or_never_marked_uninstalled(sessions):
    scenario.seed(sessions)
    with transaction(sessions) as session:
        assert privacy.is_installed(session, TEAM)  # token mode: Slack never says otherwise
        session.execute(update(Workspace).where(Workspace.team_id == TEAM).values(uninstalled_at=NOW))
    with transaction(sessions) as session:
        assert not privacy.is_installed(session, TEAM)
        assert privacy.is_installed(session, OTHER_TEAM)
        assert not privacy.is_installed(session, "TNOBODY")
        session.execute(
            insert(slack_installations).values(
                client_id="C1",
                app_id="A1",
                team_id=TEAM,
                bot_token="x",
                user_id="UADMIN",
                installed_at=NOW,
            )
        )
    with transaction(sessions) as session:
        assert privacy.is_installed(session, TEAM)  # uninstalled, then installed by OAuth again
    report = forget_team(sessions)
    assert report.installed and report.tables["slack_installations"] == 1


def test_erasing_an_installed_workspace_without_force_rolls_everything_back(sessions):
    from bot.cli.forget import erase_team

    scenario.seed(sessions)
    with sessions() as session:
        before = snapshot(session, TEAM)
    refused = erase_team(sessions, team_id=TEAM, commit=True)
    assert refused.installed and refused.deleted > 0  # what it would have deleted …
    with sessions() as session:
        assert snapshot(session, TEAM) == before  # … and nothing went
    forced = erase_team(sessions, team_id=TEAM, commit=True, force=True)
    assert forced.deleted == refused.deleted
    with sessions() as session:
        assert not any(snapshot(session, TEAM).values())
