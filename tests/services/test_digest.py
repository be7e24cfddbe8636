"""The digest numbers against a plain Python recomputation over the same rows — across DST, week
boundaries and time zones, for one channel and for many channels computed at once — plus query cost
and the subscription lifecycle, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, insert, select

from bot.config import Settings
from bot.domain.digest_stats import DigestSettingError, Schedule, Week, latest_week
from bot.services import digest as digest_service
from bot.services.agreement import calendar_for
from bot.services.digest import DigestTarget
from models import DigestSubscription, Kudos, Person, Rating, Request
from models.db import transaction

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TEAM = "T0001"
SETTINGS = Settings(timezone="Europe/Berlin", holidays="DE-BE")
#: Assignees and their zones; UNOBODY has no row in ``people`` and is measured in the workspace's zone.
PEOPLE = {"UBOB": "Europe/Berlin", "UCAROL": "America/New_York", "UKENJI": "Asia/Tokyo", "UNOBODY": None}
START = datetime(2026, 8, 24, tzinfo=UTC)
END = datetime(2026, 12, 7, tzinfo=UTC)


@dataclass
class Row:
    """What the recomputation sees: the same values that went into the database."""

    request: dict
    rating: dict | None = None
    kudos: dict | None = None


def boundary_moments() -> list[datetime]:
    """Instants right at the edges: local midnights of Mondays (±1 s) and the doubled hour of 25 October."""
    moments = []
    day = date(2026, 8, 31)
    while day < date(2026, 12, 7):
        for tz in (BERLIN, NEW_YORK):
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
            moments += [midnight - timedelta(seconds=1), midnight, midnight + timedelta(seconds=1)]
        day += timedelta(days=7)
    # 02:30 happens twice in Berlin on 25 October (CEST, then CET); 01:30 twice in New York on 1 November.
    moments += [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]
    moments += [datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)]
    return moments


def generate(
    seed: int,
    count: int,
    channels: tuple[str, ...] = ("CBERLIN", "CNY", "COTHER"),
    edges: list[datetime] | None = None,
) -> list[Row]:
    rng = random.Random(seed)
    edges = edges or boundary_moments()
    span = (END - START).total_seconds()
    rows = []
    for number in range(1, count + 1):
        created = rng.choice(edges) if rng.random() < 0.3 else START + timedelta(seconds=rng.uniform(0, span))
        response_due = created + rng.choice(
            [timedelta(hours=rng.uniform(0.5, 60)), rng.choice(edges) - created + timedelta(0)]
        )
        if response_due <= created:
            response_due = created + timedelta(hours=4)
        acknowledged = None if rng.random() < 0.3 else created + timedelta(hours=rng.uniform(0, 1) ** 2 * 90)
        due = created + timedelta(days=rng.uniform(1, 12)) if rng.random() < 0.5 else None
        state = rng.choice(["open", "acknowledged", "done", "done", "done", "declined", "cancelled"])
        closed = None
        if state == "acknowledged" and acknowledged is None:
            state = "open"
        if state == "open":
            acknowledged = None
        if state in ("done", "declined"):
            acknowledged = acknowledged or created + timedelta(hours=rng.uniform(0, 40))
            closed = acknowledged + timedelta(hours=rng.uniform(0, 100))
        if state == "cancelled":
            closed = created + timedelta(hours=rng.uniform(0, 80))
            if acknowledged is not None and acknowledged > closed:
                acknowledged = None
        if rng.random() < 0.1 and closed is not None:
            closed = rng.choice(edges)  # sometimes right on a boundary
            if closed < (acknowledged or created):
                closed = (acknowledged or created) + timedelta(minutes=1)
        assignee = rng.choice(list(PEOPLE))
        request = {
            "team_id": TEAM,
            "number": number,
            "requester_id": rng.choice(["UALICE", "UDIETER"]),
            "assignee_id": assignee,
            "text": f"request {number}",
            "kind": "task",
            "channel_id": rng.choice(channels),
            "state": state,
            "created_at": created,
            "updated_at": closed or acknowledged or created,
            "response_due_at": response_due,
            "due_at": due,
            "acknowledged_at": acknowledged,
            "closed_at": closed,
        }
        row = Row(request)
        if state == "done" and rng.random() < 0.6:
            rated_at = rng.choice([closed + timedelta(hours=rng.uniform(0, 72)), rng.choice(edges)])
            rated_at = max(rated_at, closed)
            row.rating = {
                "score": rng.randint(1, 5),
                "tone_respectful": rng.choice([True, False, None]),
                "created_at": rated_at,
            }
        if state == "done" and rng.random() < 0.4:
            row.kudos = {"created_at": closed + timedelta(hours=rng.uniform(0, 30))}
        rows.append(row)
    return rows


def store(sessions, rows: list[Row]) -> None:
    """The rows in bulk, with ids of our own (after any already stored)."""
    with transaction(sessions) as session:
        for user, tz in PEOPLE.items():
            if tz is not None:
                session.add(Person(team_id=TEAM, user_id=user, name=user, tz=tz, fetched_at=START))
        first = (session.scalar(select(func.max(Request.id))) or 0) + 1
        for offset, row in enumerate(rows):
            row.request["id"] = first + offset
        session.execute(insert(Request), [row.request for row in rows])
        ratings = [
            {
                "request_id": row.request["id"],
                "team_id": TEAM,
                "rater_id": row.request["requester_id"],
                "comment": None,
                "updated_at": row.rating["created_at"],
                **row.rating,
            }
            for row in rows
            if row.rating
        ]
        kudos = [
            {
                "team_id": TEAM,
                "request_id": row.request["id"],
                "from_id": row.request["requester_id"],
                "to_id": row.request["assignee_id"],
                **row.kudos,
            }
            for row in rows
            if row.kudos
        ]
        if ratings:
            session.execute(insert(Rating), ratings)
        if kudos:
            session.execute(insert(Kudos), kudos)


def subscription(
    sessions,
    channel: str,
    tz: str,
    *,
    name_people: bool = False,
    scope: str = "channel",
    group: str | None = None,
    schedule: Schedule | None = None,
) -> DigestSubscription:
    schedule = schedule or Schedule()
    with transaction(sessions) as session:
        sub = DigestSubscription(
            team_id=TEAM,
            channel_id=channel,
            weekday=schedule.weekday,
            hour=schedule.hour,
            minute=schedule.minute,
            timezone=tz,
            language="en",
            scope=scope,
            usergroup_id=group,
            name_people=name_people,
            active=True,
            created_by="UALICE",
            created_at=START,
        )
        session.add(sub)
    return sub


# --- the recomputation: local ISO weeks by calendar date, nothing shared with the service ---------


def iso_week(moment: datetime | None, tz: ZoneInfo) -> tuple[int, int] | None:
    return None if moment is None else tuple(moment.astimezone(tz).isocalendar())[:2]


def iso_weeks_back(year_week: tuple[int, int], count: int) -> list[tuple[int, int]]:
    monday = date.fromisocalendar(*year_week, 1)
    return [tuple((monday - timedelta(days=7 * k)).isocalendar())[:2] for k in range(count - 1, -1, -1)]


def recompute(
    rows: list[Row], *, in_scope, tz: ZoneInfo, week: tuple[int, int], name_people: bool = False
) -> dict:
    scoped = [row for row in rows if in_scope(row.request)]

    def numbers(w: tuple[int, int]) -> dict:
        counts = Counter()
        for row in scoped:
            r = row.request
            counts["opened"] += iso_week(r["created_at"], tz) == w
            counts["done"] += r["state"] == "done" and iso_week(r["closed_at"], tz) == w
            counts["declined"] += r["state"] == "declined" and iso_week(r["closed_at"], tz) == w
            due = iso_week(r["response_due_at"], tz) == w and not (
                r["state"] == "cancelled" and r["acknowledged_at"] is None
            )
            counts["due"] += due
            counts["in_time"] += (
                due and r["acknowledged_at"] is not None and r["acknowledged_at"] <= r["response_due_at"]
            )
        return dict(counts)

    def after(moment: datetime | None) -> bool:  # later than the reported week ("not yet at its end")
        return moment is None or iso_week(moment, tz) > week

    open_rows = [
        row.request
        for row in scoped
        if iso_week(row.request["created_at"], tz) <= week and after(row.request["closed_at"])
    ]
    overdue = [
        r
        for r in open_rows
        if (iso_week(r["response_due_at"], tz) <= week and after(r["acknowledged_at"]))
        or (r["due_at"] is not None and iso_week(r["due_at"], tz) <= week)
    ]
    durations = [
        calendar_for(SETTINGS, PEOPLE[row.request["assignee_id"]]).business_time_between(
            row.request["created_at"], row.request["acknowledged_at"]
        )
        for row in scoped
        if iso_week(row.request["acknowledged_at"], tz) == week
    ]
    ratings = [row.rating for row in scoped if row.rating and iso_week(row.rating["created_at"], tz) == week]
    kudos = Counter(
        row.request["assignee_id"]
        for row in scoped
        if row.kudos and iso_week(row.kudos["created_at"], tz) == week
    )
    return {
        "trend": [numbers(w) for w in iso_weeks_back(week, 8)],
        "first_answers": len(durations),
        "median": timedelta(seconds=round(median(d.total_seconds() for d in durations)))
        if durations
        else None,
        "open_at_end": len(open_rows),
        "overdue_at_end": len(overdue),
        "ratings": len(ratings),
        "average": sum(r["score"] for r in ratings) / len(ratings) if ratings else None,
        "tone_answers": sum(r["tone_respectful"] is not None for r in ratings),
        "tone_respectful": sum(r["tone_respectful"] is True for r in ratings),
        "kudos": sorted(kudos.items(), key=lambda item: (-item[1], item[0])),
        "overdue_by_person": (
            sorted(Counter(r["assignee_id"] for r in overdue).items(), key=lambda item: (-item[1], item[0]))
            if name_people
            else None
        ),
    }


def as_dict(report) -> dict:
    return {
        "trend": [
            {
                "opened": w.opened,
                "done": w.done,
                "declined": w.declined,
                "due": w.answers_due,
                "in_time": w.answered_in_time,
            }
            for w in report.trend
        ],
        "first_answers": report.first_answers,
        "median": report.median_first_answer,
        "open_at_end": report.open_at_end,
        "overdue_at_end": report.overdue_at_end,
        "ratings": report.ratings,
        "average": report.rating_average,
        "tone_answers": report.tone_answers,
        "tone_respectful": report.tone_respectful,
        "kudos": report.kudos,
        "overdue_by_person": report.overdue_by_person,
    }


def normalise(expected: dict) -> dict:
    keys = ("opened", "done", "declined", "due", "in_time")
    return {**expected, "trend": [{k: int(w.get(k, 0)) for k in keys} for w in expected["trend"]]}


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return generate(seed=20261025, count=500)


@pytest.fixture
def data(sessions, rows):
    store(
        sessions, [Row(dict(r.request), r.rating and dict(r.rating), r.kudos and dict(r.kudos)) for r in rows]
    )
    return rows


def report_for(sessions, sub, week, members=None):
    with transaction(sessions) as session:
        return digest_service.compute_report(
            session, settings=SETTINGS, subscription=sub, week=week, members=members
        )


@pytest.mark.parametrize(
    ("monday", "label"),
    [
        (date(2026, 10, 19), "Berlin week with the autumn DST change"),
        (date(2026, 10, 26), "New York week with its DST change"),
        (date(2026, 11, 23), "an ordinary week"),
    ],
)
def test_digest_numbers_match_a_recomputation(sessions, data, monday, label):
    berlin = subscription(sessions, "CBERLIN", "Europe/Berlin", name_people=True)
    new_york = subscription(sessions, "CNY", "America/New_York")
    for sub, tz in ((berlin, BERLIN), (new_york, NEW_YORK)):
        report = report_for(sessions, sub, Week.starting(monday, tz))
        expected = recompute(
            data,
            in_scope=lambda r, channel=sub.channel_id: r["channel_id"] == channel,
            tz=tz,
            week=tuple(monday.isocalendar())[:2],
            name_people=sub.name_people,
        )
        actual = as_dict(report)
        if expected["average"] is not None:
            assert actual.pop("average") == pytest.approx(expected.pop("average"))
        else:
            assert actual.pop("average") is expected.pop("average") is None
        assert actual == normalise(expected), f"{label}, {sub.channel_id}"
        assert report.current.opened > 0 and report.first_answers > 0  # the data exercises this week


def test_a_user_group_digest_counts_requests_by_or_for_its_members(sessions, data):
    sub = subscription(sessions, "CTEAM", "America/New_York", scope="usergroup", group="S1")
    members = ["UCAROL", "UDIETER"]
    monday = date(2026, 11, 2)
    report = report_for(sessions, sub, Week.starting(monday, NEW_YORK), members)
    expected = recompute(
        data,
        in_scope=lambda r: r["requester_id"] in members or r["assignee_id"] in members,
        tz=NEW_YORK,
        week=tuple(monday.isocalendar())[:2],
    )
    actual = as_dict(report)
    assert actual.pop("average") == pytest.approx(expected.pop("average"))
    assert actual == normalise(expected)
    empty = report_for(sessions, sub, Week.starting(monday, NEW_YORK), [])
    assert empty.current.opened == 0 and empty.open_at_end == 0


def test_a_digest_costs_the_same_few_queries_however_many_requests(sessions, engine):
    sub = subscription(sessions, "CBERLIN", "Europe/Berlin", name_people=True)
    week = Week.starting(date(2026, 11, 23), BERLIN)
    counts = []
    for batch in (20, 400):
        store_more = generate(seed=batch, count=batch, channels=("CBERLIN",))
        for offset, row in enumerate(store_more):
            row.request["number"] = 10_000 * batch + offset
        with transaction(sessions) as session:
            session.query(Person).delete()
        store(sessions, store_more)
        statements = []

        def count(_conn, _cursor, statement, *_args, statements=statements):
            if statement.lstrip().upper().startswith("SELECT"):  # not SET LOCAL jit, not SQLite's BEGIN
                statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            report_for(sessions, sub, week)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 5


# --- many channels at once -------------------------------------------------------------------------

TOKYO = ZoneInfo("Asia/Tokyo")
CHANNELS = tuple(f"C{n:02d}" for n in range(12))
#: (time zone, schedule) of each channel's subscription: early and late slots, three zones.
PLANS = [
    (BERLIN, Schedule(0, 9, 0)),
    (BERLIN, Schedule(4, 16, 30)),
    (NEW_YORK, Schedule(0, 9, 0)),
    (NEW_YORK, Schedule(3, 8, 0)),
    (TOKYO, Schedule(6, 18, 0)),
    (BERLIN, Schedule(2, 12, 0)),
]


def local_windows(week: Week, count: int = 8) -> list[tuple[datetime, datetime]]:
    """The trend's windows straight from the wall clock: each week's Monday 00:00 to the same weekday
    and time (or the next Monday); the last ends exactly where the reported window ends."""
    windows = []
    for back in range(count - 1, -1, -1):
        monday = week.monday - timedelta(days=7 * back)
        start = datetime.combine(monday, time(0), tzinfo=week.tz)
        if week.cut is None:
            end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=week.tz)
        else:
            end = (datetime.combine(monday, time(0)) + week.cut).replace(tzinfo=week.tz)
        windows.append((start.astimezone(UTC), end.astimezone(UTC)))
    windows[-1] = (windows[-1][0], week.end)
    return windows


def recompute_windows(rows: list[Row], *, in_scope, windows, name_people: bool) -> dict:
    """The digest of one scope by plain comparison with each window's two instants."""
    scoped = [
        row.request | {"rating": row.rating, "kudos": row.kudos} for row in rows if in_scope(row.request)
    ]

    def within(moment: datetime | None, window: tuple[datetime, datetime]) -> bool:
        return moment is not None and window[0] <= moment < window[1]

    trend = []
    for window in windows:
        opened = [r for r in scoped if within(r["created_at"], window)]
        closed = [r for r in scoped if r["state"] in ("done", "declined") and within(r["closed_at"], window)]
        due = [
            r
            for r in scoped
            if within(r["response_due_at"], window)
            and not (r["state"] == "cancelled" and r["acknowledged_at"] is None)
        ]
        trend.append(
            {
                "opened": len(opened),
                "opened_people": len({r["assignee_id"] for r in opened}),
                "done": sum(r["state"] == "done" for r in closed),
                "declined": sum(r["state"] == "declined" for r in closed),
                "closed_people": len({r["assignee_id"] for r in closed}),
                "due": len(due),
                "in_time": sum(
                    r["acknowledged_at"] is not None and r["acknowledged_at"] <= r["response_due_at"]
                    for r in due
                ),
                "due_people": len({r["assignee_id"] for r in due}),
            }
        )
    start, end = windows[-1]
    open_rows = [
        r for r in scoped if r["created_at"] < end and (r["closed_at"] is None or r["closed_at"] >= end)
    ]
    overdue = [
        r
        for r in open_rows
        if (r["response_due_at"] < end and (r["acknowledged_at"] is None or r["acknowledged_at"] >= end))
        or (r["due_at"] is not None and r["due_at"] < end)
    ]
    answered = [r for r in scoped if within(r["acknowledged_at"], (start, end))]
    durations = [
        calendar_for(SETTINGS, PEOPLE[r["assignee_id"]]).business_time_between(
            r["created_at"], r["acknowledged_at"]
        )
        for r in answered
    ]
    ratings = [r for r in scoped if r["rating"] and within(r["rating"]["created_at"], (start, end))]
    kudos = Counter(
        r["assignee_id"] for r in scoped if r["kudos"] and within(r["kudos"]["created_at"], (start, end))
    )
    by_count = lambda counter: sorted(counter.items(), key=lambda item: (-item[1], item[0]))  # noqa: E731
    return {
        "trend": trend,
        "first_answers": len(durations),
        "first_answer_people": len({r["assignee_id"] for r in answered}),
        "median": timedelta(seconds=round(median(d.total_seconds() for d in durations)))
        if durations
        else None,
        "open_at_end": len(open_rows),
        "overdue_at_end": len(overdue),
        "open_people": len({r["assignee_id"] for r in open_rows}),
        "overdue_people": len({r["assignee_id"] for r in overdue}),
        "ratings": len(ratings),
        "average": sum(r["rating"]["score"] for r in ratings) / len(ratings) if ratings else None,
        "tone_answers": sum(r["rating"]["tone_respectful"] is not None for r in ratings),
        "tone_respectful": sum(r["rating"]["tone_respectful"] is True for r in ratings),
        "raters": len({r["requester_id"] for r in ratings}),
        "rated_people": len({r["assignee_id"] for r in ratings}),
        "kudos": by_count(kudos),
        "overdue_by_person": by_count(Counter(r["assignee_id"] for r in overdue)) if name_people else None,
    }


