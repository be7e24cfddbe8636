"""Two people named in one ``/request``: which one is asked is said plainly, or the requester picks."""

from __future__ import annotations

from sqlalchemy import select

from models import Request
from tests.slackutil import dms_to, responses, text_of, wait_response


def ask(slack, fake, text: str, user: str = "UALICE", count: int = 1) -> list[dict]:
    before = len(responses(fake))
    assert slack.command(user, text).status == 200
    wait_response(fake, before + count)
    return responses(fake)[before:]


def test_two_people_up_front_files_nothing_and_asks_to_pick_one(slack, fake_slack, sessions):
    [answer] = ask(slack, fake_slack, "<@UBOB|bob> <@UCAROL|carol> Review the contract")
    assert "You named <@UBOB> and *@carol*" in text_of(answer) and "nothing is filed" in text_of(answer)
    with sessions() as session:
        assert session.scalars(select(Request)).all() == []
    assert dms_to(fake_slack, "UBOB") == [] and dms_to(fake_slack, "UCAROL") == []


def test_a_person_mentioned_in_the_text_is_not_asked_and_the_requester_is_told(slack, fake_slack, sessions):
    answers = ask(slack, fake_slack, "<@UBOB|bob> Ask <@UCAROL|carol> for the Q3 numbers", count=2)
    shown = text_of(answers)
    assert "is filed" in shown
    assert "<@UBOB> is asked — the first person named. *@carol* is only mentioned" in shown
    assert "<@UCAROL" not in shown  # named, never pinged
    with sessions() as session:
        assert session.scalars(select(Request.assignee_id)).all() == ["UBOB"]


def test_in_german(slack, fake_slack):
    [answer] = ask(slack, fake_slack, "<@UBOB|bob> <@UCAROL|carol> Vertrag prüfen", user="UDIETER")
    assert "Du hast <@UBOB> und *@carol* genannt" in text_of(answer)
