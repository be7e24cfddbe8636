"""The nudge ladder: which reminders are due for one request at ``now``. Pure: no Slack, no SQL.

A reminder is a courtesy, so the rules lean towards fewer, better-timed messages:

* **Reminder moments.** A reminder reaches its recipient only inside their working hours, on their
  working days (no weekends, no public holidays), not before their ``reminder_time`` on their clock
  (``requester_reminder_time`` for the requester, when they chose their own), and at
  most once per request per local business day and audience (assignee or requester).
* **RESPONSE** (to the assignee): while the request is *open* and the agreed response time has passed.
* **OVERDUE** (to the assignee): while the request is active and its due date has passed.
* **Spacing.** RESPONSE and OVERDUE chase one missed agreed time (the response time while open, the due
  date once acknowledged): the first reminder when it passes, then on business days 1, 2, 4, 7, 11 …
  after it (``chase_offset``) — never daily for weeks.
* **Cap.** After ``max_reminders`` chasing reminders (RESPONSE, OVERDUE, CHECK_IN) about one request the
  assignee gets no more. **CAPPED** (to the requester) asks once, when the next would have been due: keep
  waiting, ask someone else, or close it. *Keep waiting* (``kept_waiting``) starts the spacing again from
  that day with a smaller allowance (``allowance``); the next time it runs out the requester is asked again.
* **CHECK_IN** (to the assignee): once, when an acknowledged request without a due date has been silent
  (no event, answer or message) for ``check_in_days`` business days: "still on it?".
* **HEADS_UP** (to the assignee): once per due date, on the business day ``heads_up_days`` before the
  due date's day — only when that day comes after the business day of filing (so the due date lies at
  least one business day after it; otherwise the card is news enough), and never on a day a chasing
  reminder is due (that one takes the day's slot).
* **WAITING** (to the requester): while the assignee waits on the requester (state ``waiting``), the
  assignee hears nothing; the requester gets courteous reminders on business days 1, 2, 4, 7 … after the
  question, at most ``max_reminders`` per question.
* **ESCALATE** (to the requester): once per agreed time, when it has been missed for
  ``escalate_after_days`` business days of the assignee — the response time while the request is still
  open, the due date once it was acknowledged. The requester is *offered* to escalate; the bot never
  escalates on its own.
* **Snooze** moves the assignee's next reminder (and the escalation offer) to ``snoozed_until``.
  A **pending proposal** pauses everything: the assignee has answered; the requester decides.
* One assignee reminder per request and day: OVERDUE beats RESPONSE beats CHECK_IN beats HEADS_UP;
  the others wait. For the requester: CAPPED beats WAITING beats ESCALATE.
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
    "allowance",
    "chase_days",
    "chase_offset",
    "heads_up_day",
    "next_reminder_moment",
    "plan",
    "still_wanted",
]

ACTIVE_STATES = frozenset({"open", "acknowledged", "waiting"})
WAITING = "waiting"


class Audience(enum.StrEnum):
    ASSIGNEE = "assignee"
    REQUESTER = "requester"


class Step(enum.StrEnum):
    RESPONSE = "response"
    HEADS_UP = "heads_up"
    OVERDUE = "overdue"
    CHECK_IN = "check_in"
    ESCALATE = "escalate"
    #: The cap was reached: the requester is asked what to do (keep waiting, ask someone else, close it).
    CAPPED = "capped"
    #: The request waits on the requester: a courteous reminder to them.
    WAITING = "waiting"

    @property
    def audience(self) -> Audience:
        return Audience.REQUESTER if self in _REQUESTER_STEPS else Audience.ASSIGNEE

    @property
    def chases(self) -> bool:
        """Counts towards the cap: a reminder that something agreed is still outstanding."""
        return self in (Step.RESPONSE, Step.OVERDUE, Step.CHECK_IN)


_REQUESTER_STEPS = frozenset({Step.ESCALATE, Step.CAPPED, Step.WAITING})

#: Which step wins when several for the same audience are due on the same day (lower wins).
_PRIORITY = {
    Step.OVERDUE: 0,
    Step.RESPONSE: 1,
    Step.CHECK_IN: 2,
    Step.HEADS_UP: 3,
    Step.CAPPED: 0,
    Step.WAITING: 1,
    Step.ESCALATE: 2,
}
#: The check-in's key: once per request.
CHECK_IN_KEY = "once"


def chase_offset(index: int) -> int:
    """Business days after an agreed time passed on which reminder number ``index`` (0-based) may come:
    0, 1, 2, 4, 7, 11, 16 … — the gaps grow by one each time."""
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    return 0 if index == 0 else 1 + index * (index - 1) // 2


def chase_days(count: int) -> tuple[int, ...]:
    """The first ``count`` offsets of ``chase_offset`` (for documentation and tests)."""
    return tuple(chase_offset(index) for index in range(count))


def allowance(max_reminders: int, kept_waiting: int) -> int:
    """Chasing reminders allowed in the current round: ``max_reminders`` at first; each *keep waiting*
    halves it (rounding up), never below one: 5, 3, 2, 1, 1 …"""
    allowed = max(1, max_reminders)
    for _ in range(max(0, kept_waiting)):
        allowed = max(1, (allowed + 1) // 2)
    return allowed


def capped_key(kept_waiting: int) -> str:
    return f"round@{kept_waiting}"


@dataclass(frozen=True)
class LadderRules:
    """The configurable parts of the ladder (from Settings)."""

    reminder_time: time = time(10, 0)
    heads_up_days: int = 1
    #: The requester's own earliest reminder time, when it differs from ``reminder_time`` (the assignee's).
    requester_reminder_time: time | None = None
    escalate_after_days: int = 3
    #: Chasing reminders about one request before the requester is asked (KUNDENFOKUS_MAX_REMINDERS).
    max_reminders: int = 5
    #: Silent business days before an acknowledged request without a due date gets its check-in.
    check_in_days: int = 5


@dataclass(frozen=True)
class Clocks:
    """What the ladder needs to know about a request (aware datetimes)."""

    state: str
    created_at: datetime
    response_due_at: datetime
    due_at: datetime | None = None
    snoozed_until: datetime | None = None
    proposal_pending: bool = False
    #: Since when the request waits on the requester (state ``waiting``).
    waiting_since: datetime | None = None
    #: The latest sign of life on the request (an event by a person, an answer, a message); None: filing.
    last_activity: datetime | None = None
    #: How often the requester chose *keep waiting* after the cap, and when last.
    kept_waiting: int = 0
    kept_waiting_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def waiting(self) -> bool:
        return self.state == WAITING


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


def _working_day_after(calendar: BusinessCalendar, day: date, days: int) -> date:
    """The working day ``days`` working days after ``day`` (with 0: ``day``, or the next working day)."""
    for _ in range(MAX_SPAN_DAYS):
        if days == 0 and calendar.is_working_day(day):
            return day
        day += timedelta(days=1)
        if days > 0 and calendar.is_working_day(day):
            days -= 1
            if days == 0:
                return day
    raise CalendarError(
        "span_too_long", f"no working day within {MAX_SPAN_DAYS} days", max_days=MAX_SPAN_DAYS
    )


def _missed_clock(clocks: Clocks) -> datetime | None:
    """The agreed time the assignee's reminders chase: the response time while open (or the due date,
    if that came first), the due date once acknowledged; None: nothing agreed to chase."""
    if clocks.state == "open":
        if clocks.due_at is not None:
            return min(clocks.response_due_at, clocks.due_at)
        return clocks.response_due_at
    if clocks.state == "acknowledged":
        return clocks.due_at
    return None


def _next_chase(
    clocks: Clocks, calendar: BusinessCalendar, history: list[Sent], rules: LadderRules
) -> datetime | None:
    """The earliest moment the next RESPONSE/OVERDUE reminder may come (spaced by ``chase_offset``)."""
    clock = _missed_clock(clocks)
    if clock is None:
        return None
    base = calendar.local_business_day(next_reminder_moment(calendar, clock, not_before=rules.reminder_time))
    series = [entry.day for entry in history if entry.step in (Step.RESPONSE, Step.OVERDUE)]
    kept = calendar.local_business_day(clocks.kept_waiting_at) if clocks.kept_waiting_at else None
    if kept is not None and kept >= base:
        # The requester chose to keep waiting: the spacing starts again from that day.
        counted = [day for day in series if day > kept]
        start, index = kept, 1 + len(counted)
    else:
        counted = [day for day in series if day >= base]
        start, index = base, len(counted)
    day = _working_day_after(calendar, start, chase_offset(index))
    if index > 0:
        # The gaps never shrink, even when the ladder starts late (the bot was away, the clock long past).
        gap = chase_offset(index) - chase_offset(index - 1)
        day = max(day, _working_day_after(calendar, max(counted, default=start), gap))
    return max(clock, calendar.start_of_working_day(day))


def _candidates(
    clocks: Clocks,
    assignee: BusinessCalendar | None,
    requester: BusinessCalendar | None,
    history: list[Sent],
    rules: LadderRules,
    now: datetime,
    silence: BusinessCalendar | None = None,
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

    def moment(
        calendar: BusinessCalendar, trigger: datetime, audience: Audience, *, snoozable: bool = True
    ) -> datetime:
        earliest = max(trigger, now)
        if snoozable and snooze is not None:
            earliest = max(earliest, snooze)
        not_before = rules.reminder_time
        if audience is Audience.REQUESTER and rules.requester_reminder_time is not None:
            not_before = rules.requester_reminder_time
        return next_reminder_moment(calendar, earliest, not_before=not_before, after_day=last_day[audience])

    if clocks.waiting:
        # The assignee waits on the requester: their clock is paused, the requester hears (kindly).
        if requester is not None:
            since = clocks.waiting_since or clocks.created_at
            base = requester.local_business_day(requester.next_working_moment(since))
            index = sum(1 for e in history if e.step is Step.WAITING and e.day > base)
            if index < rules.max_reminders:
                day = _working_day_after(requester, base, chase_offset(index + 1))
                trigger = requester.start_of_working_day(day)
                slot = moment(requester, trigger, Audience.REQUESTER, snoozable=False)
                found.append(_Candidate(Step.WAITING, requester.local_business_day(slot).isoformat(), slot))
        return found

    if assignee is not None:
        kept = assignee.local_business_day(clocks.kept_waiting_at) if clocks.kept_waiting_at else None
        counted = sum(1 for e in history if e.step.chases and (kept is None or e.day > kept))
        exhausted = counted >= allowance(rules.max_reminders, clocks.kept_waiting)
        chase_day: date | None = None
        trigger = _next_chase(clocks, assignee, history, rules)
        if trigger is not None and not exhausted:
            slot = moment(assignee, trigger, Audience.ASSIGNEE)
            late = clocks.due_at is not None and slot >= clocks.due_at
            step = Step.OVERDUE if late or clocks.state != "open" else Step.RESPONSE
            chase_day = assignee.local_business_day(slot)
            found.append(_Candidate(step, chase_day.isoformat(), slot))
        elif trigger is not None and requester is not None:
            key = capped_key(clocks.kept_waiting)
            if (Step.CAPPED, key) not in sent_keys:
                # Asked when the next reminder would have come: the assignee had that long to answer.
                found.append(_Candidate(Step.CAPPED, key, moment(requester, trigger, Audience.REQUESTER)))
        if (
            clocks.state == "acknowledged"
            and clocks.due_at is None
            and rules.check_in_days > 0
            and not exhausted
            and (Step.CHECK_IN, CHECK_IN_KEY) not in sent_keys
        ):
            quiet_since = max(clocks.created_at, clocks.last_activity or clocks.created_at)
            trigger = assignee.add_business_days(quiet_since, rules.check_in_days)
            found.append(
                _Candidate(Step.CHECK_IN, CHECK_IN_KEY, moment(assignee, trigger, Audience.ASSIGNEE))
            )
        if clocks.due_at is not None and rules.heads_up_days > 0 and now < clocks.due_at and not exhausted:
            key = assignee.local_business_day(clocks.due_at).isoformat()
            day = heads_up_day(assignee, clocks.due_at, rules.heads_up_days)
            start = assignee.start_of_working_day(day)
            # Only when the due date lies at least a business day beyond the filing's own business day
            # (a request filed at 08:56 for tomorrow gets no heads-up at 10:00: the card is enough).
            filed_on = assignee.local_business_day(assignee.next_working_moment(clocks.created_at))
            if (Step.HEADS_UP, key) not in sent_keys and clocks.created_at < start and filed_on < day:
                slot = moment(assignee, start, Audience.ASSIGNEE)
                # Never at the cost of a chasing reminder: that day's one slot is the chase's.
                if slot < clocks.due_at and assignee.local_business_day(slot) != chase_day:
                    found.append(_Candidate(Step.HEADS_UP, key, slot))

    if requester is not None and rules.escalate_after_days > 0:
        if clocks.state == "open":
            clock, key = clocks.response_due_at, _minute_key("response", clocks.response_due_at)
        elif clocks.due_at is not None:
            clock, key = clocks.due_at, _minute_key("due", clocks.due_at)
        else:
            clock = None
        if clock is not None and (Step.ESCALATE, key) not in sent_keys:
            # Silent days count on the assignee's calendar — a team's (``silence``) while nobody has
            # taken a team request, the requester's if the assignee is gone.
            counting = assignee or silence or requester
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
    silence: BusinessCalendar | None = None,
) -> Plan:
    """The reminders due for one request at ``now`` and when to look again.

    ``assignee`` / ``requester``: the person's calendar, or None when they cannot be reached (left the
    workspace, a bot) — then nothing is planned for them. ``silence``: the calendar the escalation's
    silent days count on when there is no assignee (a team request nobody has taken: the team's).
    """
    now = _utc(now, "now")
    past = list(history)
    due: list[DueReminder] = []
    candidates = _candidates(clocks, assignee, requester, past, rules, now, silence)
    for audience, calendar in ((Audience.ASSIGNEE, assignee), (Audience.REQUESTER, requester)):
        ready = [c for c in candidates if c.step.audience is audience and c.slot == now]
        if ready and calendar is not None:
            best = min(ready, key=lambda c: _PRIORITY[c.step])
            reminder = DueReminder(best.step, best.key, calendar.local_business_day(now))
            due.append(reminder)
            past.append(Sent(reminder.step, reminder.key, reminder.day))
    if due:
        candidates = _candidates(clocks, assignee, requester, past, rules, now, silence)
    later = [c.slot for c in candidates if c.slot > now]
    return Plan(tuple(due), min(later, default=None))


def still_wanted(step: Step, key: str, clocks: Clocks, now: datetime) -> bool:
    """Right before sending: does the request still call for this reminder? (A click may have won.)"""
    now = _utc(now, "now")
    if not clocks.active or clocks.proposal_pending:
        return False
    if step is Step.WAITING:
        return clocks.waiting
    if clocks.waiting:
        return False  # the assignee's clock is paused; nothing about it reaches anyone but the requester
    if clocks.snoozed_until is not None and now < clocks.snoozed_until:
        return False
    if step is Step.RESPONSE:
        return clocks.state == "open" and now >= clocks.response_due_at
    if step is Step.OVERDUE:
        return clocks.due_at is not None and now >= clocks.due_at
    if step is Step.HEADS_UP:
        return clocks.due_at is not None and now < clocks.due_at
    if step is Step.CHECK_IN:
        return clocks.state == "acknowledged" and clocks.due_at is None
    if step is Step.CAPPED:
        return key == capped_key(clocks.kept_waiting)
    if key.startswith("response@"):
        return clocks.state == "open"
    return clocks.due_at is not None and now >= clocks.due_at
