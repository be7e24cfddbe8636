"""Profiles with status (for absence detection) and user groups that change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.fake_slack import FakeSlack
from tests.sandbox.conftest import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as running:
        running.add_user("U1", "anna", real_name="Anna Arndt")
        running.add_user("U2", "ben", status_text="In a meeting", status_emoji=":calendar:")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.base_url, token=fake.bot_token, retry_handlers=[])


def test_users_info_carries_the_status(fake: FakeSlack, client: WebClient) -> None:
    profile = client.users_info(user="U2")["user"]["profile"]
    assert (profile["status_text"], profile["status_emoji"], profile["status_expiration"]) == (
        "In a meeting",
        ":calendar:",
        0,
    )
    assert client.users_info(user="U1")["user"]["profile"]["status_text"] == ""


def test_set_status_expires_on_the_fake_clock(fake: FakeSlack, client: WebClient, clock: ManualClock) -> None:
    back_on = int(clock()) + 3600
    fake.set_status("U1", "On holiday until Monday", ":palm_tree:", expiration=back_on)
    profile = client.users_profile_get(user="U1")["profile"]
    assert (profile["status_text"], profile["status_emoji"], profile["status_expiration"]) == (
        "On holiday until Monday",
        ":palm_tree:",
        back_on,
    )
    assert (profile["display_name"], profile["real_name"]) == ("anna", "Anna Arndt")
    clock.advance(3600)
    expired = client.users_profile_get(user="U1")["profile"]
    assert (expired["status_text"], expired["status_emoji"], expired["status_expiration"]) == ("", "", 0)


def test_users_profile_get_defaults_to_the_tokens_user(client: WebClient) -> None:
    assert client.users_profile_get()["profile"]["real_name"] == "Kundenfokus"
    with pytest.raises(SlackApiError) as raised:
        client.users_profile_get(user="U404")
    assert raised.value.response["error"] == "user_not_found"


def test_disabled_groups_are_listed_only_when_asked(fake: FakeSlack, client: WebClient) -> None:
    fake.add_usergroup("S1", "support", ["U1"])
    fake.add_usergroup("S2", "old-team", ["U2"], disabled=True)
    assert [g["id"] for g in client.usergroups_list()["usergroups"]] == ["S1"]
    everything = client.usergroups_list(include_disabled=True)["usergroups"]
    assert [(g["id"], bool(g["date_delete"])) for g in everything] == [("S1", False), ("S2", True)]
    with pytest.raises(SlackApiError):
        client.usergroups_users_list(usergroup="S2")
    assert client.usergroups_users_list(usergroup="S2", include_disabled=True)["users"] == ["U2"]


def test_group_members_change(fake: FakeSlack, client: WebClient, clock: ManualClock) -> None:
    fake.add_usergroup("S1", "support", ["U1"])
    clock.advance(60)
    fake.update_usergroup("S1", users=["U1", "U2"])
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    [group] = client.usergroups_list()["usergroups"]
    assert group["date_update"] == int(clock())
    updated = client.usergroups_users_update(usergroup="S1", users=["U2"])["usergroup"]
    assert updated["users"] == ["U2"]
    assert fake.primary.usergroup("S1").users == ["U2"]
    with pytest.raises(SlackApiError) as raised:
        client.usergroups_users_update(usergroup="S1", users=["U404"])
    assert raised.value.response["error"] == "user_not_found"
    fake.update_usergroup("S1", disabled=True)
    assert client.usergroups_list()["usergroups"] == []
