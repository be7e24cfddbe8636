"""Message metadata, conversations.history and conversations.replies as Slack answers them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.fake_slack import FakeSlack

METADATA = {"event_type": "request_filed", "event_payload": {"request_id": 42, "team": "T0001"}}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(clock=lambda: 1_780_000_000.0) as running:
        running.add_user("U1", "anna")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.base_url, token=fake.bot_token, retry_handlers=[])


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def test_metadata_is_stored_from_json_and_form_bodies(fake: FakeSlack, client: WebClient) -> None:
    as_json = client.chat_postMessage(channel="C0001", text="json", metadata=METADATA)
    client.api_call(
        "chat.postMessage", data={"channel": "C0001", "text": "form", "metadata": json.dumps(METADATA)}
    )
    assert as_json["message"]["metadata"] == METADATA
    assert [m["metadata"] for m in fake.messages_in("C0001")] == [METADATA, METADATA]


def test_malformed_metadata_is_refused(client: WebClient) -> None:
    error = api_error(
        lambda: client.chat_postMessage(channel="C0001", text="x", metadata={"event_payload": {}})
    )
    assert error["error"] == "invalid_metadata_format"


def test_history_is_newest_first_and_shows_metadata_only_when_asked(client: WebClient) -> None:
    for n in range(3):
        client.chat_postMessage(channel="C0001", text=f"m{n}", metadata=METADATA)
    plain = client.conversations_history(channel="C0001")
    assert [m["text"] for m in plain["messages"]] == ["m2", "m1", "m0"]
    assert plain["has_more"] is False
    assert all("metadata" not in m for m in plain["messages"])
    detailed = client.conversations_history(channel="C0001", include_all_metadata=True)
    assert detailed["messages"][0]["metadata"] == METADATA


def test_history_pages_with_the_sdks_cursor_iteration(client: WebClient) -> None:
    for n in range(5):
        client.chat_postMessage(channel="C0001", text=f"m{n}")
    pages = [
        [m["text"] for m in page["messages"]]
        for page in client.conversations_history(channel="C0001", limit=2)
    ]
    assert pages == [["m4", "m3"], ["m2", "m1"], ["m0"]]


def test_history_window_with_oldest_latest_and_inclusive(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0001", text=f"m{n}")["ts"] for n in range(5)]
    between = client.conversations_history(channel="C0001", oldest=stamps[1], latest=stamps[3])
    assert [m["text"] for m in between["messages"]] == ["m2"]
    inclusive = client.conversations_history(
        channel="C0001", oldest=stamps[1], latest=stamps[3], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]
    assert api_error(lambda: client.conversations_history(channel="C0001", oldest="soon"))["error"] == (
        "invalid_ts_oldest"
    )


def test_history_leaves_thread_replies_to_replies_unless_broadcast(
    fake: FakeSlack, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C0001", text="parent")["ts"]
    client.chat_postMessage(channel="C0001", text="quiet reply", thread_ts=parent)
    fake.add_message("C0001", "U1", "a person's reply", thread_ts=parent)
    client.chat_postMessage(channel="C0001", text="loud reply", thread_ts=parent, reply_broadcast=True)
    history = client.conversations_history(channel="C0001")["messages"]
    assert [m["text"] for m in history] == ["loud reply", "parent"]
    assert history[0]["subtype"] == "thread_broadcast"
    assert (history[1]["reply_count"], history[1]["reply_users"]) == (3, ["UBOT", "U1"])


def test_replies_are_the_parent_then_the_thread_oldest_first(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0001", text="parent", metadata=METADATA)["ts"]
    first = fake.add_message("C0001", "U1", "first", thread_ts=parent)["ts"]
    client.chat_postMessage(channel="C0001", text="second", thread_ts=parent)
    client.chat_postMessage(channel="C0001", text="unrelated")
    thread = client.conversations_replies(channel="C0001", ts=parent)["messages"]
    assert [m["text"] for m in thread] == ["parent", "first", "second"]
    assert thread[1]["parent_user_id"] == "UBOT"
    assert "metadata" not in thread[0]
    with_metadata = client.conversations_replies(channel="C0001", ts=parent, include_all_metadata=True)
    assert with_metadata["messages"][0]["metadata"] == METADATA
    # Asked with a reply's ts, Slack still answers with its thread.
    assert len(client.conversations_replies(channel="C0001", ts=first)["messages"]) == 3
    assert api_error(lambda: client.conversations_replies(channel="C0001", ts="1.000001"))["error"] == (
        "thread_not_found"
    )


def test_replies_page(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0001", text="parent")["ts"]
    for n in range(3):
        client.chat_postMessage(channel="C0001", text=f"r{n}", thread_ts=parent)
    pages = [
        [m["text"] for m in page["messages"]]
        for page in client.conversations_replies(channel="C0001", ts=parent, limit=3)
    ]
    assert pages == [["parent", "r0", "r1"], ["r2"]]


def test_a_post_to_a_user_id_lands_in_the_dm_and_its_history(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="Hallo", metadata=METADATA)
    dm = fake.dm_channel_for("U1")
    assert posted["channel"] == dm and dm.startswith("D")
    reply = fake.add_message(dm, "U1", "Danke!", thread_ts=posted["ts"])
    history = client.conversations_history(channel=dm, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["Hallo"]
    assert history[0]["metadata"] == METADATA and history[0]["latest_reply"] == reply["ts"]
    thread = client.conversations_replies(channel=dm, ts=posted["ts"])["messages"]
    assert [m["text"] for m in thread] == ["Hallo", "Danke!"]


def test_history_of_a_channel_without_the_bot_is_refused(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C9", "private-talk", members=["U1"])
    assert api_error(lambda: client.conversations_history(channel="C9"))["error"] == "not_in_channel"
    assert api_error(lambda: client.conversations_history(channel="C404"))["error"] == "channel_not_found"
