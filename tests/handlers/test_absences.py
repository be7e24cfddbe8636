"""Absences end to end: Slack statuses, `/request away`/`back`, deputies — signed HTTP requests through
Bolt, the fake Slack on loopback (its clock is the test's), real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.jobs.scheduler import tick
from bot.sandbox.fake_slack import FakeSlack
from models import Absence, Request
from tests.conftest import BOT_TOKEN, TEAM
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_card, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, ss, tzinfo=BERLIN)


@pytest.fixture
def fake_slack(clock) -> Iterator[FakeSlack]:
    """The usual people, on the test's clock: a status expires when the test's time says so."""
    fake = FakeSlack(team_id=TEAM, bot_token=BOT_TOKEN, clock=lambda: clock().timestamp())
    fake.add_user("UALICE", "alice", real_name="Alice Adams", tz="Europe/Berlin", locale="en-US")
    fake.add_user("UBOB", "bob", real_name="Bob Brown", tz="Europe/Berlin", locale="en-GB")
    fake.add_user("UCAROL", "carol", real_name="Carol Chen", tz="America/New_York", locale="en-US")
    fake.add_user("UDIETER", "dieter", real_name="Dieter Dorn", tz="Europe/Berlin", locale="de-DE")
    fake.add_user("UROBOT", "deploybot", is_bot=True)
    with fake:
        yield fake


def command(slack, fake, user: str, text: str) -> dict:
    before = len(responses(fake))
    assert slack.command(user, text).status == 200
    return wait_response(fake, before + 1)


def requests_of(sessions) -> list[Request]:
    with sessions() as session:
        return list(session.scalars(select(Request).order_by(Request.id)))


def reminders_to(fake, user: str) -> list[dict]:
    return [m for m in dms_to(fake, user) if "friendly reminder" in text_of(m).lower()]


def at(bot, clock, moment: datetime) -> None:
    clock.set(moment)
    tick(bot.deps, moment)
    bot.settle()


def home_of(slack, fake, user: str) -> dict:
    before = sum(c.method == "views.publish" and c.args.get("user_id") == user for c in fake.calls)
    slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    fake.wait_for(
        lambda calls: (
            sum(c.method == "views.publish" and c.args.get("user_id") == user for c in calls) > before
        )
    )
    return fake.home_view(user)


# --- Slack status -----------------------------------------------------------------------------------


def test_vacation_status_until_friday_no_reminder_before_monday_and_requester_told_at_filing(
    slack, fake_slack, bot, clock, sessions
):
    """Bob's status says vacation until Friday (Slack's expiry: Friday 23:59:59). Alice's request
    "within 4h" on Thursday 10:00: the confirmation says he is away; his 4 working hours start on
    Monday 09:00, so the first reminder comes Monday 13:00 — none before."""
    fake_slack.set_status("UBOB", "Vacationing", ":palm_tree:", int(berlin(11, 27, 23, 59, 59).timestamp()))

    confirmation = command(slack, fake_slack, "UALICE", "<@UBOB|bob> Send the Q3 numbers within 4h")

    assert "<@UBOB> is away until Fri, Nov 27" in text_of(confirmation)
    assert "request_ask_deputy" not in action_ids(confirmation["blocks"])  # no deputy named
    [request] = requests_of(sessions)
    assert request.response_due_at == berlin(11, 30, 13)  # not Thursday 14:00
    assert fake_slack.calls_to("users.profile.get"), "the status is read at filing"
    [card] = wait_card(fake_slack, "UALICE")  # Alice's own card says it too
    assert "<@UBOB> is away until Fri, Nov 27" in text_of(card)

    for moment in (berlin(11, 26, 14), berlin(11, 26, 16), berlin(11, 27, 10), berlin(11, 27, 16, 30)):
        at(bot, clock, moment)
    at(bot, clock, berlin(11, 30, 10))
    at(bot, clock, berlin(11, 30, 12, 59))
    assert reminders_to(fake_slack, "UBOB") == []
    at(bot, clock, berlin(11, 30, 13))
    [reminder] = reminders_to(fake_slack, "UBOB")
    assert "Send the Q3 numbers" in text_of(reminder)


def test_status_event_begins_and_ends_an_absence_and_the_requester_hears_of_the_slip(
    slack, fake_slack, bot, clock, sessions
):
    command(slack, fake_slack, "UALICE", "<@UBOB|bob> Review the contract within 4h")
    [request] = requests_of(sessions)
    assert request.response_due_at == berlin(11, 26, 14)

    clock.set(berlin(11, 26, 11))
    fake_slack.set_status("UBOB", "Krank", ":face_with_thermometer:", 0)
    slack.user_status_changed("UBOB")
    bot.settle()

    with sessions() as session:
        [absence] = session.scalars(select(Absence)).all()
        assert (absence.user_id, absence.source, absence.ends_at) == ("UBOB", "slack", None)
    [request] = requests_of(sessions)
    assert request.response_due_at > berlin(11, 26, 17)  # paused until further notice (today at least)
    [slip] = [m for m in dms_to(fake_slack, "UALICE") if "is away" in text_of(m)]
    assert "<@UBOB> is away until further notice" in text_of(slip)
    assert action_ids(slip["blocks"]) == ["request_escalate_person", "request_keep"]  # no deputy

    # Still ill on Friday: the sweep reads the status again and the clocks move on — Alice heard it once.
    at(bot, clock, berlin(11, 27, 10))
    assert requests_of(sessions)[0].response_due_at > berlin(11, 27, 17)
    assert len([m for m in dms_to(fake_slack, "UALICE") if "is away" in text_of(m)]) == 1
    assert reminders_to(fake_slack, "UBOB") == []

    clock.set(berlin(11, 27, 15))
    fake_slack.set_status("UBOB", "", "", 0)
    slack.user_status_changed("UBOB")
    bot.settle()
    [request] = requests_of(sessions)
    # Away Thursday 11:00 to Friday 15:00: the 3 working hours left at 11:00 count from Friday 15:00 on.
    assert request.response_due_at == berlin(11, 30, 10)
    with sessions() as session:
        [absence] = session.scalars(select(Absence)).all()
        assert absence.ends_at == berlin(11, 27, 15)


def test_a_status_that_means_nothing_changes_nothing(slack, fake_slack, bot, sessions):
    fake_slack.set_status("UBOB", "In a meeting", ":spiral_calendar_pad:", 0)
    slack.user_status_changed("UBOB")
    confirmation = command(slack, fake_slack, "UALICE", "<@UBOB|bob> Review the contract within 4h")
    assert "is away" not in text_of(confirmation)
    assert requests_of(sessions)[0].response_due_at == berlin(11, 26, 14)


# --- /request away, /request back -----------------------------------------------------------------------


def test_away_and_back_in_english_with_app_home(slack, fake_slack, bot, sessions):
    answer = command(slack, fake_slack, "UBOB", "away until 2026-12-28 deputy <@UCAROL|carol>")
    assert "You are away until Mon, Dec 28" in text_of(answer)
    assert "<@UCAROL> is your deputy" in text_of(answer)
    home = home_of(slack, fake_slack, "UBOB")
    assert "You are away* until Mon, Dec 28" in text_of(home)
    assert "request_back" in action_ids(home["blocks"])

    confirmation = command(slack, fake_slack, "UALICE", "<@UBOB|bob> Check the invoice within 4h")
    assert "<@UBOB> is away until Mon, Dec 28; their deputy is <@UCAROL>" in text_of(confirmation)
    assert action_ids(confirmation["blocks"])[-2:] == ["request_ask_deputy", "request_keep"]

    back = command(slack, fake_slack, "UBOB", "back")
    assert "Welcome back" in text_of(back) and "1 request for you moved back" in text_of(back)
    [request] = requests_of(sessions)
    assert request.response_due_at == berlin(11, 26, 14)  # back at once: nothing was lost
    assert "You are away" not in text_of(home_of(slack, fake_slack, "UBOB"))


def test_away_and_back_in_german(slack, fake_slack, bot, sessions):
    answer = command(slack, fake_slack, "UDIETER", "abwesend bis 28.12. vertretung <@UBOB|bob>")
    assert "Du bist abwesend bis einschließlich Mo., 28. Dez." in text_of(answer)
    assert "<@UBOB> vertritt dich" in text_of(answer)
    with sessions() as session:
        [absence] = session.scalars(select(Absence)).all()
        assert (absence.deputy_id, absence.ends_at) == ("UBOB", berlin(12, 29))

    home = home_of(slack, fake_slack, "UDIETER")
    assert "Du bist abwesend* bis einschließlich Mo., 28. Dez." in text_of(home)
    press(slack, fake_slack, "UDIETER", "request_back", message={**home, "channel": "DUDIETER", "ts": "1.0"})
    fake_slack.wait_for(lambda _calls: "Willkommen zurück" in text_of(responses(fake_slack)[-1]))
    with sessions() as session:
        [absence] = session.scalars(select(Absence)).all()
        assert absence.ended_early


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("UBOB", "away", "Until when are you away?"),
        ("UBOB", "away until 2026-11-20", "already passed"),
        ("UBOB", "away until 2026-12-28 <@UCAROL|carol>", "name your deputy"),
        ("UBOB", "away until 2026-12-28 deputy <@UBOB|bob>", "your own deputy"),
        ("UBOB", "away until 2026-12-28 deputy <@UROBOT|deploybot>", "can't be a deputy"),
        ("UBOB", "back", "aren't marked as away"),
        ("UDIETER", "abwesend", "Bis wann bist du abwesend?"),
        ("UDIETER", "zurück", "nicht als abwesend"),
    ],
)
def test_bad_away_commands_are_answered_kindly_and_change_nothing(
    slack, fake_slack, bot, sessions, user, text, expected
):
    answer = command(slack, fake_slack, user, text)
    assert expected in text_of(answer)
    with sessions() as session:
        assert session.scalars(select(Absence)).all() == []


# --- deputies -------------------------------------------------------------------------------------------


def test_deputy_receives_the_reminders_and_can_take_over(slack, fake_slack, bot, clock, sessions):
    """Bob's request was overdue when he went away: the reminders go to Carol (his deputy, in New York,
    at her reminder time); a stranger can't take it; Carol takes it over and Alice is told."""
    command(slack, fake_slack, "UALICE", "<@UBOB|bob> Review the contract within 4h")
    [card] = wait_dms(fake_slack, "UBOB")
    at(bot, clock, berlin(11, 26, 14))
    assert len(reminders_to(fake_slack, "UBOB")) == 1  # overdue, Bob is still here

    clock.set(berlin(11, 27, 9))
    command(slack, fake_slack, "UBOB", "away until 2026-12-04 deputy <@UCAROL|carol>")
    at(bot, clock, berlin(11, 27, 10))  # Bob's reminder time: but he is away
    at(bot, clock, berlin(11, 27, 15, 59))  # 09:59 in New York
    assert len(reminders_to(fake_slack, "UBOB")) == 1
    assert reminders_to(fake_slack, "UCAROL") == []
    at(bot, clock, berlin(11, 27, 16))  # 10:00 in New York
    [nudge] = reminders_to(fake_slack, "UCAROL")
    assert "<@UBOB> is away and you are their deputy" in text_of(nudge)
    assert action_ids(nudge["blocks"]) == ["request_take_over"]
    at(bot, clock, berlin(11, 27, 16, 30))
    assert len(reminders_to(fake_slack, "UCAROL")) == 1  # one a day

    press(slack, fake_slack, "UDIETER", "request_take_over", message=nudge)
    assert "Nur die Vertretung von <@UBOB>" in text_of(responses(fake_slack)[-1])  # Dieter reads German
    assert requests_of(sessions)[0].assignee_id == "UBOB"

    press(slack, fake_slack, "UCAROL", "request_take_over", message=nudge)
    [request] = requests_of(sessions)
    assert (request.assignee_id, request.state) == ("UCAROL", "acknowledged")
    cards = [m for m in dms_to(fake_slack, "UCAROL") if "request_done" in action_ids(m.get("blocks") or [])]
    assert cards and "Review the contract" in text_of(cards[-1])
    assert any(
        "<@UCAROL> has taken over your request *#1*" in text_of(m) for m in dms_to(fake_slack, "UALICE")
    )
    old = fake_slack.messages[(card["channel"], card["ts"])]
    assert "took over *#1* as your deputy" in text_of(old)
    press(slack, fake_slack, "UCAROL", "request_take_over", message=nudge)
    assert "yours already" in text_of(responses(fake_slack)[-1])


