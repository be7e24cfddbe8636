"""``/request 12`` (show), ``/request cancel 12`` and ``/request list`` with filters and paging — through
the real HTTP path, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Request, RequestEvent
from models.db import transaction
from tests.conftest import START, TEAM
from tests.slackutil import action_ids, dms_to, responses, text_of, wait_dms, wait_response


def ask(slack, fake, text: str, user: str = "UALICE") -> dict:
    count = len(responses(fake))
    assert slack.command(user, text).status == 200
    return wait_response(fake, count + 1)


def add(session, number: int, requester: str, assignee: str, **fields) -> Request:
    created = fields.pop("created", START - timedelta(hours=1))
    request = Request(
        team_id=TEAM,
        number=number,
        requester_id=requester,
        assignee_id=assignee,
        text=fields.pop("text", f"task {number}"),
        kind="task",
        channel_id="C0001",
        state=fields.pop("state", "open"),
        created_at=created,
        updated_at=created,
        response_due_at=fields.pop("response_due_at", START + timedelta(hours=4)),
        **fields,
    )
    session.add(request)
    session.flush()
    return request


def press_in(slack, fake, user: str, message: dict, action_id: str, *, value: str | None = None):
    """Click ``action_id`` on an ephemeral answer (``message`` as the response_url received it)."""
    for block in message.get("blocks") or []:
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("action_id") == action_id and (value is None or element["value"] == value):
                count = len(responses(fake))
                slack.block_action(
                    user, action_id, element["value"], channel_id="C0001", message_ts="1.1", trigger_id="t-1"
                )
                return count
    raise AssertionError(f"no {action_id} in {text_of(message)[:400]}")


def numbers_in(message: dict) -> list[int]:
    shown = [b["text"]["text"] for b in message["blocks"] if b.get("accessory", {}).get("action_id")]
    return [int(re.match(r"\*#(\d+)\*", line).group(1)) for line in shown]


# --- show --------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["1", "#1", "show 1", "zeige 1"])
def test_show_gives_both_parties_the_request_with_history_and_their_buttons(slack, fake_slack, words):
    ask(slack, fake_slack, "<@UCAROL|carol> Check the invoice within 4h")
    [card] = wait_dms(fake_slack, "UCAROL")
    slack.block_action(
        "UCAROL",
        "request_ack",
        card["blocks"][-1]["elements"][0]["value"],
        channel_id=card["channel"],
        message_ts=card["ts"],
    )
    wait_dms(fake_slack, "UALICE")

    mine = ask(slack, fake_slack, words)  # Alice, the requester, in Berlin
    shown = text_of(mine)
    assert mine["response_type"] == "ephemeral"
    assert "<@UALICE> asks <@UCAROL>" in shown and "Check the invoice" in shown
    assert "*History*" in shown and "<@UALICE> asked <@UCAROL>" in shown and "said *Got it*" in shown
    # Filed Thursday 10:00 in Berlin: the history reads in Alice's zone …
    assert "Thu, Nov 26, 10:00" in shown or "Thu, Nov 26, 2026, 10:00" in shown
    assert "Acknowledged" in shown
    assert action_ids(mine["blocks"]) == ["request_cancel", "request_escalate_person"]

    theirs = ask(slack, fake_slack, words, user="UCAROL")  # … and in Carol's (New York: 04:00)
    assert "4:00" in text_of(theirs) and "10:00" not in text_of(theirs).split("*History*")[1]
    assert action_ids(theirs["blocks"]) == [
        "request_done",
        "request_propose",
        "request_snooze",
        "request_reassign",
        "request_decline",
    ]


def test_show_in_german_for_a_german_reader(slack, fake_slack):
    ask(slack, fake_slack, "<@UDIETER|dieter> Bitte die Rechnung prüfen")
    shown = text_of(ask(slack, fake_slack, "zeige #1", user="UDIETER"))
    assert "*Verlauf*" in shown and "Erledigt" in shown and "Verstanden" in shown


def test_a_stranger_is_told_it_is_not_theirs_and_sees_nothing_of_it(slack, fake_slack):
    ask(slack, fake_slack, "<@UBOB|bob> The secret salary table")
    answer = text_of(ask(slack, fake_slack, "1", user="UCAROL"))
    assert "between other people" in answer and "salary" not in answer
    assert "no request *#7*" in text_of(ask(slack, fake_slack, "show 7", user="UCAROL"))
    assert "Which request?" in text_of(ask(slack, fake_slack, "show", user="UCAROL"))


def test_the_person_asked_to_help_may_look(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        request = add(session, 1, "UALICE", "UBOB")
        session.add(
            RequestEvent(
                request_id=request.id,
                at=START,
                actor_id="UALICE",
                kind="escalated",
                detail={"to": "person", "target_id": "UCAROL"},
            )
        )
    shown = ask(slack, fake_slack, "#1", user="UCAROL")
    assert "<@UALICE> asked <@UCAROL> for help" in text_of(shown)
    assert action_ids(shown["blocks"]) == []  # a helper looks; the two parties act


def test_buttons_of_the_view_act_on_the_request(slack, fake_slack, sessions):
    ask(slack, fake_slack, "<@UBOB|bob> Review the contract")
    view = ask(slack, fake_slack, "1", user="UBOB")
    count = press_in(slack, fake_slack, "UBOB", view, "request_ack")
    fake_slack.wait_for(
        lambda _calls: any("has seen your request" in text_of(m) for m in wait_dms(fake_slack, "UALICE"))
    )
    with sessions() as session:
        assert session.scalars(select(Request.state)).one() == "acknowledged"
    assert len(responses(fake_slack)) >= count


# --- cancel by command -------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["cancel 1", "abbrechen #1"])
def test_cancel_by_command_only_for_the_requester(slack, fake_slack, sessions, words):
    ask(slack, fake_slack, "<@UBOB|bob> Review the contract")
    wait_dms(fake_slack, "UBOB")
    assert "Only <@UALICE>" in text_of(ask(slack, fake_slack, words, user="UBOB"))
    assert "between other people" in text_of(ask(slack, fake_slack, words, user="UCAROL"))
    with sessions() as session:
        assert session.scalars(select(Request.state)).one() == "open"

    ask(slack, fake_slack, words)
    messages = wait_dms(fake_slack, "UBOB", 2)
    assert "has cancelled request" in text_of(messages[-1])
    with sessions() as session:
        assert session.scalars(select(Request.state)).one() == "cancelled"
    again = text_of(ask(slack, fake_slack, words))
    assert "already closed" in again


# --- list --------------------------------------------------------------------------------------


def test_list_pages_through_forty_requests_without_losing_or_doubling_one(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        for number in range(1, 46):
            if number % 9 == 0:
                add(session, number, "UCAROL", "UBOB")  # not Alice's: never in her list
            elif number % 2:
                add(session, number, "UBOB", "UALICE")
            else:
                add(session, number, "UALICE", "UCAROL", due_at=START + timedelta(days=2))
    expected = [n for n in range(1, 46) if n % 9]
    page = ask(slack, fake_slack, "list")
    seen = numbers_in(page)
    assert f"{len(expected)} requests" in text_of(page) and "…and" not in text_of(page)

    def next_button(page: dict) -> dict | None:
        return next(
            (
                e
                for b in page["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
                if e["action_id"] == "request_list_more" and e.get("style") == "primary"
            ),
            None,
        )

    pages = 1
    while (more := next_button(page)) is not None:
        count = press_in(slack, fake_slack, "UALICE", page, "request_list_more", value=more["value"])
        page = wait_response(fake_slack, count + 1)
        assert page["replace_original"] is True and "Back to the start" in text_of(page)
        seen += numbers_in(page)
        pages += 1
    assert pages == 4
    assert seen == expected  # every one, once, in order
    assert f"Showing 31–{len(expected)} of {len(expected)}" in text_of(page)
    assert "due " in text_of(page) and "first answer by" in text_of(page)


def test_list_filters_and_overdue_marks(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        add(session, 1, "UBOB", "UALICE", response_due_at=START - timedelta(hours=1), text="late answer")
        add(
            session,
            2,
            "UALICE",
            "UCAROL",
            state="acknowledged",
            acknowledged_at=START,
            due_at=START - timedelta(minutes=5),
            text="late work",
        )
        add(session, 3, "UALICE", "UBOB", state="waiting", text="waiting one")
        add(
            session,
            4,
            "UCAROL",
            "UALICE",
            state="done",
            acknowledged_at=START,
            closed_at=START,
            text="done one",
        )
        add(session, 5, "UALICE", "UBOB", text="fresh one")
        add(session, 6, "UCAROL", "UBOB", response_due_at=START - timedelta(hours=1), text="not mine")

    def listed(words: str, user: str = "UALICE") -> list[int]:
        return numbers_in(ask(slack, fake_slack, words, user=user))

    everything = ask(slack, fake_slack, "list")
    assert numbers_in(everything) == [1, 2, 3, 5]
    assert "2 are past the agreed time" in text_of(everything)
    assert text_of(everything).count(":hourglass_flowing_sand: *past the agreed time*") == 2
    assert listed("list overdue") == listed("liste überfällig") == [1, 2]
    assert listed("list waiting") == listed("liste wartend") == [3]
    assert listed("list done") == listed("liste erledigt") == [4]
    assert listed("list from <@UBOB|bob>") == listed("liste von <@UBOB|bob>") == [1]
    assert listed("list to <@UBOB|bob>") == listed("liste an <@UBOB|bob>") == [3, 5]
    assert listed("list to <@UBOB|bob> waiting") == [3]
    assert "No request matches" in text_of(ask(slack, fake_slack, "list from <@UDIETER|dieter>"))
    assert "didn't understand *soon*" in text_of(ask(slack, fake_slack, "list soon"))
    assert "Whom do you mean" in text_of(ask(slack, fake_slack, "list from bob"))
    german = text_of(ask(slack, fake_slack, "liste quatsch", user="UDIETER"))
    assert "quatsch" in german and "überfällig" in german


def test_a_forged_list_value_only_ever_shows_the_clickers_own(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        add(session, 1, "UBOB", "UCAROL", text="between bob and carol")
    count = len(responses(fake_slack))
    slack.block_action(
        "UALICE", "request_list_more", '{"a":0,"f":"UBOB"}', channel_id="C0001", message_ts="1.1"
    )
    page = wait_response(fake_slack, count + 1)
    assert "between bob and carol" not in text_of(page) and "No request matches" in text_of(page)
    slack.block_action("UALICE", "request_list_more", "nonsense", channel_id="C0001", message_ts="1.1")
    assert "couldn't read that" in text_of(wait_response(fake_slack, count + 2))


def test_the_requester_decides_a_pending_proposal_from_the_view(slack, fake_slack, sessions):
    from models import Proposal

    with transaction(sessions) as session:
        request = add(session, 1, "UALICE", "UBOB")
        session.add(
            Proposal(
                request_id=request.id,
                proposed_by="UBOB",
                due_at=START + timedelta(days=3),
                state="pending",
                created_at=START,
            )
        )
    theirs = ask(slack, fake_slack, "1", user="UBOB")
    assert "request_accept_proposal" not in action_ids(theirs["blocks"])
    assert "New times are proposed and wait for <@UALICE>" in text_of(theirs)
    view = ask(slack, fake_slack, "1")
    assert "<@UBOB> proposes new times — yours to decide" in text_of(view)
    assert "Proposed due date Sun, Nov 29" in text_of(view)
    [block] = [b for b in view["blocks"] if b.get("block_id", "").startswith("proposal_")]
    slack.block_action(
        "UALICE",
        "request_accept_proposal",
        str(request.id),
        channel_id="C0001",
        message_ts="1.1",
        block_id=block["block_id"],
    )
    fake_slack.wait_for(lambda _c: "accepted your proposed times" in text_of(dms_to(fake_slack, "UBOB")))
    with sessions() as session:
        assert session.get(Request, request.id).due_at == START + timedelta(days=3)


def test_show_button_opens_the_request_only_for_those_involved(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        request = add(session, 1, "UALICE", "UBOB", text="between alice and bob")
    count = len(responses(fake_slack))
    slack.block_action("UBOB", "request_show", str(request.id), channel_id="C0001", message_ts="1.1")
    shown = wait_response(fake_slack, count + 1)
    assert "between alice and bob" in text_of(shown) and shown["replace_original"] is False
    assert "request_ack" in action_ids(shown["blocks"])
    slack.block_action("UCAROL", "request_show", str(request.id), channel_id="C0001", message_ts="1.1")
    refused = text_of(wait_response(fake_slack, count + 2))
    assert "between other people" in refused and "between alice and bob" not in refused