def full_dict(report) -> dict:
    return {
        "trend": [
            {
                "opened": w.opened,
                "opened_people": w.opened_people,
                "done": w.done,
                "declined": w.declined,
                "closed_people": w.closed_people,
                "due": w.answers_due,
                "in_time": w.answered_in_time,
                "due_people": w.answers_due_people,
            }
            for w in report.trend
        ],
        "first_answers": report.first_answers,
        "first_answer_people": report.first_answer_people,
        "median": report.median_first_answer,
        "open_at_end": report.open_at_end,
        "overdue_at_end": report.overdue_at_end,
        "open_people": report.open_people,
        "overdue_people": report.overdue_people,
        "ratings": report.ratings,
        "average": report.rating_average,
        "tone_answers": report.tone_answers,
        "tone_respectful": report.tone_respectful,
        "raters": report.raters,
        "rated_people": report.rated_people,
        "kudos": report.kudos,
        "overdue_by_person": report.overdue_by_person,
    }


def slot_moments() -> list[datetime]:
    """Instants right at the edges of the windows below: every plan's slot in every week (±1 s)."""
    moments = []
    monday = date(2026, 8, 31)
    while monday < date(2026, 12, 7):
        for tz, schedule in PLANS:
            day = monday + timedelta(days=schedule.weekday)
            slot = datetime.combine(day, time(schedule.hour, schedule.minute), tzinfo=tz).astimezone(UTC)
            moments += [slot - timedelta(seconds=1), slot, slot + timedelta(seconds=1)]
        monday += timedelta(days=7)
    return moments


