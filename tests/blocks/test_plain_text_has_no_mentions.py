"""Slack never renders a mention, a broadcast or a channel link inside ``plain_text`` (titles, labels,
hints, buttons, options, headers): it shows the raw ``<@U…>``. So the bot's own mentions live in
``mrkdwn`` only. This renders every builder — messages, modals, App Home, the new views — in both
languages, in every state, and looks into every ``plain_text`` object."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest

from bot.blocks import questions
from bot.blocks import requests as blocks
from bot.blocks import views as view_blocks
from bot.blocks.kit import Reader
from bot.blocks.settings import settings_modal
from bot.domain.calendar import WorkingHours
from bot.domain.list_filters import ListFilter
from bot.services.agreement import CalendarChoice
from bot.services.calendars import CalendarView
from bot.services.views import HistoryEntry, Page, RequestView
from models import Proposal
from tests.blocks.test_user_text_is_text import NOW, rendered, request_with

STATES = ("open", "acknowledged", "waiting", "done", "declined", "cancelled")
MARKUP = ("<@", "<!", "<#")


def plain_texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") == "plain_text" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from plain_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from plain_texts(item)


def every_builder(reader: Reader) -> list[object]:
    out: list[object] = []
    for state in STATES:
        request = request_with("Send the numbers", "No time", state)
        out += rendered(request, "a note", reader)
        out.append(blocks.set_times_modal(request, reader))
        history = [
            HistoryEntry(NOW, "created", "UALICE", {"assignee_id": "UBOB"}),
            HistoryEntry(NOW, "escalated", "UALICE", {"to": "person", "target_id": "UCAROL"}),
            HistoryEntry(NOW, "reminded", None, {"recipient_id": "UBOB"}),
        ]
        proposal = Proposal(
            id=3,
            request_id=7,
            proposed_by="UBOB",
            response_due_at=NOW,
            due_at=NOW,
            state="pending",
            created_at=NOW,
        )
        view = RequestView(request, history, frozenset({"UALICE", "UBOB", "UCAROL"}), proposal)
        for who in ("UALICE", "UBOB", "UCAROL"):
            one = Reader(reader.tr, reader.tz, user_id=who)
            out.append(view_blocks.request_view_blocks(view, one, now=NOW))
            page = Page(items=[request], total=12, overdue=1, before=10, next_after=11)
            for filters in (ListFilter(), ListFilter(state="done", from_id="UBOB", to_id="UALICE")):
                out.append(view_blocks.list_blocks(page, filters, one, now=NOW + timedelta(days=5)))
    option = questions.Option("Fri, Dec 4", "sealed")
    out.append(
        questions.ambiguity_question(
            reader, code="ambiguous_date", text="4/12", options=[option], form_value="f"
        )
    )
    for kind in ("over", "holiday", "weekend"):
        out.append(
            questions.due_question(
                reader,
                kind=kind,
                day="Sat",
                assignee="UBOB",
                holiday="Xmas",
                their_time="18:00",
                keep=option,
                alternative=option,
                form_value="f",
            )
        )
    hours = WorkingHours(time(9), time(17), frozenset(range(5)))
    calendar = CalendarView(
        hours=hours,
        country="DE",
        subdivision="BY",
        reminder_time=time(9),
        default_hours=hours,
        default_country=None,
        default_subdivision=None,
        default_reminder_time=time(9),
        chosen=CalendarChoice(),
    )
    out.append(settings_modal(reader, calendar, language="auto"))
    out.append(blocks.help_blocks(reader))
    return out


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_plain_text_carries_mention_markup(language):
    reader = Reader.of(language, "Europe/Berlin")
    found = [text for text in plain_texts(every_builder(reader)) if any(mark in text for mark in MARKUP)]
    assert found == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_label_says_optional_twice(language):
    """Slack adds "(optional)" to an optional input's label by itself."""
    reader = Reader.of(language, "Europe/Berlin")
    labels = []
    for built in every_builder(reader):
        for block in (built.get("blocks") or []) if isinstance(built, dict) else []:
            if block.get("type") == "input" and block.get("optional"):
                labels.append(block["label"]["text"])
    assert labels and not [label for label in labels if "optional" in label.lower()]
