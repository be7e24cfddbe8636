"""The Answer button end to end: the answer reaches the requester escaped (in their card's thread or as
a DM) and the history; the first answer is the first response; "this finishes it" closes the request
the way Done does; strangers change nothing. Over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import update

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
    ticked,
    typed,
    wait_message,
)
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_dms, wait_response

NASTY = "The code is OFF-2026-07 <!channel> see <https://evil.example|the docs> & <@UCAROL>"


def test_the_answer_reaches_the_requester_escaped_and_counts_as_first_response(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Which code do I use for the offsite")
    card = card_of(fake_slack, "UBOB")
    view = open_form(slack, fake_slack, "UBOB", "request_answer", card)
    assert view["callback_id"] == "request_answer_view"
    assert "<@" not in text_of([b.get("label") for b in view["blocks"]] + [view["title"]])

    assert submit(slack, "UBOB", view, typed("answer", NASTY)).status == 200
    answer = wait_message(fake_slack, "UALICE", "answered your request")
    shown = text_of(answer)
    assert "OFF-2026-07" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "<https://evil" not in shown and "&lt;https://evil" in shown
    assert "@UCAROL" in shown and "<@UCAROL>" not in shown  # no live mention of someone else
    request = the_request(sessions)
    assert request.state == "acknowledged" and request.acknowledged_at is not None
    [answered] = [e for e in events(sessions) if e.kind == "answered"]
    assert answered.detail["text"] == NASTY and answered.actor_id == "UBOB"
    fake_slack.wait_for(lambda _c: "Acknowledged" in text_of(card_of(fake_slack, "UBOB")))


def test_an_answer_goes_into_the_thread_of_the_requesters_card(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> What is the guest wifi password?")
    channel = fake_slack.dm_channel_for("UALICE")
    parent = fake_slack.add_message(channel, "UROBOT", "Your request #1 to @bob")
    with transaction(sessions) as session:  # BEGIN IMMEDIATE: the running bot writes too
        session.execute(
            update(Request).values(requester_channel_id=channel, requester_message_ts=parent["ts"])
        )
    card = card_of(fake_slack, "UBOB")
    view = open_form(slack, fake_slack, "UBOB", "request_answer", card)
    submit(slack, "UBOB", view, typed("answer", "It is kaffee&kuchen"))
    answer = wait_message(fake_slack, "UALICE", "kaffee&amp;kuchen")
    assert answer.get("thread_ts") == parent["ts"]


def test_this_finishes_it_closes_the_request_with_the_answer_and_asks_for_a_rating(
    slack, fake_slack, sessions
):
    file_request(slack, fake_slack, "<@UBOB|bob> Send me the Q3 numbers")
    card = card_of(fake_slack, "UBOB")
    view = open_form(slack, fake_slack, "UBOB", "request_answer", card)
    submit(slack, "UBOB", view, {**typed("answer", "Attached: 1.2M <b>"), **ticked("finish", "finish")})
    rating = wait_message(fake_slack, "UALICE", "request_rate_5")
    answer = wait_message(fake_slack, "UALICE", "marked it done")
    assert "1.2M &lt;b&gt;" in text_of(answer)
    assert float(answer["ts"]) < float(rating["ts"])  # the answer first, then "how did it go?"
    request = the_request(sessions)
    assert request.state == "done" and request.closed_at is not None and request.acknowledged_at is not None
    assert kinds(sessions)[-2:] == ["answered", "done"]
    fake_slack.wait_for(lambda _c: not action_ids(card_of(fake_slack, "UBOB")["blocks"]))


def test_a_plain_done_click_still_works_as_before(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    press(slack, fake_slack, "UBOB", "request_done", message=card_of(fake_slack, "UBOB"))
    wait_message(fake_slack, "UALICE", "has finished your request")
    assert the_request(sessions).state == "done"
    assert "answered" not in kinds(sessions)


def test_answer_is_first_for_questions_and_later_for_tasks(slack, fake_slack):
    file_request(slack, fake_slack, "<@UBOB|bob> Wann ist die Deadline für das Angebot")
    question = card_of(fake_slack, "UBOB")
    assert action_ids(question["blocks"])[0] == "request_answer"
    file_request(slack, fake_slack, "<@UBOB|bob> Send the Q3 numbers")
    task = card_of(fake_slack, "UBOB")
    assert action_ids(task["blocks"])[:3] == ["request_ack", "request_done", "request_answer"]


def test_an_empty_answer_is_refused_in_the_form(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    view = open_form(slack, fake_slack, "UBOB", "request_answer", card_of(fake_slack, "UBOB"))
    reply = submit(slack, "UBOB", view, typed("answer", "   "))
    assert reply.json()["response_action"] == "errors" and "answer" in reply.json()["errors"]
    assert the_request(sessions).state == "open" and "answered" not in kinds(sessions)


def test_a_stranger_can_neither_open_nor_submit_the_answer(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    card = card_of(fake_slack, "UBOB")
    opened = len(fake_slack.calls_to("views.open"))
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UBOB", "request_answer", message=card, as_user="UCAROL")
    refusal = wait_response(fake_slack, count + 1)
    assert "Only <@UBOB>" in text_of(refusal) and refusal.get("response_type") == "ephemeral"
    assert len(fake_slack.calls_to("views.open")) == opened

    # A forged submission of Bob's form by Carol changes nothing either.
    view = open_form(slack, fake_slack, "UBOB", "request_answer", card)
    before = len(dms_to(fake_slack, "UCAROL"))
    assert submit(slack, "UCAROL", view, typed("answer", "I'm not Bob")).status == 200
    fake_slack.wait_for(lambda _c: len(dms_to(fake_slack, "UCAROL")) > before)
    assert "Only <@UBOB>" in text_of(dms_to(fake_slack, "UCAROL")[-1])
    assert the_request(sessions).state == "open" and "answered" not in kinds(sessions)
    assert not [m for m in dms_to(fake_slack, "UALICE") if "answered your request" in text_of(m)]


def test_a_german_requester_reads_the_answer_in_german(slack, fake_slack):
    file_request(slack, fake_slack, "<@UBOB|bob> Wo liegt die Vorlage?", user="UDIETER")
    view = open_form(slack, fake_slack, "UBOB", "request_answer", card_of(fake_slack, "UBOB"))
    submit(slack, "UBOB", view, typed("answer", "Im Teamordner"))
    answer = wait_message(fake_slack, "UDIETER", "Im Teamordner")
    assert "hat deine Anfrage" in text_of(answer)
    wait_dms(fake_slack, "UDIETER")