def test_requester_asks_the_deputy_instead_with_one_click(slack, fake_slack, bot, sessions):
    command(slack, fake_slack, "UBOB", "away until 2026-12-04 deputy <@UDIETER|dieter>")
    confirmation = command(slack, fake_slack, "UALICE", "<@UBOB|bob> Check the invoice within 4h")
    message = {**confirmation, "channel": "C0001", "ts": "1.0"}

    press(slack, fake_slack, "UBOB", "request_ask_deputy", message=message)  # not his to decide
    assert "Only <@UALICE>, who asked" in text_of(responses(fake_slack)[-1])
    assert requests_of(sessions)[0].assignee_id == "UBOB"

    press(slack, fake_slack, "UALICE", "request_ask_deputy", message=message)
    [request] = requests_of(sessions)
    assert (request.assignee_id, request.state) == ("UDIETER", "open")
    assert request.response_due_at == berlin(11, 26, 14)  # Dieter is here: four hours from now
    fake_slack.wait_for(lambda _calls: "I've asked <@UDIETER> instead" in text_of(responses(fake_slack)[-1]))
    [card] = [m for m in dms_to(fake_slack, "UDIETER") if "request_ack" in action_ids(m.get("blocks") or [])]
    assert "Check the invoice" in text_of(card)

    press(slack, fake_slack, "UALICE", "request_keep", message=message)
    assert "stays with <@UDIETER>" in text_of(responses(fake_slack)[-1])
