"""The nudge ladder: which reminders are due for one request at ``now``. Pure: no Slack, no SQL.

A reminder is a courtesy, so the rules lean towards fewer, better-timed messages:

* **Reminder moments.** A reminder reaches its recipient only inside their working hours, on their
  working days (no weekends, no public holidays), not before their ``reminder_time`` on their clock
  (``requester_reminder_time`` for the requester, when they chose their own), and at
  most once per request per local business day and audience (assignee or requester).
* **RESPONSE** (to the assignee): while the request is *open* and the agreed response time has passed.
  The first one at the response time (or the next reminder moment), then one a business day.
* **HEADS_UP** (to the assignee): once per due date, on the business day ``heads_up_days`` before the
  due date's day — unless the request was filed after that day began (the card is news enough).
* **OVERDUE** (to the assignee): while the request is active and its due date has passed, one a
  business day.
* **ESCALATE** (to the requester): once per agreed time, when it has been missed for
  ``escalate_after_days`` business days of the assignee — the response time while the request is still
  open, the due date once it was acknowledged. The requester is *offered* to escalate; the bot never
  escalates on its own.
* **Snooze** moves the assignee's next reminder (and the escalation offer) to ``snoozed_until``.
  A **pending proposal** pauses everything: the assignee has answered; the requester decides.
* One assignee reminder per request and day: OVERDUE beats RESPONSE beats HEADS_UP; the others wait.
* Closed requests get nothing. ``heads_up_days`` or ``escalate_after_days`` of 0 switch that step off.

``plan`` is stateless: what was already sent comes in as ``history`` (the unique keys the database
enforces), so running it twice at the same ``now`` yields the same answer.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.calendar import MAX_SPAN_DAYS, BusinessCalendar, CalendarError

__all__ = [
    "ACTIVE_STATES",
    "Audience",
    "Clocks",
    "DueReminder",
    "LadderRules",
    "Plan",
    "Sent",
    "Step",
    "heads_up_day",
    "next_reminder_moment",
    "plan",
    "still_wanted",
]

ACTIVE_STATES = frozenset({"open", "acknowledged"})


class Audience(enum.StrEnum):
    ASSIGNEE = "assignee"
    REQUESTER = "requester"


class Step(enum.StrEnum):
    RESPONSE = "response"
    HEADS_UP = "heads_up"
    OVERDUE = "overdue"
    ESCALATE = "escalate"

    @property
    def audience(self) -> Audience:
        return Audience.REQUESTER if self is Step.ESCALATE else Audience.ASSIGNEE


#: Which assignee step wins when several are due on the same day (lower wins).
_PRIORITY = {Step.OVERDUE: 0, Step.RESPONSE: 1, Step.HEADS_UP: 2, Step.ESCALATE: 0}


@dataclass(frozen=True)
class LadderRules:
    """The configurable parts of the ladder (from Settings)."""

    reminder_time: time = time(10, 0)
    heads_up_days: int = 1
    #: The requester's own earliest reminder time, when it differs from ``reminder_time`` (the assignee's).
    requester_reminder_time: time | None = None
    escalate_after_days: int = 3


@dataclass(frozen=True)
class Clocks:
    """What the ladder needs to know about a request (aware datetimes)."""

    state: str
    created_at: datetime
    response_due_at: datetime
    due_at: datetime | None = None
    snoozed_until: datetime | None = None
    proposal_pending: bool = False

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True)
class Sent:
    """A reminder already planned for this request (sent, in flight or failed: its slot is used)."""

    step: Step
    key: str
    day: date


@dataclass(frozen=True)
class DueReminder:
    step: Step
    key: str  #: unique per request and step: the day for daily steps, the clock for one-off steps
    day: date  #: the recipient's local business day it belongs to

    @property
    def audience(self) -> Audience:
        return self.step.audience


@dataclass(frozen=True)
class Plan:
    due: tuple[DueReminder, ...]
    #: The earliest moment after ``now`` at which something may become due; None: only a change can.
    next_check: datetime | None


@dataclass(frozen=True)
class _Candidate:
    step: Step
    key: str
    slot: datetime  #: the earliest reminder moment >= now; equal to now means due now


def _utc(at: datetime, name: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError("naive_datetime", f"{name} must be timezone-aware, got {at!r}", value=str(at))
    return at.astimezone(UTC)


def next_reminder_moment(
    calendar: BusinessCalendar,
    earliest: datetime,
    *,
    not_before: time = time(0, 0),
    after_day: date | None = None,
) -> datetime:
    """The first moment >= ``earliest`` at which a reminder may reach this person (UTC).

    Working time on a working day, not before ``not_before`` local time, and on a local day after
    ``after_day`` (the day of the last reminder for the same request).
    """
    moment = calendar.next_working_moment(earliest)
    for _ in range(MAX_SPAN_DAYS):
        day = calendar.local_business_day(moment)
        if after_day is not None and day <= after_day:
            next_day = datetime.combine(after_day + timedelta(days=1), time(0, 0), tzinfo=calendar.tz)
            moment = calendar.next_working_moment(max(moment, next_day.astimezone(UTC)))
            continue
        floor = datetime.combine(day, not_before, tzinfo=calendar.tz).astimezone(UTC)
        if moment < floor:
            moment = calendar.next_working_moment(floor)
            continue  # the floor may lie after the working day; the loop checks the day again
        return moment
    raise CalendarError(
        "span_too_long", f"no reminder moment within {MAX_SPAN_DAYS} days", max_days=MAX_SPAN_DAYS
    )


def heads_up_day(calendar: BusinessCalendar, due_at: datetime, days: int) -> date:
    """The working day ``days`` working days before the due date's local day."""
    day = calendar.local_business_day(due_at)
    counted = 0
    for _ in range(MAX_SPAN_DAYS):
        if counted == days:
            return day
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    raise CalendarError(
        "span_too_long", f"no working day within {MAX_SPAN_DAYS} days", max_days=MAX_SPAN_DAYS
    )


