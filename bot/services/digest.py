"""The weekly digest: subscriptions, which digests are due, the exactly-once claim, and the numbers.

Numbers come from aggregate SQL over UTC boundaries computed in Python (``bot.domain.digest_stats``,
which also defines the window a digest reports), so they are right in every time zone and across DST.
All digests asked for at one moment are computed together (``compute_reports``), set-based: a constant
number of statements for all channels whatever their number or the number of requests — see
"the numbers" below. Services never call Slack; the caller resolves a user group's members beforehand.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    exc,
    func,
    insert,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.calendar import BusinessCalendar
from bot.domain.digest_stats import (
    TREND_WEEKS,
    DigestReport,
    DigestSettingError,
    Schedule,
    Week,
    WeekNumbers,
    business_durations,
    due_week,
    latest_week,
    median_duration,
    parse_schedule,
    trend_weeks,
)
from bot.i18n import LANGUAGES
from bot.services.agreement import CalendarChoice, calendar_for, zone_or_default
from models import (
    ACTIVE_STATES,
    DigestRun,
    DigestSubscription,
    Kudos,
    Person,
    PersonCalendar,
    Rating,
    Request,
    State,
    Workspace,
)

#: A claim whose process died before posting is taken over after this long.
CLAIM_LEASE = timedelta(minutes=15)
SCOPES = ("channel", "usergroup")

R = Request


# --- subscriptions --------------------------------------------------------------------------------


def workspace_timezone(session: Session, settings: Settings, team_id: str) -> str:
    workspace = session.get(Workspace, team_id)
    return zone_or_default(workspace.timezone if workspace else None, settings)


def default_schedule(settings: Settings) -> Schedule:
    try:
        return parse_schedule(settings.digest_schedule)
    except DigestSettingError:
        return Schedule()


def schedule_of(subscription: DigestSubscription) -> Schedule:
    return Schedule(weekday=subscription.weekday, hour=subscription.hour, minute=subscription.minute)


def find_subscription(session: Session, *, team_id: str, channel_id: str) -> DigestSubscription | None:
    return session.scalars(
        select(DigestSubscription).where(
            DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id
        )
    ).one_or_none()


def subscribe(
    session: Session,
    *,
    settings: Settings,
    team_id: str,
    channel_id: str,
    user_id: str,
    now: datetime,
    language: str,
) -> tuple[DigestSubscription, bool]:
    """Subscribe a channel with the workspace defaults; (subscription, newly active)."""
    if not channel_id or channel_id[0] not in "CG":
        raise DigestSettingError("digest_needs_channel")
    existing = find_subscription(session, team_id=team_id, channel_id=channel_id)
    if existing is not None:
        if existing.active:
            return existing, False
        existing.active = True
        existing.created_by, existing.created_at = user_id, now
        session.flush()
        return existing, True
    schedule = default_schedule(settings)
    try:
        with session.begin_nested():
            session.execute(
                insert(DigestSubscription).values(
                    team_id=team_id,
                    channel_id=channel_id,
                    weekday=schedule.weekday,
                    hour=schedule.hour,
                    minute=schedule.minute,
                    timezone=workspace_timezone(session, settings, team_id),
                    language=language if language in LANGUAGES else settings.language,
                    scope="channel",
                    usergroup_id=None,
                    name_people=False,
                    active=True,
                    created_by=user_id,
                    created_at=now,
                )
            )
    except exc.IntegrityError:
        pass  # subscribed by someone else at the same moment
    subscription = find_subscription(session, team_id=team_id, channel_id=channel_id)
    assert subscription is not None
    return subscription, True


def unsubscribe(session: Session, *, team_id: str, channel_id: str) -> bool:
    """Stop the digest (the history of posted weeks stays); False if it was not subscribed."""
    subscription = find_subscription(session, team_id=team_id, channel_id=channel_id)
    if subscription is None or not subscription.active:
        return False
    subscription.active = False
    session.flush()
    return True


def configure(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    schedule: Schedule | None = None,
    timezone: str | None = None,
    language: str | None = None,
    scope: str | None = None,
    usergroup_id: str | None = None,
    name_people: bool | None = None,
) -> DigestSubscription:
    """Change an active subscription's settings; only what is given changes."""
    subscription = find_subscription(session, team_id=team_id, channel_id=channel_id)
    if subscription is None or not subscription.active:
        raise DigestSettingError("digest_not_subscribed")
    if schedule is not None:
        subscription.weekday, subscription.hour, subscription.minute = (
            schedule.weekday,
            schedule.hour,
            schedule.minute,
        )
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (KeyError, ValueError):
            raise DigestSettingError("digest_bad_timezone", text=timezone) from None
        subscription.timezone = timezone
    if language is not None:
        if language not in LANGUAGES:
            raise DigestSettingError("digest_bad_language", text=language)
        subscription.language = language
    if scope is not None:
        if scope not in SCOPES or (scope == "usergroup" and not usergroup_id):
            raise DigestSettingError("digest_bad_option", text=scope)
        subscription.scope = scope
        subscription.usergroup_id = usergroup_id if scope == "usergroup" else None
    if name_people is not None:
        subscription.name_people = name_people
    session.flush()
    return subscription


