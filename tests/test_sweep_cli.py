"""``kundenfokus sweep [--at ISO] [--dry-run]``: what an operator types and reads."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.cli import build_parser, main
from tests.services.test_reminders import add_request, berlin, reminder_rows


@pytest.fixture
def environment(monkeypatch, tmp_path, database_url, fake_slack, settings) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_API_URL": fake_slack.base_url,
        "KUNDENFOKUS_HOLIDAYS": settings.holidays,
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(key, value)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level  # main() configures logging for the process


def run(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["sweep", *args])
    return code, capsys.readouterr().out.splitlines()


def test_dry_run_shows_whom_which_request_and_step_and_sends_nothing(
    environment, capsys, sessions, fake_slack
):
    add_request(sessions, response_due=berlin(11, 26, 14))
    add_request(sessions, assignee="UDIETER", response_due=berlin(11, 26, 14), text="Second")

    code, dry = run(capsys, "--at", "2026-11-26T14:00+01:00", "--dry-run")
    assert code == 0
    assert dry == [
        "would send T0001 #1      response  -> UBOB (bob)",
        "would send T0001 #2      response  -> UDIETER (dieter)",
    ]
    assert not fake_slack.calls_to("chat.postMessage") and reminder_rows(sessions) == []

    code, sent = run(capsys, "--at", "2026-11-26T14:00+01:00")
    assert code == 0
    assert [line.replace("sent      ", "would send", 1) for line in sent] == dry
    assert len(fake_slack.calls_to("chat.postMessage")) == 2

    # Safe to repeat: nothing more that day.
    assert run(capsys, "--at", "2026-11-26T14:00+01:00") == (0, [])
    assert run(capsys, "--at", "2026-11-26T16:30+01:00", "--dry-run") == (0, [])
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_at_without_an_offset_means_utc(environment, capsys, sessions):
    add_request(sessions, response_due=berlin(11, 26, 14))
    assert run(capsys, "--at", "2026-11-26T12:59", "--dry-run") == (0, [])
    code, lines = run(capsys, "--at", "2026-11-26T13:00", "--dry-run")  # 14:00 in Berlin
    assert code == 0 and len(lines) == 1 and "#1" in lines[0]


def test_a_malformed_time_is_explained(environment, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "--at", "next tuesday"])
    assert exit_info.value.code == 2
    assert "not an ISO-8601 time" in capsys.readouterr().err


def test_without_a_token_it_only_looks_and_asks_slack_nothing(
    environment, capsys, monkeypatch, sessions, fake_slack
):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    add_request(sessions, response_due=berlin(11, 26, 14))
    assert main(["sweep", "--at", "2026-11-26T14:00+01:00"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err
    code, lines = run(capsys, "--at", "2026-11-26T14:00+01:00", "--dry-run")
    assert code == 0 and lines == ["would send T0001 #1      response  -> UBOB (UBOB)"]
    assert fake_slack.calls == []


def test_sweep_is_listed_in_the_help():
    assert "sweep" in build_parser().format_help()


def add_team_request(sessions, *, intake_channel_id: str | None = None) -> int:
    """An unclaimed request to a two-member team (claim mode), filed Thursday 10:00, due 11:00."""
    from bot.services import teams as team_service
    from models.db import transaction
    from tests.services.test_reminders import TEAM

    group = team_service.Group("SITSUPPORT", "it-support", ("UBOB", "UCAROL"))
    with transaction(sessions) as session:
        if intake_channel_id:
            team_service.change_team(
                session,
                team_id=TEAM,
                group=group,
                actor_id="UBOB",
                change=team_service.TeamChange(intake_channel_id=intake_channel_id),
                now=berlin(11, 26, 9),
            )
        request, _team = team_service.file_team_request(
            session,
            team_id=TEAM,
            requester_id="UALICE",
            group=group,
            text="Printer jammed",
            now=berlin(11, 26, 10),
            response_due_at=berlin(11, 26, 11),
        )
        return request.id


def test_team_reminders_are_planned_in_a_dry_run_and_printed_when_sent(
    environment, capsys, sessions, fake_slack
):
    add_request(sessions, response_due=berlin(11, 26, 12))
    add_team_request(sessions)

    code, dry = run(capsys, "--at", "2026-11-26T12:00+01:00", "--dry-run")
    assert code == 0
    assert dry == [
        "would send T0001 #1      response  -> UBOB (bob)",
        "would send T0001 #2      team      -> UBOB (bob)",
        "would send T0001 #2      team      -> UCAROL (carol)",
    ]
    assert not fake_slack.calls_to("chat.postMessage")

    code, sent = run(capsys, "--at", "2026-11-26T12:00+01:00")
    assert code == 0
    assert [line.replace("sent      ", "would send", 1) for line in sent] == dry
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    # Once a business day: the same day plans and sends nothing more, the next one does again.
    assert run(capsys, "--at", "2026-11-26T15:00+01:00", "--dry-run") == (0, [])
    assert run(capsys, "--at", "2026-11-26T15:00+01:00") == (0, [])
    code, friday = run(capsys, "--at", "2026-11-27T12:00+01:00", "--dry-run")
    assert [line for line in friday if " team " in line] == [
        "would send T0001 #2      team      -> UBOB (bob)",
        "would send T0001 #2      team      -> UCAROL (carol)",
    ]


def test_a_team_reminder_to_the_intake_channel_is_one_line(environment, capsys, sessions, fake_slack):
    fake_slack.add_channel("CINTAKE", "it-intake", members=["UBOB", "UCAROL"])
    add_team_request(sessions, intake_channel_id="CINTAKE")
    code, dry = run(capsys, "--at", "2026-11-26T12:00+01:00", "--dry-run")
    assert (code, dry) == (0, ["would send T0001 #1      team      -> CINTAKE (CINTAKE)"])
    code, sent = run(capsys, "--at", "2026-11-26T12:00+01:00")
    assert (code, sent) == (0, ["sent       T0001 #1      team      -> CINTAKE (CINTAKE)"])
    assert [m for m in fake_slack.messages_in("CINTAKE") if "Printer jammed" in str(m)]
