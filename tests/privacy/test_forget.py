"""Forgetting a person: no trace of them in any table or export afterwards, and every team figure
exactly as before — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import func, select

from bot.services import privacy
from bot.services.export import subject_access, write_export
from models import Base, Kudos, Person, Rating, Request, RequestEvent
from models.db import transaction
from tests.privacy import scenario
from tests.privacy.scenario import ALICE, NAME, OTHER_TEAM, TEAM
from tests.privacy.synthetic import fill_empty_tables

SALT = b"a salt for one test run, never stored anywhere"


def forget(sessions, user_id=ALICE, team_id=None, salt=SALT, **kwargs) -> privacy.ForgetReport:
    with transaction(sessions) as session:
        return privacy.forget(session, user_id=user_id, team_id=team_id, salt=salt, **kwargs)


def exports(sessions) -> dict[str, str]:
    now = scenario.now_utc()
    texts = {}
    with sessions() as session:
        for fmt in ("json", "csv"):
            out = io.StringIO()
            write_export(session, out, now=now, fmt=fmt)
            texts[fmt] = out.getvalue()
        document = subject_access(session, user_id=ALICE, now=now)
    document.pop("subject")  # it names whom the export was asked for, not what is stored
    texts["user"] = json.dumps(document, ensure_ascii=False)
    return texts


def test_after_forget_there_is_no_trace_of_the_person_in_any_table_or_export(sessions):
    seeded = scenario.seed(sessions)
    with transaction(sessions) as session:
        filled, synthetic_words = fill_empty_tables(
            session, user_id=ALICE, name=NAME, now=scenario.now_utc(), metadata=Base.metadata
        )
    assert "digest_runs" in filled  # the scenario leaves it empty; the synthetic row covers it
    needles = [ALICE, NAME, *seeded.alice_wrote, *synthetic_words]
    with sessions() as session:
        before = scenario.traces(scenario.textual_cells(session), needles)
    # Not a test that cannot fail: she is in every table that can hold a person, and in every export.
    personal = {
        name
        for name, rule in privacy.REGISTRY.items()
        if any(spec.treatment is not privacy.Treatment.KEEP for spec in rule.fields.values())
    }
    assert {where.split(".")[0] for where in before} == personal
    assert all(scenario.in_export(text, [ALICE, NAME]) for text in exports(sessions).values())

    report = forget(sessions)

    with sessions() as session:
        assert scenario.traces(scenario.textual_cells(session), needles) == []
    for kind, text in exports(sessions).items():
        assert scenario.in_export(text, needles) == [], kind
    # Other people's words that never mentioned her are untouched.
    with sessions() as session:
        kept = set(session.scalars(select(Request.text)))
    assert set(seeded.others_wrote) <= kept
    assert report.tables["home_visits"].deleted == 1 and report.tables["people"].changed == 2


def test_team_figures_are_exactly_the_same_after_forget(sessions):
    scenario.seed(sessions)
    before = scenario.digest_numbers(sessions)
    assert before["first_answers"] and before["kudos"] and before["overdue_by_person"] and before["ratings"]

    forget(sessions)

    assert scenario.digest_numbers(sessions) == before


def test_one_person_one_pseudonym_in_every_row_and_another_for_the_next_run(sessions):
    scenario.seed(sessions)
    forget(sessions)
    with sessions() as session:
        ids = set(session.scalars(select(Request.requester_id))) | set(
            session.scalars(select(Request.assignee_id))
        )
        ids |= set(session.scalars(select(RequestEvent.actor_id))) | set(session.scalars(select(Kudos.to_id)))
        ids |= set(session.scalars(select(Rating.rater_id))) | set(session.scalars(select(Person.user_id)))
        escalation = session.scalars(
            select(RequestEvent.detail).where(RequestEvent.kind == "escalated")
        ).one()
        contract = session.scalars(select(Request.text).where(Request.text.like("%supplier%"))).one()
        zones = dict(session.execute(select(Person.user_id, Person.tz).where(Person.team_id == TEAM)).all())
    [alias] = [value for value in ids if value and value.startswith(privacy.PSEUDONYM_PREFIX)]
    assert alias == privacy.pseudonym(ALICE, SALT) and len(alias) == len("UFORGOTTEN-") + 10
    assert escalation["target_id"] == alias
    assert contract == f"Please loop in <@{alias}> and {privacy.PLACEHOLDER} about the supplier contract"
    assert zones[alias] == "America/New_York"  # her working hours still measure her first answers
    assert privacy.pseudonym(ALICE, privacy.new_salt()) != alias  # the salt lives for one run only


def test_forget_in_one_workspace_leaves_the_other_alone_and_a_second_run_finds_nothing(sessions):
    seeded = scenario.seed(sessions)
    report = forget(sessions, team_id=TEAM)
    assert report.still_open == 1  # her question to Dieter stays open, under the pseudonym
    with sessions() as session:
        left = session.execute(
            select(Request.team_id, Request.text).where(Request.requester_id == ALICE)
        ).all()
        people = session.scalars(select(Person.team_id).where(Person.user_id == ALICE)).all()
    assert left == [(OTHER_TEAM, "A request in the other workspace entirely")] and people == [OTHER_TEAM]
    assert seeded.alice_wrote[0] not in {text for _team, text in left}

    again = forget(sessions, team_id=TEAM, salt=privacy.new_salt())
    assert again.empty


def test_the_report_counts_rows_per_table_read_in_any_batch_size(sessions):
    scenario.seed(sessions)
    report = forget(sessions, team_id=TEAM, batch=1)
    with sessions() as session:
        events = session.scalar(
            select(func.count()).select_from(RequestEvent).where(RequestEvent.actor_id.is_not(None))
        )
    # Hers and the one that mentions her; not the slides she handed on (only their history names her).
    assert report.tables["requests"].changed == 5
    assert report.tables["ratings"].changed == 2  # her rating, and Bob's that names her
    assert report.tables["kudos"].changed == 2 and report.tables["digest_subscriptions"].changed == 1
    assert report.tables["proposals"].changed == 1 and report.tables["reminders"].changed == 1
    assert 0 < report.tables["request_events"].changed < events
    assert report.changed == sum(change.changed for change in report.tables.values())


def test_an_unknown_person_changes_nothing(sessions):
    scenario.seed(sessions)
    assert forget(sessions, user_id="UNOBODY").empty


def test_other_people_csv_and_json_exports_still_read(sessions):
    scenario.seed(sessions)
    forget(sessions)
    texts = exports(sessions)
    rows = list(csv.DictReader(io.StringIO(texts["csv"])))
    assert len(rows) == 8 and json.loads(texts["json"])[0]["text"] == privacy.PLACEHOLDER
    assert json.loads(texts["user"])["requests"] == []


def test_in_one_workspace_also_rows_that_know_their_workspace_only_through_a_parent(sessions):
    scenario.seed(sessions)
    with transaction(sessions) as session:
        filled, _words = fill_empty_tables(
            session, user_id=ALICE, name=NAME, now=scenario.now_utc(), metadata=Base.metadata
        )
    assert "digest_runs" in filled  # its workspace is its subscription's
    forget(sessions, team_id=OTHER_TEAM)
    with sessions() as session:
        assert NAME in session.scalars(select(Base.metadata.tables["digest_runs"].c.error)).one()
    forget(sessions, team_id=TEAM)
    with sessions() as session:
        error = session.scalars(select(Base.metadata.tables["digest_runs"].c.error)).one()
    assert error == f"mentions <@{privacy.pseudonym(ALICE, SALT)}> and {privacy.PLACEHOLDER}"