@pytest.fixture(scope="module")
def many_rows() -> list[Row]:
    return generate(seed=4711, count=1200, channels=CHANNELS, edges=boundary_moments() + slot_moments())


def edge_rows(channel: str, week: Week, first_number: int) -> list[Row]:
    """Requests whose times sit exactly on the window's edges (start counts, end does not)."""
    start, end, tick = week.start, week.end, timedelta(microseconds=1)

    def request(number: int, **fields) -> dict:
        created = fields.pop("created_at")
        return {
            "team_id": TEAM,
            "number": first_number + number,
            "requester_id": "UALICE",
            "assignee_id": fields.pop("assignee_id", "UBOB"),
            "text": "edge",
            "kind": "task",
            "channel_id": channel,
            "created_at": created,
            "updated_at": created,
            "due_at": None,
            "acknowledged_at": None,
            "closed_at": None,
            **fields,
        }

    return [
        Row(request(0, created_at=end - tick, response_due_at=end, due_at=end, state="open")),
        Row(
            request(
                1, created_at=start, acknowledged_at=end, closed_at=end, response_due_at=end, state="done"
            ),
            rating={"score": 5, "tone_respectful": True, "created_at": end},
            kudos={"created_at": end - tick},
        ),
        Row(
            request(
                2,
                created_at=start - tick,
                acknowledged_at=start,
                response_due_at=start,
                due_at=end - tick,
                state="acknowledged",
                assignee_id="UCAROL",
            )
        ),
        Row(
            request(
                3,
                created_at=start - timedelta(days=3),
                acknowledged_at=start + timedelta(hours=1),
                closed_at=end - tick,
                response_due_at=end - tick,
                state="declined",
                assignee_id="UKENJI",
            ),
            rating={"score": 2, "tone_respectful": None, "created_at": start},
            kudos={"created_at": start},
        ),
        Row(request(4, created_at=end, response_due_at=end + timedelta(hours=4), state="open")),
    ]


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN),  # Monday: every Monday slot is due
        datetime(2026, 10, 30, 17, 0, tzinfo=NEW_YORK),  # the week New York changes its clocks
        datetime(2026, 10, 25, 3, 30, tzinfo=BERLIN),  # Sunday, just after Berlin's change
    ],
    ids=["monday", "new-york-dst", "berlin-dst"],
)
def test_many_digests_at_once_match_a_per_channel_recomputation(sessions, engine, many_rows, now):
    plans = []
    for number, channel in enumerate(CHANNELS):
        tz, schedule = PLANS[number % len(PLANS)]
        plans.append((channel, tz, schedule, latest_week(now, tz, schedule), number % 4 == 1))
    rows = [Row(dict(r.request), r.rating and dict(r.rating), r.kudos and dict(r.kudos)) for r in many_rows]
    for number, (channel, _tz, _schedule, week, _so_far) in enumerate(plans):
        rows += edge_rows(channel, week, first_number=100_000 + 10 * number)
    store(sessions, rows)

    targets, scopes = [], []
    for number, (channel, tz, schedule, week, so_far) in enumerate(plans):
        sub = subscription(sessions, channel, tz.key, name_people=number % 3 == 0, schedule=schedule)
        targets.append(DigestTarget(sub, week))
        scopes.append(lambda r, channel=channel: r["channel_id"] == channel)
        if so_far:  # the week so far too, on demand
            targets.append(DigestTarget(sub, Week.until(now, tz)))
            scopes.append(scopes[-1])
    for number, members in enumerate([["UCAROL", "UKENJI"], ["UALICE"], []]):
        sub = subscription(
            sessions,
            f"CGROUP{number}",
            "Europe/Berlin",
            scope="usergroup",
            group=f"S{number}",
            name_people=True,
        )
        targets.append(DigestTarget(sub, latest_week(now, BERLIN, Schedule()), members))
        scopes.append(lambda r, members=members: r["requester_id"] in members or r["assignee_id"] in members)

    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # not PostgreSQL's SET LOCAL jit
            statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with transaction(sessions) as session:
            reports = digest_service.compute_reports(session, settings=SETTINGS, targets=targets)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Counts, user groups, first answers, ratings, kudos, names: however many channels and windows.
    assert len(statements) == 6
    assert len(reports) == len(targets)
    for target, in_scope, report in zip(targets, scopes, reports, strict=True):
        assert report.week == target.week
        expected = recompute_windows(
            rows,
            in_scope=in_scope,
            windows=local_windows(target.week),
            name_people=target.subscription.name_people,
        )
        actual = full_dict(report)
        assert actual.pop("average") == pytest.approx(expected.pop("average")), target.subscription.channel_id
        assert actual == expected, (target.subscription.channel_id, target.week)
    assert sum(report.current.opened for report in reports) > 30  # the data exercises the windows
    assert any(report.overdue_by_person for report in reports)