# --- due digests and the exactly-once claim -------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    subscription: DigestSubscription
    week: Week


def zone_of(subscription: DigestSubscription) -> ZoneInfo:
    try:
        return ZoneInfo(subscription.timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def week_so_far(subscription: DigestSubscription, now: datetime) -> Week:
    """The channel's week so far at ``now`` (preview and ``digest --channel``)."""
    return Week.until(now, zone_of(subscription))


def latest_window(subscription: DigestSubscription, now: datetime) -> Week:
    """The window the channel's latest slot at or before ``now`` reported (or will report)."""
    return latest_week(now, zone_of(subscription), schedule_of(subscription))


def active_subscriptions(
    session: Session, *, channel_id: str | None = None, team_id: str | None = None
) -> list[DigestSubscription]:
    query = select(DigestSubscription).where(DigestSubscription.active.is_(True))
    if channel_id is not None:
        query = query.where(DigestSubscription.channel_id == channel_id)
    if team_id is not None:
        query = query.where(DigestSubscription.team_id == team_id)
    return list(session.scalars(query.order_by(DigestSubscription.id)))


def _settled(session: Session, pairs: list[tuple[int, str]], now: datetime) -> set[tuple[int, str]]:
    """Which (subscription, week) pairs are posted, failed, or claimed by a live process."""
    if not pairs:
        return set()
    rows = session.execute(
        select(DigestRun.subscription_id, DigestRun.week_key, DigestRun.state, DigestRun.claimed_at).where(
            tuple_(DigestRun.subscription_id, DigestRun.week_key).in_(pairs)
        )
    ).all()
    return {
        (row.subscription_id, row.week_key)
        for row in rows
        if row.state != "claimed" or row.claimed_at > now - CLAIM_LEASE
    }


def due_digests(session: Session, *, now: datetime) -> list[DueDigest]:
    """Every active subscription whose slot has come and whose week is not settled yet (2 queries)."""
    candidates = []
    for subscription in active_subscriptions(session):
        week = due_week(
            now, zone_of(subscription), schedule_of(subscription), subscribed_at=subscription.created_at
        )
        if week is not None:
            candidates.append(DueDigest(subscription, week))
    settled = _settled(session, [(due.subscription.id, due.week.key) for due in candidates], now)
    return [due for due in candidates if (due.subscription.id, due.week.key) not in settled]


def subscriptions_overview(
    session: Session, *, team_id: str | None = None
) -> list[tuple[DigestSubscription, str | None]]:
    """Every subscription (active or not) with the key of the last week posted to it (2 queries)."""
    query = select(DigestSubscription).order_by(DigestSubscription.team_id, DigestSubscription.id)
    if team_id is not None:
        query = query.where(DigestSubscription.team_id == team_id)
    subscriptions = list(session.scalars(query))
    latest: dict[int, tuple[datetime, str]] = {}
    rows = session.execute(
        select(DigestRun.subscription_id, DigestRun.posted_at, DigestRun.week_key).where(
            DigestRun.state == "posted",
            DigestRun.posted_at.is_not(None),
            DigestRun.subscription_id.in_([subscription.id for subscription in subscriptions]),
        )
    ).all()
    for subscription_id, posted_at, week_key in rows:
        if subscription_id not in latest or (posted_at, week_key) > latest[subscription_id]:
            latest[subscription_id] = (posted_at, week_key)
    return [
        (subscription, latest[subscription.id][1] if subscription.id in latest else None)
        for subscription in subscriptions
    ]


def is_settled(session: Session, *, subscription_id: int, week_key: str, now: datetime) -> bool:
    return bool(_settled(session, [(subscription_id, week_key)], now))


def settled(session: Session, *, pairs: Sequence[tuple[int, str]], now: datetime) -> set[tuple[int, str]]:
    """Which of the (subscription, week) pairs are posted, failed, or claimed by a live process."""
    return _settled(session, list(pairs), now)


def claim(session: Session, *, subscription_id: int, week_key: str, now: datetime) -> bool:
    """Claim (subscription, week) before posting. True for exactly one caller, however many race.

    The unique key decides; a claim left behind by a process that died is taken over after the lease.
    Commit right after this call so other processes see the claim.
    """
    try:
        with session.begin_nested():
            session.execute(
                insert(DigestRun).values(
                    subscription_id=subscription_id, week_key=week_key, state="claimed", claimed_at=now
                )
            )
        return True
    except exc.IntegrityError:
        pass
    taken_over = session.execute(
        update(DigestRun)
        .where(
            DigestRun.subscription_id == subscription_id,
            DigestRun.week_key == week_key,
            DigestRun.state == "claimed",
            DigestRun.claimed_at <= now - CLAIM_LEASE,
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken_over.rowcount == 1


def _run(session: Session, subscription_id: int, week_key: str) -> DigestRun:
    return session.scalars(
        select(DigestRun).where(DigestRun.subscription_id == subscription_id, DigestRun.week_key == week_key)
    ).one()


def mark_queued(session: Session, *, subscription_id: int, week_key: str) -> None:
    """Computed and handed to the outbox (in the same transaction): the week is settled; the outbox
    posts it exactly once and records ``posted`` (or ``failed``)."""
    run = _run(session, subscription_id, week_key)
    run.state, run.error = "queued", None
    session.flush()


def mark_posted(
    session: Session, *, subscription_id: int, week_key: str, now: datetime, message_ts: str
) -> None:
    run = _run(session, subscription_id, week_key)
    run.state, run.posted_at, run.message_ts, run.error = "posted", now, message_ts, None
    session.flush()


def mark_failed(
    session: Session, *, subscription_id: int, week_key: str, error: str, deactivate: bool = False
) -> None:
    """A permanent failure: the week is not tried again (and a vanished channel is unsubscribed)."""
    run = _run(session, subscription_id, week_key)
    run.state, run.error = "failed", error[:500]
    if deactivate:
        subscription = session.get(DigestSubscription, subscription_id)
        if subscription is not None:
            subscription.active = False
    session.flush()


def release(session: Session, *, subscription_id: int, week_key: str, error: str) -> None:
    """A passing failure (Slack down): keep the claim but let the next run after the lease retry."""
    run = _run(session, subscription_id, week_key)
    run.error = error[:500]
    session.flush()


# --- the numbers ----------------------------------------------------------------------------------
#
# Set-based: every digest asked for at one moment is computed together. Targets that count the same
# team's channels over the same windows form one *scope*; a user group's digest is a scope of its
# own. Each statement below covers all scopes at once (split only where a database limits a
# statement's size), so the number of queries does not grow with the number of channels.


@dataclass(frozen=True)
class DigestTarget:
    """One digest to compute: a subscription's window, and a user group's members (the caller
    resolved them through Slack; None for a channel scope)."""

    subscription: DigestSubscription
    week: Week
    members: Sequence[str] | None = None


#: Stay well inside SQLite's limits (500 terms in a compound SELECT, 32,766 parameters).
MAX_UNION_TERMS = 400
MAX_PARAMETERS = 10_000

DONE, DECLINED, CANCELLED = State.DONE.value, State.DECLINED.value, State.CANCELLED.value
WAITING = State.WAITING.value
#: What a row of the first statement counts: filed, closed (done/declined), first answers due in a
#: week of the trend; open and overdue at the window's end.
OPENED, CLOSED, DUE, OPEN = 0, 1, 2, 3


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _people_if(condition: ColumnElement[bool], person: ColumnElement[str]) -> ColumnElement[int]:
    """How many different people (``person``) have a row matching ``condition``."""
    return func.count(distinct(case((condition, person))))


def _between(column: ColumnElement[datetime], start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _number(value: int) -> ColumnElement[int]:
    """A small integer we made ourselves (a label), written into the statement."""
    return literal_column(str(int(value)), Integer)


def open_at(moment: datetime) -> ColumnElement[bool]:
    """Filed before ``moment`` and not closed by then."""
    return and_(R.created_at < moment, or_(R.closed_at.is_(None), R.closed_at >= moment))


def waiting_at(moment: datetime) -> ColumnElement[bool]:
    """Waiting on the requester at ``moment``: the assignee's clocks are paused, so nothing is late."""
    return and_(R.state == WAITING, R.waiting_since.is_not(None), R.waiting_since <= moment)


def late_at(moment: datetime) -> ColumnElement[bool]:
    """Past an agreed time at ``moment``: no first answer by the response time, or past the due date —
    unless the request waits on its requester then (the resumed request's times move by the wait)."""
    unanswered_late = and_(
        R.response_due_at < moment, or_(R.acknowledged_at.is_(None), R.acknowledged_at >= moment)
    )
    return and_(
        or_(unanswered_late, and_(R.due_at.is_not(None), R.due_at < moment)), not_(waiting_at(moment))
    )


def overdue_at(moment: datetime) -> ColumnElement[bool]:
    """Open at ``moment`` and past an agreed time then."""
    return and_(open_at(moment), late_at(moment))


def _answer_due_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    """A first answer was due in ``[start, end)`` (requests cancelled before any answer left out)."""
    return and_(
        _between(R.response_due_at, start, end),
        not_(and_(R.state == CANCELLED, R.acknowledged_at.is_(None))),
    )


def _answered_in_time() -> ColumnElement[bool]:
    return and_(R.acknowledged_at.is_not(None), R.acknowledged_at <= R.response_due_at)


@dataclass
class _Scope:
    """Requests counted together: one team's channels over the same windows (``channels``: channel id
    → the targets counting it), or the requests by or for one user group's members (``members``,
    ``target``)."""

    label: int
    team_id: str
    weeks: list[Week]
    channels: dict[str, list[int]] = field(default_factory=dict)
    members: tuple[str, ...] = ()
    target: int | None = None
    #: Channels (or, for a user group, ``{""}``) whose digest chose to name people.
    named_channels: set[str] = field(default_factory=set)

    @property
    def by_channel(self) -> bool:
        return self.target is None

    @property
    def window(self) -> Week:
        return self.weeks[-1]

    def where(self, channels: Sequence[str] | None = None) -> ColumnElement[bool]:
        if self.by_channel:
            return and_(R.team_id == self.team_id, R.channel_id.in_(list(channels or self.channels)))
        return and_(
            R.team_id == self.team_id,
            or_(R.requester_id.in_(self.members), R.assignee_id.in_(self.members)),
        )

    def feedback_where(self) -> ColumnElement[bool]:
        """For ratings and kudos of the window: a channel scope takes the whole team's (few) and keeps
        its channels' rows — filtering by channel would tempt PostgreSQL to read every request of
        those channels instead of looking up the few rated ones."""
        return R.team_id == self.team_id if self.by_channel else self.where()

    def key(self) -> ColumnElement[str | None]:
        return R.channel_id if self.by_channel else cast(null(), String(32))

    def group(self, query: Select[Any], *extra: ColumnElement[Any]) -> Select[Any]:
        return query.group_by(R.channel_id, *extra) if self.by_channel else query.group_by(*extra)

    @property
    def parameters(self) -> int:
        """Roughly how many bound parameters one of its SELECTs carries."""
        return (len(self.channels) if self.by_channel else 2 * len(self.members)) + 12

    def targets(self, key: str | None) -> list[int]:
        if not self.by_channel:
            return [self.target] if self.target is not None else []
        return self.channels.get(key or "", [])


def _scopes(targets: Sequence[DigestTarget]) -> list[_Scope]:
    scopes: list[_Scope] = []
    by_window: dict[tuple[Any, ...], _Scope] = {}
    for index, target in enumerate(targets):
        subscription, weeks = target.subscription, trend_weeks(target.week, TREND_WEEKS)
        if subscription.scope == "usergroup":
            members = tuple(sorted(set(target.members or ())))
            if members:  # no members, nothing to count: the report stays empty
                scope = _Scope(len(scopes), subscription.team_id, weeks, members=members, target=index)
                if subscription.name_people:
                    scope.named_channels.add("")
                scopes.append(scope)
            continue
        window = (subscription.team_id, tuple((week.start, week.end) for week in weeks))
        scope = by_window.get(window)
        if scope is None:
            scope = by_window[window] = _Scope(len(scopes), subscription.team_id, weeks)
            scopes.append(scope)
        scope.channels.setdefault(subscription.channel_id, []).append(index)
        if subscription.name_people:
            scope.named_channels.add(subscription.channel_id)
    return scopes


def _execute_union(session: Session, parts: list[tuple[Select[Any], int]]) -> list[Row[Any]]:
    """Run SELECTs of the same shape as few UNION ALL statements as the database's limits allow."""
    rows: list[Row[Any]] = []
    batch: list[Select[Any]] = []
    parameters = 0
    for query, weight in parts:
        if batch and (len(batch) >= MAX_UNION_TERMS or parameters + weight > MAX_PARAMETERS):
            rows += session.execute(batch[0] if len(batch) == 1 else union_all(*batch)).all()
            batch, parameters = [], 0
        batch.append(query)
        parameters += weight
    if batch:
        rows += session.execute(batch[0] if len(batch) == 1 else union_all(*batch)).all()
    return rows


def _trend_parts(scope: _Scope) -> list[tuple[Select[Any], int]]:
    """Per week of the trend: filed, closed and first answers due — each one index range per channel."""
    parts = []
    where, key, label, assignee = scope.where(), scope.key(), _number(scope.label), R.assignee_id
    for index, week in enumerate(scope.weeks):
        number = _number(index)
        filed = select(
            label,
            key,
            number,
            _number(OPENED),
            func.count(),
            _number(0),
            func.count(distinct(assignee)),
            _number(0),
        )
        closed = select(
            label,
            key,
            number,
            _number(CLOSED),
            _count_if(R.state == DONE),
            _count_if(R.state == DECLINED),
            func.count(distinct(assignee)),
            _number(0),
        )
        due = select(
            label,
            key,
            number,
            _number(DUE),
            func.count(),
            _count_if(_answered_in_time()),
            func.count(distinct(assignee)),
            _number(0),
        )
        parts += [
            (scope.group(filed.where(where, _between(R.created_at, week.start, week.end))), scope.parameters),
            (
                scope.group(
                    closed.where(
                        where, _between(R.closed_at, week.start, week.end), R.state.in_((DONE, DECLINED))
                    )
                ),
                scope.parameters,
            ),
            (scope.group(due.where(where, _answer_due_in(week.start, week.end))), scope.parameters),
        ]
    return parts


def _open_part(scope: _Scope) -> tuple[Select[Any], int]:
    """Open and overdue at the window's end, and by how many assignees. Unclosed rows and rows closed
    after the end are read as two index ranges (one OR would make SQLite read the whole table)."""
    end = scope.window.end

    def rows(closed: ColumnElement[bool]) -> Select[Any]:
        return select(
            R.channel_id.label("key"),
            R.assignee_id.label("assignee"),
            case((late_at(end), 1), else_=0).label("late"),
        ).where(scope.where(), closed, R.created_at < end)

    both = union_all(rows(R.closed_at.is_(None)), rows(R.closed_at >= end)).subquery()
    # Per assignee first, then per channel: counting people this way needs no sorting per channel.
    person = (
        select(
            both.c.key,
            both.c.assignee,
            func.count().label("open"),
            func.sum(both.c.late).label("late"),
        )
        .group_by(both.c.key, both.c.assignee)
        .subquery()
    )
    query = select(
        _number(scope.label),
        person.c.key,
        _number(0),
        _number(OPEN),
        cast(func.sum(person.c.open), Integer),
        cast(func.sum(person.c.late), Integer),
        func.count(),
        _count_if(person.c.late > 0),
    ).group_by(person.c.key)
    return query, 2 * scope.parameters


def _member_part(scope: _Scope) -> tuple[Select[Any], int]:
    """A user group's trend and open/overdue numbers in one pass over its members' requests."""
    end = scope.window.end
    columns: list[ColumnElement[Any]] = [_number(scope.label)]
    for week in scope.weeks:
        filed = _between(R.created_at, week.start, week.end)
        closed = and_(R.state.in_((DONE, DECLINED)), _between(R.closed_at, week.start, week.end))
        due = _answer_due_in(week.start, week.end)
        columns += [
            _count_if(filed),
            _people_if(filed, R.assignee_id),
            _count_if(and_(closed, R.state == DONE)),
            _count_if(and_(closed, R.state == DECLINED)),
            _people_if(closed, R.assignee_id),
            _count_if(due),
            _count_if(and_(due, _answered_in_time())),
            _people_if(due, R.assignee_id),
        ]
    columns += [
        _count_if(open_at(end)),
        _count_if(overdue_at(end)),
        _people_if(open_at(end), R.assignee_id),
        _people_if(overdue_at(end), R.assignee_id),
    ]
    return select(*columns).where(scope.where(), _relevant(scope)), scope.parameters


def _relevant(scope: _Scope) -> ColumnElement[bool]:
    """Rows closed before the trend began can only matter through a response time inside it."""
    first_start = scope.weeks[0].start
    return or_(R.closed_at.is_(None), R.closed_at >= first_start, R.response_due_at >= first_start)


def _answers_part(scope: _Scope) -> tuple[Select[Any], int]:
    """The window's first answers, each with its assignee's time zone (working time is measured on
    each assignee's own calendar, in Python)."""
    window = scope.window
    chosen = PersonCalendar
    query = (
        select(
            _number(scope.label),
            scope.key(),
            R.assignee_id,
            R.created_at,
            R.acknowledged_at,
            Person.tz,
            chosen.work_start,
            chosen.work_end,
            chosen.working_days,
            chosen.holiday_country,
            chosen.holiday_subdivision,
        )
        .outerjoin(Person, and_(Person.team_id == R.team_id, Person.user_id == R.assignee_id))
        .outerjoin(chosen, and_(chosen.team_id == R.team_id, chosen.user_id == R.assignee_id))
        .where(scope.where(), _between(R.acknowledged_at, window.start, window.end))
    )
    return query, scope.parameters


def _ratings_part(scope: _Scope) -> tuple[Select[Any], int]:
    window = scope.window
    query = (
        select(
            _number(scope.label),
            scope.key(),
            func.count(Rating.request_id),
            func.avg(Rating.score),
            func.count(Rating.tone_respectful),
            _count_if(Rating.tone_respectful.is_(True)),
            func.count(distinct(Rating.rater_id)),
            func.count(distinct(R.assignee_id)),
        )
        .select_from(Rating)
        .join(R, R.id == Rating.request_id)
        .where(
            Rating.team_id == scope.team_id,
            _between(Rating.created_at, window.start, window.end),
            scope.feedback_where(),
        )
    )
    return scope.group(query), scope.parameters


def _kudos_part(scope: _Scope) -> tuple[Select[Any], int]:
    window = scope.window
    query = (
        select(_number(scope.label), scope.key(), Kudos.to_id, func.count(Kudos.id))
        .select_from(Kudos)
        .join(R, R.id == Kudos.request_id)
        .where(
            Kudos.team_id == scope.team_id,
            _between(Kudos.created_at, window.start, window.end),
            scope.feedback_where(),
        )
    )
    return scope.group(query, Kudos.to_id), scope.parameters


def _named_parts(scope: _Scope) -> list[tuple[Select[Any], int]]:
    """Who has overdue items at the window's end — only for the channels that chose to show names."""
    end = scope.window.end
    channels = sorted(scope.named_channels)
    if not channels:
        return []
    if not scope.by_channel:
        # Read through the members' indexes like _member_part. Grouping by the bare column would let
        # SQLite walk the whole team in assignee order instead, hence the expression.
        assignee = (R.assignee_id + "").label("assignee")
        late = _count_if(overdue_at(end))
        query = (
            select(_number(scope.label), scope.key(), assignee, late)
            .where(scope.where(), _relevant(scope))
            .group_by(assignee)
            .having(late > 0)
        )
        return [(query, scope.parameters)]
    parts = []
    for closed in (R.closed_at.is_(None), R.closed_at >= end):
        query = select(_number(scope.label), scope.key(), R.assignee_id, func.count()).where(
            scope.where(channels), closed, R.created_at < end, late_at(end)
        )
        parts.append((scope.group(query, R.assignee_id), scope.parameters))
    return parts


@dataclass
class _Tally:
    """One target's numbers while the statements come back."""

    weeks: list[dict[str, int]]
    open_at_end: int = 0
    overdue_at_end: int = 0
    open_people: int = 0
    overdue_people: int = 0
    #: (assignee, created, answered, (their zone, their calendar choice)).
    answers: list[tuple[str, datetime, datetime, tuple[str | None, CalendarChoice]]] = field(
        default_factory=list
    )
    ratings: int = 0
    rating_average: float | None = None
    tone_answers: int = 0
    tone_respectful: int = 0
    raters: int = 0
    rated_people: int = 0
    kudos: dict[str, int] = field(default_factory=dict)
    overdue_by_person: dict[str, int] | None = None


def compute_reports(
    session: Session, *, settings: Settings, targets: Sequence[DigestTarget]
) -> list[DigestReport]:
    """The numbers of many digests at once, in the order of ``targets``.

    A constant number of statements whatever the number of channels and requests: the counts (filed,
    closed and first answers due per week of the trend — one index range per channel and week — and
    open and overdue at the window's end), user groups' numbers (only if there are any), the window's
    first answers, ratings, kudos, and one more only when a channel chose to name people.
    """
    tallies = [
        _Tally(weeks=[dict.fromkeys(WEEK_FIELDS, 0) for _ in range(TREND_WEEKS)], overdue_by_person=None)
        for _ in targets
    ]
    for index, target in enumerate(targets):
        if target.subscription.name_people:
            tallies[index].overdue_by_person = {}
    scopes = _scopes(targets)
    if scopes and session.get_bind().dialect.name == "postgresql":
        # Compiling these statements of many small index ranges costs more than running them.
        session.execute(text("SET LOCAL jit = off"))
    channel_scopes = [scope for scope in scopes if scope.by_channel]
    member_scopes = [scope for scope in scopes if not scope.by_channel]

    def each(rows: list[Row[Any]]) -> Iterator[tuple[_Tally, Row[Any]]]:
        for row in rows:
            for index in scopes[row[0]].targets(row[1]):
                yield tallies[index], row

    counts = [part for scope in channel_scopes for part in (*_trend_parts(scope), _open_part(scope))]
    for tally, (_label, _key, week, kind, first, second, people, late_people) in each(
        _execute_union(session, counts)
    ):
        numbers = tally.weeks[week]
        if kind == OPENED:
            numbers.update(opened=first, opened_people=people)
        elif kind == CLOSED:
            numbers.update(done=first, declined=second, closed_people=people)
        elif kind == DUE:
            numbers.update(answers_due=first, answered_in_time=second, answers_due_people=people)
        else:
            tally.open_at_end, tally.overdue_at_end = int(first), int(second)
            tally.open_people, tally.overdue_people = int(people), int(late_people)
    for row in _execute_union(session, [_member_part(scope) for scope in member_scopes]):
        target = scopes[row[0]].target
        assert target is not None
        tally = tallies[target]
        values = [int(value or 0) for value in row[1:]]
        for week in range(TREND_WEEKS):
            tally.weeks[week] = dict(zip(WEEK_FIELDS, values[week * 8 : week * 8 + 8], strict=True))
        tally.open_at_end, tally.overdue_at_end, tally.open_people, tally.overdue_people = values[-4:]

    for tally, (_label, _key, assignee, created, answered, tz, *chosen) in each(
        _execute_union(session, [_answers_part(scope) for scope in scopes])
    ):
        start, end, days, country, subdivision = chosen
        choice = CalendarChoice(
            work_start=_as_time(start),
            work_end=_as_time(end),
            working_days=days,
            holiday_country=country,
            holiday_subdivision=subdivision,
        )
        tally.answers.append((assignee, created, answered, (tz, choice)))
    for tally, (_label, _key, count, average, tone, respectful, raters, rated) in each(
        _execute_union(session, [_ratings_part(scope) for scope in scopes])
    ):
        tally.ratings, tally.tone_answers, tally.tone_respectful = int(count), int(tone), int(respectful)
        tally.rating_average = float(average) if average is not None else None
        tally.raters, tally.rated_people = int(raters), int(rated)
    for tally, (_label, _key, person, count) in each(
        _execute_union(session, [_kudos_part(scope) for scope in scopes])
    ):
        tally.kudos[person] = tally.kudos.get(person, 0) + int(count)
    for tally, (_label, _key, person, count) in each(
        _execute_union(session, [part for scope in scopes for part in _named_parts(scope)])
    ):
        if tally.overdue_by_person is not None and person:  # a team request nobody took names nobody
            tally.overdue_by_person[person] = tally.overdue_by_person.get(person, 0) + int(count)

    durations = _first_answer_durations(settings, tallies)
    return [
        _report(target, tally, durations[index], settings.digest_min_group)
        for index, (target, tally) in enumerate(zip(targets, tallies, strict=True))
    ]


def _as_time(value: Any) -> time | None:
    """A Time column through a UNION: SQLite may hand back its text form."""
    if value is None or isinstance(value, time):
        return value
    return time.fromisoformat(str(value))


WEEK_FIELDS = (
    "opened",
    "opened_people",
    "done",
    "declined",
    "closed_people",
    "answers_due",
    "answered_in_time",
    "answers_due_people",
)


def _first_answer_durations(settings: Settings, tallies: list[_Tally]) -> list[list[timedelta]]:
    """Working time to each first answer on its assignee's own calendar (as it is now): one laid-out
    calendar per zone and choice for all digests together, instead of a day-by-day walk per answer."""
    by_zone: dict[tuple[str | None, CalendarChoice], list[tuple[int, int]]] = {}
    for number, tally in enumerate(tallies):
        for position, (_assignee, _created, _answered, key) in enumerate(tally.answers):
            by_zone.setdefault(key, []).append((number, position))
    by_calendar: dict[BusinessCalendar, list[tuple[int, int]]] = {}
    for (tz, choice), places in by_zone.items():  # unknown and invalid zones share the workspace's
        by_calendar.setdefault(calendar_for(settings, tz, choice), []).extend(places)
    durations: list[list[timedelta]] = [[timedelta(0)] * len(tally.answers) for tally in tallies]
    for calendar, places in by_calendar.items():
        pairs = [tallies[number].answers[position][1:3] for number, position in places]
        for (number, position), duration in zip(places, business_durations(calendar, pairs), strict=True):
            durations[number][position] = duration
    return durations


def _by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Most first, then by user id (the same order on every database)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _report(target: DigestTarget, tally: _Tally, durations: list[timedelta], min_group: int) -> DigestReport:
    weeks = trend_weeks(target.week, TREND_WEEKS)
    return DigestReport(
        week=target.week,
        trend=[
            WeekNumbers(week=week, **{name: int(value) for name, value in numbers.items()})
            for week, numbers in zip(weeks, tally.weeks, strict=True)
        ],
        first_answers=len(durations),
        median_first_answer=median_duration(durations),
        first_answer_people=len({assignee for assignee, *_rest in tally.answers}),
        open_at_end=tally.open_at_end,
        overdue_at_end=tally.overdue_at_end,
        open_people=tally.open_people,
        overdue_people=tally.overdue_people,
        ratings=tally.ratings,
        rating_average=tally.rating_average,
        tone_answers=tally.tone_answers,
        tone_respectful=tally.tone_respectful,
        raters=tally.raters,
        rated_people=tally.rated_people,
        kudos=_by_count(tally.kudos),
        overdue_by_person=_by_count(tally.overdue_by_person) if tally.overdue_by_person is not None else None,
        min_group=min_group,
    )


def compute_report(
    session: Session,
    *,
    settings: Settings,
    subscription: DigestSubscription,
    week: Week,
    members: Sequence[str] | None = None,
) -> DigestReport:
    """The numbers of one digest (the same statements as ``compute_reports``, for one target)."""
    [report] = compute_reports(
        session, settings=settings, targets=[DigestTarget(subscription, week, members)]
    )
    return report


# --- teams (requests asked of a user group) ------------------------------------------------------------


@dataclass(frozen=True)
class TeamNumbers:
    """One team's week, as team-level figures only (nobody in it is named)."""

    usergroup_id: str
    handle: str
    asked: int
    taken: int
    waiting: int


def team_numbers(
    session: Session, *, subscription: DigestSubscription, week: Any, min_group: int
) -> list[TeamNumbers]:
    """Per team asked this week (in the subscribed channel, or the subscribed user group): how many
    requests it was asked, how many of those someone took, how many still wait for someone. Teams with
    fewer than ``min_group`` members are left out, like every figure about fewer people."""
    from models import Team, TeamMember

    where = [
        Request.team_id == subscription.team_id,
        Request.group_id.is_not(None),
        Request.created_at >= week.start,
        Request.created_at < week.end,
    ]
    if subscription.scope == "usergroup" and subscription.usergroup_id:
        where.append(Request.group_id == subscription.usergroup_id)
    else:
        where.append(Request.channel_id == subscription.channel_id)
    rows = session.execute(
        select(
            Request.group_id,
            func.count(Request.id),
            _count_if(Request.assignee_id.is_not(None)),
            _count_if(and_(Request.assignee_id.is_(None), Request.state.in_(ACTIVE_STATES))),
        )
        .where(*where)
        .group_by(Request.group_id)
        .order_by(Request.group_id)
    ).all()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    sizes = dict(
        session.execute(
            select(TeamMember.usergroup_id, func.count(TeamMember.user_id))
            .where(TeamMember.team_id == subscription.team_id, TeamMember.usergroup_id.in_(ids))
            .group_by(TeamMember.usergroup_id)
        ).all()
    )
    names = dict(
        session.execute(
            select(Team.usergroup_id, Team.handle).where(
                Team.team_id == subscription.team_id, Team.usergroup_id.in_(ids)
            )
        ).all()
    )
    return [
        TeamNumbers(group_id, names.get(group_id, ""), int(asked), int(taken or 0), int(waiting or 0))
        for group_id, asked, taken, waiting in rows
        if sizes.get(group_id, 0) >= min_group
    ]
