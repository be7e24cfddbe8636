"""The privacy registry decides about every text column of every table: a new table or column fails
here until someone has decided how forget and retention treat it."""

from __future__ import annotations

import dataclasses
import enum

import pytest
from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    create_engine,
    inspect,
)
from sqlalchemy.orm import sessionmaker

from bot.services import privacy
from bot.services.privacy import PERSON, REGISTRY, TableRule, Words, registry_problems, text
from models import Base
from models.base import UTCDateTime
from models.db import transaction
from tests.privacy.scenario import ALICE, NAME, now_utc, textual_cells, traces
from tests.privacy.synthetic import fill_empty_tables


def test_every_text_column_of_every_table_is_in_the_registry():
    assert registry_problems() == []


def test_the_migrated_schema_has_exactly_the_registered_tables(migrated_sqlite_template):
    engine = create_engine(f"sqlite:///{migrated_sqlite_template}")
    try:
        names = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert names - {"alembic_version"} == set(REGISTRY)
    assert privacy.unknown_tables([*names, "newer_feature"]) == ["newer_feature"]


class Reason(enum.StrEnum):
    ILL = "ill"


def with_absences(**columns: Column) -> MetaData:
    """The real tables plus the kind of table a colleague might add tomorrow."""
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table(
        "leave_notes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("team_id", String(32), nullable=False),
        Column("user_id", String(32), nullable=False),
        Column("request_id", ForeignKey("requests.id"), nullable=True),
        Column("starts_at", UTCDateTime(), nullable=False),
        *columns.values(),
    )
    return metadata


ABSENCES = TableRule(
    purpose=Words(de="Abwesenheiten", en="Absences"),
    kept=Words(de="bis forget", en="until forget"),
    visible_to=Words(de="die Vertretung", en="the deputy"),
    fields={"team_id": privacy.KEEP, "user_id": PERSON, "note": text(author="user_id")},
)


def test_a_new_table_fails_until_it_is_registered():
    metadata = with_absences(note=Column("note", Text))
    problems = registry_problems(metadata)
    assert problems == [
        "leave_notes: table not in bot.services.privacy.REGISTRY — decide how forget and retention treat each "
        "of its columns"
    ]
    with pytest.raises(privacy.RegistryError):
        privacy.check_registry(metadata)
    assert registry_problems(metadata, {**REGISTRY, "leave_notes": ABSENCES}) == []


@pytest.mark.parametrize(
    "column",
    [
        Column("reason", Text),
        Column("label", Unicode(40)),
        Column("kind", Enum(Reason)),
        Column("raw", String),
    ],
    ids=["text", "unicode", "enum", "string"],
)
def test_a_new_text_column_fails_until_it_is_registered(column):
    metadata = with_absences(note=Column("note", Text), extra=column)
    assert registry_problems(metadata, {**REGISTRY, "leave_notes": ABSENCES}) == [
        f"leave_notes.{column.name}: text column not in the registry — PERSON, NAME, PROFILE, TEXT, JSON or KEEP?"
    ]


def test_inconsistent_entries_are_named():
    metadata = with_absences(note=Column("note", Text), ends_at=Column("ends_at", Integer))
    broken = dataclasses.replace(
        ABSENCES,
        fields={**ABSENCES.fields, "note": text(author="team_id", retention=True), "gone": privacy.KEEP},
        team=None,
        erase="delete",
    )
    assert registry_problems(metadata, {**REGISTRY, "leave_notes": broken}) == [
        "leave_notes.note: its author 'team_id' is not a PERSON column of the table",
        "leave_notes.note: retention needs the table to belong to a request (parent)",
        "leave_notes.gone: registered, but there is no such column",
        "leave_notes: erase='delete' needs an owner column",
        "leave_notes: holds personal data but has no way to its workspace (team/parent)",
    ]


def test_a_registered_new_table_is_forgotten_without_any_new_code(tmp_path):
    """What a colleague adding a table has to do is enter it in the registry — nothing else."""
    metadata = with_absences(note=Column("note", Text), ends_at=Column("ends_at", UTCDateTime()))
    registry = {**REGISTRY, "leave_notes": dataclasses.replace(ABSENCES, owner="user_id")}
    engine = create_engine(f"sqlite:///{tmp_path / 'extended.db'}")
    metadata.create_all(engine)
    sessions = sessionmaker(engine)
    try:
        with transaction(sessions) as session:
            _filled, written = fill_empty_tables(
                session, user_id=ALICE, name=NAME, now=now_utc(), metadata=metadata, registry=registry
            )
        needles = [ALICE, NAME, *written]
        with sessions() as session:
            assert traces(textual_cells(session, metadata), needles)
        with transaction(sessions) as session:
            report = privacy.forget(
                session, user_id=ALICE, salt=b"salt", metadata=metadata, registry=registry
            )
        assert report.tables["leave_notes"].changed == 1
        with sessions() as session:
            assert traces(textual_cells(session, metadata), needles) == []
    finally:
        engine.dispose()
