"""Latency knobs: slow answers, answers lost after Slack did the work, and overlapping concurrent calls."""

from __future__ import annotations

import threading
import time
import urllib.error
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.sandbox.fake_slack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U1", "anna")
        yield running


def bare_client(fake: FakeSlack, **kwargs) -> WebClient:
    return WebClient(base_url=fake.base_url, token=fake.bot_token, retry_handlers=[], **kwargs)


def test_latency_delays_the_call_before_it_is_processed(fake: FakeSlack) -> None:
    fake.set_latency(0.3)
    client = bare_client(fake)
    worker = threading.Thread(target=lambda: client.chat_postMessage(channel="C0001", text="slow"))
    started = time.monotonic()
    worker.start()
    time.sleep(0.1)
    assert fake.messages_in("C0001") == []  # not processed while Slack "thinks"
    worker.join()
    assert time.monotonic() - started >= 0.3
    assert [m["text"] for m in fake.messages_in("C0001")] == ["slow"]


def test_latency_after_processing_loses_the_answer_but_not_the_message(fake: FakeSlack) -> None:
    fake.set_latency(1.0, methods=["chat.postMessage"], after=True)
    impatient = bare_client(fake, timeout=0.2)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        impatient.chat_postMessage(channel="C0001", text="did it arrive?")
    # Slack did the work; only the answer was lost — the case a durable outbox must not post twice.
    assert [m["text"] for m in fake.messages_in("C0001")] == ["did it arrive?"]
    [call] = fake.calls_to("chat.postMessage")
    assert call.ok
    started = time.monotonic()
    assert bare_client(fake).users_info(user="U1")["ok"]  # other methods are not delayed
    assert time.monotonic() - started < 0.5


def test_concurrent_calls_overlap_instead_of_queueing(fake: FakeSlack) -> None:
    fake.set_latency(0.1)
    client = bare_client(fake)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(lambda n: client.chat_postMessage(channel="C0001", text=str(n)), range(100)))
    elapsed = time.monotonic() - started
    assert all(r["ok"] for r in results)
    assert len(fake.messages_in("C0001")) == 100
    assert elapsed < 3.0, f"100 calls of 100 ms took {elapsed:.1f}s: they were serialised"


def test_method_latency_overrides_the_default_and_zero_resets(fake: FakeSlack) -> None:
    client = bare_client(fake)
    fake.set_latency(0.3)
    fake.set_latency(0, methods=["users.info"])
    started = time.monotonic()
    client.users_info(user="U1")
    assert time.monotonic() - started < 0.25
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    fake.set_latency(0)
    started = time.monotonic()
    client.auth_test()
    client.chat_postMessage(channel="C0001", text="fast again")
    assert time.monotonic() - started < 0.25


def test_response_urls_have_latency_too(fake: FakeSlack) -> None:
    fake.set_latency(0.3, methods=["response_url"])
    url = fake.response_url("r1", channel="C0001", user="U1")
    started = time.monotonic()
    WebhookClient(url).send(text="late")
    assert time.monotonic() - started >= 0.3
    assert fake.ephemerals[-1]["text"] == "late"


def test_hang_stalls_only_the_next_call(fake: FakeSlack) -> None:
    fake.hang("users.info", 0.3)
    client = bare_client(fake)
    started = time.monotonic()
    client.users_info(user="U1")
    first = time.monotonic() - started
    started = time.monotonic()
    client.users_info(user="U1")
    second = time.monotonic() - started
    assert first >= 0.3 > second


def test_stop_cuts_a_long_latency_short() -> None:
    fake = FakeSlack().start()
    fake.set_latency(30)
    client = WebClient(base_url=fake.base_url, token=fake.bot_token, retry_handlers=[], timeout=10)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.auth_test()
        except Exception as error:  # the connection may close under it; only the timing matters here
            errors.append(error)

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.1)
    started = time.monotonic()
    fake.stop()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 5
