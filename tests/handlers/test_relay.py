"""The conversation travels both ways: a reply in the thread of one card arrives in the thread of the
other within one delivery cycle, attributed and escaped, once, and is kept in the history. Bot posts,
edits and people who are neither party are not relayed."""

from __future__ import annotations

from tests.handlers.cardutil import assignee_card, events, file, in_thread, request_row, thread_of
from tests.slackutil import text_of, wait_card

TYPED = "The code is OFF-2026-07 <!channel> ask <@UCAROL> &lt;b&gt; <https://evil.example|here>"


def test_the_assignees_reply_reaches_the_requesters_card_escaped(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    bobs = assignee_card(fake_slack)
    slack.dm_reply("UBOB", TYPED, thread_ts=bobs["ts"])
    # One delivery cycle: the driver waits until the bot is quiet, then the reply is there.
    [relayed] = in_thread(fake_slack, card, "wrote in")
    shown = text_of(relayed)
    assert "<@UBOB> wrote in *#1*" in shown and "OFF-2026-07" in shown
    assert "<!channel>" not in shown and "<@UCAROL>" not in shown and "<https://evil" not in shown
    assert "@UCAROL" in shown and "&lt;b&gt;" in shown
    # It is also the first answer, as before; and the history keeps the words.
    assert request_row(sessions).state == "acknowledged"
    [message] = [e for e in events(sessions) if e.kind == "message"]
    assert (message.actor_id, message.detail["side"]) == ("UBOB", "assignee")
    assert message.detail["text"].startswith("The code is OFF-2026-07 @channel ask @UCAROL <b>")
    # The card shows the latest word.
    [card] = [m for m in fake_slack.messages_in(card["channel"]) if m["ts"] == card["ts"]]
    assert "Latest from <@UBOB>" in text_of(card)


def test_the_requesters_reply_reaches_the_assignees_card(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    slack.dm_reply("UALICE", "Any news? <!here>", thread_ts=card["ts"])
    bobs = assignee_card(fake_slack)
    [relayed] = in_thread(fake_slack, bobs, "wrote in")
    assert "<@UALICE> wrote in *#1*" in text_of(relayed) and "<!here>" not in text_of(relayed)
    assert request_row(sessions).state == "open"  # the requester's words are no answer
    assert [e.kind for e in events(sessions)] == ["created", "message"]


def test_a_retried_event_is_relayed_once(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    bobs = assignee_card(fake_slack)
    event = {
        "type": "message",
        "user": "UBOB",
        "text": "On it",
        "ts": "1800000000.000100",
        "channel": bobs["channel"],
        "channel_type": "im",
        "thread_ts": bobs["ts"],
    }
    slack.event(event, event_id="Ev100")
    slack.event(event, event_id="Ev100", retry_num=1, retry_reason="http_timeout")
    assert len(in_thread(fake_slack, card, "On it")) == 1
    assert [e.kind for e in events(sessions)].count("message") == 1


def test_bot_posts_edits_and_strangers_are_not_relayed(slack, fake_slack, sessions):
    original = fake_slack.add_message("C0001", "UALICE", "Who can look at the contract?")
    slack.message_shortcut("UALICE", "request_from_message", channel_id="C0001", message=original)
    view = fake_slack.wait_for_method("views.open")[-1].args["view"]
    values = {
        "assignee": {"assignee": {"type": "users_select", "selected_user": "UBOB"}},
        "text": {"text": {"type": "plain_text_input", "value": "Look at the contract"}},
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "task"}}},
        "within": {"within": {"type": "plain_text_input", "value": None}},
        "due_date": {"due_date": {"type": "datepicker", "selected_date": None}},
        "due_time": {"due_time": {"type": "timepicker", "selected_time": None}},
    }
    slack.view_submission("UALICE", view["callback_id"], values, private_metadata=view["private_metadata"])
    [card] = wait_card(fake_slack, "UALICE")
    thread = original["ts"]
    # Carol is neither party: her reply in the filed-in thread stays there.
    slack.message("UCAROL", "I could help", channel_id="C0001", thread_ts=thread)
    # A bot's post and an edit are no replies of a person.
    slack.event(
        {
            "type": "message",
            "bot_id": "B0002",
            "user": "UROBOT",
            "text": "beep",
            "channel": "C0001",
            "ts": "1800000000.000200",
            "thread_ts": thread,
        }
    )
    slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C0001",
            "ts": "1800000000.000300",
            "thread_ts": thread,
            "user": "UBOB",
            "message": {"text": "edited"},
        }
    )
    assert thread_of(fake_slack, card) == []
    assert [e.kind for e in events(sessions)] == ["created"]
    assert request_row(sessions).state == "open"
    # Bob's reply in the filed-in thread is his side of the talk: relayed, and his first answer.
    slack.message("UBOB", "Will do today", channel_id="C0001", thread_ts=thread)
    assert in_thread(fake_slack, card, "Will do today")
    assert request_row(sessions).state == "acknowledged"


def test_our_own_relayed_post_is_not_relayed_back(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    slack.dm_reply("UALICE", "Ping", thread_ts=card["ts"])
    bobs = assignee_card(fake_slack)
    [relayed] = in_thread(fake_slack, bobs, "Ping")
    # Slack sends our own post back as a message event with bot_id: it goes nowhere.
    slack.event({**relayed, "type": "message", "channel": bobs["channel"], "thread_ts": bobs["ts"]})
    assert in_thread(fake_slack, card, "wrote in") == []  # only her own "Ping" is there
    assert [e.kind for e in events(sessions)].count("message") == 1


def test_relayed_words_are_introduced_in_german(slack, fake_slack, sessions):
    file(slack, fake_slack, "<@UBOB|bob> Bitte den Vertrag prüfen", user="UDIETER")
    slack.dm_reply("UBOB", "Mache ich", thread_ts=assignee_card(fake_slack)["ts"])
    from tests.slackutil import requester_cards

    [card] = requester_cards(fake_slack, "UDIETER")
    [relayed] = in_thread(fake_slack, card, "Mache ich")
    assert "<@UBOB> schreibt zu *#1*" in text_of(relayed)


def test_the_export_shows_the_conversation(slack, fake_slack, sessions, clock):
    from bot.services.export import export_rows

    card = file(slack, fake_slack)
    # Slack sends what a person typed as "<b>" encoded; it is stored as typed.
    slack.dm_reply("UALICE", "Which contract? The &lt;b&gt;new&lt;/b&gt; one", thread_ts=card["ts"])
    slack.dm_reply("UBOB", "The new one, got it", thread_ts=assignee_card(fake_slack)["ts"])
    with sessions() as session:
        [row] = list(export_rows(session, now=clock()))
    said = [(e["actor_id"], e["detail"]["text"]) for e in row["history"] if e["kind"] == "message"]
    assert said == [("UALICE", "Which contract? The <b>new</b> one"), ("UBOB", "The new one, got it")]
