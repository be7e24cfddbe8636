"""Requests to a team (a Slack user group), end to end: signed HTTP through Bolt, the fake Slack on
loopback, real SQLite and PostgreSQL. Claim mode (cards to every member or one in the intake channel,
exactly one winner), rotate mode (spread evenly), strangers, team settings — English and German."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.jobs.sweep import run_sweep
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from models import Request, RequestEvent, Team
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")
IT = "SITSUPPORT"
IT_MENTION = f"<!subteam^{IT}|@it-support>"


@pytest.fixture
def it_support(fake_slack: FakeSlack) -> str:
    fake_slack.add_usergroup(IT, "it-support", ["UBOB", "UCAROL", "UDIETER"], name="IT Support")
    return IT


def file(slack: SlackDriver, fake: FakeSlack, text: str, user: str = "UALICE") -> dict:
    before = len(responses(fake))
    assert slack.command(user, text).status == 200
    return wait_response(fake, before + 1)


def stored(sessions) -> list[Request]:
    with sessions() as session:
        return list(session.scalars(select(Request).order_by(Request.id)))


def claim_cards(fake: FakeSlack, user: str) -> list[dict]:
    return [m for m in dms_to(fake, user) if "request_claim" in action_ids(m.get("blocks") or [])]


def test_a_request_to_a_team_reaches_every_member_with_ill_take_it(slack, fake_slack, sessions, it_support):
    confirmation = file(slack, fake_slack, f"{IT_MENTION} My laptop won't boot within 4h")

    assert "#1" in text_of(confirmation) and f"<!subteam^{IT}>" in text_of(confirmation)
    assert "aren't supported" not in text_of(confirmation)
    for member in ("UBOB", "UCAROL", "UDIETER"):
        [card] = wait_dms(fake_slack, member)
        assert action_ids(card["blocks"]) == ["request_claim"]
        assert "My laptop won" in text_of(card) and "<@UALICE>" in text_of(card)
    [request] = stored(sessions)
    assert (request.group_id, request.assignee_id, request.state) == (IT, None, "open")
    # The clock starts at filing: Thursday 10:00 + 4 business hours.
    assert request.response_due_at == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    assert dms_to(fake_slack, "UALICE") == []  # the requester gets no card to take


def test_the_first_to_claim_becomes_assignee_and_everyone_elses_card_says_so(
    slack, fake_slack, sessions, it_support
):
    file(slack, fake_slack, f"{IT_MENTION} Reset my VPN token")
    [bob_card] = wait_dms(fake_slack, "UBOB")
    wait_dms(fake_slack, "UCAROL")
    wait_dms(fake_slack, "UDIETER")

    press(slack, fake_slack, "UBOB", "request_claim", message=bob_card)

    [request] = stored(sessions)
    assert request.assignee_id == "UBOB"
    carol = dms_to(fake_slack, "UCAROL")
    assert "request_claim" not in action_ids(carol[0]["blocks"])
    assert "Taken by <@UBOB>" in text_of(carol[0])
    dieter = dms_to(fake_slack, "UDIETER")
    assert "Übernommen von <@UBOB>" in text_of(dieter[0])  # Dieter reads German
    # Bob now has the ordinary assignee card, with Got it / Done …
    bob = dms_to(fake_slack, "UBOB")
    assert "request_claim" not in action_ids(bob[0]["blocks"])
    assert any("request_ack" in action_ids(m["blocks"]) for m in bob)
    # … and Alice is told who took it.
    assert any("<@UBOB>" in text_of(m) and "taken" in text_of(m) for m in dms_to(fake_slack, "UALICE"))

    # A later click by Carol on her (stale) card changes nothing and tells her who has it.
    before = len(responses(fake_slack))
    slack.block_action(
        "UCAROL", "request_claim", str(request.id), channel_id=carol[0]["channel"], message_ts=carol[0]["ts"]
    )
    answer = wait_response(fake_slack, before + 1)
    assert "<@UBOB>" in text_of(answer) and "already taken" in text_of(answer)
    assert stored(sessions)[0].assignee_id == "UBOB"


def test_a_stranger_can_claim_nothing(slack, fake_slack, sessions, it_support):
    file(slack, fake_slack, f"{IT_MENTION} Printer on floor 3 is jammed")
    [card] = wait_dms(fake_slack, "UBOB")
    [request] = stored(sessions)

    before = len(responses(fake_slack))
    slack.block_action(
        "UALICE", "request_claim", str(request.id), channel_id=card["channel"], message_ts=card["ts"]
    )
    answer = wait_response(fake_slack, before + 1)
    assert f"<!subteam^{IT}>" in text_of(answer) and "Only members" in text_of(answer)
    # Someone removed from the group a minute ago takes nothing either (membership is read fresh).
    fake_slack.update_usergroup(IT, users=["UCAROL", "UDIETER"])
    press(slack, fake_slack, "UBOB", "request_claim", message=card)
    assert stored(sessions)[0].assignee_id is None
    with sessions() as session:
        assert "claimed" not in session.scalars(select(RequestEvent.kind)).all()
    assert claim_cards(fake_slack, "UCAROL")  # still on offer


def test_two_members_claiming_at_once_one_wins(bot, slack, fake_slack, sessions, it_support):
    file(slack, fake_slack, f"{IT_MENTION} New starter needs an account")
    [request] = stored(sessions)
    cards = {member: wait_dms(fake_slack, member)[0] for member in ("UBOB", "UCAROL", "UDIETER")}
    barrier = threading.Barrier(3)

    def click(member: str) -> None:
        barrier.wait()
        slack.block_action(
            member,
            "request_claim",
            str(request.id),
            channel_id=cards[member]["channel"],
            message_ts=cards[member]["ts"],
        )

    threads = [threading.Thread(target=click, args=(member,)) for member in cards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.settle()

    [request] = stored(sessions)
    assert request.assignee_id in cards
    with sessions() as session:
        claims = session.scalars(select(RequestEvent).where(RequestEvent.kind == "claimed")).all()
    assert [claim.actor_id for claim in claims] == [request.assignee_id]
    losers = [member for member in cards if member != request.assignee_id]
    for member in losers:
        assert not claim_cards(fake_slack, member)
        assert f"<@{request.assignee_id}>" in text_of(dms_to(fake_slack, member)[0])


def test_with_an_intake_channel_one_card_goes_there_instead_of_dms(slack, fake_slack, sessions, it_support):
    intake = "CINTAKE"
    fake_slack.add_channel(intake, "it-intake", members=["UBOB", "UCAROL", "UDIETER"])
    answer = file(slack, fake_slack, f"team {IT_MENTION} channel <#{intake}|it-intake>", user="UBOB")
    assert f"<#{intake}>" in text_of(answer)

    file(slack, fake_slack, f"{IT_MENTION} The wifi in room 2 is down")
    posts = [m for m in fake_slack.messages_in(intake) if "request_claim" in text_of(m)]
    assert len(posts) == 1
    assert not claim_cards(fake_slack, "UCAROL")

    press(slack, fake_slack, "UCAROL", "request_claim", message={**posts[0], "channel": intake})
    [post] = [m for m in fake_slack.messages_in(intake) if m["ts"] == posts[0]["ts"]]
    assert "request_claim" not in text_of(post) and "Taken by <@UCAROL>" in text_of(post)
    assert stored(sessions)[0].assignee_id == "UCAROL"


def test_rotate_spreads_thirty_requests_evenly(slack, fake_slack, sessions, it_support):
    answer = file(slack, fake_slack, f"team {IT_MENTION} mode rotate", user="UCAROL")
    assert "rotate" in text_of(answer)
    for index in range(30):
        file(slack, fake_slack, f"{IT_MENTION} Ticket number {index}")
    counts: dict[str, int] = {}
    for request in stored(sessions):
        counts[request.assignee_id] = counts.get(request.assignee_id, 0) + 1
    assert counts == {"UBOB": 10, "UCAROL": 10, "UDIETER": 10}
    # Each is an ordinary request for its member: the card with Got it, no claim button.
    assert all("request_claim" not in text_of(m) for m in dms_to(fake_slack, "UBOB"))
    assert len([m for m in dms_to(fake_slack, "UBOB") if "request_ack" in text_of(m)]) == 10


def test_rotate_never_picks_an_absent_member(slack, fake_slack, sessions, it_support, clock):
    """Dieter's Slack status says sick (read at filing), Carol said `/request away`: only Bob is present."""
    file(slack, fake_slack, f"team {IT_MENTION} mode rotate", user="UBOB")
    fake_slack.set_status("UDIETER", "Krank", ":face_with_thermometer:", 0)
    file(slack, fake_slack, "away until 2026-12-04", user="UCAROL")
    for index in range(6):
        file(slack, fake_slack, f"{IT_MENTION} Ticket number {index}")
    assert {request.assignee_id for request in stored(sessions)} == {"UBOB"}
    assert fake_slack.calls_to("users.profile.get"), "the members' statuses are read before the pick"
    # Carol is back: the next ones go to her, the member with the fewest open requests.
    file(slack, fake_slack, "back", user="UCAROL")
    file(slack, fake_slack, f"{IT_MENTION} Ticket number 6")
    assert stored(sessions)[-1].assignee_id == "UCAROL"


