"""A week in which Alice Adams (UALICE) takes part in everything the bot stores, and the searches
that prove she is gone afterwards.

Alice files requests, is asked, proposes other times with a note, declines with a reason, hands a
request on, rates and is rated, thanks and is thanked, subscribes a channel, gets reminders, opens App
Home, is the person a request is escalated to, and is mentioned by ID and by name in other people's
words. She also works in a second workspace (T0002).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import MetaData, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.domain.digest_stats import Week
from bot.services import digest, feedback, reminders, requests
from bot.services.privacy import is_textual
from models import Base, Person, Reminder
from models.db import transaction

BERLIN = ZoneInfo("Europe/Berlin")
SETTINGS = Settings(timezone="Europe/Berlin", holidays="DE-BE")
TEAM, OTHER_TEAM, CHANNEL = "T0001", "T0002", "C0001"
ALICE, NAME = "UALICE", "Alice Adams"
#: Monday 16 November 2026, 09:00 in Berlin: the week the digest is computed for.
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN)
WEEK = Week.starting(date(2026, 11, 16), BERLIN)
AFTER = datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)

PEOPLE = {
    "UALICE": (NAME, "America/New_York", "en-US"),
    "UBOB": ("Bob Brown", "Europe/Berlin", "en-GB"),
    "UCAROL": ("Carol Chen", "Europe/Berlin", "en-US"),
    "UDIETER": ("Dieter Dorn", "Europe/Berlin", "de-DE"),
}


@dataclass
class Seeded:
    #: Everything Alice wrote, as typed.
    alice_wrote: list[str] = field(default_factory=list)
    #: Everything the others wrote that does not mention her.
    others_wrote: list[str] = field(default_factory=list)
    request_ids: dict[str, int] = field(default_factory=dict)


def at(days: float, hours: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, hours=hours)


def seed(sessions: sessionmaker[Session]) -> Seeded:
    seeded = Seeded()
    with transaction(sessions) as session:
        for team in (TEAM, OTHER_TEAM):
            for user_id, (name, tz, locale) in PEOPLE.items():
                session.add(
                    Person(team_id=team, user_id=user_id, name=name, tz=tz, locale=locale, fetched_at=MONDAY)
                )
        session.flush()

        def file(
            key: str, requester: str, assignee: str, words: str, day: float, hours: float = 4, **kw: Any
        ):
            request = requests.file_request(
                session,
                team_id=kw.pop("team_id", TEAM),
                requester_id=requester,
                assignee_id=assignee,
                text=words,
                now=at(day),
                response_due_at=at(day, hours),
                channel_id=kw.pop("channel_id", CHANNEL),
                **kw,
            )
            seeded.request_ids[key] = request.id
            (seeded.alice_wrote if requester == ALICE else seeded.others_wrote).append(words)
            return request

        # 1. Alice asks Bob; Bob answers in time and finishes; Alice rates with a comment and thanks him.
        first = file("numbers", ALICE, "UBOB", "Please send the quarterly numbers for the Hamburg office", 0)
        requests.acknowledge(session, team_id=TEAM, request_id=first.id, actor_id="UBOB", now=at(0, 2))
        requests.complete(session, team_id=TEAM, request_id=first.id, actor_id="UBOB", now=at(0, 6))
        comment = "Very quick and friendly, thank you Bob"
        feedback.rate(
            session,
            team_id=TEAM,
            request_id=first.id,
            actor_id=ALICE,
            now=at(0, 7),
            score=4,
            tone_respectful=True,
            comment=comment,
        )
        feedback.thank(session, team_id=TEAM, request_id=first.id, actor_id=ALICE, now=at(0, 7))
        seeded.alice_wrote.append(comment)

        # 2. Bob asks Alice; she proposes other times with a note, he accepts, she finishes; he rates
        #    (naming her) and thanks her.
        second = file(
            "checklist", "UBOB", ALICE, "Could you review the onboarding checklist for <@UDIETER>?", 0, 1
        )
        note = "I am travelling until Wednesday afternoon"
        requests.propose(
            session,
            team_id=TEAM,
            request_id=second.id,
            actor_id=ALICE,
            now=at(0, 3),
            due_at=at(3),
            note=note,
        )
        requests.accept_proposal(session, team_id=TEAM, request_id=second.id, actor_id="UBOB", now=at(0, 4))
        requests.complete(session, team_id=TEAM, request_id=second.id, actor_id=ALICE, now=at(2, 5))
        feedback.rate(
            session,
            team_id=TEAM,
            request_id=second.id,
            actor_id="UBOB",
            now=at(2, 6),
            score=5,
            tone_respectful=True,
            comment="Alice Adams was a great help here",
        )
        feedback.thank(session, team_id=TEAM, request_id=second.id, actor_id="UBOB", now=at(2, 6))
        seeded.alice_wrote.append(note)

        # 3. Carol asks Alice; Alice declines with a reason.
        third = file("budget", "UCAROL", ALICE, "Budget sign-off for the team offsite", 1)
        reason = "Not my budget, please ask finance directly"
        requests.decline(
            session, team_id=TEAM, request_id=third.id, actor_id=ALICE, now=at(1, 1), reason=reason
        )
        seeded.alice_wrote.append(reason)

        # 4. Bob asks Carol and mentions Alice twice; Carol answers; Bob asks Alice for help with it.
        fourth = file(
            "contract",
            "UBOB",
            "UCAROL",
            "Please loop in <@UALICE|alice> and alice adams about the supplier contract",
            1,
        )
        seeded.others_wrote.pop()
        requests.acknowledge(session, team_id=TEAM, request_id=fourth.id, actor_id="UCAROL", now=at(1, 2))
        reminders.record_escalation(
            session,
            team_id=TEAM,
            request_id=fourth.id,
            actor_id="UBOB",
            now=at(3),
            to="person",
            target_id=ALICE,
        )

        # 5. Carol asks Alice; Alice hands it to Dieter, who answers.
        fifth = file("slides", "UCAROL", ALICE, "Prepare the slides for the all-hands meeting", 2)
        requests.reassign(
            session,
            team_id=TEAM,
            request_id=fifth.id,
            actor_id=ALICE,
            now=at(2, 1),
            new_assignee_id="UDIETER",
            response_due_at=at(2, 5),
        )
        requests.acknowledge(session, team_id=TEAM, request_id=fifth.id, actor_id="UDIETER", now=at(2, 3))

        # 6. Alice asks Dieter; nobody answers: still open, overdue at the end of the week. A reminder
        #    went to Dieter, and one to Alice about request 2.
        sixth = file("expenses", ALICE, "UDIETER", "Open question about the travel expenses policy", 3, 2)
        for request_id, recipient in ((sixth.id, "UDIETER"), (second.id, ALICE)):
            session.execute(
                insert(Reminder).values(
                    request_id=request_id,
                    team_id=TEAM,
                    recipient_id=recipient,
                    audience="assignee",
                    step="nudge",
                    key="2026-11-19",
                    day_key="2026-11-19",
                    due_at=at(3, 4),
                    state="sent",
                    attempts=1,
                    created_at=at(3, 4),
                    sent_at=at(3, 4),
                    channel_id="D0001",
                    message_ts="1.2",
                )
            )

        # 7. Bob and Carol, nothing to do with Alice.
        seventh = file("printer", "UBOB", "UCAROL", "The printer on floor three is jammed again", 3)
        requests.complete(session, team_id=TEAM, request_id=seventh.id, actor_id="UCAROL", now=at(3, 1))

        # 8. Alice in the other workspace.
        file("elsewhere", ALICE, "UBOB", "A request in the other workspace entirely", 1, team_id=OTHER_TEAM)

        digest.subscribe(
            session,
            settings=SETTINGS,
            team_id=TEAM,
            channel_id=CHANNEL,
            user_id=ALICE,
            now=at(0),
            language="en",
        )
        digest.configure(session, team_id=TEAM, channel_id=CHANNEL, name_people=True)
        session.execute(
            insert(Base.metadata.tables["home_visits"]),
            [
                {"team_id": TEAM, "user_id": ALICE, "opened_at": at(1)},
                {"team_id": TEAM, "user_id": "UBOB", "opened_at": at(1)},
            ],
        )
    return seeded


def digest_numbers(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """What the channel's digest says for the week: every figure, people only by how many."""
    with sessions() as session:
        subscription = digest.find_subscription(session, team_id=TEAM, channel_id=CHANNEL)
        assert subscription is not None
        report = digest.compute_report(session, settings=SETTINGS, subscription=subscription, week=WEEK)
    return {
        "trend": report.trend,
        "first_answers": report.first_answers,
        "median_first_answer": report.median_first_answer,
        "open_at_end": report.open_at_end,
        "overdue_at_end": report.overdue_at_end,
        "ratings": report.ratings,
        "rating_average": report.rating_average,
        "tone": (report.tone_answers, report.tone_respectful),
        "kudos": sorted(count for _person, count in report.kudos),
        "overdue_by_person": sorted(count for _person, count in report.overdue_by_person or []),
    }


# --- looking for traces ---------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def textual_cells(session: Session, metadata: MetaData = Base.metadata) -> Iterator[tuple[str, Any]]:
    """(``table.column``, value) for every String/Text/JSON cell of every table."""
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if is_textual(c)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    yield f"{table.name}.{column.name}", value


def traces(cells: Iterable[tuple[str, Any]], needles: Iterable[str]) -> list[str]:
    """Where any needle appears (case-insensitive) — JSON values searched as their JSON text too."""
    lowered = [n.casefold() for n in needles if n]
    found = []
    for where, value in cells:
        haystacks = {_as_text(value).casefold(), json.dumps(value).casefold()}
        for needle in lowered:
            if any(needle in haystack for haystack in haystacks):
                found.append(f"{where}: {needle!r} in {_as_text(value)[:120]!r}")
    return found


def in_export(text: str, needles: Iterable[str]) -> list[str]:
    return traces([("export", text)], needles)


def now_utc() -> datetime:
    return AFTER.astimezone(UTC)
