"""Slack's rate limits, opt-in: tiers per method and workspace, chat.postMessage per channel and workspace."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox.fake_slack import FakeSlack
from bot.sandbox.rate_limits import METHOD_TIERS, TIER_PER_MINUTE
from tests.sandbox.conftest import ManualClock


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U1", "anna")
        for channel in ("C2", "C3", "C4"):
            running.add_channel(channel, channel.lower(), members=[running.bot_user_id])
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """No retries: every 429 reaches the test."""
    return WebClient(base_url=fake.base_url, token=fake.bot_token, retry_handlers=[])


def post(client: WebClient, channel: str, text: str = "x") -> int:
    """The HTTP status of one chat.postMessage; 429s come back with Retry-After."""
    try:
        return client.chat_postMessage(channel=channel, text=text).status_code
    except SlackApiError as error:
        return error.response.status_code


def test_limits_are_off_until_enforced(fake: FakeSlack, client: WebClient) -> None:
    assert [post(client, "C0001") for _ in range(10)] == [200] * 10


def test_a_burst_to_one_channel_is_cut_off_after_the_burst(fake: FakeSlack, client: WebClient) -> None:
    fake.enforce_rate_limits(post_channel_burst=3, clock=ManualClock())
    assert [post(client, "C0001", str(n)) for n in range(5)] == [200, 200, 200, 429, 429]
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0001", text="once more")
    assert raised.value.response.headers["Retry-After"] == "1"
    assert raised.value.response.data == {"ok": False, "error": "ratelimited"}
    # Refused calls are recorded, with their status, and not processed.
    assert len(fake.messages_in("C0001")) == 3
    limited = fake.rate_limited_calls("chat.postMessage")
    assert len(limited) == 3
    assert all(call.status == 429 and call.rate_limited for call in limited)
    assert [c.args["text"] for c in limited] == ["3", "4", "once more"]


def test_channels_have_their_own_budget_but_share_the_workspaces(fake: FakeSlack, client: WebClient) -> None:
    fake.enforce_rate_limits(
        post_channel_burst=2, post_workspace_per_minute=60, post_workspace_burst=5, clock=ManualClock()
    )
    assert [post(client, "C0001") for _ in range(3)] == [200, 200, 429]
    assert [post(client, "C2") for _ in range(2)] == [200, 200]  # another channel: its own budget
    assert post(client, "C3") == 200  # the fifth message the workspace allows at once
    assert post(client, "C4") == 429  # C4's own budget is full, the workspace's is not
    # A DM addressed by user id counts for the DM channel.
    assert post(client, "U1") == 429


def test_budgets_refill_with_time(fake: FakeSlack, client: WebClient) -> None:
    clock = ManualClock()
    fake.enforce_rate_limits(post_channel_burst=1, post_per_channel_per_second=0.5, clock=clock)
    assert post(client, "C0001") == 200
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0001", text="too soon")
    assert raised.value.response.headers["Retry-After"] == "2"  # one token every two seconds
    clock.advance(1.2)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0001", text="still too soon")
    assert raised.value.response.headers["Retry-After"] == "1"  # 0.8 s left, rounded up
    clock.advance(0.8)
    assert post(client, "C0001") == 200


def test_the_sdk_retry_handler_gets_through_after_sleeping(fake: FakeSlack) -> None:
    fake.enforce_rate_limits(post_channel_burst=1)
    patient = WebClient(
        base_url=fake.base_url,
        token=fake.bot_token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    started = time.monotonic()
    patient.chat_postMessage(channel="C0001", text="first")
    patient.chat_postMessage(channel="C0001", text="second")
    assert time.monotonic() - started >= 0.9
    assert [m["text"] for m in fake.messages_in("C0001")] == ["first", "second"]
    statuses = [call.status for call in fake.calls_to("chat.postMessage")]
    assert statuses == [200, 429, 200]


def test_tier_methods_are_limited_per_method(fake: FakeSlack, client: WebClient) -> None:
    clock = ManualClock()
    fake.enforce_rate_limits(clock=clock)  # users.list is Tier 2: 20 per minute
    for _ in range(20):
        client.users_list()
    with pytest.raises(SlackApiError) as raised:
        client.users_list()
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "3"  # 60 s / 20 calls
    assert client.users_info(user="U1")["ok"]  # another method, another budget
    clock.advance(3)
    assert client.users_list()["ok"]


def test_per_minute_and_burst_can_be_set_per_method(fake: FakeSlack, client: WebClient) -> None:
    fake.enforce_rate_limits(per_minute={"users.info": 6}, burst={"users.info": 2}, clock=ManualClock())
    assert client.users_info(user="U1")["ok"] and client.users_info(user="U1")["ok"]
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U1")
    assert raised.value.response.headers["Retry-After"] == "10"
    assert client.conversations_info(channel="C0001")["ok"]  # Tier 3 as before


def test_workspaces_do_not_share_budgets(fake: FakeSlack, client: WebClient) -> None:
    other = fake.add_workspace("T0002", bot_token="xoxb-second")
    fake.enforce_rate_limits(post_channel_burst=1, clock=ManualClock())
    second = WebClient(base_url=fake.base_url, token="xoxb-second", retry_handlers=[])
    assert post(client, "C0001") == 200
    assert post(client, "C0001") == 429
    assert post(second, other.general_channel_id) == 200
    assert fake.rate_limited_calls()[0].team_id == "T0001"


def test_disable_rate_limits(fake: FakeSlack, client: WebClient) -> None:
    fake.enforce_rate_limits(post_channel_burst=1, clock=ManualClock())
    assert [post(client, "C0001") for _ in range(2)] == [200, 429]
    fake.disable_rate_limits()
    assert post(client, "C0001") == 200


def test_every_known_method_has_a_tier() -> None:
    from bot.sandbox.fake_methods import METHODS

    untiered = set(METHODS) - set(METHOD_TIERS) - {"chat.postMessage", "api.test"}
    assert untiered == set()
    assert TIER_PER_MINUTE == {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}
    assert METHOD_TIERS["users.list"] == 2 and METHOD_TIERS["apps.connections.open"] == 1


def test_invalid_settings_are_refused(fake: FakeSlack) -> None:
    with pytest.raises(ValueError):
        fake.enforce_rate_limits(post_channel_burst=0)
