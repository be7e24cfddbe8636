"""A delivery key takes effect once — on SQLite and on PostgreSQL (whose driver reports rowcount -1)."""

from __future__ import annotations

from bot.services import deliveries
from models.db import transaction
from tests.conftest import START, TEAM


def test_a_key_is_new_only_the_first_time(sessions):
    with transaction(sessions) as session:
        assert deliveries.first_time(session, team_id=TEAM, key="question:abc", now=START)
    with transaction(sessions) as session:
        assert not deliveries.first_time(session, team_id=TEAM, key="question:abc", now=START)
        assert deliveries.first_time(session, team_id="T0002", key="question:abc", now=START)
        assert deliveries.first_time(session, team_id=TEAM, key=None, now=START)