def test_team_settings_in_german_and_bad_words_answered(slack, fake_slack, sessions, it_support):
    answer = file(
        slack,
        fake_slack,
        f"team {IT_MENTION} modus verteilen zeit 8h arbeitszeit 8-16 feiertage DE-BY",
        user="UDIETER",
    )
    assert "Einstellungen" in text_of(answer)
    with sessions() as session:
        team = session.get(Team, ("T0001", IT))
        assert (team.mode, team.response_minutes, team.holiday_country, team.holiday_subdivision) == (
            "rotate",
            480,
            "DE",
            "BY",
        )
        assert (team.work_start.hour, team.work_end.hour) == (8, 16)
    bad = file(slack, fake_slack, f"team {IT_MENTION} modus schnell", user="UDIETER")
    assert "modus schnell" in text_of(bad)
    stranger = file(slack, fake_slack, f"team {IT_MENTION} mode claim", user="UALICE")
    assert "Only members" in text_of(stranger)
    with sessions() as session:
        assert session.get(Team, ("T0001", IT)).mode == "rotate"


def test_team_response_time_counts_on_the_teams_calendar(slack, fake_slack, sessions, it_support):
    file(slack, fake_slack, f"team {IT_MENTION} time 2h hours 8-12", user="UBOB")
    file(slack, fake_slack, f"{IT_MENTION} Please check the backup")
    [request] = stored(sessions)
    # Thursday 10:00, two hours of 8-12: 12:00.
    assert request.response_due_at == datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)


