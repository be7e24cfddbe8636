"""The 14-day scenario of issue 10: five colleagues, a handful of requests nobody answers, fourteen
calendar days of sweeps. Before the ladder knew when to stop it sent 43 reminder DMs.

Used by ``tests/services/test_ladder_stop.py`` (which asserts the figure) and by
``bench/reminder_ladder.py`` (which prints it per person). Everything goes through the real sweep and
the outbox into the (fake) Slack; the figure is the number of DMs each person received.

The requests (filed Thursday 26 November 2026, 10:00 Berlin, through the request service):

* #1 Alice asks Bob "within 4h" (first answer due Thu 14:00) — ignored.
* #2 Dieter asks Erika "within 4h" — ignored.
* #3 Bob asks Carol in New York; first answer due Friday 10:00 her time (Thursday is Thanksgiving) —
  ignored.
* #4 Erika asks Dieter, who says *Got it* at once, done by Friday 27 November 12:00 — then silence.
* #5 Alice asks Erika, who says *Got it* at once, no due date — then silence.
* #6 Erika asks Alice "within 9 business days" (first answer due Wednesday 9 December 10:00) — ignored.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.deps import Deps
from bot.jobs.sweep import run_sweep
from bot.sandbox.fake_slack import FakeSlack
from bot.services import requests as request_service
from models import RequestEvent
from models.db import transaction

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TEAM = "T0001"
FILED = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
DAYS = 14
#: What the same scenario sent before reminders knew when to stop (every working day, no cap), measured
#: with this module at commit 324c9d0: alice 2, bob 11, carol 9, dieter 10, erika 11.
BEFORE = 43
BEFORE_BY_PERSON = {"alice": 2, "bob": 11, "carol": 9, "dieter": 10, "erika": 11}

PEOPLE = {
    "UALICE": "alice",
    "UBOB": "bob",
    "UCAROL": "carol",
    "UDIETER": "dieter",
    "UERIKA": "erika",
}


def add_people(fake: FakeSlack) -> None:
    """The five (the test fixture already knows four of them)."""
    known = {
        "UALICE": ("Alice Adams", "Europe/Berlin", "en-US"),
        "UBOB": ("Bob Brown", "Europe/Berlin", "en-GB"),
        "UCAROL": ("Carol Chen", "America/New_York", "en-US"),
        "UDIETER": ("Dieter Dorn", "Europe/Berlin", "de-DE"),
        "UERIKA": ("Erika Engel", "Europe/Berlin", "de-DE"),
    }
    for user_id, (real_name, tz, locale) in known.items():
        if fake.primary.user(user_id) is None:
            fake.add_user(user_id, PEOPLE[user_id], real_name=real_name, tz=tz, locale=locale)


def _file(
    session: Session,
    requester: str,
    assignee: str,
    text: str,
    response_due: datetime,
    *,
    due: datetime | None = None,
    acknowledge: bool = False,
) -> None:
    request = request_service.file_request(
        session,
        team_id=TEAM,
        requester_id=requester,
        assignee_id=assignee,
        text=text,
        now=FILED,
        response_due_at=response_due,
        due_at=due,
        channel_id="C0001",
    )
    if acknowledge:
        request_service.acknowledge(
            session, team_id=TEAM, request_id=request.id, actor_id=assignee, now=FILED
        )


def file_requests(sessions: sessionmaker[Session]) -> None:
    thursday_2pm = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    with transaction(sessions) as session:
        _file(session, "UALICE", "UBOB", "Review the contract", thursday_2pm)
        _file(session, "UDIETER", "UERIKA", "Angebot für Kunde X prüfen", thursday_2pm)
        _file(
            session, "UBOB", "UCAROL", "Send the US price list", datetime(2026, 11, 27, 10, tzinfo=NEW_YORK)
        )
        _file(
            session,
            "UERIKA",
            "UDIETER",
            "Reisekosten freigeben",
            thursday_2pm,
            due=datetime(2026, 11, 27, 12, 0, tzinfo=BERLIN),
            acknowledge=True,
        )
        _file(session, "UALICE", "UERIKA", "Onboarding-Plan für Lea", thursday_2pm, acknowledge=True)
        _file(
            session, "UERIKA", "UALICE", "Q4 figures for the board", datetime(2026, 12, 9, 10, tzinfo=BERLIN)
        )


def sweep_moments() -> list[datetime]:
    """A sweep every hour, around the clock, for fourteen calendar days from the filing."""
    start = FILED.astimezone(UTC)
    return [start + timedelta(hours=hour) for hour in range(DAYS * 24)]


def play(deps: Deps, fake: FakeSlack) -> Counter[str]:
    """File the requests, sweep for fourteen days, and count each person's DMs (by name)."""
    add_people(fake)
    file_requests(deps.sessions)
    for moment in sweep_moments():
        deps.clock.set(moment)  # type: ignore[attr-defined]
        run_sweep(deps, moment, deliver=True)
    received: Counter[str] = Counter()
    for user_id, name in PEOPLE.items():
        received[name] = len(fake.messages_in(fake.dm_channel_for(user_id)))
    return received


def reminded_events(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return len(list(session.scalars(select(RequestEvent.id).where(RequestEvent.kind == "reminded"))))
