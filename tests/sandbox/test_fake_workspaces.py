"""Several workspaces in one fake: each token answered from its own workspace; Enterprise Grid orgs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.fake_slack import FakeSlack, FakeWorkspace


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U1", "anna")
        yield running


@pytest.fixture
def second(fake: FakeSlack) -> FakeWorkspace:
    workspace = fake.add_workspace("T0002", bot_token="xoxb-second", name="Second Company")
    workspace.add_user("U9", "zoe", locale="de-DE")
    return workspace


def client_for(fake: FakeSlack, token: str | None) -> WebClient:
    return WebClient(base_url=fake.base_url, token=token, retry_handlers=[])


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def test_each_token_sees_only_its_workspace(fake: FakeSlack, second: FakeWorkspace) -> None:
    first, other = client_for(fake, fake.bot_token), client_for(fake, "xoxb-second")
    assert api_error(lambda: first.users_info(user="U9"))["error"] == "user_not_found"
    assert api_error(lambda: other.users_info(user="U1"))["error"] == "user_not_found"
    zoe = other.users_info(user="U9", include_locale=True)["user"]
    assert (zoe["team_id"], zoe["locale"]) == ("T0002", "de-DE")
    assert (
        api_error(lambda: other.chat_postMessage(channel="C0001", text="x"))["error"] == "channel_not_found"
    )
    assert second.general_channel_id == "C0002GEN"


def test_messages_land_in_the_tokens_workspace(fake: FakeSlack, second: FakeWorkspace) -> None:
    other = client_for(fake, "xoxb-second")
    posted = other.chat_postMessage(channel="U9", text="Hallo Zoe")
    assert posted["channel"] == second.dm_channel_for("U9")
    assert [m["text"] for m in second.messages_in(posted["channel"])] == ["Hallo Zoe"]
    assert second.messages_in(posted["channel"])[0]["user"] == second.bot_user_id
    assert fake.messages == {}  # the primary workspace saw nothing
    client_for(fake, fake.bot_token).chat_postMessage(channel="U1", text="Hallo Anna")
    assert [(c.method, c.team_id) for c in fake.calls] == [
        ("chat.postMessage", "T0002"),
        ("chat.postMessage", "T0001"),
    ]


def test_auth_and_team_info_describe_the_tokens_workspace(fake: FakeSlack, second: FakeWorkspace) -> None:
    other = client_for(fake, "xoxb-second")
    auth = other.auth_test()
    assert (auth["team_id"], auth["team"], auth["user_id"], auth["bot_id"]) == (
        "T0002",
        "Second Company",
        second.bot_user_id,
        second.bot_id,
    )
    assert auth["is_enterprise_install"] is False and "enterprise_id" not in auth.data
    assert other.team_info()["team"]["id"] == "T0002"
    assert client_for(fake, fake.bot_token).auth_test()["team_id"] == "T0001"


def test_bad_revoked_and_wrongly_typed_tokens(fake: FakeSlack, second: FakeWorkspace) -> None:
    assert api_error(lambda: client_for(fake, "xoxb-nobody").auth_test())["error"] == "invalid_auth"
    revoked = fake.revoke("T0002")
    assert revoked == {"oauth": [], "bot": [second.bot_user_id]}
    assert api_error(lambda: client_for(fake, "xoxb-second").auth_test())["error"] == "token_revoked"
    assert client_for(fake, fake.bot_token).auth_test()["ok"]  # the other workspace keeps its token
    app_level = client_for(fake, fake.app_token)
    assert api_error(lambda: app_level.chat_postMessage(channel="C0001", text="x"))["error"] == (
        "not_allowed_token_type"
    )
    bot = client_for(fake, fake.bot_token)
    assert api_error(lambda: bot.apps_connections_open(app_token=fake.bot_token))["error"] == (
        "not_allowed_token_type"
    )


def test_auth_revoke_ends_the_calling_token(fake: FakeSlack, second: FakeWorkspace) -> None:
    other = client_for(fake, "xoxb-second")
    assert other.auth_revoke(test=True)["revoked"] is False
    assert other.auth_test()["ok"]
    assert other.auth_revoke()["revoked"] is True
    assert api_error(other.auth_test)["error"] == "token_revoked"


def test_a_workspace_without_token_is_not_installed(fake: FakeSlack) -> None:
    bare = fake.add_workspace("T0003")
    assert bare.bot_token is None
    with pytest.raises(ValueError):
        fake.add_workspace("T0003")


@pytest.fixture
def grid(fake: FakeSlack) -> tuple[FakeWorkspace, FakeWorkspace]:
    sales = fake.add_workspace(
        "T0002", enterprise_id="E0001", enterprise_name="Acme Group", bot_token="xoxb-sales"
    )
    support = fake.add_workspace("T0003", enterprise_id="E0001")
    sales.add_user("W1", "sam")
    support.add_user("W2", "sue")
    return sales, support


def org_token(fake: FakeSlack) -> str:
    fake.configure_oauth("cid", "secret")
    code = fake.authorize("E0001", user_id="W1", enterprise_install=True)
    response = client_for(fake, None).oauth_v2_access(client_id="cid", client_secret="secret", code=code)
    assert response["is_enterprise_install"] is True and response["team"] is None
    assert response["enterprise"] == {"id": "E0001", "name": "Acme Group"}
    return response["access_token"]


def test_workspaces_of_an_org_share_the_bot_user_and_org_name(grid) -> None:
    sales, support = grid
    assert support.bot_user_id == sales.bot_user_id
    assert support.enterprise_name == "Acme Group"


def test_a_workspace_token_in_an_org_names_the_org(fake: FakeSlack, grid) -> None:
    auth = client_for(fake, "xoxb-sales").auth_test()
    assert (auth["team_id"], auth["enterprise_id"], auth["is_enterprise_install"]) == (
        "T0002",
        "E0001",
        False,
    )
    assert (
        api_error(lambda: client_for(fake, "xoxb-sales").users_info(user="W2"))["error"] == "user_not_found"
    )


def test_an_org_wide_token_acts_in_every_workspace_of_the_org(fake: FakeSlack, grid) -> None:
    sales, support = grid
    org = client_for(fake, org_token(fake))
    assert fake.is_enterprise_install("E0001")
    assert org.users_info(user="W1")["user"]["team_id"] == "T0002"
    assert org.users_info(user="W2")["user"]["team_id"] == "T0003"
    assert org.users_info(user="W2")["user"]["enterprise_user"]["enterprise_id"] == "E0001"
    org.chat_postMessage(channel=support.general_channel_id, text="Hello support")
    assert [m["text"] for m in support.messages_in(support.general_channel_id)] == ["Hello support"]
    assert fake.calls_to("chat.postMessage")[0].team_id == "T0003"
    # Methods that act on a whole workspace need team_id with an org-wide token, as in Slack.
    assert api_error(org.users_list)["error"] == "missing_argument"
    members = org.users_list(team_id="T0003")["members"]
    assert "W2" in [m["id"] for m in members] and "W1" not in [m["id"] for m in members]
    assert api_error(lambda: org.users_list(team_id="T0001"))["error"] == "team_access_not_granted"
    assert (
        api_error(lambda: org.users_info(user="U1"))["error"] == "user_not_found"
    )  # T0001 is not in the org
    auth = org.auth_test()
    assert (auth["team_id"], auth["enterprise_id"], auth["is_enterprise_install"]) == ("E0001", "E0001", True)
    assert auth["bot_id"] == sales.bot_id


def test_revoking_the_org_install(fake: FakeSlack, grid) -> None:
    org = client_for(fake, org_token(fake))
    assert fake.revoke("E0001")["bot"] == [grid[0].bot_user_id]
    assert api_error(org.auth_test)["error"] == "token_revoked"
    assert not fake.is_enterprise_install("E0001")
    assert client_for(fake, "xoxb-sales").auth_test()["ok"]  # the workspace-level install stays


def test_every_call_names_the_team_it_was_answered_for(fake: FakeSlack, second: FakeWorkspace) -> None:
    other = client_for(fake, "xoxb-second")
    fake.fail_next("users.info", status=200, error="fatal_error")
    with pytest.raises(SlackApiError):
        other.users_info(user="U9")
    other.users_info(user="U9")
    with pytest.raises(SlackApiError):
        client_for(fake, "xoxb-nobody").auth_test()
    assert [(c.method, c.team_id, c.ok) for c in fake.calls] == [
        ("users.info", "T0002", False),
        ("users.info", "T0002", True),
        ("auth.test", None, False),
    ]
    assert [c.method for c in second.calls_to("users.info")] == ["users.info", "users.info"]
    assert fake.primary.calls == []
    assert second.user_info("U9")["profile"]["display_name"] == "zoe"
