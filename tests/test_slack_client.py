"""The Web API client keeps its connections open between calls, and copes with a server that closes them."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.sandbox.fake_slack import FakeSlack
from bot.slack import delivery_client, make_web_client


@pytest.fixture
def fake() -> FakeSlack:
    fake = FakeSlack().start()
    fake.add_user("UALICE", "alice")
    yield fake
    fake.stop()


def test_calls_from_one_thread_share_one_connection(fake: FakeSlack) -> None:
    client = make_web_client(fake.bot_token, fake.base_url)
    for number in range(5):
        client.chat_postMessage(channel="UALICE", text=f"hello {number}")
    assert len(fake.calls_to("chat.postMessage")) == 5
    assert fake.connections == 1


def test_each_thread_has_its_own_connection(fake: FakeSlack) -> None:
    client = make_web_client(fake.bot_token, fake.base_url)

    def post_three() -> None:
        for _ in range(3):
            client.chat_postMessage(channel="UALICE", text="hi")

    threads = [threading.Thread(target=post_three) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.calls_to("chat.postMessage")) == 9
    assert fake.connections == 3


def test_a_connection_the_server_closed_is_not_used_again(fake: FakeSlack) -> None:
    client = make_web_client(fake.bot_token, fake.base_url)
    client.retry_handlers = []  # no second try to hide a request sent into a dead connection
    fake.drop_connections = True
    for number in range(3):
        client.chat_postMessage(channel="UALICE", text=f"hello {number}")
        time.sleep(0.05)  # the server's close arrives, as it has long before an idle connection is reused
    assert [call.args["text"] for call in fake.calls_to("chat.postMessage")] == [
        "hello 0",
        "hello 1",
        "hello 2",
    ]
    assert fake.connections == 3


def test_slack_errors_and_rate_limits_arrive_as_slack_sdk_reports_them(fake: FakeSlack) -> None:
    client = delivery_client(make_web_client(fake.bot_token, fake.base_url))
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="UNOBODY", text="hi")
    assert raised.value.response["error"] == "channel_not_found"
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="UALICE", text="hi")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    # The connection survives an error answer.
    client.chat_postMessage(channel="UALICE", text="after")
    assert fake.connections == 1
