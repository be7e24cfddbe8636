"""The nudge ladder against real databases and the loopback fake Slack: what people receive, and when.

Sweeps run at explicit moments (``sweep_at``); the end-to-end test drives the real bot through the
signed Slack driver and the scheduler's ``tick``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from bot.blocks import reminders as reminder_blocks
from bot.clock import ManualClock
from bot.deps import Deps
from bot.jobs.scheduler import tick
from bot.jobs.sweep import SweepReport, run_sweep
from bot.services import reminders as reminder_service
from bot.services import requests as request_service
from bot.slack import make_web_client
from models import Request, RequestEvent
from models.db import transaction
from models.reminder import NudgeSchedule, Reminder
from tests.conftest import BOT_TOKEN, START, TEAM
from tests.slackutil import action_ids, dms_to, press, text_of, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=BERLIN)


THURSDAY_2PM = berlin(11, 26, 14)  # the first answer to requests filed at START "within 4h"


# --- helpers (also used by the other sweep tests) -----------------------------------------------------


def make_deps(settings, sessions, clock, fake_slack) -> Deps:
    """What the scheduler hands a job: settings, sessions, the clock and a client with retries."""
    return Deps(
        settings=settings,
        sessions=sessions,
        clock=clock,
        client=make_web_client(BOT_TOKEN, fake_slack.base_url),
    )


@pytest.fixture
def deps(settings, sessions, clock, fake_slack) -> Deps:
    return make_deps(settings, sessions, clock, fake_slack)


def add_request(
    sessions,
    *,
    assignee: str = "UBOB",
    requester: str = "UALICE",
    created: datetime = START,
    response_due: datetime = THURSDAY_2PM,
    due: datetime | None = None,
    acknowledged: bool = False,
    text: str = "Review the contract",
    channel_id: str | None = "C0001",
) -> int:
    """A request filed through the service (no card), as if at ``created``."""
    with transaction(sessions) as session:
        request = request_service.file_request(
            session,
            team_id=TEAM,
            requester_id=requester,
            assignee_id=assignee,
            text=text,
            now=created,
            response_due_at=response_due,
            due_at=due,
            channel_id=channel_id,
        )
        if acknowledged:
            request_service.acknowledge(
                session, team_id=TEAM, request_id=request.id, actor_id=assignee, now=created
            )
        return request.id


def sweep_at(deps: Deps, moment: datetime, **kwargs: Any) -> SweepReport:
    """Set the clock and sweep as if it were ``moment``, delivering what it queued (as ``kundenfokus
    sweep`` does)."""
    deps.clock.set(moment)  # type: ignore[attr-defined]
    kwargs.setdefault("deliver", not kwargs.get("dry_run", False))
    return run_sweep(deps, moment, **kwargs)


def steps(report: SweepReport) -> list[tuple[str, int, str]]:
    return sorted((line.recipient_id, line.number, line.step) for line in report.lines)


def reminder_items(message: dict[str, Any]) -> list[tuple[str, int]]:
    """(kind, request id) of each item in a reminder message, from the block ids."""
    found = []
    for block in message.get("blocks") or []:
        kind, _, rest = (block.get("block_id") or "").partition("_")
        if kind in ("reminder", "escalate") and rest.isdigit():
            found.append((kind, int(rest)))
    return found


def reminders_to(fake, user_id: str) -> list[dict[str, Any]]:
    return [m for m in dms_to(fake, user_id) if reminder_items(m)]


def told(fake, user_id: str, words: str) -> bool:
    return any(words in text_of(m) for m in dms_to(fake, user_id))


def reminder_rows(sessions) -> list[Reminder]:
    with sessions() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


# --- end to end: the real bot, the driver, the scheduler ----------------------------------------------


def test_the_ladder_end_to_end_over_a_week(slack, fake_slack, bot, clock, sessions):
    """Filed Thursday 10:00 "within 4h": reminders Thu 14:00, Fri, Mon and — spaced out — Wed at 10:00
    (not at the weekend); Tuesday 14:00, three silent business days on, Alice is offered to escalate;
    Bob's "Got it" on a reminder ends the ladder, and the redrawn reminder no longer asks for it."""
    slack.command("UALICE", "<@UBOB|bob> Review the contract within 4h")
    wait_response(fake_slack)
    wait_dms(fake_slack, "UBOB")

    def at(moment: datetime) -> tuple[int, int]:
        clock.set(moment)
        tick(bot.deps, moment)
        bot.settle()
        return len(reminders_to(fake_slack, "UBOB")), len(reminders_to(fake_slack, "UALICE"))

    timeline = [
        (berlin(11, 26, 13, 59), (0, 0)),
        (berlin(11, 26, 14, 0), (1, 0)),
        (berlin(11, 26, 14, 1), (1, 0)),
        (berlin(11, 26, 16, 59), (1, 0)),
        (berlin(11, 27, 9, 30), (1, 0)),  # working, but before the reminder hour
        (berlin(11, 27, 10, 0), (2, 0)),
        (berlin(11, 27, 15, 0), (2, 0)),
        (berlin(11, 28, 10, 0), (2, 0)),  # Saturday
        (berlin(11, 29, 12, 0), (2, 0)),  # Sunday
        (berlin(11, 30, 10, 0), (3, 0)),
        (berlin(12, 1, 10, 0), (3, 0)),  # spaced out: business days 0, 1, 2, then 4
        (berlin(12, 1, 13, 59), (3, 0)),
        (berlin(12, 1, 14, 0), (3, 1)),  # three silent business days after Thursday 14:00
        (berlin(12, 1, 16, 0), (3, 1)),
        (berlin(12, 2, 10, 0), (4, 1)),
    ]
    for moment, expected in timeline:
        assert at(moment) == expected, moment

    first = reminders_to(fake_slack, "UBOB")[0]
    assert "The first answer was planned for Thu, Nov 26, 2:00\u202fPM" in text_of(first)
    assert action_ids(first["blocks"]) == [
        "request_ack",
        "request_done",
        "request_propose",
        "request_snooze",
        "request_decline",
    ]
    [offer] = reminders_to(fake_slack, "UALICE")
    assert "hasn't had a first answer yet" in text_of(offer)
    assert action_ids(offer["blocks"]) == ["request_escalate_channel", "request_escalate_person"]
    assert "<!channel>" not in text_of(offer) and "<!here>" not in text_of(offer)

    latest = reminders_to(fake_slack, "UBOB")[-1]
    assert "A quick *Got it* lets <@UALICE> know" in text_of(latest)
    press(slack, fake_slack, "UBOB", "request_ack", message=latest)
    fake_slack.wait_for(lambda _c: told(fake_slack, "UALICE", "has seen your request"))
    # The redrawn reminder says thanks instead of asking for the Got it that was just given.
    fake_slack.wait_for(lambda _c: "knows you're on it" in text_of(reminders_to(fake_slack, "UBOB")[-1]))
    redrawn = reminders_to(fake_slack, "UBOB")[-1]
    assert "A quick *Got it*" not in text_of(redrawn) and "request_ack" not in action_ids(redrawn["blocks"])
    for moment in (berlin(12, 3, 10), berlin(12, 7, 10), berlin(12, 8, 16)):
        assert at(moment) == (4, 1)
    with sessions() as session:
        kinds = list(session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)))
    assert kinds.count("reminded") == 5 and kinds[-1] == "acknowledged"
    # Acknowledged Wednesday 10:00 without a due date, then silence: one check-in five business days on.
    assert at(berlin(12, 9, 10)) == (5, 1)
    assert "Still on it?" in text_of(reminders_to(fake_slack, "UBOB")[-1])
    for moment in (berlin(12, 10, 10), berlin(12, 16, 10), berlin(12, 30, 10)):
        assert at(moment) == (5, 1)


