"""``bot.outbox.store.written_together``: the messages said inside are written at the end in one
execution, in order, each still exactly once by its key; nothing when the body raises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from bot.outbox import store
from models import OutboxMessage
from models.db import transaction

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _say(session, key: str, kind: str = "card") -> None:
    store.enqueue(session, team_id="T0001", kind=kind, key=key, now=NOW, recipient="UBOB")


def _rows(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        return [
            (row.kind, row.dedupe_key)
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


@pytest.fixture
def inserts(engine):
    seen: list[str] = []

    def watch(_connection, _cursor, statement, _parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX "):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    yield seen
    event.remove(engine, "before_cursor_execute", watch)


def test_the_messages_said_together_are_one_insert_in_the_order_said(sessions, inserts):
    with transaction(sessions) as session:
        _say(session, "old")
    inserts.clear()
    with transaction(sessions) as session, store.written_together(session):
        _say(session, "a", "card")
        _say(session, "b", "requester_card")
        _say(session, "old")  # there already: left out, as on its own
        _say(session, "c", "confirmation")
        with store.written_together(session):  # inside another: the outer one writes
            _say(session, "d", "home")
        assert _rows(sessions) == [("card", "old")]  # nothing written before the end
    assert len(inserts) == 1
    assert _rows(sessions) == [
        ("card", "old"),
        ("card", "a"),
        ("requester_card", "b"),
        ("confirmation", "c"),
        ("home", "d"),
    ]


def test_nothing_is_written_when_the_body_raises(sessions, inserts):
    with pytest.raises(RuntimeError), transaction(sessions) as session, store.written_together(session):
        _say(session, "a")
        raise RuntimeError("the change failed")
    with transaction(sessions) as session:
        _say(session, "b")  # the session's next transaction writes at once again
    assert _rows(sessions) == [("card", "b")]
    assert len(inserts) == 1


def test_a_filing_writes_its_messages_in_one_statement(bot, engine, slack, inserts):
    assert slack.command("UALICE", "<@UBOB|bob> Draft the agenda within 4h").status == 200
    assert bot.settle(10)
    with bot.deps.sessions() as session:
        kinds = [row.kind for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds == ["card", "requester_card", "confirmation"]
    assert len(inserts) == 1, inserts