def test_unknown_group_and_empty_group_get_a_friendly_answer(slack, fake_slack, sessions):
    answer = file(slack, fake_slack, "<!subteam^SNOPE|@nope> help me")
    assert "can't find that team" in text_of(answer)
    fake_slack.add_usergroup("SSOLO", "solo", ["UALICE"])
    answer = file(slack, fake_slack, "<!subteam^SSOLO|@solo> help me")
    assert "nobody in it" in text_of(answer)
    assert stored(sessions) == []


def test_unclaimed_requests_remind_the_team_once_a_business_day(
    bot, slack, fake_slack, sessions, clock, it_support
):
    file(slack, fake_slack, f"{IT_MENTION} Monitor flickers within 1h")
    file(slack, fake_slack, f"{IT_MENTION} Keyboard missing keys within 1h")
    for member in ("UBOB", "UCAROL", "UDIETER"):
        wait_dms(fake_slack, member, 2)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    reminders = [m for m in dms_to(fake_slack, "UBOB") if "waiting for someone" in text_of(m)]
    assert len(reminders) == 1  # both requests in one message
    assert "Monitor flickers" in text_of(reminders[0]) and "Keyboard missing" in text_of(reminders[0])
    assert any("warten" in text_of(m) for m in dms_to(fake_slack, "UDIETER"))
    clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    assert len([m for m in dms_to(fake_slack, "UBOB") if "waiting for someone" in text_of(m)]) == 1
    assert not [m for m in dms_to(fake_slack, "UALICE") if "waiting for someone" in text_of(m)]
    # Once taken, the ordinary ladder reminds the assignee; the team hears no more of it.
    press(slack, fake_slack, "UBOB", "request_claim", message=claim_cards(fake_slack, "UBOB")[0])
    press(slack, fake_slack, "UCAROL", "request_claim", message=claim_cards(fake_slack, "UCAROL")[0])
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    # Dieter's one reminder of yesterday now says that nothing waits any more; no new one came.
    [dieter] = [
        m
        for m in dms_to(fake_slack, "UDIETER")
        if "Keyboard missing" in text_of(m) and "gefragt" in text_of(m)
    ]
    assert "Hier wartet nichts mehr" in text_of(dieter) and claim_buttons(dieter) == 0


