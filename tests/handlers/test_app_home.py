"""App Home: a person's own dashboard, published on ``app_home_opened`` and refreshed after actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models import Kudos, Rating, Request
from models.db import transaction
from tests.conftest import START, TEAM
from tests.slackutil import press, responses, text_of, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")


def add(session, number: int, requester: str, assignee: str, *, created: datetime, **fields) -> Request:
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
        response_due_at=fields.pop("response_due_at", created + timedelta(hours=4)),
        **fields,
    )
    session.add(request)
    session.flush()
    return request


def open_home(slack, fake, user: str, count: int = 1) -> dict:
    slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    fake.wait_for(
        lambda calls: (
            sum(c.method == "views.publish" and c.args.get("user_id") == user for c in calls) >= count
        )
    )
    return fake.home_view(user)


def test_home_shows_what_is_asked_of_me_by_urgency_my_asks_recent_and_my_numbers(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        add(session, 1, "UBOB", "UALICE", created=START - timedelta(hours=1), text="Fresh question")
        add(session, 2, "UCAROL", "UALICE", created=START - timedelta(days=2), text="Forgotten <!here> thing")
        add(
            session,
            3,
            "UALICE",
            "UCAROL",
            created=START - timedelta(hours=2),
            due_at=START + timedelta(days=3),
            text="Budget table",
        )
        done = add(
            session,
            4,
            "UALICE",
            "UBOB",
            created=START - timedelta(days=3),
            state="done",
            acknowledged_at=START - timedelta(days=3) + timedelta(hours=1),
            closed_at=START - timedelta(days=1),
            text="Slides",
        )
        mine_done = add(
            session,
            5,
            "UBOB",
            "UALICE",
            created=datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN),
            state="done",
            acknowledged_at=datetime(2026, 11, 23, 12, 30, tzinfo=BERLIN),
            closed_at=datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN),
            text="Numbers",
        )
        session.add(
            Rating(
                request_id=mine_done.id,
                team_id=TEAM,
                rater_id="UBOB",
                score=4,
                created_at=START,
                updated_at=START,
            )
        )
        session.add(
            Kudos(team_id=TEAM, request_id=mine_done.id, from_id="UBOB", to_id="UALICE", created_at=START)
        )
        assert done.id

    home = open_home(slack, fake_slack, "UALICE")
    shown = text_of(home)
    assert home["type"] == "home" and len(home["blocks"]) <= 100
    assert "*Asked of you* (2)" in shown and "*Your asks* (1)" in shown
    assert shown.index("Forgotten") < shown.index("Fresh question")  # overdue first
    assert "1 is past the agreed time" in shown and "past the agreed time" in shown
    assert "&lt;!here&gt;" in shown and "<!here>" not in shown
    assert "Budget table" in shown and "due " in shown
    assert "Recently done" in shown and "Slides" in shown
    rate_buttons = [
        b["accessory"]["value"]
        for b in home["blocks"]
        if b.get("accessory", {}).get("action_id") == "request_rate_details"
    ]
    assert rate_buttons == [str(done.id)]  # Alice can rate what Bob did for her
    assert "*Rating of your work*\\n4.0 / 5 (1 rating)" in shown
    assert "*Thank-yous received*\\n1" in shown
    assert "*Median time to first answer*\\n2 h 30 min" in shown

    # Rating from App Home: the form opens, and the Home shows the rating afterwards.
    slack.block_action("UALICE", "request_rate_details", str(done.id), view=home, trigger_id="trig-home")
    [opened] = fake_slack.wait_for_method("views.open")
    form = opened.args["view"]
    slack.view_submission(
        "UALICE",
        form["callback_id"],
        {"score": {"score": {"type": "radio_buttons", "selected_option": {"value": "5"}}}},
        private_metadata=form["private_metadata"],
    )
    fake_slack.wait_for(lambda _calls: "you rated ★★★★★" in text_of(fake_slack.home_view("UALICE")))

    # The Messages tab is not App Home.
    slack.event({"type": "app_home_opened", "user": "UBOB", "channel": "DUBOB", "tab": "messages"})
    open_home(slack, fake_slack, "UALICE", count=3)
    assert fake_slack.home_view("UBOB") is None


def test_a_long_list_stays_within_slacks_limit(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        for number in range(1, 61):
            add(session, number, "UBOB", "UALICE", created=START - timedelta(minutes=number))
        for number in range(61, 121):
            add(session, number, "UALICE", "UCAROL", created=START - timedelta(minutes=number))
    home = open_home(slack, fake_slack, "UALICE")
    assert len(home["blocks"]) <= 100
    assert "*Asked of you* (60)" in text_of(home) and text_of(home).count("…and 40 more") == 2


def test_home_refreshes_after_an_action_for_people_who_use_it(slack, fake_slack, sessions):
    open_home(slack, fake_slack, "UBOB")
    before = len(responses(fake_slack))
    slack.command("UALICE", "<@UBOB|bob> Review the contract")
    wait_response(fake_slack, before + 1)
    [card] = wait_dms(fake_slack, "UBOB")
    # A new request shows up in the assignee's App Home at once …
    fake_slack.wait_for(lambda _calls: "Review the contract" in text_of(fake_slack.home_view("UBOB")))
    press(slack, fake_slack, "UBOB", "request_ack", message=card)
    # … and so does the answer.
    fake_slack.wait_for(lambda _calls: "Acknowledged" in text_of(fake_slack.home_view("UBOB")))
    assert fake_slack.home_view("UALICE") is None  # Alice never opened App Home: no publish for her
