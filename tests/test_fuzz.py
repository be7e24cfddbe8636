"""Fuzz the whole bot over real HTTP: signed and unsigned hostile payloads of every kind (commands,
clicks, forms, shortcuts, events, garbage). Whatever comes, the answer is never a 5xx, the ack comes
within Slack's 3 seconds, no traceback is logged, and nothing changes: the one request that exists
belongs to people who never click here. ``bench/fuzz.py`` runs the same for 10,000 deliveries."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from models import Request, RequestEvent
from tests.conftest import SIGNING_SECRET
from tests.fuzz_payloads import Delivery, deliveries

EXAMPLES = 150


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_hostile_deliveries_are_answered_quickly_and_change_nothing(slack, bot, fake_slack, sessions, caplog):
    slack.command("UALICE", "<@UBOB|bob> The one request within 4h")
    assert bot.settle()
    with sessions() as session:
        before = session.execute(select(Request.state, Request.version)).one()
        events_before = session.scalar(select(func.count()).select_from(RequestEvent))
    caplog.set_level(logging.WARNING)
    caplog.clear()
    seen: dict[str, int] = {}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(delivery=deliveries)
    def one(delivery: Delivery) -> None:
        reply = slack.post_raw(delivery.body, delivery.headers(SIGNING_SECRET))
        seen[delivery.signing] = seen.get(delivery.signing, 0) + 1
        assert reply.status < 500, (reply.status, delivery)
        assert reply.elapsed < 3, (reply.elapsed, delivery)
        if delivery.signing != "signed":
            assert reply.status in (400, 401, 413) or delivery.body.startswith(b"ssl_check")

    one()
    assert bot.settle(30)
    crashed = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not crashed, [r.getMessage() for r in crashed][:5]
    with sessions() as session:
        assert session.execute(select(Request.state, Request.version)).one() == before
        assert session.scalar(select(func.count()).select_from(Request)) == 1
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == events_before
    assert seen.get("signed", 0) > EXAMPLES / 3
