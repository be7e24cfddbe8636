"""Hand-overs that keep their context, end to end: a reassign note reaches the new assignee (who reads
who handed it over, not a new ask) and the requester hears the new times; reassigning to oneself is
refused in the form; the person asked via *Ask someone else* takes it over with one click; a decline
offers the requester *Ask someone else* and *Cancel*. Over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.handlers.conversation_util import (
    card_of,
    file_request,
    kinds,
    open_form,
    picked,
    submit,
    the_request,
    typed,
    wait_message,
)
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_reassign_note_reaches_the_new_assignee_and_the_requester_hears_the_new_times(
    slack, fake_slack, sessions
):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    view = open_form(slack, fake_slack, "UBOB", "request_reassign", card_of(fake_slack, "UBOB"))
    assert "<@" not in text_of(
        [b.get("label") for b in view["blocks"]] + [b.get("hint") for b in view["blocks"]]
    )

    to_me = submit(slack, "UBOB", view, picked("assignee", "UBOB"))
    assert to_me.json()["response_action"] == "errors"
    assert "yours already" in to_me.json()["errors"]["assignee"]
    assert the_request(sessions).assignee_id == "UBOB"

    note = "Dieter owns the contracts <!channel>"
    assert submit(slack, "UBOB", view, {**picked("assignee", "UDIETER"), **typed("note", note)}).status == 200
    card = card_of(fake_slack, "UDIETER")
    shown = text_of(card)
    assert "<@UBOB> hat dir diese Anfrage übergeben" in shown  # Dieter reads German
    assert "Dieter owns the contracts &lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "request_ack" in action_ids(card["blocks"])
    news = wait_message(fake_slack, "UALICE", "has handed your request")
    assert "<@UDIETER>" in text_of(news) and "First answer by" in text_of(news)
    request = the_request(sessions)
    assert request.assignee_id == "UDIETER" and request.state == "open"
    # Thursday 10:00 Berlin + the default response time, on Dieter's calendar.
    assert request.response_due_at > datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
    assert "Fri" in text_of(news) or "Thu" in text_of(news)


def ask_for_help(slack, fake_slack, person: str) -> dict:
    """Alice asks ``person`` for help with request #1 (the Ask someone else form); their DM."""
    request_id = next(
        e["value"]
        for b in card_of(fake_slack, "UBOB")["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )
    count = len(fake_slack.calls_to("views.open"))
    slack.block_action(
        "UALICE",
        "request_escalate_person",
        request_id,
        channel_id=fake_slack.dm_channel_for("UALICE"),
        message_ts="1.1",
        trigger_id="t-esc",
    )
    view = fake_slack.wait_for_method("views.open", count=count + 1)[-1].args["view"]
    assert submit(slack, "UALICE", view, {**picked("person", person), **typed("note", "")}).status == 200
    return wait_message(fake_slack, person, "request_take_over")


def test_the_person_asked_to_help_takes_it_over_with_one_click(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    ask = ask_for_help(slack, fake_slack, "UCAROL")
    assert "Take it over" in text_of(ask)
    fake_slack.wait_for(lambda _c: "escalated" in kinds(sessions))

    press(slack, fake_slack, "UCAROL", "request_take_over", message=ask)
    card = card_of(fake_slack, "UCAROL")
    assert "You took this over from <@UBOB>" in text_of(card)
    assert "request_done" in action_ids(card["blocks"])
    news = wait_message(fake_slack, "UALICE", "has taken over your request")
    assert "<@UCAROL>" in text_of(news) and "<@UBOB>" in text_of(news)
    wait_message(fake_slack, "UBOB", "has taken over")
    request = the_request(sessions)
    assert (request.assignee_id, request.state) == ("UCAROL", "acknowledged")
    assert request.acknowledged_at is not None
    assert kinds(sessions)[-1] == "taken_over"


def test_only_the_person_asked_may_take_it_over(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    ask = ask_for_help(slack, fake_slack, "UCAROL")
    fake_slack.wait_for(lambda _c: "escalated" in kinds(sessions))
    for stranger in ("UDIETER", "UALICE"):
        count = len(responses(fake_slack))
        press(slack, fake_slack, "UCAROL", "request_take_over", message=ask, as_user=stranger)
        refusal = wait_response(fake_slack, count + 1)
        assert refusal.get("response_type") == "ephemeral"
    assert "um Hilfe gebeten" in text_of(responses(fake_slack)[-2])  # Dieter reads German
    assert "Only someone <@UALICE> asked for help" in text_of(responses(fake_slack)[-1])
    request = the_request(sessions)
    assert request.assignee_id == "UBOB" and "taken_over" not in kinds(sessions)


def decline(slack, fake_slack) -> dict:
    view = open_form(slack, fake_slack, "UBOB", "request_decline", card_of(fake_slack, "UBOB"))
    submit(slack, "UBOB", view, typed("reason", "Not my area"))
    return wait_message(fake_slack, "UALICE", "can't take on your request")


def test_a_decline_offers_to_ask_someone_else_which_hands_the_request_on(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    news = decline(slack, fake_slack)
    assert action_ids(news["blocks"]) == ["request_redirect", "request_cancel"]
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UALICE", "request_redirect", message=news, as_user="UCAROL")
    assert "Only <@UALICE>" in text_of(wait_response(fake_slack, count + 1))

    view = open_form(slack, fake_slack, "UALICE", "request_redirect", news)
    assert view["callback_id"] == "request_redirect_view"
    again = submit(slack, "UALICE", view, picked("assignee", "UBOB"))
    assert "declined it already" in again.json()["errors"]["assignee"]
    assert submit(slack, "UALICE", view, {**picked("assignee", "UCAROL"), **typed("note", "")}).status == 200
    card = card_of(fake_slack, "UCAROL")
    assert "after <@UBOB> couldn't take it on" in text_of(card) and "request_ack" in action_ids(
        card["blocks"]
    )
    wait_message(fake_slack, "UALICE", "I've asked <@UCAROL> to take on")
    request = the_request(sessions)
    assert (request.assignee_id, request.state, request.closed_at) == ("UCAROL", "open", None)
    assert kinds(sessions)[-2:] == ["declined", "redirected"]


def test_a_decline_offers_cancel_which_closes_it_quietly(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    news = decline(slack, fake_slack)
    bobs = len(dms_to(fake_slack, "UBOB"))
    press(slack, fake_slack, "UALICE", "request_cancel", message=news)
    fake_slack.wait_for(lambda _c: the_request(sessions).state == "cancelled")
    assert kinds(sessions)[-1] == "cancelled"
    assert not [m for m in dms_to(fake_slack, "UBOB")[bobs:] if "has cancelled" in text_of(m)]
    wait_dms(fake_slack, "UALICE")