def test_app_home_shows_my_teams_open_requests_and_a_claim_there_works(
    slack, fake_slack, sessions, it_support
):
    from tests.handlers.test_app_home import open_home

    file(slack, fake_slack, f"{IT_MENTION} Need a second monitor")
    view = open_home(slack, fake_slack, "UCAROL")
    assert "My teams' open requests* (1)" in text_of(view) and "Need a second monitor" in text_of(view)
    alice = open_home(slack, fake_slack, "UALICE")
    assert "My teams' open requests" not in text_of(alice)  # not her team, and her own ask
    assert f"<!subteam^{IT}> (not taken yet)" in text_of(alice)
    assert "<@None>" not in text_of(alice)
    [request] = stored(sessions)
    slack.block_action("UCAROL", "request_claim", str(request.id))
    assert stored(sessions)[0].assignee_id == "UCAROL"
    view = open_home(slack, fake_slack, "UCAROL", count=3)
    assert "My teams' open requests" not in text_of(view)
    assert "Need a second monitor" in text_of(view)  # now asked of her


def test_the_requester_can_cancel_an_unclaimed_team_request_and_the_cards_say_so(
    slack, fake_slack, sessions, it_support
):
    confirmation = file(slack, fake_slack, f"{IT_MENTION} Order a new headset")
    wait_dms(fake_slack, "UBOB")
    [request] = stored(sessions)
    listing = file(slack, fake_slack, "list")
    assert f"<!subteam^{IT}>" in text_of(listing) and "<@None>" not in text_of(listing)
    slack.block_action("UALICE", "request_cancel", str(request.id))
    assert stored(sessions)[0].state == "cancelled"
    [card] = dms_to(fake_slack, "UBOB")
    assert "request_claim" not in action_ids(card["blocks"]) and "Cancelled" in text_of(card)
    listing = file(slack, fake_slack, "list")
    assert "Order a new headset" not in text_of(listing)
    assert "Order a new headset" in text_of(confirmation)


@pytest.mark.parametrize("min_group", [3, 4])
def test_the_digest_shows_team_figures_only_for_teams_big_enough(
    bot, slack, fake_slack, sessions, settings, clock, it_support, min_group
):
    from bot.deps import Deps
    from bot.jobs.digest import post_channel_digest
    from bot.services import digest as digest_service
    from bot.slack import make_web_client
    from models.db import transaction
    from tests.conftest import BOT_TOKEN, TEAM

    file(slack, fake_slack, f"{IT_MENTION} Install the new VPN client")
    file(slack, fake_slack, f"{IT_MENTION} Replace the broken mouse")
    press(slack, fake_slack, "UBOB", "request_claim", message=claim_cards(fake_slack, "UBOB")[0])
    general = stored(sessions)[0].channel_id
    with transaction(sessions) as session:
        digest_service.subscribe(
            session,
            settings=settings,
            team_id=TEAM,
            channel_id=general,
            user_id="UALICE",
            now=clock() - timedelta(days=1),
            language="en",
        )
    deps = Deps(
        settings=settings.with_(digest_min_group=min_group),
        sessions=sessions,
        clock=clock,
        client=make_web_client(BOT_TOKEN, fake_slack.base_url),
    )
    post_channel_digest(deps, clock(), general, deliver=True)
    [digest] = [m for m in fake_slack.messages_in(general) if "Teams asked this week" in text_of(m)] or [None]
    if min_group > 3:  # three members: fewer people than the threshold, so no figures about them
        assert digest is None
        return
    assert f"<!subteam^{IT}>: asked 2, taken 1, still waiting for someone 1" in text_of(digest)
    assert "<@UBOB>" not in text_of(digest)  # blameless: nobody in the team is named