def test_due_digests_claims_once_and_takes_over_a_dead_claim(sessions):
    sub = subscription(sessions, "CBERLIN", "Europe/Berlin")
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    with transaction(sessions) as session:
        assert digest_service.due_digests(session, now=slot - timedelta(minutes=1)) == []
        [due] = digest_service.due_digests(session, now=slot)
        assert (due.subscription.id, due.week.key) == (sub.id, "2026-W48")
    with transaction(sessions) as session:
        assert digest_service.claim(session, subscription_id=sub.id, week_key="2026-W48", now=slot)
    with transaction(sessions) as session:
        assert not digest_service.claim(session, subscription_id=sub.id, week_key="2026-W48", now=slot)
        assert digest_service.due_digests(session, now=slot + timedelta(minutes=1)) == []
    later = slot + digest_service.CLAIM_LEASE + timedelta(seconds=1)
    with transaction(sessions) as session:
        assert len(digest_service.due_digests(session, now=later)) == 1  # the first process died
        assert digest_service.claim(session, subscription_id=sub.id, week_key="2026-W48", now=later)
    with transaction(sessions) as session:
        digest_service.mark_posted(
            session, subscription_id=sub.id, week_key="2026-W48", now=later, message_ts="1.2"
        )
    with transaction(sessions) as session:
        far_later = later + timedelta(hours=1)
        assert digest_service.due_digests(session, now=far_later) == []
        assert not digest_service.claim(session, subscription_id=sub.id, week_key="2026-W48", now=far_later)


