"""Confirm and undo: Done, Cancel and *Ask in the channel* ask first (Slack's confirm dialog); Done and
Cancel can be taken back for ten minutes from the message that confirms them — state and every clock
exactly as before; the rating prompt of an undone Done is withdrawn and a late rating is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.blocks import reminders as reminder_blocks
from bot.blocks.kit import Reader
from tests.handlers.cardutil import (
    assignee_card,
    card_of,
    clocks,
    events,
    file,
    in_thread,
    request_row,
    wait_in_thread,
)
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_response


def _confirm(message: dict, action_id: str) -> dict:
    return next(
        e["confirm"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def test_done_cancel_and_ask_in_the_channel_ask_first(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    assert _confirm(assignee_card(fake_slack), "request_done")["confirm"]["text"] == "Yes, it's done"
    assert _confirm(card, "request_cancel")["deny"]["text"] == "Keep it"
    request = request_row(sessions)
    request.channel_id = "C0001"
    _text, offer = reminder_blocks.reminder_message(
        [reminder_blocks.ReminderItem(request, "escalate", "k")], Reader.of("en", "Europe/Berlin")
    )
    assert _confirm({"blocks": offer}, "request_escalate_channel")["title"]["text"] == "Ask in the channel?"


def _done_with_offer(slack, fake) -> dict:
    press(slack, fake, "UBOB", "request_done", message=assignee_card(fake))
    return wait_in_thread(fake, assignee_card(fake), "as done. <@UALICE> is told")


def test_undo_of_done_restores_the_exact_state_and_withdraws_the_rating(slack, fake_slack, sessions, clock):
    file(slack, fake_slack, "<@UBOB|bob> Review the contract within 4h by 2026-12-04")
    press(slack, fake_slack, "UBOB", "request_ack", message=assignee_card(fake_slack))
    clock.advance(timedelta(minutes=5))
    press(slack, fake_slack, "UBOB", "request_snooze", message=assignee_card(fake_slack))
    before = clocks(request_row(sessions))
    assert before[1] is not None and before[6] is not None  # acknowledged and snoozed: clocks to keep

    clock.advance(timedelta(minutes=5))
    offer = _done_with_offer(slack, fake_slack)
    prompt = wait_in_thread(fake_slack, card_of(fake_slack), "How did it go?")
    assert request_row(sessions).state == "done"

    clock.advance(timedelta(minutes=9))
    press(slack, fake_slack, "UBOB", "request_undo", message=offer)
    assert clocks(request_row(sessions)) == before
    assert [e.kind for e in events(sessions)][-2:] == ["done", "undone"]
    # The confirming message says so, the requester hears it, the prompt is withdrawn.
    [offer] = in_thread(fake_slack, assignee_card(fake_slack), "Undone")
    assert action_ids(offer["blocks"]) == []
    wait_in_thread(fake_slack, card_of(fake_slack), "took back the Done")
    [withdrawn] = [m for m in dms_to(fake_slack, "UALICE") if m["ts"] == prompt["ts"]]
    assert "No rating needed" in text_of(withdrawn) and "request_rate_5" not in text_of(withdrawn)
    count = len(responses(fake_slack))
    slack.block_action(
        "UALICE",
        "request_rate_5",
        str(request_row(sessions).id),
        channel_id=prompt["channel"],
        message_ts=prompt["ts"],
    )
    assert "isn't done yet" in text_of(wait_response(fake_slack, count + 1))
    assert "Acknowledged" in text_of(card_of(fake_slack)) and "request_done" in action_ids(
        assignee_card(fake_slack)["blocks"]
    )


def test_undo_of_cancel_restores_the_request_and_tells_the_assignee(slack, fake_slack, sessions, clock):
    card = file(slack, fake_slack, "<@UBOB|bob> Review the contract within 4h")
    before = clocks(request_row(sessions))
    press(slack, fake_slack, "UALICE", "request_cancel", message=card)
    offer = wait_in_thread(fake_slack, card_of(fake_slack), "You cancelled *#1*")
    clock.advance(timedelta(minutes=3))
    press(slack, fake_slack, "UALICE", "request_undo", message=offer)
    assert clocks(request_row(sessions)) == before
    assert action_ids(card_of(fake_slack)["blocks"]) == ["request_edit", "request_cancel"]
    assert any("took back the cancellation" in text_of(m) for m in dms_to(fake_slack, "UBOB"))
    assert "request_ack" in action_ids(assignee_card(fake_slack)["blocks"])


def test_undo_after_ten_minutes_is_refused_kindly(slack, fake_slack, sessions, clock):
    file(slack, fake_slack)
    offer = _done_with_offer(slack, fake_slack)
    after_done = clocks(request_row(sessions))
    clock.advance(timedelta(minutes=10, seconds=1))
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UBOB", "request_undo", message=offer)
    refusal = wait_response(fake_slack, count + 1)
    assert "more than 10 minutes old" in text_of(refusal) and refusal.get("replace_original") is False
    assert clocks(request_row(sessions)) == after_done


def test_undo_twice_or_by_someone_else_changes_nothing(slack, fake_slack, sessions):
    file(slack, fake_slack)
    offer = _done_with_offer(slack, fake_slack)
    count = len(responses(fake_slack))
    for stranger in ("UCAROL", "UALICE"):
        press(slack, fake_slack, "UBOB", "request_undo", message=offer, as_user=stranger)
        count += 1
        assert "Only <@UBOB>, who made that change" in text_of(wait_response(fake_slack, count))
    assert request_row(sessions).state == "done"
    press(slack, fake_slack, "UBOB", "request_undo", message=offer)
    assert request_row(sessions).state == "open"
    press(slack, fake_slack, "UBOB", "request_undo", message=offer)  # an old copy of the offer
    assert "has changed since then" in text_of(wait_response(fake_slack, count + 1))
    assert [e.kind for e in events(sessions)].count("undone") == 1


@pytest.mark.parametrize("value", ["1:reopened:2", "x", "1:done:", "99999999999999:done:1"])
def test_a_forged_undo_value_is_answered_and_changes_nothing(slack, fake_slack, sessions, value):
    file(slack, fake_slack)
    _done_with_offer(slack, fake_slack)
    count = len(responses(fake_slack))
    slack.block_action("UBOB", "request_undo", value, channel_id="DUBOB", message_ts="1.1")
    wait_response(fake_slack, count + 1)
    assert request_row(sessions).state == "done"


def test_undo_speaks_german(slack, fake_slack, sessions):
    file(slack, fake_slack, "<@UDIETER|dieter> Bitte den Vertrag prüfen")
    press(slack, fake_slack, "UDIETER", "request_done", message=assignee_card(fake_slack, "UDIETER"))
    offer = wait_in_thread(fake_slack, assignee_card(fake_slack, "UDIETER"), "als erledigt markiert")
    labels = [e["text"]["text"] for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Rückgängig"]
    press(slack, fake_slack, "UDIETER", "request_undo", message=offer)
    assert request_row(sessions).state == "open"


def test_a_rating_given_before_the_undo_goes_with_the_done(slack, fake_slack, sessions):
    from sqlalchemy import select

    from models import Rating

    file(slack, fake_slack)
    offer = _done_with_offer(slack, fake_slack)
    prompt = wait_in_thread(fake_slack, card_of(fake_slack), "How did it go?")
    press(slack, fake_slack, "UALICE", "request_rate_4", message=prompt)
    with sessions() as session:
        assert session.scalars(select(Rating.score)).all() == [4]
    press(slack, fake_slack, "UBOB", "request_undo", message=offer)
    with sessions() as session:
        assert session.scalars(select(Rating.score)).all() == []
    assert [e.detail.get("rating_removed") for e in events(sessions) if e.kind == "undone"] == [True]
