"""``/request digest`` and the weekly post: what a channel sees, exactly once, blameless by default."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.deps import Deps
from bot.domain.digest_stats import Schedule
from bot.jobs.digest import post_channel_digest, post_due_digests
from bot.jobs.scheduler import tick
from bot.services import digest as digest_service
from bot.slack import make_web_client
from models import DigestRun, DigestSubscription, Kudos, Request
from models.db import make_engine, make_session_factory, transaction
from tests.conftest import BOT_TOKEN, TEAM
from tests.slackutil import dms_to, responses, text_of, wait_response

BERLIN = ZoneInfo("Europe/Berlin")
#: Monday 30 November 2026, 09:00 in Berlin: the digest for the week of 23 November is due.
SLOT = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
LAST_WEEK = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)


@pytest.fixture
def settings(settings):
    """The test team is small: show its figures (the privacy threshold has tests of its own)."""
    return settings.with_(digest_min_group=1)


@pytest.fixture
def deps(settings, sessions, clock, fake_slack) -> Deps:
    return Deps(
        settings=settings,
        sessions=sessions,
        clock=clock,
        client=make_web_client(BOT_TOKEN, fake_slack.base_url),
    )


def subscribe(sessions, settings, channel: str = "C0001", **changes) -> DigestSubscription:
    with transaction(sessions) as session:
        sub, _ = digest_service.subscribe(
            session,
            settings=settings,
            team_id=TEAM,
            channel_id=channel,
            user_id="UALICE",
            now=SLOT - timedelta(days=30),
            language="en",
        )
        if changes:
            digest_service.configure(session, team_id=TEAM, channel_id=channel, **changes)
    return sub


def add_request(session, number: int, *, channel: str = "C0001", assignee: str = "UBOB", **fields) -> Request:
    created = fields.pop("created_at", LAST_WEEK)
    request = Request(
        team_id=TEAM,
        number=number,
        requester_id="UALICE",
        assignee_id=assignee,
        text=f"request {number}",
        kind="task",
        channel_id=channel,
        state=fields.pop("state", "open"),
        created_at=created,
        updated_at=created,
        response_due_at=fields.pop("response_due_at", created + timedelta(hours=4)),
        **fields,
    )
    session.add(request)
    session.flush()
    return request


def week_of_work(sessions) -> None:
    """Last week in #general: Bob let one slip (overdue), Carol finished one and was thanked."""
    with transaction(sessions) as session:
        add_request(session, 1, assignee="UBOB")  # never answered: overdue at the end of the week
        done = add_request(
            session,
            2,
            assignee="UCAROL",
            state="done",
            acknowledged_at=LAST_WEEK + timedelta(hours=1),
            closed_at=LAST_WEEK + timedelta(hours=3),
        )
        session.add(
            Kudos(
                team_id=TEAM,
                request_id=done.id,
                from_id="UALICE",
                to_id="UCAROL",
                created_at=LAST_WEEK + timedelta(hours=4),
            )
        )


def posts_to(fake, channel: str) -> list[dict]:
    return [c.args for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel and c.ok]