def test_answering_on_the_card_redraws_the_reminders_that_listed_it(slack, fake_slack, bot, clock, sessions):
    """No stale buttons: once Bob finishes the request from his card, the reminders he (and Alice's
    escalation offer) got about it say how it ended and offer nothing more to click."""
    slack.command("UALICE", "<@UBOB|bob> Review the contract within 4h")
    wait_response(fake_slack)
    [card] = wait_dms(fake_slack, "UBOB")
    for moment in (berlin(11, 26, 14, 0), berlin(12, 1, 14, 0)):
        clock.set(moment)
        tick(bot.deps, moment)
        bot.settle()
    assert len(reminders_to(fake_slack, "UBOB")) == 2 and len(reminders_to(fake_slack, "UALICE")) == 1
    assert all("request_ack" in action_ids(m["blocks"]) for m in reminders_to(fake_slack, "UBOB"))

    press(slack, fake_slack, "UBOB", "request_done", message=card)

    def settled(_calls) -> bool:
        messages = reminders_to(fake_slack, "UBOB") + reminders_to(fake_slack, "UALICE")
        return all(not action_ids(m["blocks"]) and "Done ·" in text_of(m) for m in messages)

    fake_slack.wait_for(settled)


def test_snooze_moves_the_next_reminder_and_never_hides_the_request(slack, fake_slack, bot, clock, sessions):
    slack.command("UALICE", "<@UBOB|bob> Review the contract within 4h")
    wait_response(fake_slack)
    wait_dms(fake_slack, "UBOB")
    clock.set(berlin(11, 26, 14))
    tick(bot.deps, berlin(11, 26, 14))
    bot.settle()
    [reminder] = reminders_to(fake_slack, "UBOB")

    clock.set(berlin(11, 26, 14, 5))
    press(slack, fake_slack, "UBOB", "request_snooze", message=reminder)
    fake_slack.wait_for(lambda _c: told(fake_slack, "UALICE", "paused reminders"))
    for moment, count in ((berlin(11, 27, 10), 1), (berlin(11, 27, 14, 4), 1), (berlin(11, 27, 14, 5), 2)):
        clock.set(moment)
        tick(bot.deps, moment)
        bot.settle()
        assert len(reminders_to(fake_slack, "UBOB")) == count, moment
    with sessions() as session:
        request = session.scalars(select(Request)).one()
    assert request.state == "open"
    before = len([c for c in fake_slack.calls if c.method == "response_url"])
    slack.command("UBOB", "list")
    assert "Review the contract" in text_of(wait_response(fake_slack, before + 1))


