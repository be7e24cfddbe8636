"""App Home: a person's own dashboard, published on ``app_home_opened`` and refreshed after actions."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from models import Kudos, Rating, Request
from models.db import transaction
from tests.conftest import START, TEAM
from tests.slackutil import dms_to, press, responses, text_of, wait_dms, wait_response

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
    assert "*Asked of you* (60)" in text_of(home) and text_of(home).count("…and 50 more") == 2
    # What is shown plus what is left is the count in the heading.
    shown = [
        b for b in home["blocks"] if b.get("block_id", "").startswith("home_") and "_actions" in b["block_id"]
    ]
    assert len(shown) == 20


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


def test_who_uses_app_home_is_read_before_the_filings_writing_transaction(slack, fake_slack, engine):
    """On SQLite the writing transaction holds the one write lock: the filing reads who uses App Home
    before it begins, in the reading session of the assignee's calendar, and the refresh still comes."""
    open_home(slack, fake_slack, "UBOB")
    statements: list[str] = []

    def watch(_connection, _cursor, statement, _parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        if threading.current_thread().name.startswith("kf-work"):
            statements.append(" ".join(statement.split())[:60])

    event.listen(engine, "before_cursor_execute", watch)
    try:
        slack.command("UALICE", "<@UBOB|bob> Review the contract")
        fake_slack.wait_for(lambda _calls: "Review the contract" in text_of(fake_slack.home_view("UBOB")))
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    visits = [i for i, statement in enumerate(statements) if "FROM home_visits" in statement]
    [first_write] = [
        i for i, statement in enumerate(statements) if "INSERT INTO seen_deliveries" in statement
    ]
    assert len(visits) == 1 and visits[0] < first_write, statements
    assert fake_slack.home_view("UALICE") is None


def home_buttons(home: dict, request_id: int) -> list[str]:
    [block] = [b for b in home["blocks"] if b.get("block_id") == f"home_{request_id}_actions"]
    return [element["action_id"] for element in block["elements"]]


def click_home(slack, home: dict, user: str, action_id: str, value: str, trigger: str = "trig-h"):
    return slack.block_action(user, action_id, value, view=home, trigger_id=trigger)


def test_home_items_carry_the_buttons_of_the_readers_role_and_they_work(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        asked = add(session, 1, "UBOB", "UALICE", created=START - timedelta(hours=1), text="Asked of Alice")
        seen = add(
            session,
            2,
            "UCAROL",
            "UALICE",
            created=START - timedelta(hours=1),
            state="acknowledged",
            acknowledged_at=START,
            text="Seen by Alice",
        )
        mine = add(session, 3, "UALICE", "UBOB", created=START - timedelta(hours=1), text="Alice asks Bob")
    home = open_home(slack, fake_slack, "UALICE")
    assert home_buttons(home, asked.id) == ["request_ack", "request_done", "request_show"]
    assert home_buttons(home, seen.id) == ["request_done", "request_show"]
    assert home_buttons(home, mine.id) == ["request_cancel", "request_show"]

    click_home(slack, home, "UALICE", "request_ack", str(asked.id))
    fake_slack.wait_for(lambda _c: "has seen your request" in text_of(wait_dms(fake_slack, "UBOB")))
    click_home(slack, home, "UALICE", "request_cancel", str(mine.id))
    fake_slack.wait_for(lambda _c: "has cancelled request" in text_of(dms_to(fake_slack, "UBOB")))
    home = open_home(slack, fake_slack, "UALICE", count=3)
    fake_slack.wait_for(lambda _c: "Alice asks Bob" not in text_of(fake_slack.home_view("UALICE")))
    home = fake_slack.home_view("UALICE")
    assert home_buttons(home, asked.id) == ["request_done", "request_show"]
    with sessions() as session:
        states = dict(session.execute(select(Request.number, Request.state)).all())
    assert states == {1: "acknowledged", 2: "acknowledged", 3: "cancelled"}

    # A stranger's click on a Home button changes nothing.
    click_home(slack, home, "UCAROL", "request_done", str(asked.id))
    fake_slack.wait_for(lambda _c: "Only <@UALICE>" in text_of(dms_to(fake_slack, "UCAROL")))
    with sessions() as session:
        assert session.get(Request, asked.id).state == "acknowledged"


def test_new_request_and_show_all_from_home(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        for number in range(1, 26):
            add(session, number, "UBOB", "UALICE", created=START - timedelta(minutes=number))
    home = open_home(slack, fake_slack, "UALICE")
    [top] = [b for b in home["blocks"] if b.get("block_id") == "home_settings"]
    buttons = {e["action_id"]: e["value"] for e in top["elements"]}
    assert list(buttons) == ["request_new", "request_list_more", "request_settings"]

    click_home(slack, home, "UALICE", "request_new", buttons["request_new"])
    [opened] = fake_slack.wait_for_method("views.open")
    assert opened.args["view"]["callback_id"] == "request_new"

    click_home(slack, home, "UALICE", "request_list_more", buttons["request_list_more"], trigger="trig-all")
    opened = fake_slack.wait_for_method("views.open", count=2)[-1]
    modal = opened.response["view"]
    numbers = []
    for _page in range(5):
        numbers += [
            int(t.split("*#")[1].split("*")[0]) for t in text_of(modal["blocks"]).split("\\n") if "*#" in t
        ]
        more = [
            e
            for b in modal["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "request_list_more" and e.get("style") == "primary"
        ]
        if not more:
            break
        count = len(fake_slack.calls_to("views.update"))
        slack.block_action("UALICE", "request_list_more", more[0]["value"], view=modal)
        fake_slack.wait_for(lambda _c, count=count: len(fake_slack.calls_to("views.update")) > count)
        modal = fake_slack.calls_to("views.update")[-1].response["view"]
    assert sorted(numbers) == list(range(1, 26)) and len(numbers) == 25
    assert "*Asked of you* (25)" in text_of(home) and "…and 15 more" in text_of(home)


def test_the_overdue_count_covers_every_item_and_agrees_with_the_list(slack, fake_slack, sessions):
    with transaction(sessions) as session:
        for number in range(1, 16):  # 15 asked of Alice; only 10 are shown in App Home
            late = number > 3  # 12 are late: more than App Home shows
            add(
                session,
                number,
                "UBOB",
                "UALICE",
                created=START - timedelta(days=1),
                response_due_at=START - timedelta(hours=number) if late else START + timedelta(hours=number),
            )
    home = text_of(open_home(slack, fake_slack, "UALICE"))
    assert "*Asked of you* (15)" in home and "…and 5 more" in home
    assert "12 are past the agreed time" in home  # all of them, not just the 10 shown
    before = len(responses(fake_slack))
    slack.command("UALICE", "list overdue")
    listed = text_of(wait_response(fake_slack, before + 1))
    assert "12 requests" in listed and "12 are past the agreed time" in listed