def test_subscribe_configure_unsubscribe(sessions):
    now = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
    with transaction(sessions) as session:
        sub, new = digest_service.subscribe(
            session,
            settings=SETTINGS,
            team_id=TEAM,
            channel_id="C1",
            user_id="UALICE",
            now=now,
            language="de",
        )
        assert new and (sub.weekday, sub.hour, sub.timezone, sub.language, sub.name_people) == (
            0,
            9,
            "Europe/Berlin",
            "de",
            False,
        )
        again, new_again = digest_service.subscribe(
            session, settings=SETTINGS, team_id=TEAM, channel_id="C1", user_id="UBOB", now=now, language="en"
        )
        assert again.id == sub.id and not new_again
        digest_service.configure(
            session, team_id=TEAM, channel_id="C1", schedule=Schedule(4, 16, 30), timezone="America/New_York"
        )
        with pytest.raises(DigestSettingError) as bad_zone:
            digest_service.configure(session, team_id=TEAM, channel_id="C1", timezone="Mars/Olympus")
        assert bad_zone.value.code == "digest_bad_timezone"
        with pytest.raises(DigestSettingError):
            digest_service.subscribe(
                session,
                settings=SETTINGS,
                team_id=TEAM,
                channel_id="DUALICE",
                user_id="UALICE",
                now=now,
                language="en",
            )
        assert digest_service.unsubscribe(session, team_id=TEAM, channel_id="C1")
        assert not digest_service.unsubscribe(session, team_id=TEAM, channel_id="C1")
        with pytest.raises(DigestSettingError) as not_subscribed:
            digest_service.configure(session, team_id=TEAM, channel_id="C1", name_people=True)
        assert not_subscribed.value.code == "digest_not_subscribed"
    with transaction(sessions) as session:
        stored = digest_service.find_subscription(session, team_id=TEAM, channel_id="C1")
        assert (stored.weekday, stored.hour, stored.minute, stored.timezone, stored.active) == (
            4,
            16,
            30,
            "America/New_York",
            False,
        )