# --- grouping, limits and texts ------------------------------------------------------------------------


def test_several_due_items_for_one_person_arrive_as_one_message(deps, fake_slack, sessions):
    bob = [add_request(sessions, text=f"Item {n}", response_due=berlin(11, 26, 10, 30)) for n in range(3)]
    dieter = add_request(sessions, assignee="UDIETER", response_due=berlin(11, 26, 10, 45))
    report = sweep_at(deps, berlin(11, 26, 11))

    [message] = reminders_to(fake_slack, "UBOB")
    assert reminder_items(message) == [("reminder", rid) for rid in bob]
    assert "3 requests" in text_of(message) and all(f"Item {n}" in text_of(message) for n in range(3))
    [other] = reminders_to(fake_slack, "UDIETER")
    assert reminder_items(other) == [("reminder", dieter)]
    assert report.messages == 2 and len(report.lines) == 4
    assert {row.state for row in reminder_rows(sessions)} == {"sent"}
    assert len({row.message_ts for row in reminder_rows(sessions) if row.recipient_id == "UBOB"}) == 1


def test_a_long_list_stays_within_slacks_limits(deps, fake_slack, sessions):
    for n in range(25):
        add_request(sessions, text=f"Item {n}", response_due=berlin(11, 26, 10, 30))
    sweep_at(deps, berlin(11, 26, 11))
    [message] = reminders_to(fake_slack, "UBOB")
    assert len(message["blocks"]) <= 50
    assert all(len(b["elements"]) <= 25 for b in message["blocks"] if b["type"] == "actions")
    assert len(reminder_items(message)) == reminder_blocks.MAX_ITEMS
    assert "…and 5 more — see `/request list`." in text_of(message)
    assert {row.state for row in reminder_rows(sessions)} == {"sent"}  # all 25 were mentioned