def check_limits(message: dict) -> None:
    blocks = message["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        texts = [block.get("text", {}).get("text", "")] + [f["text"] for f in block.get("fields", [])]
        assert all(len(t) <= 3000 for t in texts)


def test_the_scheduler_posts_a_blameless_digest_once(deps, sessions, settings, fake_slack):
    subscribe(sessions, settings)
    week_of_work(sessions)

    deps.start()  # the scheduler queues; the delivery workers post
    try:
        tick(deps, SLOT - timedelta(minutes=1))
        assert deps.settle() and posts_to(fake_slack, "C0001") == []
        tick(deps, SLOT)
        tick(deps, SLOT + timedelta(minutes=1))
        assert deps.settle()
    finally:
        deps.stop()
    [digest] = posts_to(fake_slack, "C0001")
    check_limits(digest)
    shown = text_of(digest)
    assert "Internal service last week" in shown and "Nov 23" in shown
    assert "*Requests opened*\\n2" in shown and "1 done, 0 declined" in shown
    assert "<@UCAROL>" in shown and "thank-you" in shown  # named for kudos
    assert "<@UBOB>" not in shown  # never named for lateness by default
    assert "1 of them past the agreed time" in shown
    [message] = fake_slack.messages_in("C0001")
    with transaction(sessions) as session:
        [run] = session.scalars(select(DigestRun)).all()
        assert (run.week_key, run.state, run.message_ts) == ("2026-W48", "posted", message["ts"])


def test_a_channel_that_chose_names_sees_who_is_past_the_agreed_time(deps, sessions, settings, fake_slack):
    subscribe(sessions, settings, name_people=True)
    week_of_work(sessions)
    [result] = post_due_digests(deps, SLOT, deliver=True)
    assert result.status == "posted"
    [digest] = posts_to(fake_slack, "C0001")
    assert "chose to show names" in text_of(digest) and "<@UBOB>" in text_of(digest)


def test_three_concurrent_runs_post_each_channel_exactly_once(database_url, settings, fake_slack, sessions):
    channels = [f"CTEAM{i}" for i in range(5)]
    for channel in channels:
        fake_slack.add_channel(channel, channel.lower(), members=["UBOT"])
        subscribe(sessions, settings, channel)
    with transaction(sessions) as session:
        for number, channel in enumerate(channels, start=1):
            add_request(session, number, channel=channel)

    barrier = threading.Barrier(3)
    results, errors = [], []

    def run() -> None:
        engine = make_engine(database_url)
        try:
            own = Deps(
                settings=settings,
                sessions=make_session_factory(engine),
                clock=lambda: SLOT,
                client=make_web_client(BOT_TOKEN, fake_slack.base_url),
            )
            barrier.wait()
            results.extend(post_due_digests(own, SLOT, deliver=True))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    for channel in channels:
        assert len(posts_to(fake_slack, channel)) == 1, channel
    assert sorted(r.status for r in results).count("posted") == len(channels)


def test_a_channel_without_the_bot_is_reported_to_the_subscriber_and_not_retried(
    deps, sessions, settings, fake_slack
):
    fake_slack.add_channel("CPRIVATE", "secret", is_private=True, members=["UALICE"])
    subscribe(sessions, settings, "CPRIVATE")
    [result] = post_due_digests(deps, SLOT, deliver=True)
    assert (result.status, result.error) == ("failed", "not_in_channel")
    notes = dms_to(fake_slack, "UALICE")
    assert "not a member" in text_of(notes) and "/invite" in text_of(notes)
    assert post_due_digests(deps, SLOT + timedelta(hours=1), deliver=True) == []


def test_a_passing_slack_error_is_retried_by_the_outbox_and_posted_once(deps, sessions, settings, fake_slack):
    subscribe(sessions, settings)
    fake_slack.fail_next("chat.postMessage", status=200, error="internal_error")
    [posted] = post_due_digests(deps, SLOT, deliver=True)
    assert posted.status == "posted" and len(posts_to(fake_slack, "C0001")) == 1
    assert [call.ok for call in fake_slack.calls_to("chat.postMessage")] == [False, True]
    assert post_due_digests(deps, SLOT + timedelta(minutes=5), deliver=True) == []  # the week is settled


def test_digest_for_one_channel_now_shows_the_week_so_far_and_never_uses_up_the_scheduled_one(
    deps, sessions, settings, fake_slack
):
    subscribe(sessions, settings)
    week_of_work(sessions)
    wednesday = SLOT + timedelta(days=2)
    with transaction(sessions) as session:
        add_request(session, 3, assignee="UCAROL", created_at=wednesday - timedelta(hours=2))
    [dry] = post_channel_digest(deps, wednesday, "C0001", dry_run=True)
    assert dry.status == "would_post" and dry.week_key == "2026-W49-so-far"
    assert dry.text.startswith("Internal service this week so far (Mon–Wed): 1 opened")
    assert posts_to(fake_slack, "C0001") == []
    [posted] = post_channel_digest(
        deps, wednesday, "#general", deliver=True
    )  # by name, through conversations.info
    [again] = post_channel_digest(deps, wednesday + timedelta(hours=1), "C0001", deliver=True)
    assert (posted.status, again.status) == ("posted", "already")
    [scheduled] = post_due_digests(
        deps, SLOT + timedelta(days=7), deliver=True
    )  # the week itself still comes
    assert (scheduled.status, scheduled.week_key) == ("posted", "2026-W49")
    assert post_channel_digest(deps, wednesday, "CNOPE", deliver=True) == []
    assert post_channel_digest(deps, wednesday, "#nope", deliver=True) == []


def test_a_late_slot_reports_this_week_up_to_the_slot(deps, sessions, settings, fake_slack):
    subscribe(sessions, settings, schedule=Schedule(weekday=4, hour=16, minute=30))
    friday_slot = datetime(2026, 12, 4, 16, 30, tzinfo=BERLIN)
    with transaction(sessions) as session:
        add_request(session, 1, created_at=datetime(2026, 11, 27, 12, 0, tzinfo=BERLIN))  # last Friday
        add_request(session, 2, created_at=datetime(2026, 11, 30, 9, 30, tzinfo=BERLIN))  # Monday
        add_request(session, 3, created_at=friday_slot - timedelta(minutes=5))
        add_request(session, 4, created_at=friday_slot + timedelta(minutes=5))  # after the slot
    assert post_due_digests(deps, friday_slot - timedelta(minutes=1), deliver=True) == []
    [result] = post_due_digests(deps, friday_slot, deliver=True)
    assert (result.status, result.week_key) == ("posted", "2026-W49")
    [digest] = posts_to(fake_slack, "C0001")
    shown = text_of(digest)
    assert "Internal service this week · Mon, Nov 30 – Fri, Dec 4" in shown
    assert "*Requests opened*\\n2" in shown  # Monday and Friday afternoon, nothing from before or after
    assert "each up to Fri 4:30" in shown and "*As of Fri 4:30" in shown


# --- the slash command, through the real app ------------------------------------------------------


def command(slack, fake, text: str, *, user: str = "UALICE", channel: str = "C0001") -> dict:
    before = len(responses(fake))
    assert slack.command(user, text, channel_id=channel).status == 200
    return wait_response(fake, before + 1)


def test_subscribe_configure_and_unsubscribe_from_the_channel(slack, fake_slack, sessions, bot):
    fake_slack.add_usergroup("S0TEAM", "team", ["UBOB", "UCAROL"])
    hello = command(slack, fake_slack, "digest")
    assert hello["response_type"] == "in_channel"
    assert "subscribed this channel" in text_of(hello) and "Mondays at 09:00 (Europe/Berlin)" in text_of(
        hello
    )
    assert "nobody is named for lateness" in text_of(hello)

    status = command(slack, fake_slack, "digest")
    assert status["response_type"] == "ephemeral" and "Names for lateness: not shown" in text_of(status)

    changed = command(slack, fake_slack, "digest friday 16:30")
    assert changed["response_type"] == "in_channel" and "Fridays at 16:30" in text_of(changed)
    assert "Fridays at 10:00" in text_of(command(slack, fake_slack, "digest 10:00"))
    named = command(slack, fake_slack, "digest names on")
    assert "chose to show names" in text_of(named)
    assert "user group" in text_of(command(slack, fake_slack, "digest group <!subteam^S0TEAM|@team>"))
    assert "can't see that user group" in text_of(
        command(slack, fake_slack, "digest group <!subteam^S0NOPE|@nope>")
    )
    assert "Europe/London" in text_of(command(slack, fake_slack, "digest timezone Europe/London"))
    assert "didn't understand *someday*" in text_of(command(slack, fake_slack, "digest someday"))
    assert "isn't a time zone" in text_of(command(slack, fake_slack, "digest timezone Mars/Base"))
    with transaction(bot.deps.sessions) as session:
        sub = digest_service.find_subscription(session, team_id=TEAM, channel_id="C0001")
        assert (
            sub.weekday,
            sub.hour,
            sub.minute,
            sub.name_people,
            sub.scope,
            sub.usergroup_id,
            sub.timezone,
        ) == (
            4,
            10,
            0,
            True,
            "usergroup",
            "S0TEAM",
            "Europe/London",
        )

    preview = command(slack, fake_slack, "digest preview")
    assert preview["response_type"] == "ephemeral" and "this week so far (Mon–Thu)" in text_of(preview)

    bye = command(slack, fake_slack, "digest off")
    assert bye["response_type"] == "in_channel" and "turned off the weekly digest" in text_of(bye)
    assert "doesn't get the digest yet" in text_of(command(slack, fake_slack, "digest names off"))
    assert "in the channel that should get it" in text_of(
        command(slack, fake_slack, "digest", channel="DUALICE")
    )


def test_a_fresh_install_previews_the_requests_of_today(slack, fake_slack, bot):
    command(slack, fake_slack, "digest")
    filed = command(slack, fake_slack, "<@UBOB> Send the Q3 numbers within 4h")
    assert "#1" in text_of(filed)
    preview = command(slack, fake_slack, "digest preview")
    shown = text_of(preview)
    assert "Internal service this week so far (Mon–Thu)" in shown
    assert "*Requests opened*\\n1" in shown and "A quiet week" not in shown


def deps_with(deps: Deps, **changes) -> Deps:
    return Deps(
        settings=deps.settings.with_(**changes), sessions=deps.sessions, clock=deps.clock, client=deps.client
    )


def test_a_team_of_two_sees_no_team_figures_but_its_thank_yous(deps, sessions, settings, fake_slack):
    subscribe(sessions, settings)
    week_of_work(sessions)  # Bob and Carol: two people behind every figure
    [result] = post_due_digests(deps_with(deps, digest_min_group=5), SLOT, deliver=True)
    assert result.status == "posted" and result.text == "Internal service last week"
    [digest] = posts_to(fake_slack, "C0001")
    shown = text_of(digest)
    assert "fewer than 5 people are behind them — so nobody can be singled out" in shown
    for figure in ("*Requests opened*", "*Closed*", "past the agreed time", "*The last 8 weeks*", "%"):
        assert figure not in shown, figure
    assert "Thank you all for looking after each other" not in shown  # the tone would tell, too
    assert "<@UCAROL>" in shown and "thank-you" in shown  # thanks name people on purpose
    assert "<@UBOB>" not in shown


def test_five_people_behind_a_figure_are_enough_to_show_it(deps, sessions, settings, fake_slack):
    subscribe(sessions, settings)
    with transaction(sessions) as session:
        for number, assignee in enumerate(["UBOB", "UCAROL", "UDIETER", "UKENJI", "UEVA"], start=1):
            add_request(session, number, assignee=assignee)
    [posted] = post_due_digests(deps_with(deps, digest_min_group=5), SLOT, deliver=True)
    assert posted.status == "posted"
    shown = text_of(posts_to(fake_slack, "C0001"))
    assert "*Requests opened*\\n5" in shown and "5 of them past the agreed time" in shown
    assert "figures are hidden" not in shown
    # Five of five open requests are overdue: an invitation, not a reproach, and no names.
    assert "5 of 5 open requests are past their agreed time — a good moment to look at the open ones" in shown
    assert "<@UBOB>" not in shown


def test_the_german_digest_reads_naturally(deps, sessions, settings, fake_slack):
    subscribe(sessions, settings, language="de", name_people=True)
    week_of_work(sessions)
    [result] = post_due_digests(deps, SLOT, deliver=True)
    assert result.text.startswith("Interner Service letzte Woche: 2 neu, 1 abgeschlossen")
    shown = text_of(posts_to(fake_slack, "C0001"))
    assert "Interner Service letzte Woche · Mo., 23. Nov. – So., 29. Nov." in shown
    assert "*Am Ende der Woche*\\n1 offen, davon eine überfällig" in shown
    assert "dieser Channel hat die Namensnennung eingeschaltet" in shown
    assert "Bei Antwortzeiten zählt nur die Arbeitszeit" in shown
    for english in ("über der vereinbarten Zeit", "hat Namen eingeschaltet", "Antwortzeiten zählen"):
        assert english not in shown
