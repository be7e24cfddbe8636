"""After the assignee's card is posted, one statement records where it is and makes it the request's
thread — unless the request was handed to someone else meanwhile, or has a thread already. On SQLite and
PostgreSQL: each ``CASE`` of that statement must read the row as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.outbox.messages import Sent, _card_after
from bot.services import requests as request_service
from models import Request
from models.db import transaction
from tests.conftest import TEAM

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)


def _file(sessions, *, thread: tuple[str, str] | None) -> int:
    with transaction(sessions) as session:
        request = request_service.file_request(
            session,
            team_id=TEAM,
            requester_id="UALICE",
            assignee_id="UBOB",
            text="Review the contract",
            now=NOW,
            response_due_at=NOW + timedelta(hours=4),
            thread_channel_id=thread[0] if thread else None,
            thread_ts=thread[1] if thread else None,
        )
        return request.id


def _card_posted(sessions, request_id: int, *, to: str) -> Request:
    row = SimpleNamespace(request_id=request_id, recipient=to)
    with transaction(sessions) as session:
        _card_after(session, SimpleNamespace(row=row), Sent("DBOB", "1700000000.000100"))
    with sessions() as session:
        return session.get(Request, request_id)


@pytest.mark.parametrize("thread", [None, ("C0001", "1690000000.000001")], ids=["no-thread", "a-thread"])
def test_the_card_is_remembered_and_becomes_the_thread_only_where_there_is_none(sessions, thread):
    request = _card_posted(sessions, _file(sessions, thread=thread), to="UBOB")
    assert (request.assignee_channel_id, request.assignee_message_ts) == ("DBOB", "1700000000.000100")
    expected = thread or ("DBOB", "1700000000.000100")
    assert (request.thread_channel_id, request.thread_ts) == expected


@pytest.mark.parametrize("thread", [None, ("C0001", "1690000000.000001")], ids=["no-thread", "a-thread"])
def test_a_card_to_someone_the_request_was_handed_away_from_is_not_remembered(sessions, thread):
    request = _card_posted(sessions, _file(sessions, thread=thread), to="UDIETER")
    assert (request.assignee_channel_id, request.assignee_message_ts) == (None, None)
    # The thread rule does not ask who the card was for (as before: its own update, by id only).
    expected = thread or ("DBOB", "1700000000.000100")
    assert (request.thread_channel_id, request.thread_ts) == expected