def test_statements_too_large_for_the_database_are_split_without_changing_a_number(
    sessions, engine, many_rows, monkeypatch
):
    store(
        sessions,
        [Row(dict(r.request), r.rating and dict(r.rating), r.kudos and dict(r.kudos)) for r in many_rows],
    )
    now = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    targets = []
    for number, channel in enumerate(CHANNELS):
        tz, schedule = PLANS[number % len(PLANS)]
        sub = subscription(sessions, channel, tz.key, name_people=True, schedule=schedule)
        targets.append(DigestTarget(sub, latest_week(now, tz, schedule)))

    def compute() -> tuple[list, int]:
        statements = []

        def count(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):  # not PostgreSQL's SET LOCAL jit
                statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with transaction(sessions) as session:
                return digest_service.compute_reports(session, settings=SETTINGS, targets=targets), len(
                    statements
                )
        finally:
            event.remove(engine, "before_cursor_execute", count)

    whole, few = compute()
    # As if the database allowed only 7 SELECTs or 40 parameters per statement (SQLite: 500 / 32,766).
    monkeypatch.setattr(digest_service, "MAX_UNION_TERMS", 7)
    monkeypatch.setattr(digest_service, "MAX_PARAMETERS", 40)
    split, many = compute()
    assert [full_dict(report) for report in split] == [full_dict(report) for report in whole]
    assert few == 5 < many


