"""The driver's events and workspaces, checked against a real multi-workspace Bolt app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack, FakeWorkspace
from tests.sandbox.conftest import serve_bolt, wait_until

SECRET = "sandbox-signing-secret"


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


@dataclass
class Seen:
    """What the Bolt app's listeners received, by kind."""

    bodies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    contexts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    headers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, kind: str, body: dict[str, Any], context: Any, request: Any) -> None:
        self.bodies.setdefault(kind, []).append(body)
        self.contexts.setdefault(kind, []).append(
            {
                "team_id": context.team_id,
                "enterprise_id": context.enterprise_id,
                "is_enterprise_install": context.is_enterprise_install,
            }
        )
        self.headers.setdefault(kind, []).append(dict(request.headers))

    def wait(self, kind: str, count: int = 1) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.bodies.get(kind, [])) >= count)
        return self.bodies[kind]


def build_app(fake: FakeSlack, seen: Seen) -> App:
    """A multi-workspace Bolt app: the token per request comes from the fake's installs, as from a store."""

    def authorize(enterprise_id: str | None, team_id: str | None, context: Any) -> AuthorizeResult:
        workspace = fake.workspace(team_id) if team_id else None
        if context.is_enterprise_install or workspace is None:
            token = org_tokens.get(enterprise_id or "")
        else:
            token = workspace.bot_token
        auth = WebClient(base_url=fake.base_url, token=token).auth_test()
        return AuthorizeResult.from_auth_test_response(auth_test_response=auth, bot_token=token)

    app = App(signing_secret=SECRET, client=WebClient(base_url=fake.base_url), authorize=authorize)

    @app.command("/request")
    def on_command(ack, body, context, request, client) -> None:
        ack()
        seen.add("command", body, context, request)
        client.chat_postMessage(channel=body["user_id"], text="Noted")

    @app.action("request_ack")
    def on_click(ack, body, context, request) -> None:
        ack()
        seen.add("action", body, context, request)

    def recorder(kind: str):
        def record(body, context, request) -> None:
            seen.add(kind, body, context, request)

        return record

    for event_type in ("app_mention", "user_status_changed", "tokens_revoked", "app_uninstalled"):
        app.event(event_type)(recorder(event_type))
    app.event("subteam_members_changed")(recorder("subteam"))

    @app.event("message")
    def on_message(body, context, request) -> None:
        seen.add("message", body, context, request)

    @app.function("create_request")
    def create_request(inputs, client, complete, body, context, request) -> None:
        seen.add("function", body, context, request)
        client.chat_postMessage(channel=inputs["assignee"], text=f"New request: {inputs['text']}")
        complete(outputs={"request_number": 7, "request_url": "https://example.com/r/7"})

    @app.function("broken_step")
    def broken_step(fail, body, context, request) -> None:
        seen.add("broken", body, context, request)
        fail("The request could not be filed")

    return app


org_tokens: dict[str, str] = {}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    org_tokens.clear()
    with FakeSlack() as running:
        running.add_user("U1", "anna")
        running.add_user("U2", "ben", status_text="Out sick", status_emoji=":face_with_thermometer:")
        yield running


@pytest.fixture
def acme(fake: FakeSlack) -> FakeWorkspace:
    workspace = fake.add_workspace(
        "T0002", bot_token="xoxb-acme", name="Acme Sales", enterprise_id="E0001", enterprise_name="Acme Group"
    )
    workspace.add_user("W1", "sam")
    return workspace


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def events_url(fake: FakeSlack, seen: Seen) -> Iterator[str]:
    with serve_bolt(build_app(fake, seen)) as url:
        yield url


@pytest.fixture
def driver(events_url: str, fake: FakeSlack) -> SlackDriver:
    return SlackDriver(events_url, SECRET, fake=fake)


def test_retries_carry_slacks_headers_and_the_same_event_id(driver: SlackDriver, seen: Seen) -> None:
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "ts": "1780000000.000100"}
    mention["channel"] = "C0001"
    assert driver.event(mention, event_id="Ev42").status == 200
    assert driver.event(mention, event_id="Ev42", retry_num=1, retry_reason="http_timeout").status == 200
    first, again = seen.wait("app_mention", 2)
    assert first["event_id"] == again["event_id"] == "Ev42"
    first_headers, retry_headers = seen.headers["app_mention"]
    assert "x-slack-retry-num" not in first_headers
    assert retry_headers["x-slack-retry-num"] == ["1"]
    assert retry_headers["x-slack-retry-reason"] == ["http_timeout"]


