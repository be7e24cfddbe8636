"""The absence service on real databases with frozen clocks: every clock of an absent person moves by
exactly the absent working time, and back again when the absence ends early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.services import absences as absence_service
from bot.services import requests as request_service
from bot.services.agreement import calendar_for
from bot.services.requests import NotAllowed, NotNow, ServiceError
from models import PausedClock, Request
from models.db import transaction
from tests.conftest import TEAM

BERLIN = ZoneInfo("Europe/Berlin")
SETTINGS = Settings(timezone="Europe/Berlin", holidays="DE-BE")
CALENDAR = calendar_for(SETTINGS, "Europe/Berlin")


def berlin(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=BERLIN)


NOW = berlin(11, 26, 10)  # Thursday


def file(sessions, *, assignee="UBOB", response: datetime, due: datetime | None = None, ack=False) -> int:
    with transaction(sessions) as session:
        request = request_service.file_request(
            session,
            team_id=TEAM,
            requester_id="UALICE",
            assignee_id=assignee,
            text="Review the contract",
            now=berlin(11, 25, 10),
            response_due_at=response,
            due_at=due,
        )
        if ack:
            request_service.acknowledge(
                session, team_id=TEAM, request_id=request.id, actor_id=assignee, now=berlin(11, 25, 11)
            )
        return request.id


def clocks(sessions, request_id: int) -> tuple[datetime, datetime | None]:
    with sessions() as session:
        request = session.get(Request, request_id)
        return request.response_due_at, request.due_at


def away_time(since: datetime, start: datetime, end: datetime, until: datetime) -> timedelta:
    """The absent working time in ``[since, until)``: the working time of ``[start, end)`` within it."""
    low, high = max(since, start), min(end, until)
    return CALENDAR.business_time_between(low, high) if high > low else timedelta(0)


def test_every_clock_of_an_absent_person_moves_by_exactly_the_absent_working_time(sessions):
    first = file(sessions, response=berlin(11, 26, 14), due=berlin(12, 1, 17))
    second = file(sessions, response=berlin(11, 25, 14), due=berlin(11, 30, 12), ack=True)
    named = file(sessions, response=berlin(11, 26, 11), due=berlin(11, 27, 18))  # 18:00: after hours
    missed = file(sessions, response=berlin(11, 25, 12))  # already missed: nothing left to pause
    others = file(sessions, assignee="UDIETER", response=berlin(11, 26, 14), due=berlin(12, 1, 17))
    before = {rid: clocks(sessions, rid) for rid in (first, second, named, missed, others)}

    with transaction(sessions) as session:
        change = absence_service.plan_absence(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", until=berlin(11, 27).date(), deputy_id=None,
            tz="Europe/Berlin", now=NOW,
        )  # fmt: skip
    start, end = NOW, berlin(11, 28)  # through all of Friday
    assert {moved.request.id for moved in change.moved} == {first, second, named}

    for rid in (first, second, named):
        for agreed, moved in zip(before[rid], clocks(sessions, rid), strict=True):
            if agreed is None or agreed <= NOW:
                assert moved == agreed  # missed before the absence: nothing to pause
                continue
            # Exactly the absent working time between the pause and the moved clock, not a minute more.
            assert CALENDAR.business_time_between(agreed, moved) == away_time(NOW, start, end, moved)
            assert away_time(NOW, start, end, moved) == timedelta(hours=15)  # Thu 10-17 + Fri 9-17
    assert clocks(sessions, first) == (berlin(11, 30, 13), berlin(12, 3, 16))
    assert clocks(sessions, second) == (berlin(11, 25, 14), berlin(12, 2, 11))
    # Friday 18:00 was 15 working hours ahead plus an hour after work: those 15 hours end Tuesday 16:00.
    assert clocks(sessions, named) == (berlin(11, 30, 10), berlin(12, 1, 16))
    assert clocks(sessions, missed) == before[missed]
    assert clocks(sessions, others) == before[others]

    # Back on Friday at noon: only Thursday 10-17 and Friday 9-12 were away.
    with transaction(sessions) as session:
        absence_service.come_back(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", tz="Europe/Berlin", now=berlin(11, 27, 12)
        )
    for rid in (first, second, named):
        for agreed, moved in zip(before[rid], clocks(sessions, rid), strict=True):
            if agreed is not None and agreed > NOW:
                assert CALENDAR.business_time_between(agreed, moved) == timedelta(hours=10)
    assert clocks(sessions, first) == (berlin(11, 27, 16), berlin(12, 3, 11))

    # Gone again for Monday: moved from the agreed clocks once more, both absences counted.
    with transaction(sessions) as session:
        absence_service.plan_absence(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", until=berlin(11, 30).date(), deputy_id=None,
            tz="Europe/Berlin", now=berlin(11, 27, 12),
        )  # fmt: skip
    agreed_due, moved_due = before[first][1], clocks(sessions, first)[1]
    assert agreed_due is not None and moved_due is not None
    # Thursday 10-17, Friday 9-17 (back at 12, away again at 12), Monday 9-17.
    assert CALENDAR.business_time_between(agreed_due, moved_due) == timedelta(hours=23)


def test_a_clock_changed_otherwise_starts_afresh(sessions):
    rid = file(sessions, response=berlin(11, 26, 14))
    with transaction(sessions) as session:
        absence_service.plan_absence(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", until=berlin(11, 26).date(), deputy_id=None,
            tz="Europe/Berlin", now=NOW,
        )  # fmt: skip
    assert clocks(sessions, rid)[0] == berlin(11, 27, 13)
    with transaction(sessions) as session:  # agreed anew while away (the requester set another time)
        request = session.get(Request, rid)
        request.response_due_at = berlin(12, 3, 12)
    with transaction(sessions) as session:
        absence_service.come_back(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", tz="Europe/Berlin", now=berlin(11, 26, 12)
        )
    assert clocks(sessions, rid)[0] == berlin(12, 3, 12)  # the new agreement is not undone
    with sessions() as session:
        assert session.get(PausedClock, rid) is None


def test_status_words_emoji_and_expiry(sessions):
    def status(text: str, emoji: str = "", expiration: int = 0, now: datetime = NOW):
        with transaction(sessions) as session:
            return absence_service.record_status(
                session, SETTINGS, team_id=TEAM, user_id="UBOB", text=text, emoji=emoji,
                expiration=expiration, tz="Europe/Berlin", now=now,
            )  # fmt: skip

    def away(now: datetime = NOW) -> bool:
        with sessions() as session:
            return absence_service.is_away(session, TEAM, "UBOB", now)

    assert not status("Lunch", ":hamburger:").changed and not away()
    friday_end = int(berlin(11, 27, 23, 59).timestamp())
    change = status("Im Urlaub", "", friday_end)
    assert change.changed and away() and change.absence is not None
    assert change.absence.last_day(BERLIN) == berlin(11, 27).date()
    assert not status("Im Urlaub", "", friday_end).changed  # the same status read again
    assert away(berlin(11, 27, 23, 58)) and not away(berlin(11, 28, 0, 0))
    assert status("OOO until Monday", "", int(berlin(11, 30, 23, 59).timestamp())).changed
    assert away(berlin(11, 29, 12))
    assert status("", "").changed and not away()
    status("", ":face_with_thermometer:")
    assert away()

    def back() -> None:
        with transaction(sessions) as session:
            absence_service.come_back(
                session, SETTINGS, team_id=TEAM, user_id="UBOB", tz="Europe/Berlin", now=berlin(11, 26, 18)
            )

    back()
    with pytest.raises(NotNow):
        back()  # back already: nothing to end
    # Back, though the status still says ill: the same status does not make Bob away again …
    assert not status("", ":face_with_thermometer:", now=berlin(11, 26, 19)).changed
    assert not away(berlin(11, 26, 19))
    # … a new one does.
    assert status("Sick", "", int(berlin(11, 27, 18).timestamp()), now=berlin(11, 26, 20)).changed
    assert away(berlin(11, 26, 20))
    # An expired status reads as cleared.
    assert not status("Sick", "", int(berlin(11, 26, 9).timestamp()), now=berlin(11, 26, 21)).absence


def test_only_the_deputy_takes_over_and_only_the_requester_asks_the_deputy(sessions):
    rid = file(sessions, response=berlin(11, 25, 14))
    with transaction(sessions) as session:
        absence_service.plan_absence(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", until=berlin(12, 4).date(), deputy_id="UCAROL",
            tz="Europe/Berlin", now=NOW,
        )  # fmt: skip
        with pytest.raises(NotAllowed):
            absence_service.take_over_as_deputy(
                session, team_id=TEAM, request_id=rid, actor_id="UDIETER", now=NOW
            )
        with pytest.raises(NotAllowed):
            absence_service.deputy_for_request(
                session, team_id=TEAM, request_id=rid, actor_id="UCAROL", now=NOW
            )
        assert (
            absence_service.deputy_for_request(
                session, team_id=TEAM, request_id=rid, actor_id="UALICE", now=NOW
            )
            == "UCAROL"
        )
        outcome = absence_service.take_over_as_deputy(
            session, team_id=TEAM, request_id=rid, actor_id="UCAROL", now=NOW
        )
        assert (outcome.request.assignee_id, outcome.request.state) == ("UCAROL", "acknowledged")
        with pytest.raises(ServiceError):
            absence_service.take_over_as_deputy(
                session, team_id=TEAM, request_id=rid, actor_id="UCAROL", now=NOW
            )


def test_present_calendar_closes_the_away_time(sessions):
    with transaction(sessions) as session:
        absence_service.plan_absence(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", until=berlin(11, 27).date(), deputy_id=None,
            tz="Europe/Berlin", now=NOW,
        )  # fmt: skip
    with sessions() as session:
        calendar = absence_service.present_calendar(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", tz="Europe/Berlin", now=NOW
        )
        assert calendar.next_working_moment(NOW) == berlin(11, 30, 9).astimezone(UTC)
        assert not calendar.is_working_day(berlin(11, 27).date())
        assert absence_service.absences_of(session, [(TEAM, "UBOB"), (TEAM, "UDIETER")], now=NOW).keys() == {
            (TEAM, "UBOB")
        }


class _People:
    """Everyone in Berlin, reachable (a ``PersonLookup`` for planning without Slack)."""

    def __call__(self, session, team_id: str, user_id: str):
        from bot.domain.person import PersonInfo

        return PersonInfo(user_id, user_id, "Europe/Berlin", "en-US", None, is_bot=False, deleted=False)

    def prefetch(self, session, pairs) -> None:
        pass


def test_a_reminder_planned_before_the_status_changed_is_not_sent_to_someone_away(sessions):
    from bot.services import reminders as reminder_service
    from models.reminder import Reminder

    rid = file(sessions, response=berlin(11, 26, 10))
    moment = berlin(11, 26, 11)
    with transaction(sessions) as session:
        reminder_service.plan_batch(session, settings=SETTINGS, now=moment, people=_People())
    with sessions() as session:
        [row] = session.query(Reminder).all()
        assert (row.request_id, row.recipient_id, row.step) == (rid, "UBOB", "response")
    with transaction(sessions) as session:  # his status says vacation a moment later
        absence_service.record_status(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", text="Vacation", emoji="", expiration=0,
            tz="Europe/Berlin", now=moment,
        )  # fmt: skip
    with sessions() as session:
        [row] = session.query(Reminder).all()
        [verdict] = reminder_service.review(session, [row], now=moment).values()
        assert (verdict.send, verdict.reason) == (False, "away")
    # Friday 10:00 would be his next reminder; away (until further notice), he gets none.
    with transaction(sessions) as session:
        batch = reminder_service.plan_batch(
            session, settings=SETTINGS, now=berlin(11, 27, 10), people=_People()
        )
        assert (batch.looked_at, batch.planned) == (1, 0)
    with transaction(sessions) as session:  # back: the next plan reminds him again
        absence_service.come_back(
            session, SETTINGS, team_id=TEAM, user_id="UBOB", tz="Europe/Berlin", now=berlin(11, 27, 10)
        )
    with transaction(sessions) as session:
        batch = reminder_service.plan_batch(
            session, settings=SETTINGS, now=berlin(11, 27, 10), people=_People()
        )
        assert batch.planned == 1
