"""Helpers for the requester's card tests: file a request, read both cards and their threads, click."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.sandbox.fake_slack import FakeSlack
from models import Proposal, Request, RequestEvent
from tests.slackutil import (
    action_ids,
    dms_to,
    requester_cards,
    responses,
    text_of,
    wait_card,
    wait_dms,
    wait_response,
)

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=BERLIN)


def file(slack, fake: FakeSlack, text: str = "<@UBOB|bob> Review the contract", user: str = "UALICE") -> dict:
    """``user`` files a request; returns the requester's card (as the fake holds it)."""
    before = len(responses(fake))
    cards = len(requester_cards(fake, user))
    slack.command(user, text)
    wait_response(fake, before + 1)
    return wait_card(fake, user, cards + 1)[-1]


def card_of(fake: FakeSlack, user: str = "UALICE", index: int = -1) -> dict:
    return requester_cards(fake, user)[index]


def assignee_card(fake: FakeSlack, user: str = "UBOB") -> dict:
    """The assignee's card: the first message the bot posted to them (not a reply in a thread)."""
    return next(m for m in dms_to(fake, user) if m.get("thread_ts") in (None, m["ts"]))


def thread_of(fake: FakeSlack, message: dict) -> list[dict]:
    """The replies in a message's thread, oldest first."""
    return [
        {**m, "channel": message["channel"]}
        for m in fake.messages_in(message["channel"])
        if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]
    ]


def wait_in_thread(fake: FakeSlack, message: dict, words: str, timeout: float = 5.0) -> dict:
    fake.wait_for(lambda _c: any(words in text_of(m) for m in thread_of(fake, message)), timeout=timeout)
    return next(m for m in thread_of(fake, message) if words in text_of(m))


def in_thread(fake: FakeSlack, message: dict, words: str) -> list[dict]:
    return [m for m in thread_of(fake, message) if words in text_of(m)]


def with_channel(message: dict, fake: FakeSlack) -> dict:
    return {**message, "channel": message.get("channel") or fake.dm_channel_for("UALICE")}


def request_row(sessions) -> Request:
    with sessions() as session:
        return session.scalars(select(Request).order_by(Request.id.desc())).first()


def events(sessions) -> list[RequestEvent]:
    with sessions() as session:
        return list(session.scalars(select(RequestEvent).order_by(RequestEvent.id)))


def proposals(sessions) -> list[Proposal]:
    with sessions() as session:
        return list(session.scalars(select(Proposal).order_by(Proposal.id)))


def clocks(request: Request) -> tuple[Any, ...]:
    """Everything an undo must restore exactly."""
    return (
        request.state,
        request.acknowledged_at,
        request.closed_at,
        request.response_due_at,
        request.due_at,
        request.due_date_only,
        request.snoozed_until,
        request.waiting_since,
    )


def open_form(slack, fake: FakeSlack, user: str, action_id: str, message: dict) -> dict:
    from tests.slackutil import press

    count = len(fake.calls_to("views.open"))
    press(slack, fake, user, action_id, message=message)
    return fake.wait_for_method("views.open", count=count + 1)[-1].args["view"]


__all__ = ["action_ids", "text_of", "wait_dms"]


def submit_form(slack, view: dict, *, user: str = "UALICE", **fields: str | None):
    """Submit a form; what is not named keeps its initial value, as in Slack."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        if element["type"] == "datepicker":
            state = {"type": "datepicker", "selected_date": fields.get(block_id, element.get("initial_date"))}
        elif element["type"] == "timepicker":
            state = {"type": "timepicker", "selected_time": fields.get(block_id, element.get("initial_time"))}
        else:
            state = {"type": "plain_text_input", "value": fields.get(block_id, element.get("initial_value"))}
        values[block_id] = {element["action_id"]: state}
    return slack.view_submission(user, view["callback_id"], values, private_metadata=view["private_metadata"])
