"""Waiting on the requester end to end: *Ask back* pauses the assignee's clocks, the requester gets the
question with a Reply button (a reply in its thread works too), and the reply resumes the request with
its times moved by exactly the waited business time. Over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.services import home as home_service
from bot.services.digest import overdue_at
from models import Request
from models.db import transaction
from tests.handlers.conversation_util import (
    card_of,
    events,
    file_request,
    kinds,
    open_form,
    submit,
    the_request,
    typed,
    wait_message,
)
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_response

BERLIN = ZoneInfo("Europe/Berlin")
THURSDAY_11 = datetime(2026, 11, 26, 11, 0, tzinfo=BERLIN)
FRIDAY_10 = datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)


def ask_back(slack, fake_slack, clock, question: str, *, requester: str = "UALICE") -> dict:
    """Bob asks the requester ``question`` at Thursday 11:00; returns the question as they got it."""
    clock.set(THURSDAY_11)
    view = open_form(slack, fake_slack, "UBOB", "request_ask_back", card_of(fake_slack, "UBOB"))
    assert view["callback_id"] == "request_ask_back_view"
    assert submit(slack, "UBOB", view, typed("question", question)).status == 200
    return wait_message(fake_slack, requester, "request_reply")


def test_asking_back_waits_and_the_reply_moves_the_times_by_the_waited_business_time(
    slack, fake_slack, sessions, clock
):
    file_request(slack, fake_slack, "<@UBOB|bob> Check the invoice within 4h by 2026-12-03 15:00")
    filed = the_request(sessions)
    assert filed.response_due_at == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    assert filed.due_at == datetime(2026, 12, 3, 15, 0, tzinfo=BERLIN)

    question = ask_back(slack, fake_slack, clock, "Which cost centre <!here>?")
    assert "needs something from you" in text_of(question)
    assert "&lt;!here&gt;" in text_of(question) and "<!here>" not in text_of(question)
    waiting = the_request(sessions)
    assert waiting.state == "waiting" and waiting.waiting_since == THURSDAY_11
    assert waiting.acknowledged_at is None  # asking back pauses the clock; it is no first answer
    fake_slack.wait_for(lambda _c: "your clock is paused" in text_of(card_of(fake_slack, "UBOB")))
    assert "request_ask_back" not in action_ids(card_of(fake_slack, "UBOB")["blocks"])

    # Friday 10:00: 6 working hours on Thursday (11–17) and 1 on Friday (9–10) went by.
    clock.set(FRIDAY_10)
    view = open_form(slack, fake_slack, "UALICE", "request_reply", question)
    assert view["callback_id"] == "request_reply_view" and "Which cost centre" in text_of(view)
    assert submit(slack, "UALICE", view, typed("reply", "CC-4711 <b>")).status == 200
    told = wait_message(fake_slack, "UBOB", "replied to your question")
    assert "CC-4711 &lt;b&gt;" in text_of(told) and "7 hours" in text_of(told)

    resumed = the_request(sessions)
    assert resumed.state == "open" and resumed.waiting_since is None
    # Thursday 14:00 + 7 business hours = Friday 13:00; Thursday 3 Dec 15:00 + 7h = Friday 4 Dec 14:00.
    assert resumed.response_due_at == datetime(2026, 11, 27, 13, 0, tzinfo=BERLIN)
    assert resumed.due_at == datetime(2026, 12, 4, 14, 0, tzinfo=BERLIN)
    started, ended = [e for e in events(sessions) if e.kind.startswith("waiting_")]
    assert (started.kind, started.detail["text"]) == ("waiting_started", "Which cost centre <!here>?")
    assert (ended.kind, ended.detail["text"], ended.detail["waited_seconds"]) == (
        "waiting_ended",
        "CC-4711 <b>",
        7 * 3600,
    )
    assert datetime.fromisoformat(ended.detail["since"]) == THURSDAY_11
    # The question shows it was answered; Bob's card has its buttons back.
    fake_slack.wait_for(lambda _c: "request_reply" not in text_of(dms_to(fake_slack, "UALICE")))
    fake_slack.wait_for(lambda _c: "request_ack" in action_ids(card_of(fake_slack, "UBOB")["blocks"]))


def test_an_acknowledged_request_keeps_its_response_time_and_resumes_acknowledged(
    slack, fake_slack, sessions, clock
):
    file_request(slack, fake_slack, "<@UBOB|bob> Check the invoice within 4h by 2026-12-03 15:00")
    press(slack, fake_slack, "UBOB", "request_ack", message=card_of(fake_slack, "UBOB"))
    question = ask_back(slack, fake_slack, clock, "Which year?")
    clock.set(FRIDAY_10)
    submit(
        slack,
        "UALICE",
        open_form(slack, fake_slack, "UALICE", "request_reply", question),
        typed("reply", "2025"),
    )
    wait_message(fake_slack, "UBOB", "replied to your question")
    resumed = the_request(sessions)
    assert resumed.state == "acknowledged"
    assert resumed.response_due_at == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)  # answered already
    assert resumed.due_at == datetime(2026, 12, 4, 14, 0, tzinfo=BERLIN)


def test_a_reply_in_the_questions_thread_resumes_the_request(slack, fake_slack, sessions, clock):
    file_request(slack, fake_slack, "<@UBOB|bob> Book the room within 4h")
    question = ask_back(slack, fake_slack, clock, "For how many people?")
    clock.set(datetime(2026, 11, 26, 12, 30, tzinfo=BERLIN))
    # Someone else's words in that thread change nothing.
    slack.dm_reply("UCAROL", "me too", thread_ts=question["ts"])
    assert the_request(sessions).state == "waiting"
    slack.dm_reply("UALICE", "Twelve, <@UCAROL|carol> included", thread_ts=question["ts"])
    told = wait_message(fake_slack, "UBOB", "replied to your question")
    assert "Twelve, @carol included" in text_of(told) and "<@UCAROL" not in text_of(told)
    resumed = the_request(sessions)
    assert resumed.state == "open"
    assert resumed.response_due_at == datetime(2026, 11, 26, 15, 30, tzinfo=BERLIN)  # 14:00 + 1.5h
    assert kinds(sessions).count("waiting_ended") == 1
    # Once resumed, more words in that thread are just conversation.
    slack.dm_reply("UALICE", "Twelve", thread_ts=question["ts"])
    assert kinds(sessions).count("waiting_ended") == 1


def test_while_waiting_nothing_counts_as_late(slack, fake_slack, sessions, clock):
    file_request(slack, fake_slack, "<@UBOB|bob> Book the room within 2h")
    ask_back(slack, fake_slack, clock, "Which floor?")
    later = datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)  # long past the response time

    def overdue() -> int:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(Request).where(overdue_at(later)))

    assert overdue() == 0
    request = the_request(sessions)
    assert not home_service.is_overdue(request, later)
    with transaction(sessions) as session:  # BEGIN IMMEDIATE: the running bot writes too
        session.get(Request, request.id).state = "open"  # the same request, not waiting
    assert overdue() == 1


def test_only_the_assignee_asks_back_and_only_the_requester_replies(slack, fake_slack, sessions, clock):
    file_request(slack, fake_slack, "<@UBOB|bob> Book the room")
    card = card_of(fake_slack, "UBOB")
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UBOB", "request_ask_back", message=card, as_user="UCAROL")
    assert "Only <@UBOB>" in text_of(wait_response(fake_slack, count + 1))
    assert the_request(sessions).state == "open"

    question = ask_back(slack, fake_slack, clock, "Which floor?")
    opened = len(fake_slack.calls_to("views.open"))
    for stranger in ("UCAROL", "UBOB"):
        count = len(responses(fake_slack))
        press(slack, fake_slack, "UALICE", "request_reply", message=question, as_user=stranger)
        refusal = wait_response(fake_slack, count + 1)
        assert "Only <@UALICE>" in text_of(refusal) and refusal.get("response_type") == "ephemeral"
    assert len(fake_slack.calls_to("views.open")) == opened
    view = open_form(slack, fake_slack, "UALICE", "request_reply", question)
    before = len(dms_to(fake_slack, "UCAROL"))
    submit(slack, "UCAROL", view, typed("reply", "forged"))
    fake_slack.wait_for(lambda _c: len(dms_to(fake_slack, "UCAROL")) > before)
    assert the_request(sessions).state == "waiting" and "waiting_ended" not in kinds(sessions)


def test_asking_back_twice_is_refused_kindly(slack, fake_slack, sessions, clock):
    file_request(slack, fake_slack, "<@UBOB|bob> Book the room")
    ask_back(slack, fake_slack, clock, "Which floor?")
    fake_slack.wait_for(lambda _c: "your clock is paused" in text_of(card_of(fake_slack, "UBOB")))
    view = open_form(slack, fake_slack, "UBOB", "request_answer", card_of(fake_slack, "UBOB"))
    # Answering while waiting is fine; the request keeps waiting for the requester.
    submit(slack, "UBOB", view, typed("answer", "Meanwhile: room 2 is free"))
    wait_message(fake_slack, "UALICE", "room 2 is free")
    assert the_request(sessions).state == "waiting"


def test_a_german_requester_gets_the_question_in_german(slack, fake_slack, clock):
    file_request(slack, fake_slack, "<@UBOB|bob> Bitte den Raum buchen", user="UDIETER")
    question = ask_back(slack, fake_slack, clock, "Für wie viele?", requester="UDIETER")
    assert "braucht etwas von dir" in text_of(question) and "Antworten" in text_of(question)


def test_the_waited_time_is_business_time_over_a_weekend(slack, fake_slack, sessions, clock):
    clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN))  # Friday 16:00
    file_request(slack, fake_slack, "<@UBOB|bob> Check the invoice within 4h")
    assert the_request(sessions).response_due_at == datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)
    view = open_form(slack, fake_slack, "UBOB", "request_ask_back", card_of(fake_slack, "UBOB"))
    clock.set(datetime(2026, 11, 27, 16, 30, tzinfo=BERLIN))
    submit(slack, "UBOB", view, typed("question", "Which one?"))
    question = wait_message(fake_slack, "UALICE", "request_reply")
    clock.set(datetime(2026, 11, 30, 9, 15, tzinfo=BERLIN))  # Monday 09:15: 30 + 15 working minutes
    reply = open_form(slack, fake_slack, "UALICE", "request_reply", question)
    submit(slack, "UALICE", reply, typed("reply", "The blue one"))
    wait_message(fake_slack, "UBOB", "replied to your question")
    resumed = the_request(sessions)
    assert resumed.response_due_at == datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN) + timedelta(minutes=45)


def test_done_while_waiting_ends_the_waiting_period_too(slack, fake_slack, sessions, clock):
    file_request(slack, fake_slack, "<@UBOB|bob> Book the room")
    ask_back(slack, fake_slack, clock, "Which floor?")
    fake_slack.wait_for(lambda _c: "your clock is paused" in text_of(card_of(fake_slack, "UBOB")))
    press(slack, fake_slack, "UBOB", "request_done", message=card_of(fake_slack, "UBOB"))
    wait_message(fake_slack, "UALICE", "has finished your request")
    request = the_request(sessions)
    assert request.state == "done" and request.waiting_since is None
    assert kinds(sessions)[-3:] == ["waiting_started", "waiting_ended", "done"]
    [ended] = [e for e in events(sessions) if e.kind == "waiting_ended"]
    assert ended.detail["via"] == "done"
