"""The fake must answer slack_sdk's real WebClient the way Slack does, over real HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.sandbox.fake_slack import FakeSlack

SECTION = {"type": "section", "block_id": "s1", "text": {"type": "mrkdwn", "text": "*Hello*"}}
MODAL = {
    "type": "modal",
    "callback_id": "request_modal",
    "title": {"type": "plain_text", "text": "New request"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "what",
            "label": {"type": "plain_text", "text": "What?"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U1", "anna", real_name="Anna Arndt", locale="de-DE")
        running.add_user("U2", "ben", tz="America/New_York")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    # Server errors back off with a short fixed interval to keep the suite fast; everything else is stock.
    fast_server_errors = ServerErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    return WebClient(
        base_url=fake.base_url,
        token=fake.bot_token,
        retry_handlers=[RateLimitErrorRetryHandler(), fast_server_errors],
    )


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def test_base_url_ends_in_api_slash(fake: FakeSlack) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/api/")


def test_auth_test_describes_the_bot(fake: FakeSlack, client: WebClient) -> None:
    response = client.auth_test()
    assert response["user_id"] == "UBOT"
    assert response["team_id"] == "T0001"
    assert response["bot_id"]
    call = fake.calls_to("auth.test")[0]
    assert call.token == "xoxb-test-token"


def test_users_info_gives_locale_only_when_asked(client: WebClient) -> None:
    without = client.users_info(user="U1")["user"]
    with_locale = client.users_info(user="U1", include_locale=True)["user"]
    assert "locale" not in without
    assert with_locale["locale"] == "de-DE"
    assert with_locale["tz"] == "Europe/Berlin"
    assert with_locale["real_name"] == "Anna Arndt"
    assert with_locale["profile"]["real_name"] == "Anna Arndt"


@pytest.mark.parametrize(
    ("moment", "berlin_offset", "new_york_offset"),
    [
        (datetime(2026, 1, 15, 12, tzinfo=UTC), 3600, -5 * 3600),
        (datetime(2026, 7, 15, 12, tzinfo=UTC), 7200, -4 * 3600),
    ],
)
def test_tz_offset_follows_daylight_saving_time_on_the_fake_clock(
    moment: datetime, berlin_offset: int, new_york_offset: int
) -> None:
    with FakeSlack(clock=moment.timestamp) as fake:
        fake.add_user("U1", "anna")
        fake.add_user("U2", "ben", tz="America/New_York")
        client = WebClient(base_url=fake.base_url, token=fake.bot_token)
        assert client.users_info(user="U1")["user"]["tz_offset"] == berlin_offset
        assert client.users_info(user="U2")["user"]["tz_offset"] == new_york_offset


def test_unknown_user_is_user_not_found(client: WebClient) -> None:
    assert api_error(lambda: client.users_info(user="U404"))["error"] == "user_not_found"


def test_users_lookup_by_email(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="anna@example.com")["user"]["id"] == "U1"
    assert api_error(lambda: client.users_lookupByEmail(email="x@example.com"))["error"] == "users_not_found"


def test_conversations_open_returns_a_stable_dm(fake: FakeSlack, client: WebClient) -> None:
    first = client.conversations_open(users="U1")
    second = client.conversations_open(users=["U1"])
    assert first["channel"]["id"] == second["channel"]["id"] == fake.dm_channel_for("U1")
    assert first["channel"]["id"].startswith("D")
    assert second["already_open"] is True
    assert fake.dm_channel_for("U2") != fake.dm_channel_for("U1")
    assert api_error(lambda: client.conversations_open(users="U404"))["error"] == "user_not_found"


def test_post_message_to_a_user_lands_in_their_dm_with_decoded_blocks(
    fake: FakeSlack, client: WebClient
) -> None:
    response = client.chat_postMessage(channel="U1", text="Hello", blocks=[SECTION])
    dm = fake.dm_channel_for("U1")
    assert response["channel"] == dm
    assert response["message"]["text"] == "Hello"
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == [SECTION]
    [stored] = fake.messages_in(dm)
    assert stored["blocks"] == [SECTION]
    assert fake.messages[(dm, response["ts"])]["text"] == "Hello"


def test_form_encoded_json_fields_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    # api_call(data=...) sends a form body, with blocks as a JSON string inside it, as older code paths do.
    client.api_call(
        "chat.postMessage",
        data={"channel": "C0001", "text": "form", "blocks": json.dumps([SECTION])},
    )
    client.api_call("chat.postMessage", params={"channel": "C0001", "text": "params"})
    form_call, params_call = fake.calls_to("chat.postMessage")
    assert form_call.args["blocks"] == [SECTION]
    assert form_call.args["channel"] == "C0001"
    assert params_call.args == {"channel": "C0001", "text": "params"}
    assert [m["text"] for m in fake.messages_in("C0001")] == ["form", "params"]


def test_message_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0001", text=str(n))["ts"] for n in range(5)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_timestamps_stay_unique_when_the_clock_stands_still() -> None:
    with FakeSlack(clock=lambda: 1_700_000_000.0) as fake:
        client = WebClient(base_url=fake.base_url, token=fake.bot_token)
        stamps = [client.chat_postMessage(channel="C0001", text="x")["ts"] for _ in range(3)]
    assert stamps == ["1700000000.000000", "1700000000.000001", "1700000000.000002"]


def test_post_message_errors(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C9", "old-stuff", is_archived=True)
    assert api_error(lambda: client.chat_postMessage(channel="C9", text="x"))["error"] == "is_archived"
    unknown = api_error(lambda: client.chat_postMessage(channel="C404", text="x"))
    assert unknown["error"] == "channel_not_found"
    no_text = api_error(lambda: client.api_call("chat.postMessage", json={"channel": "C0001"}))
    assert no_text["error"] == "no_text"
    too_many = [{"type": "divider"}] * 51
    blocks_error = api_error(lambda: client.chat_postMessage(channel="C0001", text="x", blocks=too_many))
    assert blocks_error["error"] == "invalid_blocks"


def test_thread_replies_are_counted_on_the_parent(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0001", text="parent")["ts"]
    client.chat_postMessage(channel="C0001", text="reply", thread_ts=parent)
    messages = fake.messages_in("C0001")
    assert messages[0]["reply_count"] == 1
    assert messages[1]["thread_ts"] == parent


def test_chat_update_replaces_text_and_blocks(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0001", text="before", blocks=[SECTION])["ts"]
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "after"}}]
    response = client.chat_update(channel="C0001", ts=ts, text="after", blocks=new_blocks)
    assert response["ts"] == ts
    stored = fake.messages[("C0001", ts)]
    assert (stored["text"], stored["blocks"]) == ("after", new_blocks)
    error = api_error(lambda: client.chat_update(channel="C0001", ts="1.000001", text="x"))
    assert error["error"] == "message_not_found"


def test_chat_update_refuses_someone_elses_message(fake: FakeSlack, client: WebClient) -> None:
    message = fake.add_message("C0001", "U1", "mine")
    error = api_error(lambda: client.chat_update(channel="C0001", ts=message["ts"], text="x"))
    assert error["error"] == "cant_update_message"


def test_chat_delete_removes_the_message(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0001", text="bye")["ts"]
    client.chat_delete(channel="C0001", ts=ts)
    assert fake.messages_in("C0001") == []
    assert api_error(lambda: client.chat_delete(channel="C0001", ts=ts))["error"] == "message_not_found"


def test_post_ephemeral(fake: FakeSlack, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C0001", user="U1", text="only you")
    assert response["message_ts"]
    assert fake.ephemerals[0]["user"] == "U1"
    assert fake.messages_in("C0001") == []
    fake.add_channel("C2", "team", members=["U2"])
    error = api_error(lambda: client.chat_postEphemeral(channel="C2", user="U1", text="x"))
    assert error["error"] == "user_not_in_channel"


def test_get_permalink(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0001", text="link me")["ts"]
    permalink = client.chat_getPermalink(channel="C0001", message_ts=ts)["permalink"]
    assert permalink.endswith("/archives/C0001/p" + ts.replace(".", ""))


def test_views_open_push_update(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="123.456.abc", view=MODAL)["view"]
    assert opened["id"].startswith("V")
    assert fake.views[opened["id"]]["callback_id"] == "request_modal"
    assert fake.calls_to("views.open")[0].args["view"] == MODAL
    pushed = client.views_push(trigger_id="123.456.def", view=MODAL)["view"]
    assert pushed["id"] != opened["id"]
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Thanks"}}
    updated = client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"]
    assert fake.views[opened["id"]]["title"]["text"] == "Thanks"
    stale = api_error(lambda: client.views_update(view_id=opened["id"], view=MODAL, hash=opened["hash"]))
    assert stale["error"] == "hash_conflict"
    assert api_error(lambda: client.views_update(view_id="V404", view=MODAL))["error"] == "not_found"


def test_views_are_validated_like_slack_does(client: WebClient) -> None:
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "A title far too long for Slack"}}
    error = api_error(lambda: client.views_open(trigger_id="t", view=long_title))
    assert error["error"] == "invalid_arguments"
    assert "/view/title/text" in error["response_metadata"]["messages"][0]
    no_submit = {key: value for key, value in MODAL.items() if key != "submit"}
    missing_submit = api_error(lambda: client.views_open(trigger_id="t", view=no_submit))
    assert missing_submit["error"] == "invalid_arguments"


def test_views_publish_keeps_one_home_per_user(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [SECTION]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]
    assert first["id"] == second["id"]
    assert fake.home_view("U1")["blocks"] == []
    assert fake.home_view("U2") is None
    assert api_error(lambda: client.views_publish(user_id="U1", view=MODAL))["error"] == "invalid_arguments"


def test_usergroups(fake: FakeSlack, client: WebClient) -> None:
    fake.add_usergroup("S1", "support", ["U1", "U2"])
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    [group] = client.usergroups_list(include_users=True)["usergroups"]
    assert (group["id"], group["handle"], group["user_count"]) == ("S1", "support", 2)
    assert group["users"] == ["U1", "U2"]
    assert "users" not in client.usergroups_list()["usergroups"][0]
    assert api_error(lambda: client.usergroups_users_list(usergroup="S404"))["error"] == "no_such_subteam"


def test_team_and_conversation_info(fake: FakeSlack, client: WebClient) -> None:
    assert client.team_info()["team"]["id"] == "T0001"
    general = client.conversations_info(channel="C0001")["channel"]
    assert (general["name"], general["is_channel"], general["is_member"]) == ("general", True, True)
    dm = client.conversations_info(channel=fake.dm_channel_for("U1"))["channel"]
    assert (dm["is_im"], dm["user"]) == (True, "U1")
    assert api_error(lambda: client.conversations_info(channel="C404"))["error"] == "channel_not_found"


def test_conversations_members_paginates(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C5", "five", members=["U1", "U2", "U3", "U4", "U5"])
    pages = [page["members"] for page in client.conversations_members(channel="C5", limit=2)]
    assert pages == [["U1", "U2"], ["U3", "U4"], ["U5"]]


def test_unknown_method_is_answered_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    error = api_error(lambda: client.api_call("reactions.add", json={"name": "tada"}))
    assert error["error"] == "unknown_method"
    assert fake.calls[-1].method == "reactions.add"
    assert fake.calls[-1].args == {"name": "tada"}


@pytest.mark.parametrize("token", ["xoxb-wrong", None])
def test_bad_or_missing_token_is_invalid_auth(fake: FakeSlack, token: str | None) -> None:
    client = WebClient(base_url=fake.base_url, token=token)
    assert api_error(lambda: client.chat_postMessage(channel="C0001", text="x"))["error"] == "invalid_auth"
    assert fake.messages_in("C0001") == []


def test_rate_limit_is_retried_after_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    response = client.chat_postMessage(channel="C0001", text="patience")
    assert response["ok"]
    assert time.monotonic() - started >= 1.0
    first, second = fake.calls_to("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert second.status == 200
    assert len(fake.messages_in("C0001")) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried(fake: FakeSlack, client: WebClient, status: int) -> None:
    fake.fail_next("users.info", status=status)
    assert client.users_info(user="U1")["user"]["id"] == "U1"
    assert [call.status for call in fake.calls_to("users.info")] == [status, 200]


def test_rate_limit_without_retry_handler_surfaces_as_error(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    bare = WebClient(base_url=fake.base_url, token=fake.bot_token, retry_handlers=[])
    with pytest.raises(SlackApiError) as raised:
        bare.chat_postMessage(channel="C0001", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"


def test_fail_next_with_an_error_answers_ok_false(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("users.info", status=200, error="user_not_found", times=2)
    assert api_error(lambda: client.users_info(user="U1"))["error"] == "user_not_found"
    assert api_error(lambda: client.users_info(user="U1"))["error"] == "user_not_found"
    assert client.users_info(user="U1")["ok"]


def test_wait_for_sees_calls_from_other_threads(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="U1", text="later"))
    timer.start()
    try:
        calls = fake.wait_for_method("chat.postMessage", timeout=5)
    finally:
        timer.join()
    assert calls[0].args["text"] == "later"


def test_wait_for_timeout_explains_what_happened(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C0001", text="the only message")

    def two_messages(calls) -> bool:
        return len(calls) >= 2

    with pytest.raises(AssertionError) as raised:
        fake.wait_for(two_messages, timeout=0.2)
    message = str(raised.value)
    assert "two_messages" in message
    assert "timed out after 0.2s" in message
    assert "chat.postMessage" in message
    assert "the only message" in message


def test_response_url_is_recorded_and_acts_on_the_original(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0001", text="Please review", blocks=[SECTION])["ts"]
    url = fake.response_url("click-1", channel="C0001", message_ts=ts, user="U1")
    assert url.startswith("http://127.0.0.1:")
    WebhookClient(url).send(text="Reviewed", replace_original=True)
    call = fake.wait_for_method("response_url")[0]
    assert call.args["key"] == "click-1"
    assert call.args["text"] == "Reviewed"
    stored = fake.messages[("C0001", ts)]
    assert stored["text"] == "Reviewed"
    assert "blocks" not in stored
    WebhookClient(url).send(text="just for you")
    assert fake.ephemerals[-1]["text"] == "just for you"
    WebhookClient(url).send(delete_original=True)
    assert fake.messages_in("C0001") == []


def test_concurrent_calls_are_all_recorded(fake: FakeSlack, client: WebClient) -> None:
    def post_ten(worker: int) -> None:
        for n in range(10):
            client.chat_postMessage(channel="C0001", text=f"{worker}-{n}")

    threads = [threading.Thread(target=post_ten, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.calls_to("chat.postMessage")) == 60
    assert len({m["ts"] for m in fake.messages_in("C0001")}) == 60


def test_stop_releases_the_port() -> None:
    fake = FakeSlack().start()
    port = fake.port
    WebClient(base_url=fake.base_url, token=fake.bot_token).auth_test()
    fake.stop()
    fake.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/auth.test", timeout=2)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    with pytest.raises(RuntimeError):
        _ = fake.base_url
