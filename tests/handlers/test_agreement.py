"""The agreement end to end: "Need more time" proposals the requester accepts or keeps with one click,
and the requester's own choice to ask for help (the bot never escalates by itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks import reminders as reminder_blocks
from bot.blocks.kit import Reader
from bot.jobs.scheduler import tick
from models import Proposal, Request, RequestEvent
from tests.services.test_reminders import reminders_to
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=BERLIN)


def file(
    slack, fake, text: str = "<@UBOB|bob> Review the contract within 4h by 2026-12-04", **kwargs
) -> dict:
    before = len(responses(fake))
    slack.command("UALICE", text, **kwargs)
    wait_response(fake, before + 1)
    return wait_dms(fake, "UBOB")[-1]


def open_proposal_form(slack, fake, message: dict) -> dict:
    count = len(fake.calls_to("views.open"))
    press(slack, fake, "UBOB", "request_propose", message=message)
    return fake.wait_for_method("views.open", count=count + 1)[-1].args["view"]


def submit(slack, view: dict, *, user: str = "UBOB", **fields: str | None):
    """Submit the proposal form; untouched pickers keep their initial (agreed) values, as in Slack."""
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
            state = {"type": "plain_text_input", "value": fields.get(block_id)}
        values[block_id] = {element["action_id"]: state}
    return slack.view_submission(user, view["callback_id"], values, private_metadata=view["private_metadata"])


def request_row(sessions) -> Request:
    with sessions() as session:
        return session.scalars(select(Request)).one()


def events(sessions) -> list[RequestEvent]:
    with sessions() as session:
        return list(session.scalars(select(RequestEvent).order_by(RequestEvent.id)))


def proposals_to_alice(fake) -> list[dict]:
    return [m for m in dms_to(fake, "UALICE") if "request_accept_proposal" in action_ids(m.get("blocks"))]


def told(fake, user: str, words: str) -> None:
    """Wait until ``user`` has a DM containing ``words``."""
    fake.wait_for(lambda _c: any(words in text_of(m) for m in dms_to(fake, user)))


def proposal_message(fake) -> dict:
    fake.wait_for(lambda _c: bool(proposals_to_alice(fake)))
    return proposals_to_alice(fake)[-1]


# --- proposals -------------------------------------------------------------------------------------------


def test_need_more_time_proposal_accepted_with_one_click(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    assert "request_propose" in action_ids(card["blocks"])
    view = open_proposal_form(slack, fake_slack, card)
    assert view["callback_id"] == "request_propose_view"
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} == {
        "response_date", "response_time", "due_date", "due_time", "note",
    }  # fmt: skip

    reply = submit(slack, view, due_date="2026-12-08", due_time="12:00", note="Waiting for legal <!here>")
    assert reply.status == 200 and not reply.body
    offer = proposal_message(fake_slack)
    assert "<@UBOB> proposes new times" in text_of(offer) and "Tue, Dec 8" in text_of(offer)
    assert "&lt;!here&gt;" in text_of(offer) and "<!here>" not in text_of(offer)
    told(fake_slack, "UBOB", "I've sent your proposal")

    press(slack, fake_slack, "UALICE", "request_accept_proposal", message=offer)
    told(fake_slack, "UBOB", "accepted your proposed times")
    request = request_row(sessions)
    assert request.due_at == berlin(12, 8, 12) and request.state == "acknowledged"
    assert request.response_due_at == berlin(11, 26, 14)
    replaced = next(m for m in dms_to(fake_slack, "UALICE") if m["ts"] == offer["ts"])
    assert "You accepted the new times" in text_of(replaced) and not action_ids(replaced.get("blocks"))
    trail = [e for e in events(sessions) if e.kind.startswith("proposal") or e.kind == "proposed"]
    assert [e.kind for e in trail] == ["proposed", "proposal_accepted"]
    assert trail[1].detail["before"]["due_at"].startswith("2026-12-04T16:00")
    assert trail[1].detail["after"]["due_at"].startswith("2026-12-08T11:00")
    # The card shows the new times.
    fake_slack.wait_for(lambda _c: "Tue, Dec 8" in text_of(dms_to(fake_slack, "UBOB")[0]))


def test_pending_proposal_pauses_reminders_and_keeping_the_times_resumes_them(
    slack, fake_slack, bot, clock, sessions
):
    card = file(slack, fake_slack, "<@UBOB|bob> Review the contract within 4h")
    clock.set(berlin(11, 26, 11))
    view = open_proposal_form(slack, fake_slack, card)
    assert "response_date" in {b.get("block_id") for b in view["blocks"]}
    submit(slack, view, response_date="2026-11-27", response_time="12:00")
    offer = proposal_message(fake_slack)
    assert "*First answer by*" in text_of(offer)

    clock.set(berlin(11, 26, 14))
    tick(bot.deps, berlin(11, 26, 14))
    bot.settle()
    assert reminders_to(fake_slack, "UBOB") == []  # Bob answered with a proposal; Alice decides

    clock.set(berlin(11, 26, 15))
    press(slack, fake_slack, "UALICE", "request_reject_proposal", message=offer)
    told(fake_slack, "UBOB", "keep the original times")
    told(fake_slack, "UALICE", "You kept the original times")
    request = request_row(sessions)
    assert request.response_due_at == berlin(11, 26, 14) and request.state == "open"
    tick(bot.deps, berlin(11, 26, 15))
    bot.settle()
    assert len(reminders_to(fake_slack, "UBOB")) == 1
    with sessions() as session:
        assert session.scalars(select(Proposal.state)).all() == ["rejected"]


def test_a_replaced_proposal_cannot_be_accepted(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    submit(slack, open_proposal_form(slack, fake_slack, card), due_date="2026-12-08")
    first = proposal_message(fake_slack)
    submit(slack, open_proposal_form(slack, fake_slack, card), due_date="2026-12-09")
    fake_slack.wait_for(lambda _c: len(proposals_to_alice(fake_slack)) == 2)
    second = proposal_message(fake_slack)

    count = len(responses(fake_slack))
    press(slack, fake_slack, "UALICE", "request_accept_proposal", message=first)
    assert "replaced by a newer one" in text_of(wait_response(fake_slack, count + 1))
    assert request_row(sessions).due_at == berlin(12, 4, 17)

    press(slack, fake_slack, "UALICE", "request_accept_proposal", message=second)
    told(fake_slack, "UBOB", "accepted your proposed times")
    assert request_row(sessions).due_at == berlin(12, 9, 17)
    with sessions() as session:
        assert session.scalars(select(Proposal.state).order_by(Proposal.id)).all() == [
            "superseded",
            "accepted",
        ]


def test_only_the_requester_decides(slack, fake_slack, sessions):
    card = file(slack, fake_slack)
    submit(slack, open_proposal_form(slack, fake_slack, card), due_date="2026-12-08")
    offer = proposal_message(fake_slack)
    for stranger in ("UCAROL", "UBOB"):
        count = len(responses(fake_slack))
        press(slack, fake_slack, "UALICE", "request_accept_proposal", message=offer, as_user=stranger)
        refusal = wait_response(fake_slack, count + 1)
        assert "Only <@UALICE>" in text_of(refusal) and refusal.get("replace_original") is False
    assert request_row(sessions).due_at == berlin(12, 4, 17)


def test_the_form_explains_what_cannot_be_proposed(slack, fake_slack, sessions, clock):
    card = file(slack, fake_slack)
    view = open_proposal_form(slack, fake_slack, card)
    unchanged = submit(slack, view).json()
    assert unchanged["response_action"] == "errors" and "already agreed" in text_of(unchanged["errors"])
    past = submit(slack, view, due_date="2026-11-20").json()
    assert "already passed" in past["errors"]["due_date"]
    clock.set(berlin(11, 26, 15))  # the agreed first answer (14:00) is overdue now, but untouched
    assert submit(slack, view, due_date="2026-12-08").status == 200
    proposal_message(fake_slack)
    told(fake_slack, "UBOB", "I've sent your proposal")
    assert [e.kind for e in events(sessions)] == ["created", "proposed"]


# --- asking for help: always the requester's choice ------------------------------------------------------


def escalation_offer(slack, fake, bot, clock, **kwargs) -> dict:
    file(slack, fake, "<@UBOB|bob> Review the contract within 4h", **kwargs)
    clock.set(berlin(12, 1, 14))  # three silent business days after Thursday 14:00
    tick(bot.deps, berlin(12, 1, 14))
    bot.settle()
    [offer] = reminders_to(fake, "UALICE")
    return offer


def test_asking_in_the_channel_is_blameless_and_the_assignee_is_told(slack, fake_slack, bot, clock, sessions):
    offer = escalation_offer(slack, fake_slack, bot, clock)
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UALICE", "request_escalate_channel", message=offer)
    assert "asked for help in <#C0001>" in text_of(wait_response(fake_slack, count + 1))

    [post] = [m for m in fake_slack.messages_in("C0001") if m.get("user") == fake_slack.bot_user_id]
    assert "<@UALICE> is looking for help with request *#1*" in text_of(post)
    assert "<@UBOB>" not in text_of(post)  # blameless: the assignee is not named in public
    assert "<!channel>" not in text_of(post) and "<!here>" not in text_of(post)
    told(fake_slack, "UBOB", "has asked in <#C0001>")
    [escalated] = [e for e in events(sessions) if e.kind == "escalated"]
    assert escalated.actor_id == "UALICE" and escalated.detail == {"to": "channel", "target_id": "C0001"}


def test_an_archived_channel_gets_a_friendly_answer(slack, fake_slack, bot, clock, sessions):
    fake_slack.add_channel("C0002", "team", members=["UBOT", "UALICE", "UBOB"])
    offer = escalation_offer(slack, fake_slack, bot, clock, channel_id="C0002", channel_name="team")
    fake_slack.channel("C0002").is_archived = True
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UALICE", "request_escalate_channel", message=offer)
    answer = wait_response(fake_slack, count + 1)
    assert "couldn't post in <#C0002>" in text_of(answer) and "ask a person" in text_of(answer)
    assert not [e for e in events(sessions) if e.kind == "escalated"]
    assert not any("Just so you know" in text_of(m) for m in dms_to(fake_slack, "UBOB"))


def test_asking_a_person_tells_them_and_the_assignee(slack, fake_slack, bot, clock, sessions):
    offer = escalation_offer(slack, fake_slack, bot, clock)
    count = len(fake_slack.calls_to("views.open"))
    press(slack, fake_slack, "UALICE", "request_escalate_person", message=offer)
    view = fake_slack.wait_for_method("views.open", count=count + 1)[-1].args["view"]
    assert view["callback_id"] == "request_escalate_view"

    def pick(user: str):
        values = {
            "person": {"person": {"type": "users_select", "selected_user": user}},
            "note": {"note": {"type": "plain_text_input", "value": "She knows the contract"}},
        }
        return slack.view_submission(
            "UALICE", view["callback_id"], values, private_metadata=view["private_metadata"]
        )

    assert "other than yourself" in pick("UBOB").json()["errors"]["person"]
    assert "is a bot" in pick("UROBOT").json()["errors"]["person"]
    assert pick("UCAROL").status == 200
    [ask] = wait_dms(fake_slack, "UCAROL")
    assert "<@UALICE> wonders whether you could help" in text_of(ask)
    assert "She knows the contract" in text_of(ask)
    told(fake_slack, "UBOB", "has asked <@UCAROL>")
    told(fake_slack, "UALICE", "I've asked <@UCAROL>")
    [escalated] = [e for e in events(sessions) if e.kind == "escalated"]
    assert escalated.detail == {"to": "person", "target_id": "UCAROL"}


def test_only_the_requester_can_ask_others_for_help(slack, fake_slack, bot, clock, sessions):
    offer = escalation_offer(slack, fake_slack, bot, clock)
    count = len(responses(fake_slack))
    press(slack, fake_slack, "UALICE", "request_escalate_channel", message=offer, as_user="UBOB")
    assert "Only <@UALICE>" in text_of(wait_response(fake_slack, count + 1))
    assert not [m for m in fake_slack.messages_in("C0001") if m.get("user") == fake_slack.bot_user_id]


def test_a_request_from_a_direct_message_offers_only_a_person():
    request = Request(
        id=7, team_id="T1", number=3, requester_id="UALICE", assignee_id="UBOB", text="x", kind="task",
        channel_id="DUALICE", state="open", created_at=berlin(11, 26, 10), updated_at=berlin(11, 26, 10),
        response_due_at=berlin(11, 26, 14),
    )  # fmt: skip
    _text, blocks = reminder_blocks.reminder_message(
        [reminder_blocks.ReminderItem(request, "escalate", "response@2026-11-26T13:00")],
        Reader.of("en", BERLIN),
    )
    assert action_ids(blocks) == ["request_escalate_person"]
