"""The nudge ladder as a pure function: when a reminder is due, for whom, and when to look again."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import BusinessCalendar
from bot.domain.ladder import (
    Audience,
    Clocks,
    DueReminder,
    LadderRules,
    Sent,
    Step,
    allowance,
    chase_days,
    chase_offset,
    heads_up_day,
    next_reminder_moment,
    plan,
    still_wanted,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN_CAL = BusinessCalendar("Europe/Berlin", holiday_country="DE", holiday_subdivision="BE")
NEW_YORK_CAL = BusinessCalendar("America/New_York", holiday_country="DE", holiday_subdivision="BE")
RULES = LadderRules(reminder_time=time(10), heads_up_days=1, escalate_after_days=3)


def berlin(m: int, d: int, hh: int = 0, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN)


def ny(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=NEW_YORK)


def open_request(response_due: datetime, **extra: object) -> Clocks:
    return Clocks(state="open", created_at=berlin(11, 26, 10), response_due_at=response_due, **extra)  # type: ignore[arg-type]


def sent(step: Step, day: date, key: str | None = None) -> Sent:
    return Sent(step, key or day.isoformat(), day)


# --- reminder moments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "earliest", "after_day", "expected"),
    [
        (BERLIN_CAL, berlin(11, 26, 14), None, berlin(11, 26, 14)),  # Thursday afternoon: right away
        (BERLIN_CAL, berlin(11, 26, 8), None, berlin(11, 26, 10)),  # not before 10:00
        (BERLIN_CAL, berlin(11, 26, 9, 30), None, berlin(11, 26, 10)),  # working, but before 10:00
        (BERLIN_CAL, berlin(11, 26, 17, 30), None, berlin(11, 27, 10)),  # Thursday evening -> Friday
        (BERLIN_CAL, berlin(11, 27, 18), None, berlin(11, 30, 10)),  # Friday evening -> Monday
        (BERLIN_CAL, berlin(11, 28, 11), None, berlin(11, 30, 10)),  # Saturday -> Monday
        (BERLIN_CAL, berlin(11, 26, 14), date(2026, 11, 26), berlin(11, 27, 10)),  # one a day
        (BERLIN_CAL, berlin(11, 26, 14), date(2026, 12, 1), berlin(12, 2, 10)),  # a later day used
        (BERLIN_CAL, berlin(12, 24, 17, 30), None, berlin(12, 28, 10)),  # Christmas, weekend
        (BERLIN_CAL, berlin(12, 31, 18), None, berlin(1, 4, 10, y=2027)),  # New Year's Day
        (BERLIN_CAL, berlin(10, 23, 18), None, berlin(10, 26, 10)),  # across the October DST change
        (BERLIN_CAL, berlin(3, 27, 18), None, berlin(3, 30, 10)),  # across the March DST change
        (NEW_YORK_CAL, berlin(11, 26, 14), None, ny(11, 26, 10)),  # 08:00 in New York -> 10:00 there
        (NEW_YORK_CAL, ny(11, 26, 16, 59), None, ny(11, 26, 16, 59)),  # still her working day
    ],
)
def test_next_reminder_moment(calendar, earliest, after_day, expected):
    moment = next_reminder_moment(calendar, earliest, not_before=time(10), after_day=after_day)
    assert moment == expected and moment.tzinfo == UTC


def test_reminder_time_before_work_starts_means_when_work_starts():
    assert next_reminder_moment(BERLIN_CAL, berlin(11, 26, 7), not_before=time(8)) == berlin(11, 26, 9)


def test_heads_up_day_counts_working_days_back_from_the_due_day():
    assert heads_up_day(BERLIN_CAL, berlin(12, 4, 17), 1) == date(2026, 12, 3)  # Fri -> Thu
    assert heads_up_day(BERLIN_CAL, berlin(11, 30, 17), 1) == date(2026, 11, 27)  # Mon -> Fri
    assert heads_up_day(BERLIN_CAL, berlin(12, 28, 17), 1) == date(2026, 12, 24)  # over Christmas
    assert heads_up_day(BERLIN_CAL, berlin(12, 4, 17), 3) == date(2026, 12, 1)


# --- the response ladder ------------------------------------------------------------------------------


def test_nothing_before_the_response_time_then_a_reminder_when_it_passes():
    clocks = open_request(berlin(11, 26, 14))
    before = plan(clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, rules=RULES, now=berlin(11, 26, 13, 59))
    assert before.due == () and before.next_check == berlin(11, 26, 14)

    at = plan(clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, rules=RULES, now=berlin(11, 26, 14))
    assert at.due == (DueReminder(Step.RESPONSE, "2026-11-26", date(2026, 11, 26)),)
    assert at.next_check == berlin(11, 27, 10)  # tomorrow at the reminder time


def test_at_most_one_a_day_and_none_at_the_weekend():
    clocks = open_request(berlin(11, 26, 14))
    history = [sent(Step.RESPONSE, date(2026, 11, 26))]
    later = plan(
        clocks,
        assignee=BERLIN_CAL,
        requester=BERLIN_CAL,
        history=history,
        rules=RULES,
        now=berlin(11, 26, 16),
    )
    assert later.due == () and later.next_check == berlin(11, 27, 10)

    history.append(sent(Step.RESPONSE, date(2026, 11, 27)))
    saturday = plan(
        clocks,
        assignee=BERLIN_CAL,
        requester=BERLIN_CAL,
        history=history,
        rules=RULES,
        now=berlin(11, 28, 11),
    )
    assert saturday.due == () and saturday.next_check == berlin(11, 30, 10)


def test_after_three_silent_business_days_the_requester_is_offered_to_escalate():
    clocks = open_request(berlin(11, 26, 14))
    history = [sent(Step.RESPONSE, date(2026, 11, d)) for d in (26, 27, 30)] + [
        sent(Step.RESPONSE, date(2026, 12, 1))
    ]
    early = plan(
        clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=RULES, now=berlin(12, 1, 13)
    )
    assert early.due == () and early.next_check == berlin(12, 1, 14)  # Thu 14:00 + 3 business days

    offer = plan(
        clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=RULES, now=berlin(12, 1, 14)
    )
    assert offer.due == (DueReminder(Step.ESCALATE, "response@2026-11-26T13:00", date(2026, 12, 1)),)

    history.append(Sent(Step.ESCALATE, "response@2026-11-26T13:00", date(2026, 12, 1)))
    once = plan(
        clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=RULES, now=berlin(12, 2, 10)
    )
    # No second offer; the assignee's fifth reminder waits for business day 7 after Thursday (spacing).
    assert once.due == () and once.next_check == berlin(12, 7, 10)


def test_escalation_counts_on_the_assignees_calendar_and_arrives_in_the_requesters_hours():
    clocks = open_request(ny(11, 26, 12))  # Carol in New York
    history = [sent(Step.RESPONSE, date(2026, 11, d)) for d in (26, 27, 30)] + [
        sent(Step.RESPONSE, date(2026, 12, 1))
    ]
    result = plan(
        clocks,
        assignee=NEW_YORK_CAL,
        requester=BERLIN_CAL,
        history=history,
        rules=RULES,
        now=berlin(12, 1, 16),
    )
    assert result.due == () and result.next_check == berlin(12, 2, 10)  # NY Tue 12:00 is 18:00 in Berlin


def test_a_bot_or_departed_assignee_gets_nothing_but_the_requester_still_hears():
    clocks = open_request(berlin(11, 26, 14))
    result = plan(clocks, assignee=None, requester=BERLIN_CAL, rules=RULES, now=berlin(12, 1, 14))
    assert [d.step for d in result.due] == [Step.ESCALATE]


@pytest.mark.parametrize(
    ("clocks", "now"),
    [
        (Clocks("done", berlin(11, 26, 10), berlin(11, 26, 14)), berlin(11, 30, 10)),
        (
            Clocks("cancelled", berlin(11, 26, 10), berlin(11, 26, 14), due_at=berlin(11, 27, 17)),
            berlin(11, 30, 10),
        ),
        (open_request(berlin(11, 26, 14), proposal_pending=True), berlin(11, 30, 10)),
    ],
    ids=["done", "cancelled", "proposal-pending"],
)
def test_nothing_is_due_and_nothing_will_be(clocks, now):
    result = plan(clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, rules=RULES, now=now)
    assert result == type(result)((), None)


def test_snooze_moves_the_next_reminder():
    clocks = open_request(berlin(11, 26, 14), snoozed_until=berlin(11, 27, 14, 5))
    history = [sent(Step.RESPONSE, date(2026, 11, 26))]
    morning = plan(
        clocks,
        assignee=BERLIN_CAL,
        requester=BERLIN_CAL,
        history=history,
        rules=RULES,
        now=berlin(11, 27, 10),
    )
    assert morning.due == () and morning.next_check == berlin(11, 27, 14, 5)
    after = plan(
        clocks,
        assignee=BERLIN_CAL,
        requester=BERLIN_CAL,
        history=history,
        rules=RULES,
        now=berlin(11, 27, 14, 5),
    )
    assert [d.step for d in after.due] == [Step.RESPONSE]


# --- due dates ----------------------------------------------------------------------------------------


def acknowledged(due: datetime, created: datetime | None = None) -> Clocks:
    return Clocks("acknowledged", created or berlin(11, 26, 10), berlin(11, 26, 14), due_at=due)


def test_one_heads_up_the_business_day_before_then_overdue_reminders():
    clocks = acknowledged(berlin(12, 4, 17))
    first = plan(clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, rules=RULES, now=berlin(11, 27, 10))
    assert first.due == () and first.next_check == berlin(12, 3, 10)

    heads_up = plan(clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, rules=RULES, now=berlin(12, 3, 10))
    assert heads_up.due == (DueReminder(Step.HEADS_UP, "2026-12-04", date(2026, 12, 3)),)
    history = [Sent(Step.HEADS_UP, "2026-12-04", date(2026, 12, 3))]

    friday = plan(
        clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=RULES, now=berlin(12, 4, 10)
    )
    assert friday.due == () and friday.next_check == berlin(12, 7, 10)  # due Fri 17:00: overdue on Monday

    monday = plan(
        clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=RULES, now=berlin(12, 7, 10)
    )
    assert monday.due == (DueReminder(Step.OVERDUE, "2026-12-07", date(2026, 12, 7)),)


def test_no_heads_up_for_a_request_filed_on_the_heads_up_day():
    clocks = acknowledged(berlin(12, 4, 17), created=berlin(12, 3, 9, 30))
    result = plan(clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, rules=RULES, now=berlin(12, 3, 10))
    assert result.due == () and result.next_check == berlin(12, 7, 10)


def test_a_moved_due_date_gets_its_own_heads_up():
    history = [Sent(Step.HEADS_UP, "2026-12-04", date(2026, 12, 3))]
    clocks = acknowledged(berlin(12, 9, 17))
    result = plan(
        clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=RULES, now=berlin(12, 8, 10)
    )
    assert result.due == (DueReminder(Step.HEADS_UP, "2026-12-09", date(2026, 12, 8)),)


def test_one_assignee_reminder_a_day_overdue_beats_response():
    clocks = Clocks("open", berlin(11, 26, 10), berlin(11, 26, 14), due_at=berlin(11, 27, 12))
    history = [sent(Step.RESPONSE, date(2026, 11, 26))]
    result = plan(
        clocks,
        assignee=BERLIN_CAL,
        requester=BERLIN_CAL,
        history=history,
        rules=RULES,
        now=berlin(11, 30, 10),
    )
    assert [d.step for d in result.due] == [Step.OVERDUE]
    assert result.next_check == berlin(12, 1, 10)


def test_switched_off_steps():
    rules = LadderRules(reminder_time=time(10), heads_up_days=0, escalate_after_days=0)
    clocks = acknowledged(berlin(12, 4, 17))
    assert (
        plan(clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, rules=rules, now=berlin(12, 3, 10)).due == ()
    )
    history = [sent(Step.OVERDUE, date(2026, 12, d)) for d in (7, 8, 9, 11)]
    late = plan(
        clocks,
        assignee=BERLIN_CAL,
        requester=BERLIN_CAL,
        history=history,
        rules=rules,
        now=berlin(12, 16, 10),  # business day 7 after Monday 7 December
    )
    assert [d.step for d in late.due] == [Step.OVERDUE]


@pytest.mark.parametrize(
    ("step", "key", "clocks", "now", "wanted"),
    [
        (Step.RESPONSE, "2026-11-27", open_request(berlin(11, 26, 14)), berlin(11, 27, 10), True),
        (Step.RESPONSE, "2026-11-27", acknowledged(berlin(12, 4, 17)), berlin(11, 27, 10), False),
        (
            Step.RESPONSE,
            "2026-11-27",
            open_request(berlin(11, 26, 14), snoozed_until=berlin(11, 27, 11)),
            berlin(11, 27, 10),
            False,
        ),
        (Step.HEADS_UP, "2026-12-04", acknowledged(berlin(12, 4, 17)), berlin(12, 4, 17), False),
        (Step.OVERDUE, "2026-12-07", acknowledged(berlin(12, 4, 17)), berlin(12, 7, 10), True),
        (
            Step.ESCALATE,
            "response@2026-11-26T13:00",
            acknowledged(berlin(12, 4, 17)),
            berlin(12, 1, 14),
            False,
        ),
        (
            Step.ESCALATE,
            "response@2026-11-26T13:00",
            open_request(berlin(11, 26, 14)),
            berlin(12, 1, 14),
            True,
        ),
        (Step.ESCALATE, "due@2026-12-04T16:00", acknowledged(berlin(12, 4, 17)), berlin(12, 10, 10), True),
        (
            Step.OVERDUE,
            "2026-12-07",
            Clocks("done", berlin(11, 26, 10), berlin(11, 26, 14), due_at=berlin(12, 4, 17)),
            berlin(12, 7, 10),
            False,
        ),
    ],
)
def test_still_wanted_right_before_sending(step, key, clocks, now, wanted):
    assert still_wanted(step, key, clocks, now) is wanted


def nth_working_day(calendar: BusinessCalendar, day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


# --- properties: simulate the schedule the way the sweep drives it ------------------------------------


def simulate(
    clocks: Clocks, assignee: BusinessCalendar, start: datetime, end: datetime
) -> list[tuple[datetime, DueReminder]]:
    """Plan at ``start``, then jump to each ``next_check``, as the schedule table makes the sweep do."""
    history: list[Sent] = []
    out: list[tuple[datetime, DueReminder]] = []
    now = start.astimezone(UTC)
    while now < end:
        result = plan(clocks, assignee=assignee, requester=BERLIN_CAL, history=history, rules=RULES, now=now)
        for due in result.due:
            out.append((now, due))
            history.append(Sent(due.step, due.key, due.day))
        if result.next_check is None:
            break
        assert result.next_check > now
        now = result.next_check
    return out


@settings(max_examples=60, deadline=None)
@given(
    response_offset=st.integers(min_value=0, max_value=10 * 24 * 60),
    due_offset=st.one_of(st.none(), st.integers(min_value=60, max_value=15 * 24 * 60)),
    state=st.sampled_from(["open", "acknowledged"]),
    in_new_york=st.booleans(),
)
def test_ladder_invariants(response_offset, due_offset, state, in_new_york):
    created = berlin(11, 23, 8)
    calendar = NEW_YORK_CAL if in_new_york else BERLIN_CAL
    response_due = created + timedelta(minutes=response_offset)
    due = response_due + timedelta(minutes=due_offset) if due_offset is not None else None
    clocks = Clocks(state, created, response_due, due_at=due)
    sends = simulate(clocks, calendar, created, berlin(12, 23, 0))
    days_seen: dict[str, set[date]] = {"assignee": set(), "requester": set()}
    keys_seen = set()
    for moment, due_reminder in sends:
        cal = BERLIN_CAL if due_reminder.audience is Audience.REQUESTER else calendar
        local = moment.astimezone(cal.tz)
        assert cal.is_working_time(moment) and local.time() >= time(10)
        assert due_reminder.day == local.date() and due_reminder.day not in days_seen[due_reminder.audience]
        days_seen[due_reminder.audience].add(due_reminder.day)
        assert (due_reminder.step, due_reminder.key) not in keys_seen
        keys_seen.add((due_reminder.step, due_reminder.key))
        if due_reminder.step is Step.RESPONSE:
            assert state == "open" and moment >= response_due
        if due_reminder.step is Step.HEADS_UP:
            assert due is not None and moment < due
        if due_reminder.step is Step.OVERDUE:
            assert due is not None and moment >= due
    clock = min(response_due, due or response_due) if state == "open" else due
    chased = [d.day for _m, d in sends if d.step in (Step.RESPONSE, Step.OVERDUE)]
    if clock is None:
        assert chased == []
    else:
        # Once the agreed time has passed: business days 0, 1, 2, 4, 7 after it, then the cap.
        first = next_reminder_moment(calendar, clock, not_before=time(10))
        expected = [nth_working_day(calendar, calendar.local_business_day(first), n) for n in (0, 1, 2, 4, 7)]
        assert chased == [day for day in expected if day <= date(2026, 12, 22)]
        capped = [d for _m, d in sends if d.step is Step.CAPPED]
        assert len(capped) <= 1 and (not capped or len(chased) == RULES.max_reminders)


def test_jumping_to_next_check_sends_what_ticking_every_minute_sends():
    clocks = Clocks("open", berlin(11, 26, 10), berlin(11, 26, 14, 7), due_at=berlin(12, 2, 12))
    jumped = [(m, d.step, d.day) for m, d in simulate(clocks, BERLIN_CAL, berlin(11, 26, 10), berlin(12, 5))]
    ticked = []
    history: list[Sent] = []
    now = berlin(11, 26, 10).astimezone(UTC)
    while now < berlin(12, 5):
        for due in plan(
            clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=RULES, now=now
        ).due:
            ticked.append((now, due.step, due.day))
            history.append(Sent(due.step, due.key, due.day))
        now += timedelta(minutes=1)
    assert jumped == ticked
    assert [step for _m, step, _d in jumped][:3] == [Step.RESPONSE, Step.RESPONSE, Step.RESPONSE]


# --- knowing when to stop: spacing, the cap, keep waiting, the check-in, waiting, the heads-up rule ----


def test_reminders_are_spaced_out_over_business_days():
    assert chase_days(7) == (0, 1, 2, 4, 7, 11, 16)
    assert [chase_offset(n + 1) - chase_offset(n) for n in range(1, 6)] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError):
        chase_offset(-1)


def test_keep_waiting_gives_a_smaller_allowance_each_time():
    assert [allowance(5, kept) for kept in range(5)] == [5, 3, 2, 1, 1]
    assert allowance(1, 0) == 1 and allowance(2, 1) == 1 and allowance(10, 1) == 5


def run(
    clocks: Clocks, start: datetime, end: datetime, rules: LadderRules = RULES
) -> list[tuple[datetime, DueReminder]]:
    """Jump from ``next_check`` to ``next_check`` as the sweep does (both people in Berlin)."""
    history: list[Sent] = []
    out = []
    now = start.astimezone(UTC)
    while now < end:
        result = plan(
            clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=rules, now=now
        )
        for due in result.due:
            out.append((now, due))
            history.append(Sent(due.step, due.key, due.day))
        if result.next_check is None:
            break
        now = result.next_check
    return out


def test_after_the_cap_the_assignee_hears_nothing_more_and_the_requester_is_asked_once():
    rules = replace(RULES, escalate_after_days=0)
    sends = run(open_request(berlin(11, 26, 14)), berlin(11, 26, 10), berlin(1, 29, y=2027), rules)
    assert [(m, d.step) for m, d in sends] == [
        (berlin(11, 26, 14), Step.RESPONSE),  # business day 0
        (berlin(11, 27, 10), Step.RESPONSE),  # 1
        (berlin(11, 30, 10), Step.RESPONSE),  # 2
        (berlin(12, 2, 10), Step.RESPONSE),  # 4
        (berlin(12, 7, 10), Step.RESPONSE),  # 7
        (berlin(12, 11, 10), Step.CAPPED),  # when the sixth (business day 11) would have come
    ]
    assert sends[-1][1].audience is Audience.REQUESTER


def test_keep_waiting_starts_the_spacing_again_with_a_smaller_allowance():
    history = [sent(Step.RESPONSE, date(2026, 11, d)) for d in (26, 27, 30)] + [
        sent(Step.RESPONSE, date(2026, 12, d)) for d in (2, 7)
    ]
    history.append(Sent(Step.CAPPED, "round@0", date(2026, 12, 11)))
    rules = replace(RULES, escalate_after_days=0)
    clocks = open_request(berlin(11, 26, 14), kept_waiting=1, kept_waiting_at=berlin(12, 11, 11))
    sends = []
    now = berlin(12, 11, 11).astimezone(UTC)
    while now < berlin(2, 1, y=2027):
        result = plan(
            clocks, assignee=BERLIN_CAL, requester=BERLIN_CAL, history=history, rules=rules, now=now
        )
        for due in result.due:
            sends.append((now, due.step, due.key))
            history.append(Sent(due.step, due.key, due.day))
        if result.next_check is None:
            break
        now = result.next_check
    assert sends == [
        (berlin(12, 14, 10), Step.RESPONSE, "2026-12-14"),  # business day 1 after the click
        (berlin(12, 15, 10), Step.RESPONSE, "2026-12-15"),  # 2
        (berlin(12, 17, 10), Step.RESPONSE, "2026-12-17"),  # 4: the third of three
        (berlin(12, 22, 10), Step.CAPPED, "round@1"),  # asked again, once
    ]


def test_an_acknowledged_request_without_due_date_gets_one_check_in_after_five_silent_days():
    clocks = Clocks("acknowledged", berlin(11, 26, 10), berlin(11, 26, 14), last_activity=berlin(11, 26, 11))
    sends = run(clocks, berlin(11, 26, 11), berlin(2, 1, y=2027))
    assert [(m, d.step, d.key) for m, d in sends] == [(berlin(12, 3, 11), Step.CHECK_IN, "once")]
    # Any sign of life restarts the silence.
    later = replace(clocks, last_activity=berlin(12, 1, 15))
    assert [m for m, _d in run(later, berlin(11, 26, 11), berlin(2, 1, y=2027))] == [berlin(12, 8, 15)]
    assert still_wanted(Step.CHECK_IN, "once", clocks, berlin(12, 3, 11))
    assert not still_wanted(
        Step.CHECK_IN, "once", replace(clocks, due_at=berlin(12, 9, 17)), berlin(12, 3, 11)
    )


def test_no_heads_up_for_a_due_date_less_than_a_business_day_after_filing():
    # Filed Thu 08:56 (before work), due Fri 12:00: not one business day of notice -> no heads-up at 10:00.
    soon = acknowledged(berlin(11, 27, 12), created=berlin(11, 26, 8, 56))
    assert [d.step for _m, d in run(soon, berlin(11, 26, 8, 56), berlin(11, 27, 11))] == []
    # Filed Wed 08:56, due Fri 12:00: the heads-up on Thursday.
    ahead = acknowledged(berlin(11, 27, 12), created=berlin(11, 25, 8, 56))
    sends = run(ahead, berlin(11, 25, 8, 56), berlin(11, 27, 11))
    assert [(m, d.step) for m, d in sends] == [(berlin(11, 26, 10), Step.HEADS_UP)]


def test_a_heads_up_never_takes_the_slot_of_a_chasing_reminder():
    # Open, first answer due Thu 14:00, due Fri 17:00: Thursday's one slot is the response reminder's.
    clocks = Clocks("open", berlin(11, 24, 10), berlin(11, 26, 14), due_at=berlin(11, 27, 17))
    sends = run(clocks, berlin(11, 26, 9), berlin(11, 28), replace(RULES, escalate_after_days=0))
    assert [(m, d.step) for m, d in sends] == [
        (berlin(11, 26, 14), Step.RESPONSE),
        (berlin(11, 27, 10), Step.RESPONSE),
    ]


def test_while_waiting_only_the_requester_hears_spaced_and_capped():
    clocks = Clocks(
        "waiting",
        berlin(11, 23, 10),
        berlin(11, 23, 14),
        due_at=berlin(11, 25, 17),
        waiting_since=berlin(11, 26, 15),
    )
    sends = run(clocks, berlin(11, 26, 15), berlin(2, 1, y=2027))
    assert all(d.audience is Audience.REQUESTER and d.step is Step.WAITING for _m, d in sends)
    assert [m for m, _d in sends] == [
        berlin(11, 27, 10),  # business day 1 after the question
        berlin(11, 30, 10),  # 2
        berlin(12, 2, 10),  # 4
        berlin(12, 7, 10),  # 7
        berlin(12, 11, 10),  # 11: the fifth, then no more
    ]
    for step in (Step.RESPONSE, Step.OVERDUE, Step.HEADS_UP, Step.CHECK_IN, Step.CAPPED):
        assert not still_wanted(step, "2026-11-27", clocks, berlin(11, 27, 10))
    assert still_wanted(Step.WAITING, "2026-11-27", clocks, berlin(11, 27, 10))
    assert not still_wanted(
        Step.WAITING, "2026-11-27", replace(clocks, state="acknowledged"), berlin(11, 27, 10)
    )


def test_a_ladder_that_starts_late_still_spaces_its_reminders():
    # The first answer was due a month ago and nothing was sent yet (say the bot was just installed).
    clocks = open_request(berlin(10, 26, 14))
    rules = replace(RULES, escalate_after_days=0)
    sends = run(clocks, berlin(11, 26, 10), berlin(1, 29, y=2027), rules)
    assert [(m, d.step) for m, d in sends] == [
        (berlin(11, 26, 10), Step.RESPONSE),
        (berlin(11, 27, 10), Step.RESPONSE),  # gap 1
        (berlin(11, 30, 10), Step.RESPONSE),  # gap 1
        (berlin(12, 2, 10), Step.RESPONSE),  # gap 2
        (berlin(12, 7, 10), Step.RESPONSE),  # gap 3
        (berlin(12, 11, 10), Step.CAPPED),  # gap 4
    ]