def test_the_form_offers_the_workspaces_teams_and_files_to_the_one_chosen(
    slack, fake_slack, sessions, it_support
):
    slack.command("UALICE", "")
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    [team_block] = [block for block in view["blocks"] if block.get("block_id") == "team"]
    assert [option["value"] for option in team_block["element"]["options"]] == [IT]
    assert "@it-support" in text_of(team_block)
    text = {"text": {"type": "plain_text_input", "value": "The projector needs a new lamp"}}
    kind = {"kind": {"type": "static_select", "selected_option": {"value": "task"}}}
    team = {"team": {"type": "static_select", "selected_option": {"value": IT}}}
    person = {"assignee": {"type": "users_select", "selected_user": "UBOB"}}

    both = slack.view_submission(
        "UALICE",
        view["callback_id"],
        {"assignee": person, "team": team, "text": text, "kind": kind},
        private_metadata=view["private_metadata"],
    )
    assert both.json()["response_action"] == "errors" and "a person *or* a team" in text_of(both.json())
    neither = slack.view_submission(
        "UALICE",
        view["callback_id"],
        {"text": text, "kind": kind, "team": {"team": {"type": "static_select"}}},
        private_metadata=view["private_metadata"],
    )
    assert neither.json()["response_action"] == "errors"
    assert stored(sessions) == []

    slack.view_submission(
        "UALICE",
        view["callback_id"],
        {"team": team, "text": text, "kind": kind},
        private_metadata=view["private_metadata"],
    )
    [request] = stored(sessions)
    assert (request.group_id, request.assignee_id, request.text) == (
        IT,
        None,
        "The projector needs a new lamp",
    )
    assert claim_cards(fake_slack, "UCAROL")


def test_team_settings_form_opens_for_a_member_and_saves(slack, fake_slack, sessions, it_support):
    slack.command("UBOB", f"team {IT_MENTION}")
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "request_team_view"
    bad = slack.view_submission(
        "UBOB",
        view["callback_id"],
        {
            "mode": {"mode": {"type": "static_select", "selected_option": {"value": "rotate"}}},
            "hours": {"hours": {"type": "plain_text_input", "value": "17-8"}},
        },
        private_metadata=view["private_metadata"],
    )
    assert bad.json()["response_action"] == "errors" and "hours" in bad.json()["errors"]
    slack.view_submission(
        "UBOB",
        view["callback_id"],
        {
            "mode": {"mode": {"type": "static_select", "selected_option": {"value": "rotate"}}},
            "within": {"within": {"type": "plain_text_input", "value": "1 day"}},
        },
        private_metadata=view["private_metadata"],
    )
    with sessions() as session:
        team = session.get(Team, ("T0001", IT))
        assert (team.mode, team.response_days, team.intake_channel_id) == ("rotate", 1, None)
    assert any("Settings of" in text_of(m) for m in dms_to(fake_slack, "UBOB"))


def test_an_intake_channel_that_refuses_the_card_is_told_to_the_requester(
    slack, fake_slack, sessions, it_support
):
    file(slack, fake_slack, f"team {IT_MENTION} channel <#CGONE|gone>", user="UBOB")
    file(slack, fake_slack, f"{IT_MENTION} Nobody will see this in the channel")
    [notice] = [m for m in dms_to(fake_slack, "UALICE") if "couldn't post your request" in text_of(m)]
    assert "<#CGONE>" in text_of(notice) and f"<!subteam^{IT}>" in text_of(notice)


def escalation_offers(fake: FakeSlack, user: str) -> list[dict]:
    return [m for m in dms_to(fake, user) if "request_escalate_person" in action_ids(m.get("blocks") or [])]