def test_user_text_in_reminders_is_escaped(deps, fake_slack, sessions):
    add_request(
        sessions,
        text="Pay <!channel> <https://evil.example|the bank> now",
        response_due=berlin(11, 26, 10, 30),
    )
    sweep_at(deps, berlin(11, 26, 11))
    [message] = reminders_to(fake_slack, "UBOB")
    assert "<!channel>" not in text_of(message) and "<https://evil" not in text_of(message)
    assert "&lt;!channel&gt;" in text_of(message)


# --- due dates, closed requests, time zones ------------------------------------------------------------


def test_heads_up_once_then_overdue_reminders_and_the_offer(deps, sessions):
    add_request(sessions, acknowledged=True, due=berlin(12, 4, 17))
    timeline = [
        (berlin(11, 26, 14), []),
        (berlin(12, 2, 10), []),
        (berlin(12, 3, 10), [("UBOB", 1, "heads_up")]),
        (berlin(12, 3, 15), []),
        (berlin(12, 4, 10), []),
        (berlin(12, 4, 16, 59), []),
        (berlin(12, 5, 10), []),  # Saturday
        (berlin(12, 7, 10), [("UBOB", 1, "overdue")]),
        (berlin(12, 8, 10), [("UBOB", 1, "overdue")]),
        (berlin(12, 9, 10), [("UBOB", 1, "overdue")]),
        (berlin(12, 10, 10), [("UALICE", 1, "escalate")]),  # overdue reminders: days 0, 1, 2, 4
        (berlin(12, 11, 10), [("UBOB", 1, "overdue")]),
    ]
    for moment, expected in timeline:
        assert steps(sweep_at(deps, moment)) == expected, moment


def test_closed_requests_get_no_reminders(deps, fake_slack, sessions):
    done = add_request(sessions, response_due=berlin(11, 26, 11))
    cancelled = add_request(sessions, response_due=berlin(11, 26, 11), due=berlin(11, 27, 12))
    with transaction(sessions) as session:
        request_service.complete(session, team_id=TEAM, request_id=done, actor_id="UBOB", now=START)
        request_service.cancel(session, team_id=TEAM, request_id=cancelled, actor_id="UALICE", now=START)
    for moment in (berlin(11, 26, 11), berlin(11, 27, 12), berlin(12, 1, 14), berlin(12, 10, 10)):
        assert sweep_at(deps, moment).lines == []
    assert reminders_to(fake_slack, "UBOB") == [] and reminders_to(fake_slack, "UALICE") == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(NudgeSchedule)) == 0  # forgotten, not re-read


def test_reminders_arrive_in_the_recipients_own_working_hours(deps, fake_slack, sessions):
    add_request(sessions, assignee="UCAROL", created=berlin(11, 25, 10), response_due=berlin(11, 25, 14))
    assert sweep_at(deps, berlin(11, 25, 14)).lines == []  # 08:00 in New York
    assert sweep_at(deps, berlin(11, 25, 15, 59)).lines == []  # 09:59 in New York
    assert steps(sweep_at(deps, berlin(11, 25, 16))) == [("UCAROL", 1, "response")]
    [message] = reminders_to(fake_slack, "UCAROL")
    assert "8:00\u202fAM" in text_of(message)  # the agreed time, in her zone
    assert [r.day_key for r in reminder_rows(sessions)] == ["2026-11-25"]


def test_no_reminder_on_the_recipients_own_public_holiday(deps, fake_slack, sessions):
    """Thursday 26 November 2026 is Thanksgiving in New York, an ordinary Thursday in Berlin."""
    add_request(sessions, assignee="UCAROL", response_due=berlin(11, 26, 14))
    add_request(sessions, assignee="UBOB", response_due=berlin(11, 26, 14))
    assert steps(sweep_at(deps, berlin(11, 26, 16))) == [("UBOB", 2, "response")]
    assert sweep_at(deps, berlin(11, 26, 22)).lines == []
    friday = steps(sweep_at(deps, berlin(11, 27, 16)))  # Friday 10:00 in New York
    assert ("UCAROL", 1, "response") in friday