def test_event_envelope_fields_can_be_chosen(driver: SlackDriver, seen: Seen) -> None:
    authorizations = [
        {
            "enterprise_id": None,
            "team_id": "T0001",
            "user_id": "UBOT",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    event = {"type": "app_mention", "user": "U1", "text": "hi", "ts": "1.000001", "channel": "C0001"}
    driver.event(event, authorizations=authorizations, is_ext_shared_channel=True, event_time=1_780_000_000)
    [body] = seen.wait("app_mention")
    assert body["authorizations"] == authorizations
    assert body["is_ext_shared_channel"] is True and body["event_time"] == 1_780_000_000
    assert "enterprise_id" not in body


def test_a_thread_reply_in_a_dm(driver: SlackDriver, fake: FakeSlack, seen: Seen) -> None:
    card = WebClient(base_url=fake.base_url, token=fake.bot_token).chat_postMessage(
        channel="U1", text="Your request"
    )
    driver.dm_reply("U1", "Can we talk tomorrow?", thread_ts=card["ts"])
    [body] = seen.wait("message")
    event = body["event"]
    assert (event["channel"], event["channel_type"], event["thread_ts"]) == (
        card["channel"],
        "im",
        card["ts"],
    )
    assert (event["user"], event["text"], event["parent_user_id"]) == ("U1", "Can we talk tomorrow?", "UBOT")
    assert [m["text"] for m in fake.messages_in(card["channel"])] == ["Your request", "Can we talk tomorrow?"]
    assert fake.messages[(card["channel"], card["ts"])]["reply_count"] == 1


def test_a_message_in_a_channel(driver: SlackDriver, fake: FakeSlack, seen: Seen) -> None:
    fake.add_channel("C7", "team", members=["U1", fake.bot_user_id], is_private=True)
    driver.message("U1", "Morning all", channel_id="C7")
    [body] = seen.wait("message")
    assert (body["event"]["channel_type"], body["event"]["text"]) == ("group", "Morning all")
    assert fake.messages_in("C7")[0]["ts"] == body["event"]["ts"]


def test_user_status_changed_carries_the_current_profile(
    driver: SlackDriver, fake: FakeSlack, seen: Seen
) -> None:
    fake.set_status("U1", "On holiday", ":palm_tree:", expiration=4_102_444_800)
    driver.user_status_changed("U1")
    [body] = seen.wait("user_status_changed")
    user = body["event"]["user"]
    assert user["id"] == "U1" and user["team_id"] == "T0001"
    profile = user["profile"]
    assert (profile["status_text"], profile["status_emoji"], profile["status_expiration"]) == (
        "On holiday",
        ":palm_tree:",
        4_102_444_800,
    )
    with pytest.raises(ValueError):
        driver.user_status_changed("U404")


def test_a_second_driver_speaks_for_another_workspace_of_an_org(
    events_url: str, fake: FakeSlack, acme: FakeWorkspace, seen: Seen
) -> None:
    acme_driver = SlackDriver(events_url, SECRET, team_id="T0002", fake=fake)
    assert (acme_driver.enterprise_id, acme_driver.bot_user_id) == ("E0001", acme.bot_user_id)
    assert acme_driver.command("W1", "review the deck").status == 200
    [body] = seen.wait("command")
    assert (body["team_id"], body["channel_id"], body["user_name"]) == (
        "T0002",
        acme.general_channel_id,
        "sam",
    )
    assert (body["enterprise_id"], body["enterprise_name"], body["is_enterprise_install"]) == (
        "E0001",
        "Acme Group",
        "false",
    )
    assert seen.contexts["command"][0] == {
        "team_id": "T0002",
        "enterprise_id": "E0001",
        "is_enterprise_install": False,
    }
    # The bot answered with Acme's token, into Acme.
    [posted] = fake.wait_for_method("chat.postMessage")
    assert (posted.token, posted.team_id) == ("xoxb-acme", "T0002")
    assert acme.messages_in(acme.dm_channel_for("W1"))[0]["text"] == "Noted"
    acme_driver.block_action("W1", "request_ack", "7")
    [click] = seen.wait("action")
    assert click["enterprise"] == {"id": "E0001", "name": "Acme Group"}
    assert click["team"]["enterprise_id"] == "E0001" and click["user"]["team_id"] == "T0002"
    mention = {
        "type": "app_mention",
        "user": "W1",
        "text": "hi",
        "ts": "1.000002",
        "channel": acme.general_channel_id,
    }
    acme_driver.event(mention)
    [envelope] = seen.wait("app_mention")
    assert (envelope["team_id"], envelope["enterprise_id"]) == ("T0002", "E0001")
    assert envelope["authorizations"][0]["enterprise_id"] == "E0001"
    # The primary workspace's driver is unchanged.
    SlackDriver(events_url, SECRET, fake=fake).command("U1", "hi")
    assert (
        seen.wait("command", 2)[1]["team_id"] == "T0001" and "enterprise_id" not in seen.bodies["command"][1]
    )


def test_org_wide_installs_mark_the_payloads(
    events_url: str, fake: FakeSlack, acme: FakeWorkspace, seen: Seen
) -> None:
    fake.configure_oauth("cid", "secret")
    code = fake.authorize("E0001", user_id="W1", enterprise_install=True)
    org_tokens["E0001"] = WebClient(base_url=fake.base_url).oauth_v2_access(
        client_id="cid", client_secret="secret", code=code
    )["access_token"]
    acme_driver = SlackDriver(events_url, SECRET, team_id="T0002", fake=fake)
    assert acme_driver.is_enterprise_install
    mention = {
        "type": "app_mention",
        "user": "W1",
        "text": "hi",
        "ts": "1.000003",
        "channel": acme.general_channel_id,
    }
    acme_driver.event(mention)
    [envelope] = seen.wait("app_mention")
    [authorization] = envelope["authorizations"]
    assert (authorization["is_enterprise_install"], authorization["team_id"]) == (True, None)
    assert seen.contexts["app_mention"][0]["is_enterprise_install"] is True
    acme_driver.command("W1", "hi")
    seen.wait("command")
    assert seen.bodies["command"][0]["is_enterprise_install"] == "true"
    [posted] = fake.wait_for_method("chat.postMessage")
    assert posted.token == org_tokens["E0001"] and posted.team_id == "T0002"


def test_the_custom_step_completes_with_its_just_in_time_token(
    driver: SlackDriver, fake: FakeSlack, seen: Seen
) -> None:
    outputs = [
        {"name": "request_number", "type": "number", "title": "Number", "is_required": True},
        {"name": "request_url", "type": "string", "title": "Link", "is_required": True},
    ]
    reply = driver.function_executed(
        "create_request",
        {"assignee": "U2", "text": "Check the invoice", "requester": "U1"},
        output_parameters=outputs,
    )
    assert reply.status == 200
    [body] = seen.wait("function")
    event = body["event"]
    assert event["function"]["callback_id"] == "create_request"
    assert [p["name"] for p in event["function"]["input_parameters"]] == ["assignee", "text", "requester"]
    assert event["function"]["input_parameters"][0]["type"] == "slack#/types/user_id"
    execution_id = event["function_execution_id"]
    [done] = fake.wait_for_method("functions.completeSuccess")
    assert done.ok and done.token == event["bot_access_token"] and done.token.startswith("xwfp-")
    assert done.team_id == "T0001"
    [posted] = fake.calls_to("chat.postMessage")
    assert posted.token == event["bot_access_token"]  # Bolt put the workflow token on the client
    assert fake.messages_in(fake.dm_channel_for("U2"))[0]["text"] == "New request: Check the invoice"
    execution = fake.function_execution(execution_id)
    assert (execution.state, execution.outputs) == (
        "completed",
        {"request_number": 7, "request_url": "https://example.com/r/7"},
    )


def test_a_failing_step_is_recorded(driver: SlackDriver, fake: FakeSlack, seen: Seen) -> None:
    driver.function_executed("broken_step", {"text": "x"}, function_execution_id="Fx123")
    fake.wait_for_method("functions.completeError")
    execution = fake.function_execution("Fx123")
    assert (execution.state, execution.error) == ("failed", "The request could not be filed")


def test_completing_unknown_or_finished_executions_fails(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.base_url, token=fake.bot_token, retry_handlers=[])
    unknown = api_error(lambda: client.functions_completeSuccess(function_execution_id="Fx404", outputs={}))
    assert unknown["error"] == "function_execution_not_found"
    execution = fake.start_function_execution(
        "create_request", {"text": "x"}, output_parameters=[{"name": "request_number", "is_required": True}]
    )
    as_step = WebClient(base_url=fake.base_url, token=execution.bot_access_token, retry_handlers=[])
    incomplete = api_error(
        lambda: as_step.functions_completeSuccess(function_execution_id=execution.id, outputs={})
    )
    assert incomplete["error"] == "parameter_validation_failed"
    as_step.functions_completeSuccess(function_execution_id=execution.id, outputs={"request_number": 1})
    again = api_error(
        lambda: as_step.functions_completeError(function_execution_id=execution.id, error="too late")
    )
    assert again["error"] == "function_execution_not_found"


def test_uninstall_revokes_tokens_and_sends_both_events(
    events_url: str, fake: FakeSlack, acme: FakeWorkspace, seen: Seen
) -> None:
    acme_driver = SlackDriver(events_url, SECRET, team_id="T0002", fake=fake)
    acme_driver.uninstall()
    assert fake.token_info("xoxb-acme").revoked
    [revoked] = seen.wait("tokens_revoked")
    assert revoked["event"]["tokens"] == {"bot": [acme.bot_user_id]}
    assert revoked["team_id"] == "T0002"
    seen.wait("app_uninstalled")


def test_subteam_members_changed(driver: SlackDriver, fake: FakeSlack, seen: Seen) -> None:
    fake.add_usergroup("S1", "support", ["U1"])
    fake.update_usergroup("S1", users=["U1", "U2"])
    driver.subteam_members_changed("S1", added=["U2"])
    [body] = seen.wait("subteam")
    event = body["event"]
    assert (event["subteam_id"], event["added_users"], event["added_users_count"]) == ("S1", ["U2"], "1")
