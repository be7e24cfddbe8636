"""A row in every table the scenario left empty — so a table added tomorrow is searched too.

Each string column gets what its registry entry says it may hold: the person's ID in PERSON columns,
their name in NAME columns, words "written by them" in TEXT/JSON columns with an author, a mention of
their ID and name in TEXT/JSON columns without one. A column the registry does not know gets the
mention too: if forget leaves it alone, the search for traces fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from bot.services.privacy import REGISTRY, TableRule, Treatment, base_type


def _fit(value: str, column: Any) -> str:
    length = getattr(base_type(column.type), "length", None)
    return value[:length] if length else value


def fill_empty_tables(
    session: Session,
    *,
    user_id: str,
    name: str,
    now: datetime,
    metadata: MetaData,
    registry: Mapping[str, TableRule] = REGISTRY,
) -> tuple[list[str], list[str]]:
    """Returns (tables filled, words written by the person)."""
    filled: list[str] = []
    written: list[str] = []
    for table in metadata.sorted_tables:
        if session.scalar(select(func.count()).select_from(table)):
            continue
        rule = registry.get(table.name)
        values: dict[str, Any] = {}
        for column in table.columns:
            base = base_type(column.type)
            keys = list(column.foreign_keys)
            spec = rule.fields.get(column.name) if rule else None
            if keys:
                values[column.name] = session.scalar(select(keys[0].column).limit(1))
            elif column.primary_key and isinstance(base, Integer):
                continue  # the database numbers it
            elif isinstance(base, JSON | String):
                authored = spec is not None and spec.author is not None
                words = (
                    f"Synthetic words typed into {table.name}.{column.name}"
                    if authored
                    else f"mentions <@{user_id}> and {name}"
                )
                if authored:
                    written.append(words)
                if isinstance(base, JSON):
                    values[column.name] = {"words": words, "user": user_id}
                    continue
                treatment = spec.treatment if spec is not None else None
                value = {
                    Treatment.PERSON: user_id,
                    Treatment.NAME: name,
                    Treatment.PROFILE: "x",
                    Treatment.KEEP: "k",
                }.get(treatment, words)  # type: ignore[arg-type]
                values[column.name] = _fit(value, column)
            elif isinstance(base, Boolean):
                values[column.name] = False
            elif isinstance(base, DateTime):
                values[column.name] = now
            elif isinstance(base, Date):
                values[column.name] = now.date()
            elif isinstance(base, Integer | Float | Numeric):
                values[column.name] = 1
            elif not column.nullable:
                raise AssertionError(f"no synthetic value for {table.name}.{column.name} ({column.type})")
        session.execute(insert(table).values(values))
        filled.append(table.name)
    return filled, written
