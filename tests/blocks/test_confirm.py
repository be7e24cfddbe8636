"""Done, Cancel and *Ask in the channel* ask first, wherever they appear: every builder's button with one
of those action ids carries Slack's ``confirm`` dialog, in plain text (no mention can render there)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.blocks.kit import Reader
from tests.blocks.test_user_text_is_text import rendered, request_with

ASK_FIRST = {"request_done", "request_cancel", "request_escalate_channel"}


def _buttons(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if value.get("type") == "button" else []
        return found + [b for v in value.values() for b in _buttons(v)]
    if isinstance(value, list | tuple):
        return [b for v in value for b in _buttons(v)]
    return []


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("state", ["open", "acknowledged", "waiting"])
def test_done_cancel_and_ask_in_the_channel_always_ask_first(language, state):
    reader = Reader.of(language, "Europe/Berlin")
    for user in ("UALICE", "UBOB"):
        everything = rendered(request_with("Review it", "", state), "words", reader.knowing(user, {}))
        buttons = [b for b in _buttons(everything) if b.get("action_id") in ASK_FIRST]
        assert {b["action_id"] for b in buttons} >= {"request_done", "request_cancel"}
        for button in buttons:
            dialog = button.get("confirm")
            assert dialog, json.dumps(button)
            assert all(dialog[part]["type"] == "plain_text" for part in ("title", "text", "confirm", "deny"))
            assert "<@" not in json.dumps(dialog)