def test_reminders_follow_a_reassigned_request(deps, fake_slack, sessions):
    rid = add_request(sessions, response_due=berlin(11, 26, 14))
    assert steps(sweep_at(deps, berlin(11, 26, 14))) == [("UBOB", 1, "response")]
    with transaction(sessions) as session:
        request_service.reassign(
            session,
            team_id=TEAM,
            request_id=rid,
            actor_id="UBOB",
            now=berlin(11, 26, 15),
            new_assignee_id="UDIETER",
            response_due_at=berlin(11, 27, 11),
        )
    assert sweep_at(deps, berlin(11, 27, 10)).lines == []
    assert steps(sweep_at(deps, berlin(11, 27, 11))) == [("UDIETER", 1, "response")]
    assert len(reminders_to(fake_slack, "UBOB")) == 1


# --- failures --------------------------------------------------------------------------------------------


def test_a_person_who_left_is_recorded_and_does_not_block_the_others(deps, fake_slack, sessions):
    gone = add_request(sessions, response_due=berlin(11, 26, 14))
    add_request(sessions, assignee="UDIETER", response_due=berlin(11, 26, 14))
    sweep_at(deps, berlin(11, 26, 10, 5))  # people looked up and cached while Bob is still here
    fake_slack.user("UBOB").deleted = True

    report = sweep_at(deps, berlin(11, 26, 14))
    assert sorted(str(line).split()[0] for line in report.lines) == ["failed", "sent"]
    [failed] = [row for row in reminder_rows(sessions) if row.request_id == gone]
    assert (failed.state, failed.error) == ("failed", "user_disabled")
    assert len(reminders_to(fake_slack, "UDIETER")) == 1
    # The next day the refreshed profile says Bob left: no more attempts, Alice still hears in time.
    assert steps(sweep_at(deps, berlin(11, 27, 10))) == [("UDIETER", 2, "response")]
    assert ("UALICE", 1, "escalate") in steps(sweep_at(deps, berlin(12, 1, 14)))


def test_an_inactive_account_is_recorded_on_the_row(deps, fake_slack, sessions):
    add_request(sessions, response_due=berlin(11, 26, 14))
    fake_slack.fail_next("chat.postMessage", status=200, error="account_inactive")
    report = sweep_at(deps, berlin(11, 26, 14))
    assert [line.outcome for line in report.lines] == ["failed (account_inactive)"]
    [row] = reminder_rows(sessions)
    assert (row.state, row.error) == ("failed", "account_inactive")
    assert sweep_at(deps, berlin(11, 26, 15)).lines == []  # not retried: one a day


def test_a_reminder_no_longer_wanted_when_its_turn_comes_is_skipped(deps, fake_slack, sessions, clock):
    rid = add_request(sessions, response_due=berlin(11, 26, 14))
    deps.clock.set(berlin(11, 26, 14))
    report = run_sweep(deps, berlin(11, 26, 14))  # queued in the outbox, not delivered yet
    assert report.messages == 1
    with transaction(sessions) as session:  # the answer comes before the reminder's turn
        request_service.acknowledge(
            session, team_id=TEAM, request_id=rid, actor_id="UBOB", now=berlin(11, 26, 14, 1)
        )
    deps.outbox.start()
    try:
        assert deps.outbox.wait_for(report.outbox_ids, timeout=10) == {report.outbox_ids[0]: "dropped"}
    finally:
        deps.outbox.stop()
    [row] = reminder_rows(sessions)
    assert (row.state, row.error) == ("skipped", "no_longer_due")
    assert reminders_to(fake_slack, "UBOB") == []


def _people(deps: Deps):
    """Planning inside a test's own transaction: the people are looked up before it begins."""
    from bot.people import MemoryLookup

    deps.people.prefetch([(TEAM, user) for user in ("UALICE", "UBOB", "UCAROL", "UDIETER", "UGONE")])
    return MemoryLookup(deps.people)


