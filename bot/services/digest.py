"""The weekly digest: subscriptions, which digests are due, the exactly-once claim, and the numbers.

Numbers come from aggregate SQL over UTC boundaries computed in Python (``bot.domain.digest_stats``),
so they are right in every time zone and across DST. One digest costs a constant number of queries
whatever the number of requests: one conditional-aggregate query for the eight-week trend and the
open/overdue counts, one for the week's first answers (their working time is measured on each
assignee's own calendar), one for ratings, one for kudos, and one more only when the channel chose to
name people. Services never call Slack; the caller resolves a user group's members beforehand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exc,
    false,
    func,
    insert,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.domain.digest_stats import (
    TREND_WEEKS,
    DigestReport,
    DigestSettingError,
    Schedule,
    Week,
    WeekNumbers,
    due_week,
    median_duration,
    parse_schedule,
    trend_weeks,
    week_of,
)
from bot.i18n import LANGUAGES
from bot.services.agreement import calendar_for, zone_or_default
from models import DigestRun, DigestSubscription, Kudos, Person, Rating, Request, State, Workspace

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


def last_week(subscription: DigestSubscription, now: datetime) -> Week:
    """The channel's "last week" at ``now``."""
    return week_of(now, zone_of(subscription)).previous()


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


def is_settled(session: Session, *, subscription_id: int, week_key: str, now: datetime) -> bool:
    return bool(_settled(session, [(subscription_id, week_key)], now))


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


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _between(column: ColumnElement[datetime], start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def open_at(moment: datetime) -> ColumnElement[bool]:
    """Filed before ``moment`` and not closed by then."""
    return and_(R.created_at < moment, or_(R.closed_at.is_(None), R.closed_at >= moment))


def overdue_at(moment: datetime) -> ColumnElement[bool]:
    """Open at ``moment`` and past an agreed time then: no first answer by the response time, or not
    finished by the due date."""
    unanswered_late = and_(
        R.response_due_at < moment, or_(R.acknowledged_at.is_(None), R.acknowledged_at >= moment)
    )
    past_due = and_(R.due_at.is_not(None), R.due_at < moment)
    return and_(open_at(moment), or_(unanswered_late, past_due))


def scope_filter(subscription: DigestSubscription, members: Sequence[str] | None) -> ColumnElement[bool]:
    """Which requests a channel's digest counts."""
    in_team = R.team_id == subscription.team_id
    if subscription.scope == "usergroup":
        people = list(members or ())
        if not people:
            return false()
        return and_(in_team, or_(R.requester_id.in_(people), R.assignee_id.in_(people)))
    return and_(in_team, R.channel_id == subscription.channel_id)


def compute_report(
    session: Session,
    *,
    settings: Settings,
    subscription: DigestSubscription,
    week: Week,
    members: Sequence[str] | None = None,
) -> DigestReport:
    """The digest numbers for ``week`` (a constant number of queries, see the module docstring)."""
    scope = scope_filter(subscription, members)
    weeks = trend_weeks(week, TREND_WEEKS)
    first_start, end = weeks[0].start, week.end

    columns: list[ColumnElement[int]] = []
    for index, each in enumerate(weeks):
        due_in_week = and_(
            _between(R.response_due_at, each.start, each.end),
            not_(and_(R.state == State.CANCELLED.value, R.acknowledged_at.is_(None))),
        )
        columns += [
            _count_if(_between(R.created_at, each.start, each.end)).label(f"opened_{index}"),
            _count_if(and_(R.state == State.DONE.value, _between(R.closed_at, each.start, each.end))).label(
                f"done_{index}"
            ),
            _count_if(
                and_(R.state == State.DECLINED.value, _between(R.closed_at, each.start, each.end))
            ).label(f"declined_{index}"),
            _count_if(due_in_week).label(f"due_{index}"),
            _count_if(
                and_(due_in_week, R.acknowledged_at.is_not(None), R.acknowledged_at <= R.response_due_at)
            ).label(f"in_time_{index}"),
        ]
    columns += [
        _count_if(open_at(end)).label("open_at_end"),
        _count_if(overdue_at(end)).label("overdue_at_end"),
    ]
    # Rows closed before the trend began can only matter through a response time inside it.
    relevant = or_(R.closed_at.is_(None), R.closed_at >= first_start, R.response_due_at >= first_start)
    totals = session.execute(select(*columns).where(scope, relevant)).one()._mapping
    trend = [
        WeekNumbers(
            week=each,
            opened=int(totals[f"opened_{index}"]),
            done=int(totals[f"done_{index}"]),
            declined=int(totals[f"declined_{index}"]),
            answers_due=int(totals[f"due_{index}"]),
            answered_in_time=int(totals[f"in_time_{index}"]),
        )
        for index, each in enumerate(weeks)
    ]

    answers = session.execute(
        select(R.created_at, R.acknowledged_at, Person.tz)
        .outerjoin(Person, and_(Person.team_id == R.team_id, Person.user_id == R.assignee_id))
        .where(scope, _between(R.acknowledged_at, week.start, week.end))
    ).all()
    durations = [
        calendar_for(settings, row.tz).business_time_between(row.created_at, row.acknowledged_at)
        for row in answers
    ]

    rating_row = session.execute(
        select(
            func.count(Rating.request_id),
            func.avg(Rating.score),
            func.count(Rating.tone_respectful),
            _count_if(Rating.tone_respectful.is_(True)),
        )
        .join(R, R.id == Rating.request_id)
        .where(scope, _between(Rating.created_at, week.start, week.end))
    ).one()
    ratings, average, tone_answers, tone_respectful = rating_row

    given = func.count(Kudos.id)
    kudos = session.execute(
        select(Kudos.to_id, given)
        .join(R, R.id == Kudos.request_id)
        .where(scope, _between(Kudos.created_at, week.start, week.end))
        .group_by(Kudos.to_id)
        .order_by(given.desc(), Kudos.to_id)
    ).all()

    overdue_by_person = None
    if subscription.name_people:
        late = func.count(R.id)
        overdue_by_person = [
            (row[0], int(row[1]))
            for row in session.execute(
                select(R.assignee_id, late)
                .where(scope, overdue_at(end))
                .group_by(R.assignee_id)
                .order_by(late.desc(), R.assignee_id)
            ).all()
        ]

    return DigestReport(
        week=week,
        trend=trend,
        first_answers=len(durations),
        median_first_answer=median_duration(durations),
        open_at_end=int(totals["open_at_end"]),
        overdue_at_end=int(totals["overdue_at_end"]),
        ratings=int(ratings or 0),
        rating_average=float(average) if average is not None else None,
        tone_answers=int(tone_answers or 0),
        tone_respectful=int(tone_respectful or 0),
        kudos=[(row[0], int(row[1])) for row in kudos],
        overdue_by_person=overdue_by_person,
    )
