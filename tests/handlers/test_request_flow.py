"""The foundation slice end to end: signed HTTP requests through Bolt, the fake Slack on loopback,
real SQLite and PostgreSQL. Every assertion is something a Slack user would notice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from models import Request, RequestEvent
from tests.conftest import TEAM
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")


def file_request(slack: SlackDriver, fake: FakeSlack, text: str, user: str = "UALICE") -> dict:
    before = len(responses(fake))
    reply = slack.command(user, text)
    assert reply.status == 200
    return wait_response(fake, before + 1)


def stored(sessions) -> list[Request]:
    with sessions() as session:
        return list(session.scalars(select(Request).order_by(Request.id)))


def events(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)))


def test_filed_request_reaches_assignee_with_buttons_and_requester_gets_confirmation(
    slack, fake_slack, sessions
):
    confirmation = file_request(slack, fake_slack, "<@UBOB|bob> Send the Q3 numbers within 4h")

    assert "#1" in text_of(confirmation) and "Cancel request" in text_of(confirmation)
    assert confirmation.get("response_type") == "ephemeral"
    [card] = wait_dms(fake_slack, "UBOB")
    assert "Send the Q3 numbers" in text_of(card) and "<@UALICE>" in text_of(card)
    assert action_ids(card["blocks"]) == [
        "request_ack",
        "request_done",
        "request_answer",
        "request_ask_back",
        "request_propose",
        "request_snooze",
        "request_reassign",
        "request_decline",
    ]
    [request] = stored(sessions)
    values = {e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert values == {str(request.id)}
    # Filed Thursday 10:00 Berlin, 4 business hours: 14:00 the same day.
    assert request.response_due_at == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    assert (request.team_id, request.number, request.requester_id, request.assignee_id) == (
        TEAM,
        1,
        "UALICE",
        "UBOB",
    )


def test_within_counts_business_time_and_by_sets_due_date(slack, fake_slack, sessions, clock):
    clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN))  # Friday 16:00
    file_request(slack, fake_slack, "<@UBOB|bob> Check the invoice within 4h by 2026-12-04")
    [request] = stored(sessions)
    assert request.response_due_at == datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)  # Monday 12:00
    assert request.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN)


def test_numbers_count_per_workspace(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> first")
    file_request(slack, fake_slack, "<@UCAROL|carol> second")
    assert [r.number for r in stored(sessions)] == [1, 2]


def test_got_it_updates_card_and_tells_requester(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")

    assert press(slack, fake_slack, "UBOB", "request_ack", message=card).status == 200
    [news] = wait_dms(fake_slack, "UALICE")
    assert "has seen your request" in text_of(news)
    fake_slack.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))
    [card] = dms_to(fake_slack, "UBOB")
    assert "Acknowledged" in text_of(card)
    assert "request_ack" not in action_ids(card["blocks"]) and "request_done" in action_ids(card["blocks"])
    [request] = stored(sessions)
    assert request.state == "acknowledged" and request.acknowledged_at is not None
    assert events(sessions) == ["created", "acknowledged"]


def test_done_closes_card_and_tells_requester(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")
    press(slack, fake_slack, "UBOB", "request_done", message=card)
    [news] = wait_dms(fake_slack, "UALICE")
    assert "has finished your request" in text_of(news)
    fake_slack.wait_for(
        lambda _c: (
            "Done" in text_of(dms_to(fake_slack, "UBOB")[0])
            and not action_ids(dms_to(fake_slack, "UBOB")[0]["blocks"])
        )
    )
    [request] = stored(sessions)
    assert request.state == "done" and request.closed_at is not None


@pytest.mark.parametrize("action_id", ["request_ack", "request_done", "request_snooze"])
def test_a_stranger_clicking_changes_nothing(slack, fake_slack, sessions, action_id):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")
    count = len(responses(fake_slack))

    press(slack, fake_slack, "UBOB", action_id, message=card, as_user="UCAROL")
    refusal = wait_response(fake_slack, count + 1)
    assert "Only <@UBOB>" in text_of(refusal) and refusal.get("replace_original") is False
    [request] = stored(sessions)
    assert request.state == "open" and request.snoozed_until is None
    assert events(sessions) == ["created"]
    assert not fake_slack.calls_to("chat.update")
    assert dms_to(fake_slack, "UALICE") == []


def test_only_the_requester_may_cancel_and_the_assignee_is_told(slack, fake_slack, sessions):
    confirmation = file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    request_id = next(
        e["value"] for b in confirmation["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    count = len(responses(fake_slack))
    slack.block_action("UBOB", "request_cancel", request_id, channel_id="C0001", message_ts="1.1")
    assert "Only <@UALICE>" in text_of(wait_response(fake_slack, count + 1))
    assert stored(sessions)[0].state == "open"

    slack.block_action("UALICE", "request_cancel", request_id, channel_id="C0001", message_ts="1.1")
    messages = wait_dms(fake_slack, "UBOB", 2)
    assert "has cancelled request" in text_of(messages[-1])
    assert stored(sessions)[0].state == "cancelled"


def test_decline_asks_for_a_reason_and_the_requester_reads_it_escaped(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")
    press(slack, fake_slack, "UBOB", "request_decline", message=card)
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "request_decline_view"

    empty = slack.view_submission(
        "UBOB",
        view["callback_id"],
        {"reason": {"reason": {"type": "plain_text_input", "value": " "}}},
        private_metadata=view["private_metadata"],
    )
    assert empty.json()["response_action"] == "errors" and "reason" in empty.json()["errors"]
    assert stored(sessions)[0].state == "open"

    reason = "No budget <!channel> — ask <https://evil.example|the bank>"
    reply = slack.view_submission(
        "UBOB",
        view["callback_id"],
        {"reason": {"reason": {"type": "plain_text_input", "value": reason}}},
        private_metadata=view["private_metadata"],
    )
    assert reply.status == 200
    [news] = wait_dms(fake_slack, "UALICE")
    assert "can't take on your request" in text_of(news)
    assert "&lt;!channel&gt;" in text_of(news) and "<!channel>" not in text_of(news)
    assert "<https://evil" not in text_of(news)
    [request] = stored(sessions)
    assert request.state == "declined" and request.decline_reason == reason


def test_reassign_moves_the_card_and_tells_everyone(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")
    press(slack, fake_slack, "UBOB", "request_reassign", message=card)
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]

    to_requester = slack.view_submission(
        "UBOB",
        view["callback_id"],
        {"assignee": {"assignee": {"type": "users_select", "selected_user": "UALICE"}}},
        private_metadata=view["private_metadata"],
    )
    assert to_requester.json()["response_action"] == "errors"

    slack.view_submission(
        "UBOB",
        view["callback_id"],
        {"assignee": {"assignee": {"type": "users_select", "selected_user": "UCAROL"}}},
        private_metadata=view["private_metadata"],
    )
    [carol_card] = wait_dms(fake_slack, "UCAROL")
    assert "request_ack" in action_ids(carol_card["blocks"])
    [news] = wait_dms(fake_slack, "UALICE")
    assert "has handed your request" in text_of(news) and "<@UCAROL>" in text_of(news)
    fake_slack.wait_for(lambda _c: "You handed" in text_of(dms_to(fake_slack, "UBOB")[0]))
    [request] = stored(sessions)
    assert request.assignee_id == "UCAROL" and request.state == "open"
    # Carol is in New York, where Thursday 26 November is Thanksgiving: her clock starts on Friday at
    # 09:00 there (15:00 Berlin); 4h later is 19:00 Berlin.
    assert request.response_due_at == datetime(2026, 11, 27, 19, 0, tzinfo=BERLIN)


def test_snooze_pauses_reminders_until_next_working_day(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")
    press(slack, fake_slack, "UBOB", "request_snooze", message=card)
    [news] = wait_dms(fake_slack, "UALICE")
    assert "paused reminders" in text_of(news)
    [request] = stored(sessions)
    assert request.state == "open"
    assert request.snoozed_until == datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)


def test_reply_in_the_request_thread_counts_as_first_answer(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")
    # Someone else's reply does not count.
    slack.event(
        {
            "type": "message",
            "user": "UCAROL",
            "channel": card["channel"],
            "text": "hm",
            "ts": "1800000000.000001",
            "thread_ts": card["ts"],
            "channel_type": "im",
        }
    )
    slack.event(
        {
            "type": "message",
            "user": "UBOB",
            "channel": card["channel"],
            "text": "On it!",
            "ts": "1800000000.000002",
            "thread_ts": card["ts"],
            "channel_type": "im",
        }
    )
    # The reply itself is relayed to the requester too (tests/handlers/test_relay.py).
    [news] = [m for m in wait_dms(fake_slack, "UALICE", 2) if "has seen your request" in text_of(m)]
    assert "has seen your request" in text_of(news)
    [request] = stored(sessions)
    assert request.state == "acknowledged"
    with sessions() as session:
        event = session.scalars(select(RequestEvent).where(RequestEvent.kind == "acknowledged")).one()
    assert event.actor_id == "UBOB" and event.detail["via"] == "thread"


def test_broadcast_mentions_and_fake_links_never_reach_slack_unescaped(slack, fake_slack):
    file_request(
        slack,
        fake_slack,
        "<@UBOB|bob> <!channel> <!here> pay <https://evil.example|the bank> & <!subteam^S1|@all> now",
    )
    [card] = wait_dms(fake_slack, "UBOB")
    for call in fake_slack.calls:
        if call.method in {"chat.postMessage", "chat.update", "response_url", "chat.postEphemeral"}:
            sent = text_of(call.args)
            assert "<!channel>" not in sent and "<!here>" not in sent and "<!subteam" not in sent
            assert "<https://evil" not in sent
    # Slack's references are read, not replayed: the card shows the words, defused.
    assert (
        "@\u2060channel" in text_of(card)
        and "https://evil.example" in text_of(card)
        and "&amp;" in text_of(card)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@UALICE|alice> do it yourself", "to yourself"),
        ("<@UROBOT|deploybot> deploy", "is a bot"),
        ("<@UGONE|gone> anything", "no longer active"),
        ("<@UNOBODY|nobody> anything", "can't find that person"),
        ("Send the numbers", "Whom should I ask"),
        ("@bob Send the numbers", "couldn't find *@bob*"),
        ("<@UBOB|bob>", "What do you need"),
        ("<@UBOB|bob> " + "x" * 2600, "2600 characters"),
        ("<@UBOB|bob> report by 2020-01-01", "already passed"),
    ],
)
def test_bad_input_gets_a_friendly_answer_and_nothing_is_stored(slack, fake_slack, sessions, text, expected):
    answer = file_request(slack, fake_slack, text)
    assert expected in text_of(answer)
    assert stored(sessions) == []
    assert dms_to(fake_slack, "UBOB") == []


def test_help_and_list(slack, fake_slack):
    assert "/request @person what" in text_of(file_request(slack, fake_slack, "help"))
    assert "Nothing open" in text_of(file_request(slack, fake_slack, "list"))
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    file_request(slack, fake_slack, "<@UALICE|alice> Lunch?", user="UCAROL")
    listing = text_of(file_request(slack, fake_slack, "list"))
    assert "from <@UCAROL>" in listing and "Lunch?" in listing
    assert "to <@UBOB>" in listing and "Review the contract" in listing


def test_request_alone_opens_the_form_and_the_form_files_a_request(slack, fake_slack, sessions):
    slack.command("UALICE", "", trigger_id="trig-1")
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert opened.args["trigger_id"] == "trig-1" and view["callback_id"] == "request_new"

    def values(within: str) -> dict:
        return {
            "assignee": {"assignee": {"type": "users_select", "selected_user": "UBOB"}},
            "text": {"text": {"type": "plain_text_input", "value": "Proofread the flyer"}},
            "kind": {"kind": {"type": "static_select", "selected_option": {"value": "question"}}},
            "within": {"within": {"type": "plain_text_input", "value": within}},
            "due_date": {"due_date": {"type": "datepicker", "selected_date": "2026-12-04"}},
            "due_time": {"due_time": {"type": "timepicker", "selected_time": None}},
        }

    bad = slack.view_submission(
        "UALICE", "request_new", values("soonish"), private_metadata=view["private_metadata"]
    )
    assert bad.json()["response_action"] == "errors" and "within" in bad.json()["errors"]
    assert stored(sessions) == []

    assert (
        slack.view_submission(
            "UALICE", "request_new", values("2 business days"), private_metadata=view["private_metadata"]
        ).status
        == 200
    )
    [card] = wait_dms(fake_slack, "UBOB")
    assert "Proofread the flyer" in text_of(card)
    [request] = stored(sessions)
    assert request.kind == "question" and request.channel_id == "C0001"
    assert request.response_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)
    assert request.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN)
    fake_slack.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))


def test_clicks_from_another_workspace_find_nothing(slack, fake_slack, sessions, bot):
    file_request(slack, fake_slack, "<@UBOB|bob> Review the contract")
    [card] = wait_dms(fake_slack, "UBOB")
    other = SlackDriver(bot.events_url, slack.signing_secret, team_id="T9999", fake=fake_slack)
    count = len(responses(fake_slack))
    press(other, fake_slack, "UBOB", "request_done", message=card)
    assert "can't find that request" in text_of(wait_response(fake_slack, count + 1))
    assert stored(sessions)[0].state == "open"


def test_message_shortcut_makes_a_request_whose_thread_counts_as_answer(slack, fake_slack, sessions):
    original = fake_slack.add_message("C0001", "UCAROL", "Could someone update the price list?")
    slack.message_shortcut(
        "UALICE", "request_from_message", channel_id="C0001", message=original, trigger_id="trig-s"
    )
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert "Could someone update the price list?" in text_of(view)
    values = {
        "assignee": {"assignee": {"type": "users_select", "selected_user": "UBOB"}},
        "text": {"text": {"type": "plain_text_input", "value": "Could someone update the price list?"}},
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "task"}}},
        "within": {"within": {"type": "plain_text_input", "value": None}},
        "due_date": {"due_date": {"type": "datepicker", "selected_date": None}},
        "due_time": {"due_time": {"type": "timepicker", "selected_time": None}},
    }
    slack.view_submission("UALICE", view["callback_id"], values, private_metadata=view["private_metadata"])
    wait_dms(fake_slack, "UBOB")
    [request] = stored(sessions)
    assert (request.thread_channel_id, request.thread_ts) == ("C0001", original["ts"])
    slack.event(
        {
            "type": "message",
            "user": "UBOB",
            "channel": "C0001",
            "text": "I'll do it",
            "ts": "1800000000.000003",
            "thread_ts": original["ts"],
            "channel_type": "channel",
        }
    )
    # The reply itself is relayed to the requester too (tests/handlers/test_relay.py).
    [news] = [m for m in wait_dms(fake_slack, "UALICE", 2) if "has seen your request" in text_of(m)]
    assert "has seen your request" in text_of(news)


def test_what_slack_escaped_in_the_command_is_stored_as_typed_and_shown_escaped_once(
    slack, fake_slack, sessions
):
    # Slack sends "Q&A <draft>" typed in a slash command as "Q&amp;A &lt;draft&gt;".
    file_request(slack, fake_slack, "<@UBOB|bob> Review the Q&amp;A &lt;draft&gt;")
    [request] = stored(sessions)
    assert request.text == "Review the Q&A <draft>"
    [card] = wait_dms(fake_slack, "UBOB")
    assert "Q&amp;A &lt;draft&gt;" in text_of(card) and "&amp;amp;" not in text_of(card)


def test_first_answer_is_never_due_after_the_work_itself(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Tiny fix within 2 business days by tomorrow 10:00")
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)
    assert request.response_due_at == request.due_at


def test_the_kind_is_read_from_the_words(slack, fake_slack, sessions):
    file_request(slack, fake_slack, "<@UBOB|bob> Bitte um Rückruf wegen der Rechnung")
    file_request(slack, fake_slack, "<@UBOB|bob> Do we still have budget for Q4?")
    assert [r.kind for r in stored(sessions)] == ["callback", "question"]
    assert "Call-back" in text_of(wait_dms(fake_slack, "UBOB", 2)[0])
