"""The requester's living card, end to end: posted at filing, redrawn in place on every change, news in
its thread, and its buttons (Cancel with a confirm dialog, Edit → a proposal for the assignee, Reopen) —
usable only by the requester. Signed payloads, the real app, the fake Slack; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.handlers.cardutil import (
    assignee_card,
    berlin,
    card_of,
    events,
    file,
    in_thread,
    open_form,
    proposals,
    request_row,
    submit_form,
    thread_of,
    wait_in_thread,
)
from tests.slackutil import action_ids, press, requester_cards, responses, text_of, wait_dms, wait_response


def _button(message: dict, action_id: str) -> dict:
    return next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def test_the_card_is_posted_at_filing_and_its_place_is_kept(slack, fake_slack, sessions):
    card = file(slack, fake_slack, "<@UBOB|bob> Send the Q3 numbers within 4h")
    assert "Your request *#1* · Task to <@UBOB>" in text_of(card)
    assert "Send the Q3 numbers" in text_of(card) and "Open" in text_of(card)
    assert action_ids(card["blocks"]) == ["request_edit", "request_cancel"]
    dialog = _button(card, "request_cancel")["confirm"]
    assert dialog["title"]["text"] == "Cancel this request?" and dialog["style"] == "danger"
    assert "<@" not in text_of(dialog)  # plain text: a mention would show as raw markup
    request = request_row(sessions)
    assert (request.requester_channel_id, request.requester_message_ts) == (card["channel"], card["ts"])
    # The ephemeral confirmation is still there, and only one card.
    assert len(requester_cards(fake_slack, "UALICE")) == 1


def test_the_card_is_redrawn_and_the_news_arrives_in_its_thread(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    press(slack, fake_slack, "UBOB", "request_ack", message=wait_dms(fake_slack, "UBOB")[0])
    news = wait_in_thread(fake_slack, card, "has seen your request")
    assert news["thread_ts"] == card["ts"]
    [card] = requester_cards(fake_slack, "UALICE")
    assert "Acknowledged" in text_of(card) and card.get("edited")

    press(slack, fake_slack, "UBOB", "request_done", message=assignee_card(fake_slack))
    wait_in_thread(fake_slack, card, "has finished your request")  # with the rating, in the thread
    [card] = requester_cards(fake_slack, "UALICE")
    assert ":white_check_mark: Done" in text_of(card)
    assert action_ids(card["blocks"]) == ["request_reopen"]


def test_the_card_counts_the_reminders(slack, fake_slack, sessions, bot, clock):
    from tests.services.test_reminders import sweep_at

    card = file(slack, fake_slack, "<@UBOB|bob> Review the contract within 4h")
    assert "No reminder was needed so far" in text_of(card)
    sweep_at(bot.deps, berlin(11, 26, 14, 30))  # the first answer was due at 14:00
    bot.settle()
    fake_slack.wait_for(lambda _c: "1 reminder went to <@UBOB>" in text_of(card_of(fake_slack)))


def test_cancel_from_the_card_keeps_the_card_and_tells_the_assignee(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    bobs = wait_dms(fake_slack, "UBOB")[0]
    press(slack, fake_slack, "UALICE", "request_cancel", message=card)
    assert request_row(sessions).state == "cancelled"
    [card] = requester_cards(fake_slack, "UALICE")  # redrawn, not replaced by a one-liner
    assert "Cancelled by the requester" in text_of(card) and action_ids(card["blocks"]) == []
    wait_in_thread(fake_slack, card, "You cancelled *#1*")
    assert any("has cancelled request *#1*" in text_of(m) for m in wait_dms(fake_slack, "UBOB", 2))
    assert "Cancelled" in text_of(assignee_card(fake_slack)) and bobs["ts"] == assignee_card(fake_slack)["ts"]


def test_edit_changes_the_words_and_proposes_the_times_to_the_assignee(slack, fake_slack, sessions):
    card = file(slack, fake_slack, "<@UBOB|bob> Review the contract by 2026-12-04")
    view = open_form(slack, fake_slack, "UALICE", "request_edit", card)
    assert view["callback_id"] == "request_edit_view"
    unchanged = submit_form(slack, view).json()
    assert unchanged["response_action"] == "errors" and "nothing to change" in text_of(unchanged)

    reply = submit_form(
        slack, view, text="Review the contract <!channel> and the annex", due_date="2026-12-08"
    )
    assert reply.status == 200
    request = request_row(sessions)
    assert request.text == "Review the contract <!channel> and the annex"
    assert request.due_at == berlin(12, 4, 17)  # times change only once the assignee agrees
    [proposal] = proposals(sessions)
    assert (proposal.proposed_by, proposal.state, proposal.due_at) == ("UALICE", "pending", berlin(12, 8, 17))

    bobs = assignee_card(fake_slack)
    assert "edited by <@UALICE>" in text_of(bobs) and "&lt;!channel&gt;" in text_of(bobs)
    told = wait_in_thread(fake_slack, bobs, "edited their request")
    assert "*Now (edited):*" in text_of(told) and "<!channel>" not in text_of(told)
    assert action_ids(told["blocks"]) == [
        "request_accept_proposal",
        "request_propose",
        "request_reject_proposal",
    ]
    fake_slack.wait_for(lambda _c: "Your new times wait for <@UBOB>" in text_of(card_of(fake_slack)))

    # A stranger cannot accept it for Bob; Bob can.
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UBOB", "request_accept_proposal", message=told, as_user="UCAROL")
    assert "Only <@UBOB>" in text_of(wait_response(fake_slack, count + 1))
    assert proposals(sessions)[0].state == "pending"
    press(slack, fake_slack, "UBOB", "request_accept_proposal", message=told)
    request = request_row(sessions)
    assert request.due_at == berlin(12, 8, 17) and request.state == "acknowledged"
    wait_in_thread(fake_slack, card_of(fake_slack), "accepted your new times")
    assert "wait for" not in text_of(card_of(fake_slack))
    assert [e.kind for e in events(sessions)] == ["created", "edited", "proposal_accepted"]


def test_the_assignee_can_counter_an_edit(slack, fake_slack, sessions):
    card = file(slack, fake_slack, "<@UBOB|bob> Review the contract by 2026-12-04")
    view = open_form(slack, fake_slack, "UALICE", "request_edit", card)
    submit_form(slack, view, due_date="2026-12-01")
    told = wait_in_thread(fake_slack, assignee_card(fake_slack), "edited their request")
    counter = open_form(slack, fake_slack, "UBOB", "request_propose", told)
    assert counter["callback_id"] == "request_propose_view"
    submit_form(slack, counter, user="UBOB", due_date="2026-12-10")
    [first, second] = proposals(sessions)
    assert (first.state, second.proposed_by, second.state) == ("superseded", "UBOB", "pending")
    wait_in_thread(fake_slack, card_of(fake_slack), "proposes new times")


def test_reopen_after_done_restarts_the_clocks_and_tells_the_assignee(slack, fake_slack, sessions, clock):
    file(slack, fake_slack, "<@UBOB|bob> Review the contract within 4h")
    press(slack, fake_slack, "UBOB", "request_done", message=assignee_card(fake_slack))
    fake_slack.wait_for(lambda _c: "request_reopen" in action_ids(card_of(fake_slack)["blocks"]))
    clock.set(berlin(11, 30, 9))  # Monday 09:00
    view = open_form(slack, fake_slack, "UALICE", "request_reopen", card_of(fake_slack))
    empty = submit_form(slack, view, reason=" ").json()
    assert empty["response_action"] == "errors" and "reason" in empty["errors"]
    assert submit_form(slack, view, reason="The annex is still missing").status == 200
    request = request_row(sessions)
    assert (request.state, request.acknowledged_at, request.closed_at) == ("open", None, None)
    assert request.response_due_at == berlin(11, 30, 9) + timedelta(hours=4)  # the default, from now
    told = wait_in_thread(fake_slack, assignee_card(fake_slack), "reopened *#1*")
    assert "The annex is still missing" in text_of(told)
    assert "request_ack" in action_ids(assignee_card(fake_slack)["blocks"])
    assert action_ids(card_of(fake_slack)["blocks"]) == ["request_edit", "request_cancel"]


def test_reopen_is_only_for_done_or_declined(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    count = len(responses(fake_slack))
    slack.block_action(
        "UALICE",
        "request_reopen",
        str(request_row(sessions).id),
        channel_id=card["channel"],
        message_ts=card["ts"],
    )
    assert "nothing to reopen" in text_of(wait_response(fake_slack, count + 1))


@pytest.mark.parametrize("action_id", ["request_edit", "request_cancel", "request_reopen"])
def test_a_strangers_click_on_the_card_changes_nothing(slack, fake_slack, sessions, action_id):
    card = file(slack, fake_slack)
    if action_id == "request_reopen":
        press(slack, fake_slack, "UBOB", "request_done", message=assignee_card(fake_slack))
        fake_slack.wait_for(lambda _c: "request_reopen" in action_ids(card_of(fake_slack)["blocks"]))
        card = card_of(fake_slack)
    before = request_row(sessions)
    count, views = len(responses(fake_slack)), len(fake_slack.calls_to("views.open"))
    updates = len(fake_slack.calls_to("chat.update"))
    for stranger in ("UCAROL", "UBOB"):
        press(slack, fake_slack, "UALICE", action_id, message=card, as_user=stranger)
        refusal = wait_response(fake_slack, count + 1)
        count += 1
        assert "Only <@UALICE>" in text_of(refusal) and refusal.get("replace_original") is False
    after = request_row(sessions)
    assert (after.state, after.text, after.version) == (before.state, before.text, before.version)
    assert len(fake_slack.calls_to("views.open")) == views
    assert len(fake_slack.calls_to("chat.update")) == updates


def test_the_card_speaks_german_to_a_german_requester(slack, fake_slack, sessions):
    card = file(slack, fake_slack, "<@UBOB|bob> Bitte den Vertrag prüfen", user="UDIETER")
    assert "Deine Anfrage *#1*" in text_of(card)
    labels = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Bearbeiten", "Anfrage zurückziehen"]
    assert _button(card, "request_cancel")["confirm"]["title"]["text"] == "Diese Anfrage zurückziehen?"
    press(slack, fake_slack, "UBOB", "request_ack", message=assignee_card(fake_slack))
    wait_in_thread(fake_slack, card, "hat deine Anfrage")
    assert "Angenommen" in text_of(card_of(fake_slack, "UDIETER"))
    assert not in_thread(fake_slack, card, "has seen")
    assert thread_of(fake_slack, card)


def test_a_stranger_submitting_the_forms_changes_nothing(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    edit = open_form(slack, fake_slack, "UALICE", "request_edit", card)
    forged = submit_form(slack, edit, user="UCAROL", text="Something else entirely").json()
    assert forged["response_action"] == "errors" and "Only <@UALICE>" in text_of(forged)
    press(slack, fake_slack, "UBOB", "request_done", message=assignee_card(fake_slack))
    fake_slack.wait_for(lambda _c: "request_reopen" in action_ids(card_of(fake_slack)["blocks"]))
    reopen = open_form(slack, fake_slack, "UALICE", "request_reopen", card_of(fake_slack))
    submit_form(slack, reopen, user="UCAROL", reason="Let me in")
    [refusal] = wait_dms(fake_slack, "UCAROL")  # a form has no place to answer in: a DM
    assert "Only <@UALICE>, who asked, can change request *#1*" in text_of(refusal)
    request = request_row(sessions)
    assert (request.state, request.text) == ("done", "Review the contract")
    assert [e.kind for e in events(sessions)] == ["created", "done"]


def test_times_proposed_by_an_edit_do_not_silence_the_assignees_reminders(slack, fake_slack, sessions, bot):
    from tests.services.test_reminders import reminders_to, sweep_at

    card = file(slack, fake_slack, "<@UBOB|bob> Review the contract within 4h by 2026-12-04")
    submit_form(slack, open_form(slack, fake_slack, "UALICE", "request_edit", card), due_date="2026-12-08")
    assert proposals(sessions)[0].state == "pending"
    sweep_at(bot.deps, berlin(11, 26, 14, 30))  # the first answer was due at 14:00
    bot.settle()
    assert reminders_to(fake_slack, "UBOB")  # Bob still owes the first answer