# --- dry run and cost ------------------------------------------------------------------------------------


def test_dry_run_shows_what_would_be_sent_and_changes_nothing(deps, fake_slack, sessions):
    add_request(sessions, response_due=berlin(11, 26, 14))
    add_request(sessions, assignee="UDIETER", response_due=berlin(11, 26, 14))
    dry = sweep_at(deps, berlin(11, 26, 14), dry_run=True)
    assert {line.outcome for line in dry.lines} == {"would send"}
    assert not fake_slack.calls_to("chat.postMessage") and reminder_rows(sessions) == []

    real = sweep_at(deps, berlin(11, 26, 14))
    assert steps(real) == steps(dry) == [("UBOB", 1, "response"), ("UDIETER", 2, "response")]
    assert {line.outcome for line in real.lines} == {"sent"}
    assert sweep_at(deps, berlin(11, 26, 14), dry_run=True).lines == []
    assert sweep_at(deps, berlin(11, 26, 14)).lines == []


def test_a_sweep_only_looks_at_requests_that_may_be_due(deps, sessions):
    for _ in range(30):
        add_request(sessions, response_due=berlin(12, 3, 12))
    for _ in range(2):
        add_request(sessions, assignee="UDIETER", response_due=berlin(11, 26, 14))
    assert sweep_at(deps, berlin(11, 26, 10, 1)).looked_at == 32  # new requests: planned once
    assert sweep_at(deps, berlin(11, 26, 10, 2)).looked_at == 0
    due = sweep_at(deps, berlin(11, 26, 14))
    assert (due.looked_at, len(due.lines)) == (2, 2)
    assert sweep_at(deps, berlin(11, 26, 15)).looked_at == 0
    assert sweep_at(deps, berlin(11, 27, 10)).looked_at == 2


def test_planning_in_small_batches_covers_every_due_request_once(deps, sessions):
    due = [add_request(sessions, response_due=berlin(11, 26, 13, minute)) for minute in (5, 5, 5, 30, 45)]
    add_request(sessions, response_due=berlin(12, 3, 12))
    sweep_at(deps, berlin(11, 26, 10, 1))  # first look at the new requests
    now, cursor, looked = berlin(11, 26, 14), None, []
    people = _people(deps)  # looked up before the planning transactions
    while True:
        with transaction(sessions) as session:
            batch = reminder_service.plan_batch(
                session, settings=deps.settings, now=now, people=people, after=cursor, limit=2
            )
        if batch.cursor is None:
            break
        cursor, looked = batch.cursor, [*looked, batch.looked_at]
    assert looked == [2, 2, 1]
    assert sorted(row.request_id for row in reminder_rows(sessions)) == due


def test_the_schedule_is_read_through_its_index(engine, sessions):
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan check reads SQLite's EXPLAIN QUERY PLAN")
    with engine.connect() as connection:
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN SELECT request_id FROM nudge_schedule WHERE next_at <= :now"),
            {"now": "2026-11-26 13:00:00.000000"},
        ).all()
    assert "ix_nudge_schedule_next_at" in " ".join(str(row) for row in plan)


def test_each_change_puts_the_request_back_on_the_schedule(deps, sessions, clock: ManualClock):
    rid = add_request(sessions, response_due=berlin(12, 3, 12))
    sweep_at(deps, berlin(11, 26, 10, 1))
    with sessions() as session:
        entry = session.get(NudgeSchedule, rid)
        assert entry.next_at == berlin(12, 3, 12)
    with transaction(sessions) as session:
        request_service.snooze(
            session,
            team_id=TEAM,
            request_id=rid,
            actor_id="UBOB",
            now=berlin(11, 26, 11),
            until=berlin(12, 4, 10),
        )
    with sessions() as session:
        assert session.get(NudgeSchedule, rid).next_at == berlin(11, 26, 11)
    sweep_at(deps, berlin(11, 26, 11, 1))
    with sessions() as session:
        assert session.get(NudgeSchedule, rid).next_at == berlin(12, 4, 10)