def test_an_unclaimed_team_request_offers_the_requester_escalation_after_silent_days(
    bot, slack, fake_slack, sessions, clock, it_support
):
    file(slack, fake_slack, f"{IT_MENTION} Badge reader rejects my card within 1h")
    wait_dms(fake_slack, "UBOB")
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN))  # response time passed: the team hears
    run_sweep(bot.deps, clock())
    bot.settle()
    assert not escalation_offers(fake_slack, "UALICE")
    # Three silent business days after the missed response time (Thu 11:00): Tue 11:00, not Mon.
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    assert not escalation_offers(fake_slack, "UALICE")
    clock.set(datetime(2026, 12, 1, 11, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    [offer] = escalation_offers(fake_slack, "UALICE")
    assert f"<!subteam^{IT}>" in text_of(offer) and "<@None>" not in text_of(offer)
    assert "hasn't been taken by anyone" in text_of(offer)
    with sessions() as session:
        assert session.scalars(select(Request.assignee_id)).one() is None  # the bot never decides alone
    # Once a day at most, and once per missed time: the next sweep offers nothing new.
    clock.set(datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    assert len(escalation_offers(fake_slack, "UALICE")) == 1

    # Ask someone else: the form names the team, the helper's DM too, and nobody gets "<@None>".
    fake_slack.add_user("UERIN", "erin", real_name="Erin Eckert", tz="Europe/Berlin", locale="en-US")
    count = len(fake_slack.calls_to("views.open"))
    press(slack, fake_slack, "UALICE", "request_escalate_person", message=offer)
    view = fake_slack.wait_for_method("views.open", count=count + 1)[-1].args["view"]
    assert f"<!subteam^{IT}>" in text_of(view) and "<@None>" not in text_of(view)
    values = {"person": {"person": {"type": "users_select", "selected_user": "UERIN"}}}
    reply = slack.view_submission(
        "UALICE", view["callback_id"], values, private_metadata=view["private_metadata"]
    )
    assert reply.status == 200
    [ask] = wait_dms(fake_slack, "UERIN")
    assert "<@UALICE> wonders whether you could help" in text_of(ask)
    assert f"<!subteam^{IT}>" in text_of(ask) and "<@None>" not in text_of(ask)
    bot.settle()
    with sessions() as session:
        assert "escalated" in session.scalars(select(RequestEvent.kind)).all()
    # Erin takes it over: she is the assignee, the team's cards say so, Alice hears of it — no "<@None>".
    [ask] = wait_dms(fake_slack, "UERIN")
    press(slack, fake_slack, "UERIN", "request_take_over", message=ask)
    bot.settle()
    assert stored(sessions)[0].assignee_id == "UERIN"
    assert "Taken by <@UERIN>" in text_of(dms_to(fake_slack, "UBOB")[0])
    news = [m for m in dms_to(fake_slack, "UALICE") if "has taken over" in text_of(m)]
    assert news and f"<!subteam^{IT}>" in text_of(news[-1])
    assert not any("<@None>" in text_of(m) for m in dms_to(fake_slack, "UALICE"))


def test_an_unclaimed_team_request_offers_escalation_in_german(
    bot, slack, fake_slack, sessions, clock, it_support
):
    file(slack, fake_slack, f"{IT_MENTION} Drucker druckt nur leere Seiten within 1h", user="UDIETER")
    clock.set(datetime(2026, 12, 1, 11, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    [offer] = escalation_offers(fake_slack, "UDIETER")
    assert "noch niemand" in text_of(offer) and f"<!subteam^{IT}>" in text_of(offer)


def claim_buttons(message: dict) -> int:
    """*I'll take it* buttons on a message (the team reminder has them as section accessories)."""
    return text_of(message.get("blocks") or []).count('"request_claim"')


def test_a_team_reminder_is_redrawn_once_its_requests_are_taken_or_cancelled(
    bot, slack, fake_slack, sessions, clock, it_support
):
    file(slack, fake_slack, f"{IT_MENTION} Monitor flickers within 1h")
    file(slack, fake_slack, f"{IT_MENTION} Keyboard missing keys within 1h")
    for member in ("UBOB", "UCAROL", "UDIETER"):
        wait_dms(fake_slack, member, 2)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()

    def reminder(user: str) -> dict:
        [message] = [
            m
            for m in dms_to(fake_slack, user)
            if "Monitor flickers" in text_of(m) and ("asked" in text_of(m) or "gefragt" in text_of(m))
        ]
        return message

    assert claim_buttons(reminder("UBOB")) == 2
    _first, second = stored(sessions)
    # Carol takes the first one from her card: everyone's reminder says so, without its button.
    [carol_card] = [m for m in claim_cards(fake_slack, "UCAROL") if "Monitor flickers" in text_of(m)]
    press(slack, fake_slack, "UCAROL", "request_claim", message=carol_card)
    bot.settle()
    bob = reminder("UBOB")
    assert claim_buttons(bob) == 1
    assert "Taken by <@UCAROL>" in text_of(bob) and "1 team request is waiting" in text_of(bob)
    assert "You took it" in text_of(reminder("UCAROL"))
    assert "Übernommen von <@UCAROL>" in text_of(reminder("UDIETER"))
    # Alice cancels the second one: nothing is left to take.
    slack.block_action("UALICE", "request_cancel", str(second.id))
    bot.settle()
    bob = reminder("UBOB")
    assert claim_buttons(bob) == 0
    assert "Nothing here is waiting any more" in text_of(bob) and "Cancelled" in text_of(bob)
    assert "Hier wartet nichts mehr" in text_of(reminder("UDIETER"))


def test_team_reminders_in_the_intake_channel_name_the_team_without_notifying_it(
    bot, slack, fake_slack, sessions, clock, it_support
):
    intake = "CINTAKE"
    fake_slack.add_channel(intake, "it-intake", members=["UBOB", "UCAROL", "UDIETER"])
    file(slack, fake_slack, f"team {IT_MENTION} channel <#{intake}|it-intake>", user="UBOB")
    file(slack, fake_slack, f"{IT_MENTION} Projector in room 4 is dead within 1h")
    [card] = [m for m in fake_slack.messages_in(intake) if "request_claim" in text_of(m)]
    assert f"<!subteam^{IT}>" in text_of(card)  # the first post asks the team: it may notify them
    for day in (26, 27):
        clock.set(datetime(2026, 11, day, 12, 0, tzinfo=BERLIN))
        run_sweep(bot.deps, clock())
        bot.settle()
    reminders = [m for m in fake_slack.messages_in(intake) if "waiting for someone" in text_of(m)]
    assert len(reminders) == 2  # one a business day …
    for reminder in reminders:  # … and neither pings the whole group
        assert "<!subteam^" not in text_of(reminder) and "@it-support" in text_of(reminder)
        assert claim_buttons(reminder) == 1
    press(slack, fake_slack, "UDIETER", "request_claim", message={**card, "channel": intake})
    bot.settle()
    for reminder in [m for m in fake_slack.messages_in(intake) if m["ts"] in {r["ts"] for r in reminders}]:
        assert claim_buttons(reminder) == 0 and "Taken by <@UDIETER>" in text_of(reminder)


def test_membership_changes_from_slack_decide_who_gets_team_reminders_and_sees_them_at_home(
    bot, slack, fake_slack, sessions, clock, it_support
):
    from tests.handlers.test_app_home import open_home

    fake_slack.add_user("UERIN", "erin", real_name="Erin Eckert", tz="Europe/Berlin", locale="en-US")
    file(slack, fake_slack, f"{IT_MENTION} Mailbox is full within 1h")
    wait_dms(fake_slack, "UBOB")
    # Bob leaves the group, Erin joins: Slack tells the bot with subteam_members_changed.
    fake_slack.update_usergroup(IT, users=["UCAROL", "UDIETER", "UERIN"])
    assert slack.subteam_members_changed(IT, added=["UERIN"], removed=["UBOB"]).status == 200
    bot.settle()
    view = open_home(slack, fake_slack, "UERIN")
    assert "My teams' open requests* (1)" in text_of(view) and "Mailbox is full" in text_of(view)
    assert "My teams' open requests" not in text_of(open_home(slack, fake_slack, "UBOB"))
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    assert any("waiting for someone" in text_of(m) for m in dms_to(fake_slack, "UERIN"))
    assert not any("waiting for someone" in text_of(m) for m in dms_to(fake_slack, "UBOB"))


def test_subteam_updated_renames_the_team_and_a_disabled_group_reminds_nobody(
    bot, slack, fake_slack, sessions, clock, it_support
):
    file(slack, fake_slack, f"{IT_MENTION} VPN drops every hour within 1h")
    wait_dms(fake_slack, "UCAROL")
    subteam = {"id": IT, "team_id": fake_slack.team_id, "handle": "helpdesk", "users": ["UCAROL"]}
    assert slack.event({"type": "subteam_updated", "subteam": subteam}).status == 200
    bot.settle()
    with sessions() as session:
        assert session.get(Team, (fake_slack.team_id, IT)).handle == "helpdesk"
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    [reminder] = [m for m in dms_to(fake_slack, "UCAROL") if "waiting for someone" in text_of(m)]
    assert "@helpdesk" in text_of(reminder)
    assert not any("waiting for someone" in text_of(m) for m in dms_to(fake_slack, "UDIETER"))
    # Disabled (date_delete set): nobody is reminded any more.
    disabled = {**subteam, "date_delete": 1764150000, "users": ["UCAROL"]}
    assert slack.event({"type": "subteam_updated", "subteam": disabled}).status == 200
    bot.settle()
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=BERLIN))
    run_sweep(bot.deps, clock())
    bot.settle()
    assert len([m for m in dms_to(fake_slack, "UCAROL") if "waiting for someone" in text_of(m)]) == 1


def test_a_membership_change_of_a_group_nobody_asked_stores_nothing(bot, slack, fake_slack, sessions):
    from models import TeamMember

    fake_slack.add_usergroup("SOTHER", "other", ["UBOB"])
    assert slack.subteam_members_changed("SOTHER", added=["UBOB"]).status == 200
    bot.settle()
    with sessions() as session:
        assert session.scalars(select(TeamMember)).all() == []
