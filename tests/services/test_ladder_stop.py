"""Reminders that know when to stop (issue 10, point 6), through the real sweep, the outbox and the fake
Slack on SQLite and PostgreSQL: spacing, the cap and the requester's one question (keep waiting, ask
someone else, close it — only the requester may choose), the check-in, the heads-up rule, and reminders
while a request waits on the requester. Plus the 14-day scenario: 43 DMs before, the new figure now.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.deps import Deps
from bot.jobs.scheduler import tick
from bot.jobs.sweep import run_sweep
from bot.services import reminders as reminder_service
from models import Request, RequestEvent
from models.db import transaction
from models.reminder import Reminder
from tests.ladder_scenario import BEFORE, BEFORE_BY_PERSON, play
from tests.services.test_reminders import (
    add_request,
    berlin,
    make_deps,
    reminder_rows,
    reminders_to,
    sweep_at,
)
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_response


@pytest.fixture
def deps(settings, sessions, clock, fake_slack) -> Deps:
    return make_deps(settings, sessions, clock, fake_slack)


def capped_questions(fake, user_id: str) -> list[dict[str, Any]]:
    """The requester's question after the cap (its buttons' block id is ``capped_<id>_<n>``)."""
    return [
        m
        for m in dms_to(fake, user_id)
        if any((b.get("block_id") or "").startswith("capped_") for b in m.get("blocks") or [])
        or "I'll stop reminding them" in text_of(m)
        or "You chose to keep waiting" in text_of(m)
    ]


def every_day(start: datetime, end: datetime, hours: tuple[int, ...] = (10, 14)) -> list[datetime]:
    moments, day = [], start
    while day < end:
        moments += [day.replace(hour=hour, minute=0) for hour in hours]
        day += timedelta(days=1)
    return moments


def kinds(sessions, request_id: int) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(
                select(RequestEvent.kind)
                .where(RequestEvent.request_id == request_id)
                .order_by(RequestEvent.id)
            )
        )


# --- the cap and the requester's one question -----------------------------------------------------------


def test_reminders_stop_at_the_cap_and_the_requester_is_asked_once(slack, fake_slack, bot, clock, sessions):
    slack.command("UALICE", "<@UBOB|bob> Review the contract within 4h")
    wait_response(fake_slack)

    def run_until(end: datetime, start: datetime) -> None:
        for moment in every_day(start, end):
            clock.set(moment)
            tick(bot.deps, moment)
            bot.settle()

    run_until(berlin(12, 31), berlin(11, 26))
    to_bob = reminders_to(fake_slack, "UBOB")
    # Spaced: business days 0, 1, 2, 4, 7 after Thursday 14:00 — then the cap (KUNDENFOKUS_MAX_REMINDERS=5).
    assert len(to_bob) == 5
    [question] = capped_questions(fake_slack, "UALICE")
    assert "I've reminded <@UBOB> 5 times about your request" in text_of(question)
    assert action_ids(question["blocks"]) == [
        "request_keep_waiting",
        "request_escalate_person",
        "request_cancel",
    ]
    [close] = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]][2:]
    assert close["confirm"]["confirm"]["text"] == "Close it"  # Slack asks before closing
    assert "<@" not in str(close["confirm"])  # mentions never in plain_text
    with sessions() as session:
        [rid] = session.scalars(select(Request.id))
        [asked] = session.scalars(select(Reminder).where(Reminder.step == "capped"))
    assert asked.recipient_id == "UALICE" and asked.sent_at == berlin(12, 11, 10)

    # A stranger's clicks change nothing (and are told why, kindly).
    clock.set(berlin(12, 31, 11))
    before = len(responses(fake_slack))
    press(slack, fake_slack, "UCAROL", "request_keep_waiting", message=question)
    press(slack, fake_slack, "UCAROL", "request_cancel", message=question)
    fake_slack.wait_for(lambda _c: len(responses(fake_slack)) >= before + 2)
    refusals = [text_of(r) for r in responses(fake_slack)[before:]]
    assert any("Only <@UALICE>, who asked, can decide how request *#1* goes on." in t for t in refusals)
    assert any("Only <@UALICE>, who asked, can cancel request *#1*." in t for t in refusals)
    bot.settle()
    assert "kept_waiting" not in kinds(sessions, rid) and "cancelled" not in kinds(sessions, rid)
    with sessions() as session:
        assert session.get(Request, rid).state == "open"

    # Alice keeps waiting: the question gives way to her choice; Bob hears again, spaced from today,
    # three times (the smaller allowance), then Alice is asked again — once.
    press(slack, fake_slack, "UALICE", "request_keep_waiting", message=question)
    fake_slack.wait_for(
        lambda _c: "You chose to keep waiting" in text_of(capped_questions(fake_slack, "UALICE")[0])
    )
    assert action_ids(capped_questions(fake_slack, "UALICE")[0]["blocks"]) == []
    bot.settle()
    assert kinds(sessions, rid).count("kept_waiting") == 1
    # Pressed twice (a stale copy of the question): nothing more happens.
    press(slack, fake_slack, "UALICE", "request_keep_waiting", message=question)
    bot.settle()
    assert kinds(sessions, rid).count("kept_waiting") == 1

    run_until(berlin(2, 1).replace(year=2027), berlin(1, 1).replace(year=2027))
    with sessions() as session:
        again = list(
            session.scalars(select(Reminder).where(Reminder.request_id == rid).order_by(Reminder.id))
        )
    to_bob_after = [r.sent_at for r in again if r.recipient_id == "UBOB" and r.sent_at > berlin(12, 31, 11)]
    assert to_bob_after == [
        datetime(2027, 1, 4, 10, tzinfo=berlin(1, 1).tzinfo),  # business day 1 after Thursday 31 Dec
        datetime(2027, 1, 5, 10, tzinfo=berlin(1, 1).tzinfo),  # 2
        datetime(2027, 1, 7, 10, tzinfo=berlin(1, 1).tzinfo),  # 4
    ]
    assert [(r.step, r.key) for r in again if r.step == "capped"] == [
        ("capped", "round@0"),
        ("capped", "round@1"),
    ]
    second = capped_questions(fake_slack, "UALICE")[-1]
    assert "I've reminded <@UBOB> 8 times" in text_of(second)

    # Close it: the request is cancelled, Bob is told, nothing more is sent.
    clock.set(datetime(2027, 2, 1, 11, tzinfo=berlin(1, 1).tzinfo))
    press(slack, fake_slack, "UALICE", "request_cancel", message=second)
    fake_slack.wait_for(lambda _c: "cancelled" in kinds(sessions, rid))
    bot.settle()
    with sessions() as session:
        assert session.get(Request, rid).state == "cancelled"


def test_the_cap_is_a_setting_and_the_question_speaks_the_requesters_language(
    settings, sessions, clock, fake_slack
):
    deps = make_deps(settings.with_(max_reminders=2, escalate_after_days=0), sessions, clock, fake_slack)
    add_request(sessions, requester="UDIETER", assignee="UBOB", response_due=berlin(11, 26, 14))
    for moment in every_day(berlin(11, 26), berlin(12, 10)):
        sweep_at(deps, moment)
    assert len(reminders_to(fake_slack, "UBOB")) == 2  # Thu 14:00, Fri 10:00
    [question] = capped_questions(fake_slack, "UDIETER")
    assert "Ich habe <@UBOB> 2-mal an deine Anfrage" in text_of(question)
    assert "Weiter warten" in text_of(question) and "Schließen" in text_of(question)
    [row] = [r for r in reminder_rows(sessions) if r.step == "capped"]
    assert row.sent_at == berlin(11, 30, 10)  # when the third (business day 2) would have come


# --- waiting on the requester ------------------------------------------------------------------------


def wait_on_requester(sessions, request_id: int, since: datetime) -> None:
    """What ``request_ask_back`` does to the clocks (built elsewhere): state ``waiting`` since ``since``."""
    with transaction(sessions) as session:
        request = session.get(Request, request_id)
        request.state = "waiting"
        request.waiting_since = since
        request.updated_at = since


def test_no_reminder_reaches_the_assignee_while_the_request_waits_on_the_requester(
    deps, fake_slack, sessions
):
    rid = add_request(sessions, response_due=berlin(11, 26, 14), due=berlin(11, 27, 17), acknowledged=True)
    wait_on_requester(sessions, rid, berlin(11, 26, 11))
    for moment in every_day(berlin(11, 26), berlin(12, 31), hours=(10, 12, 14, 16)):
        sweep_at(deps, moment)
    assert reminders_to(fake_slack, "UBOB") == []
    sent = [r for r in reminder_rows(sessions) if r.state == "sent"]
    assert {(r.recipient_id, r.step) for r in sent} == {("UALICE", "waiting")}
    # Courteous and spaced like the others (business days 1, 2, 4, 7, 11 after the question), capped at 5.
    assert [r.sent_at for r in sent] == [
        berlin(11, 27, 10),
        berlin(11, 30, 10),
        berlin(12, 2, 10),
        berlin(12, 7, 10),
        berlin(12, 11, 10),
    ]
    first = next(m for m in dms_to(fake_slack, "UALICE") if "is waiting for your answer" in text_of(m))
    assert "<@UBOB> asked you something about your request" in text_of(first)
    assert action_ids(first["blocks"]) == ["request_reply"]


def test_a_reminder_queued_before_the_request_began_waiting_is_skipped(deps, fake_slack, sessions):
    rid = add_request(sessions, response_due=berlin(11, 26, 14))
    deps.clock.set(berlin(11, 26, 14))
    report = run_sweep(deps, berlin(11, 26, 14))  # queued for Bob, not delivered yet
    assert report.messages == 1
    wait_on_requester(sessions, rid, berlin(11, 26, 14, 1))
    deps.outbox.start()
    try:
        deps.outbox.wait_for(report.outbox_ids, timeout=10)
    finally:
        deps.outbox.stop()
    [row] = reminder_rows(sessions)
    assert (row.recipient_id, row.state, row.error) == ("UBOB", "skipped", "no_longer_due")
    assert reminders_to(fake_slack, "UBOB") == []


def test_waiting_reminders_in_german(deps, fake_slack, sessions):
    rid = add_request(sessions, requester="UDIETER", response_due=berlin(11, 26, 14), acknowledged=True)
    wait_on_requester(sessions, rid, berlin(11, 26, 11))
    sweep_at(deps, berlin(11, 27, 10))
    [message] = dms_to(fake_slack, "UDIETER")
    assert "wartet auf deine Antwort" in text_of(message) and "Antworten" in text_of(message)


# --- the check-in --------------------------------------------------------------------------------------


def test_one_check_in_after_five_silent_business_days(deps, fake_slack, sessions):
    add_request(sessions, acknowledged=True)  # Got it Thursday 10:00, no due date
    busy = add_request(sessions, assignee="UDIETER", acknowledged=True)
    with transaction(sessions) as session:  # a sign of life on the second (e.g. a relayed thread reply)
        session.add(
            RequestEvent(request_id=busy, at=berlin(12, 1, 15), actor_id="UDIETER", kind="replied", detail={})
        )
    for moment in every_day(berlin(11, 26), berlin(12, 31), hours=(10, 15)):
        sweep_at(deps, moment)
    sent = [(r.recipient_id, r.step, r.sent_at) for r in reminder_rows(sessions) if r.state == "sent"]
    assert sent == [
        ("UBOB", "check_in", berlin(12, 3, 10)),  # five business days after Thursday 10:00
        ("UDIETER", "check_in", berlin(12, 8, 15)),  # five after Tuesday 15:00
    ]
    [to_bob] = reminders_to(fake_slack, "UBOB")
    assert "Still on it?" in text_of(to_bob)
    assert action_ids(to_bob["blocks"]) == [
        "request_done",
        "request_propose",
        "request_snooze",
        "request_decline",
    ]
    [to_dieter] = reminders_to(fake_slack, "UDIETER")
    assert "Bist du noch dran?" in text_of(to_dieter)


# --- the heads-up rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "heads_up"),
    [
        (berlin(11, 26, 8, 56), []),  # filed Thursday before work for Friday: no heads-up 64 minutes later
        (berlin(11, 25, 16, 0), [berlin(11, 26, 10)]),  # filed Wednesday: the heads-up on Thursday
    ],
)
def test_a_heads_up_only_with_a_business_day_of_notice(deps, sessions, filed, heads_up):
    add_request(sessions, created=filed, response_due=filed, due=berlin(11, 27, 12), acknowledged=True)
    for moment in every_day(berlin(11, 26), berlin(11, 28), hours=(9, 10, 11, 14)):
        sweep_at(deps, moment)
    assert [r.sent_at for r in reminder_rows(sessions) if r.step == "heads_up"] == heads_up


def test_the_days_one_slot_goes_to_the_overdue_answer_not_the_heads_up(deps, sessions):
    # Filed Tuesday, first answer due Thursday 14:00, done by Friday 17:00 — nobody answers.
    add_request(sessions, created=berlin(11, 24, 10), response_due=berlin(11, 26, 14), due=berlin(11, 27, 17))
    for moment in every_day(berlin(11, 26), berlin(11, 28), hours=(10, 14)):
        sweep_at(deps, moment)
    sent = [(r.step, r.sent_at) for r in reminder_rows(sessions) if r.recipient_id == "UBOB"]
    assert sent == [("response", berlin(11, 26, 14)), ("response", berlin(11, 27, 10))]


# --- the 14-day scenario ----------------------------------------------------------------------------------


#: What the scenario sends now (per person), next to BEFORE (43) with today's ladder.
NOW_BY_PERSON = {"alice": 2, "bob": 6, "carol": 5, "dieter": 6, "erika": 7}


def test_the_fourteen_day_scenario_sends_far_fewer_reminders(settings, sessions, clock, fake_slack):
    deps = make_deps(settings, sessions, clock, fake_slack)
    received = play(deps, fake_slack)
    assert dict(received) == NOW_BY_PERSON
    assert sum(received.values()) == 26 < BEFORE == sum(BEFORE_BY_PERSON.values())
    # Nobody heard more than they did before; every assignee still heard about what they owe.
    assert all(received[name] <= BEFORE_BY_PERSON[name] for name in received)
    steps = {(r.recipient_id, r.step) for r in reminder_rows(sessions) if r.state == "sent"}
    assert {
        ("UBOB", "response"),
        ("UCAROL", "response"),
        ("UDIETER", "overdue"),
        ("UERIKA", "check_in"),
    } <= steps


def test_keep_waiting_before_anything_was_stopped_changes_nothing(settings, sessions):
    rid = add_request(sessions)
    with transaction(sessions) as session:
        outcome = reminder_service.keep_waiting(
            session,
            team_id="T0001",
            request_id=rid,
            actor_id="UALICE",
            now=berlin(11, 26, 15),
            settings=settings,
        )
    assert not outcome.changed and "kept_waiting" not in kinds(sessions, rid)
