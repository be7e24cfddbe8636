"""The pure Block Kit builders, without Slack: content, buttons, limits, both directions of a request."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.blocks import requests as blocks
from bot.blocks.kit import Reader
from bot.blocks.views import list_blocks
from bot.domain.list_filters import ListFilter
from bot.services.views import Page
from models import Request
from tests.slackutil import text_of

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def make_request(**changes) -> Request:
    values = dict(
        id=7,
        team_id="T1",
        number=42,
        requester_id="UALICE",
        assignee_id="UBOB",
        text="Send <!channel> the numbers",
        kind="task",
        channel_id="C1",
        state="open",
        created_at=NOW,
        updated_at=NOW,
        response_due_at=datetime(2026, 11, 26, 13, 0, tzinfo=UTC),
        due_at=None,
        acknowledged_at=None,
        closed_at=None,
        snoozed_until=None,
        decline_reason=None,
    )
    values.update(changes)
    return Request(**values)


def test_open_card_has_every_answer_button_carrying_the_request_id():
    text, card = blocks.assignee_card(make_request(), Reader.of("en", "Europe/Berlin"))
    [actions] = [b for b in card if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [
        "request_ack",
        "request_done",
        "request_answer",
        "request_ask_back",
        "request_propose",
        "request_snooze",
        "request_reassign",
        "request_decline",
    ]
    assert {e["value"] for e in actions["elements"]} == {"7"}
    assert "*#42*" in card[0]["text"]["text"] and "&lt;!channel&gt;" in card[0]["text"]["text"]
    assert "Thu, Nov 26, 2:00\u202fPM" in text_of(card)
    assert "<!channel>" not in text


def test_closed_card_has_no_buttons_and_says_why():
    request = make_request(state="declined", closed_at=NOW, decline_reason="No budget <https://x.y|click>")
    _, card = blocks.assignee_card(request, Reader.of("en", "UTC"))
    assert not [b for b in card if b["type"] == "actions"]
    assert "No budget &lt;https://x.y|click&gt;" in text_of(card)


def test_times_are_shown_in_the_readers_zone():
    request = make_request(due_at=datetime(2026, 12, 4, 16, 0, tzinfo=UTC))
    _, card = blocks.assignee_card(request, Reader.of("en", "America/New_York"))
    assert "Thu, Nov 26, 8:00\u202fAM" in text_of(card) and "Fri, Dec 4, 11:00\u202fAM" in text_of(card)


def test_a_list_page_stays_within_slacks_limits_and_offers_the_next():
    many = [make_request(id=i, number=i, text="x" * 4000) for i in range(1, 11)]
    page = Page(items=many, total=39, overdue=3, before=0, next_after=10)
    _, view = list_blocks(page, ListFilter(), Reader.of("en", "UTC"), now=many[0].created_at)
    assert len(view) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view)
    assert "Showing 1–10 of 39" in text_of(view) and "3 are past the agreed time" in text_of(view)
    assert "…and" not in text_of(view) and "request_list_more" in text_of(view)


def test_new_request_modal_respects_slack_limits():
    view = blocks.new_request_modal(Reader.of("en", "UTC"), channel_id="C1", thread_ts="1.2")
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    assert blocks.read_origin(view["private_metadata"]) == {"channel": "C1", "thread_ts": "1.2"}
    assert {b["block_id"] for b in view["blocks"]} >= {"assignee", "text", "within", "due_date"}


def test_the_confirmation_adds_a_relative_hint_the_card_does_not():
    """The requester reads the confirmation at once; the assignee's card stays around and would go stale."""
    request = make_request(due_at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    _, confirmation = blocks.requester_confirmation(request, Reader.of("de", "Europe/Berlin"))
    assert "Do., 26. Nov., 14:00 (in 4 Stunden)" in text_of(confirmation)
    assert "Fr., 27. Nov., 17:00 (in 31 Stunden)" in text_of(confirmation)
    _, card = blocks.assignee_card(request, Reader.of("de", "Europe/Berlin"))
    assert "(in 4 Stunden)" not in text_of(card)