def test_the_median_first_answer_is_measured_on_the_assignees_own_calendar(sessions):
    """Filed Monday 08:00, answered 10:00 (Berlin): one working hour on the default 09:00-17:00 day,
    two once Bob works from 07:00 — the figure follows his calendar as it is now."""
    from bot.domain.calendar import WorkingHours
    from bot.services import calendars

    monday = datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    with transaction(sessions) as session:
        session.add(Person(team_id=TEAM, user_id="UBOB", name="bob", tz="Europe/Berlin", fetched_at=START))
        session.add(
            Request(
                team_id=TEAM, number=1, requester_id="UALICE", assignee_id="UBOB", text="Check", kind="task",
                channel_id="CBERLIN", state="acknowledged", created_at=monday, updated_at=monday,
                response_due_at=monday + timedelta(hours=5), acknowledged_at=monday + timedelta(hours=2),
            )
        )  # fmt: skip
    sub = subscription(sessions, "CBERLIN", "Europe/Berlin")
    week = Week.starting(date(2026, 11, 23), BERLIN)
    assert report_for(sessions, sub, week).median_first_answer == timedelta(hours=1)
    with transaction(sessions) as session:
        calendars.save_choice(
            session, settings=SETTINGS, team_id=TEAM, user_id="UBOB", tz="Europe/Berlin", now=monday,
            hours=WorkingHours(start=time(7, 0), end=time(15, 0)), country="DE", subdivision="BE",
            reminder_time=time(10, 0),
        )  # fmt: skip
    assert report_for(sessions, sub, week).median_first_answer == timedelta(hours=2)