def _minute_key(prefix: str, at: datetime) -> str:
    return f"{prefix}@{at.astimezone(UTC):%Y-%m-%dT%H:%M}"


def _candidates(
    clocks: Clocks,
    assignee: BusinessCalendar | None,
    requester: BusinessCalendar | None,
    history: list[Sent],
    rules: LadderRules,
    now: datetime,
) -> list[_Candidate]:
    if not clocks.active or clocks.proposal_pending:
        return []
    sent_keys = {(entry.step, entry.key) for entry in history}
    last_day = {
        audience: max((e.day for e in history if e.step.audience is audience), default=None)
        for audience in Audience
    }
    snooze = clocks.snoozed_until
    found: list[_Candidate] = []

    def moment(calendar: BusinessCalendar, trigger: datetime, audience: Audience) -> datetime:
        earliest = max(trigger, now, snooze or trigger)
        not_before = rules.reminder_time
        if audience is Audience.REQUESTER and rules.requester_reminder_time is not None:
            not_before = rules.requester_reminder_time
        return next_reminder_moment(calendar, earliest, not_before=not_before, after_day=last_day[audience])

    if assignee is not None:
        if clocks.state == "open":
            slot = moment(assignee, clocks.response_due_at, Audience.ASSIGNEE)
            found.append(_Candidate(Step.RESPONSE, assignee.local_business_day(slot).isoformat(), slot))
        if clocks.due_at is not None:
            slot = moment(assignee, clocks.due_at, Audience.ASSIGNEE)
            found.append(_Candidate(Step.OVERDUE, assignee.local_business_day(slot).isoformat(), slot))
            if rules.heads_up_days > 0 and now < clocks.due_at:
                key = assignee.local_business_day(clocks.due_at).isoformat()
                day = heads_up_day(assignee, clocks.due_at, rules.heads_up_days)
                start = assignee.start_of_working_day(day)
                if (Step.HEADS_UP, key) not in sent_keys and clocks.created_at < start:
                    slot = moment(assignee, start, Audience.ASSIGNEE)
                    if slot < clocks.due_at:
                        found.append(_Candidate(Step.HEADS_UP, key, slot))

    if requester is not None and rules.escalate_after_days > 0:
        if clocks.state == "open":
            clock, key = clocks.response_due_at, _minute_key("response", clocks.response_due_at)
        elif clocks.due_at is not None:
            clock, key = clocks.due_at, _minute_key("due", clocks.due_at)
        else:
            clock = None
        if clock is not None and (Step.ESCALATE, key) not in sent_keys:
            # Silent days count on the assignee's calendar (the requester's if the assignee is gone).
            counting = assignee or requester
            trigger = counting.add_business_days(clock, rules.escalate_after_days)
            found.append(_Candidate(Step.ESCALATE, key, moment(requester, trigger, Audience.REQUESTER)))
    return found


def plan(
    clocks: Clocks,
    *,
    assignee: BusinessCalendar | None,
    requester: BusinessCalendar | None,
    history: Iterable[Sent] = (),
    rules: LadderRules = LadderRules(),
    now: datetime,
) -> Plan:
    """The reminders due for one request at ``now`` and when to look again.

    ``assignee`` / ``requester``: the person's calendar, or None when they cannot be reached (left the
    workspace, a bot) — then nothing is planned for them.
    """
    now = _utc(now, "now")
    past = list(history)
    due: list[DueReminder] = []
    candidates = _candidates(clocks, assignee, requester, past, rules, now)
    for audience, calendar in ((Audience.ASSIGNEE, assignee), (Audience.REQUESTER, requester)):
        ready = [c for c in candidates if c.step.audience is audience and c.slot == now]
        if ready and calendar is not None:
            best = min(ready, key=lambda c: _PRIORITY[c.step])
            reminder = DueReminder(best.step, best.key, calendar.local_business_day(now))
            due.append(reminder)
            past.append(Sent(reminder.step, reminder.key, reminder.day))
    if due:
        candidates = _candidates(clocks, assignee, requester, past, rules, now)
    later = [c.slot for c in candidates if c.slot > now]
    return Plan(tuple(due), min(later, default=None))


def still_wanted(step: Step, key: str, clocks: Clocks, now: datetime) -> bool:
    """Right before sending: does the request still call for this reminder? (A click may have won.)"""
    now = _utc(now, "now")
    if not clocks.active or clocks.proposal_pending:
        return False
    if clocks.snoozed_until is not None and now < clocks.snoozed_until:
        return False
    if step is Step.RESPONSE:
        return clocks.state == "open" and now >= clocks.response_due_at
    if step is Step.OVERDUE:
        return clocks.due_at is not None and now >= clocks.due_at
    if step is Step.HEADS_UP:
        return clocks.due_at is not None and now < clocks.due_at
    if key.startswith("response@"):
        return clocks.state == "open"
    return clocks.due_at is not None and now >= clocks.due_at
