"""``kundenfokus export --user``: everything stored about one person (Art. 15 GDPR), on SQLite and
PostgreSQL, and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.cli import build_parser
from bot.services.export import SUBJECT_FORMAT, subject_access
from tests.privacy import scenario
from tests.privacy.scenario import ALICE, NAME, OTHER_TEAM, TEAM


def document(sessions, team_id=None) -> dict:
    with sessions() as session:
        return subject_access(session, user_id=ALICE, now=scenario.now_utc(), team_id=team_id)


def test_everything_about_her_in_one_document(sessions):
    seeded = scenario.seed(sessions)
    doc = document(sessions, team_id=TEAM)
    assert doc["format"] == SUBJECT_FORMAT
    assert doc["subject"] == {"user_id": ALICE, "team_id": TEAM, "generated_at": "2026-11-30T11:00:00+00:00"}
    [person] = doc["people"]
    assert (person["name"], person["tz"], person["locale"]) == (NAME, "America/New_York", "en-US")

    by_text = {r["text"]: r for r in doc["requests"]}
    roles = {text: r["roles"] for text, r in by_text.items()}
    assert roles == {
        "Please send the quarterly numbers for the Hamburg office": ["requester"],
        "Could you review the onboarding checklist for <@UDIETER>?": ["assignee"],
        "Budget sign-off for the team offsite": ["assignee"],
        "Prepare the slides for the all-hands meeting": ["previous_assignee"],
        "Open question about the travel expenses policy": ["requester"],
    }
    checklist = by_text["Could you review the onboarding checklist for <@UDIETER>?"]
    [proposal] = checklist["proposals"]
    assert proposal["note"] == seeded.alice_wrote[2] and proposal["state"] == "accepted"
    assert [e["kind"] for e in checklist["history"]] == [
        "created", "proposed", "proposal_accepted", "done", "rated", "thanked",
    ]  # fmt: skip
    assert by_text["Budget sign-off for the team offsite"]["decline_reason"] == seeded.alice_wrote[3]
    # A request she handed on: only the history that involves her, not what Dieter did afterwards.
    slides = by_text["Prepare the slides for the all-hands meeting"]
    assert [e["kind"] for e in slides["history"]] == ["created", "reassigned"]

    [given] = doc["ratings_given"]
    assert (given["score"], given["comment"]) == (4, "Very quick and friendly, thank you Bob")
    [received] = doc["ratings_received"]
    assert (received["score"], received["rater_id"], received["comment"]) == (
        5,
        "UBOB",
        "Alice Adams was a great help here",
    )
    assert [(k["from_id"], k["to_id"]) for k in doc["kudos_given"]] == [(ALICE, "UBOB")]
    assert [(k["from_id"], k["to_id"]) for k in doc["kudos_received"]] == [("UBOB", ALICE)]
    [subscription] = doc["digest_subscriptions"]
    assert subscription["channel_id"] == "C0001" and subscription["created_by"] == ALICE

    other = doc["other_rows"]
    assert sorted(other) == ["home_visits", "reminders", "request_events", "requests"]
    assert [r["text"] for r in other["requests"]] == [
        "Please loop in <@UALICE|alice> and alice adams about the supplier contract"
    ]
    assert [(e["kind"], e["detail"]["target_id"]) for e in other["request_events"]] == [("escalated", ALICE)]
    assert [r["recipient_id"] for r in other["reminders"]] == [ALICE]
    assert [r["opened_at"] for r in other["home_visits"]] == ["2026-11-17T08:00:00+00:00"]


def test_without_a_team_both_workspaces_and_nobody_elses_rows(sessions):
    scenario.seed(sessions)
    doc = document(sessions)
    assert sorted(p["team_id"] for p in doc["people"]) == [TEAM, OTHER_TEAM]
    assert "A request in the other workspace entirely" in {r["text"] for r in doc["requests"]}
    printer = "The printer on floor three is jammed again"
    assert printer not in json.dumps(doc)  # nothing of Bob's and Carol's own business


def test_someone_unknown_gets_an_empty_document(sessions):
    scenario.seed(sessions)
    with sessions() as session:
        doc = subject_access(session, user_id="unobody", now=scenario.now_utc())
    assert doc["subject"]["user_id"] == "UNOBODY"
    assert all(not doc[key] for key in doc if key not in ("format", "subject"))


def test_kundenfokus_export_user_as_a_process(sessions, database_url, tmp_path):
    scenario.seed(sessions)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    environment["DATABASE_URL"] = database_url

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "export", *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    result = export("--user", ALICE, "--team", TEAM)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["subject"]["user_id"] == ALICE and len(doc["requests"]) == 5
    assert "Exported everything about UALICE: 5 requests, 4 other rows." in result.stderr
    refused = export("--user", ALICE, "--format", "csv")
    assert refused.returncode == 2 and "JSON only" in refused.stderr


def test_help_shows_export_user():
    parser = build_parser()
    export_help = parser._subparsers._group_actions[0].choices["export"].format_help()  # type: ignore[union-attr]
    assert "--user USER_ID" in export_help
