"""Helpers for the conversation tests: file a request, open a form from a button, submit it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from models import Request, RequestEvent
from tests.slackutil import press, responses, text_of, wait_dms, wait_response


def file_request(slack: SlackDriver, fake: FakeSlack, text: str, user: str = "UALICE") -> dict[str, Any]:
    """``user`` files ``text`` with /request; returns the assignee's card once it arrived."""
    before = len(responses(fake))
    assert slack.command(user, text).status == 200
    wait_response(fake, before + 1)


def card_of(fake: FakeSlack, user: str) -> dict[str, Any]:
    """The (latest) request card in ``user``'s DM."""
    messages = wait_dms(fake, user)
    top = [m for m in messages if m.get("thread_ts") in (None, m["ts"])]  # not replies in a card's thread
    cards = [
        m
        for m in top
        if any(str(b.get("block_id", "")).endswith("_actions") for b in m.get("blocks") or [])
        or ":white_check_mark:" in text_of(m.get("blocks"))
    ]
    return cards[-1] if cards else messages[0]


def open_form(
    slack: SlackDriver, fake: FakeSlack, user: str, action_id: str, message: dict[str, Any]
) -> dict[str, Any]:
    """Press ``action_id`` on ``message`` as ``user``; the modal that opened."""
    count = len(fake.calls_to("views.open"))
    press(slack, fake, user, action_id, message=message)
    return fake.wait_for_method("views.open", count=count + 1)[-1].args["view"]


def submit(slack: SlackDriver, user: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
    return slack.view_submission(user, view["callback_id"], values, private_metadata=view["private_metadata"])


def typed(block_id: str, value: str) -> dict[str, Any]:
    return {block_id: {block_id: {"type": "plain_text_input", "value": value}}}


def ticked(block_id: str, *values: str) -> dict[str, Any]:
    options = [{"value": value, "text": {"type": "plain_text", "text": value}} for value in values]
    return {block_id: {block_id: {"type": "checkboxes", "selected_options": options}}}


def picked(block_id: str, user: str) -> dict[str, Any]:
    return {block_id: {block_id: {"type": "users_select", "selected_user": user}}}


def the_request(sessions) -> Request:
    with sessions() as session:
        return session.scalars(select(Request).order_by(Request.id.desc())).first()


def events(sessions) -> list[RequestEvent]:
    with sessions() as session:
        return list(session.scalars(select(RequestEvent).order_by(RequestEvent.id)))


def kinds(sessions) -> list[str]:
    return [event.kind for event in events(sessions)]


def messages_with(fake: FakeSlack, user: str, words: str) -> list[dict[str, Any]]:
    from tests.slackutil import dms_to

    return [m for m in dms_to(fake, user) if words in text_of(m)]


def wait_message(fake: FakeSlack, user: str, words: str, timeout: float = 5.0) -> dict[str, Any]:
    fake.wait_for(lambda _c: bool(messages_with(fake, user, words)), timeout=timeout)
    return messages_with(fake, user, words)[-1]
