"""Test helpers for reading what the fake Slack received and clicking what a person sees."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.fake_slack import FakeSlack


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks or [] if b["type"] == "actions" for e in b["elements"]]


def text_of(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def all_dms(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    """Every message currently in the bot's DM with ``user_id`` (after updates), oldest first."""
    channel = fake.dm_channel_for(user_id)
    return [{**message, "channel": channel} for message in fake.messages_in(channel)]


def dms_to(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    """What the bot said to ``user_id`` (thread replies included), oldest first — without the requester's
    living cards, which ``requester_cards`` reads."""
    return [message for message in all_dms(fake, user_id) if not is_requester_card(message)]


def wait_dms(fake: FakeSlack, user_id: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
    fake.wait_for(lambda _calls: len(dms_to(fake, user_id)) >= count, timeout=timeout)
    return dms_to(fake, user_id)


def is_requester_card(message: dict[str, Any]) -> bool:
    """The requester's living card (its first block is ``rcard_<id>``), not a message in its thread."""
    return any(str(block.get("block_id", "")).startswith("rcard_") for block in message.get("blocks") or [])


def requester_cards(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    """The living cards of the requests ``user_id`` filed, oldest first."""
    return [message for message in all_dms(fake, user_id) if is_requester_card(message)]


def wait_card(fake: FakeSlack, user_id: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
    fake.wait_for(lambda _calls: len(requester_cards(fake, user_id)) >= count, timeout=timeout)
    return requester_cards(fake, user_id)


def responses(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.args for c in fake.calls if c.method == "response_url"]


def wait_response(fake: FakeSlack, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
    fake.wait_for(lambda calls: sum(c.method == "response_url" for c in calls) >= count, timeout=timeout)
    return responses(fake)[count - 1]


def press(
    slack: SlackDriver,
    fake: FakeSlack,
    user_id: str,
    action_id: str,
    *,
    message: dict[str, Any],
    as_user: str | None = None,
) -> Reply:
    """Click the button ``action_id`` on ``message`` (a message dict from the fake), as ``as_user``."""
    for block in message.get("blocks") or []:
        if block["type"] != "actions":
            continue
        for element in block["elements"]:
            if element["action_id"] == action_id:
                return slack.block_action(
                    as_user or user_id,
                    action_id,
                    element["value"],
                    channel_id=message["channel"],
                    message_ts=message["ts"],
                    block_id=block.get("block_id", "b"),
                    trigger_id=f"trigger-{action_id}",
                )
    raise AssertionError(f"no button {action_id} on message: {text_of(message)[:500]}")
