"""Several workspaces on one bot: each sees only its own requests, people and digests; an uninstall stops
everything for that workspace only; a revoked token fails that workspace's messages at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.jobs.scheduler import tick
from bot.jobs.sweep import run_sweep
from models import OutboxMessage, Person, Request, Workspace, slack_bots
from models.db import reading
from tests.conftest import RunningBot
from tests.oauth.conftest import ONE, TWO, dms, driver, install, start_oauth_bot
from tests.slackutil import text_of

BERLIN = ZoneInfo("Europe/Berlin")
#: Monday 30 November 2026, 09:00 in Berlin: the digests for the week of 23 November are due.
SLOT = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def oauth_bot(oauth_settings, engine, clock):
    """Small teams: show the digest's figures (the privacy threshold has tests of its own)."""
    running = start_oauth_bot(oauth_settings.with_(digest_min_group=1), engine, clock)
    yield running
    running.stop()


@pytest.fixture
def both(oauth_bot: RunningBot, fake):
    install(oauth_bot, fake, ONE, user_id="UALICE")
    install(oauth_bot, fake, TWO, user_id="UERIN")
    return driver(oauth_bot, fake, ONE), driver(oauth_bot, fake, TWO)


def at_once(*jobs) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def requests_of(bot: RunningBot) -> dict[str, list[tuple[int, str]]]:
    with reading(bot.deps.sessions) as session:
        rows = session.execute(select(Request.team_id, Request.number, Request.text).order_by(Request.number))
        found: dict[str, list[tuple[int, str]]] = {}
        for team_id, number, request_text in rows:
            found.setdefault(team_id, []).append((number, request_text))
    return found


def posts_in(fake, team_id: str, channel: str) -> list[dict]:
    return [m for m in fake.workspace(team_id).messages_in(channel) if m.get("user") != "UALICE"]


def test_two_workspaces_filing_at_once_never_see_each_others_requests_people_or_digests(
    oauth_bot, fake, clock, both
):
    one, two = both
    one.command("UALICE", "digest")
    two.command("UERIN", "digest")
    at_once(
        lambda: [one.command("UALICE", f"<@UBOB|bob> Eins {i} within 4h") for i in range(3)],
        lambda: [two.command("UERIN", f"<@UFRANK|frank> Zwei {i} within 4h") for i in range(2)],
    )
    oauth_bot.settle()

    found = requests_of(oauth_bot)
    assert sorted(found[ONE]) == [(1, "Eins 0"), (2, "Eins 1"), (3, "Eins 2")]
    assert sorted(found[TWO]) == [(1, "Zwei 0"), (2, "Zwei 1")]
    with reading(oauth_bot.deps.sessions) as session:
        people = {tuple(row) for row in session.execute(select(Person.team_id, Person.user_id))}
    assert {user for team, user in people if team == ONE} <= {"UALICE", "UBOB"}
    assert {user for team, user in people if team == TWO} == {"UERIN", "UFRANK"}
    # Each workspace's calls went out with its own token, and its people got only its requests.
    for team_id in (ONE, TWO):
        token = fake.workspace(team_id).bot_token
        assert {call.team_id for call in fake.calls if call.token == token} == {team_id}
    assert [text_of(card).count("Zwei") > 0 for card in dms(fake, TWO, "UFRANK")] == [True, True]
    assert "Zwei" not in text_of(dms(fake, ONE, "UBOB"))

    one.command("UALICE", "list")
    listed = [c.args for c in fake.calls if c.method == "response_url" and c.team_id == ONE][-1]
    assert "Eins 2" in text_of(listed) and "Zwei" not in text_of(listed)

    clock.set(SLOT)
    tick(oauth_bot.deps, SLOT)
    assert oauth_bot.settle()
    [digest_one] = [m for m in fake.workspace(ONE).messages_in("C0001") if "Internal service" in text_of(m)]
    [digest_two] = [
        m
        for m in fake.workspace(TWO).messages_in("C0002GEN")
        if "Interne" in text_of(m) or "Internal" in text_of(m)
    ]
    assert "3 opened" in digest_one["text"]
    assert "2" in digest_two["text"] and "3" not in digest_two["text"].split(":")[1]


def test_an_uninstall_stops_reminders_digests_and_messages_for_that_workspace_only(
    oauth_bot, fake, clock, both
):
    one, two = both
    one.command("UALICE", "digest")
    two.command("UERIN", "digest")
    one.command("UALICE", "<@UBOB|bob> Eins within 1h")
    two.command("UERIN", "<@UFRANK|frank> Zwei within 1h")

    two.uninstall()  # tokens_revoked, then app_uninstalled
    assert oauth_bot.settle()
    with reading(oauth_bot.deps.sessions) as session:
        assert session.get(Workspace, TWO).uninstalled_at is not None
        assert session.get(Workspace, ONE).uninstalled_at is None
        assert [row.team_id for row in session.execute(select(slack_bots))] == [ONE]
    assert oauth_bot.deps.paused_teams() == {TWO}

    fake.clear_calls()
    later = clock.advance(timedelta(hours=3))
    report = run_sweep(oauth_bot.deps, later)
    assert oauth_bot.settle()
    assert {line.team_id for line in report.lines} <= {ONE} and report.messages == 1
    assert {call.team_id for call in fake.calls if call.method == "chat.postMessage"} == {ONE}

    clock.set(SLOT)
    tick(oauth_bot.deps, SLOT)
    assert oauth_bot.settle()
    assert any("Internal service" in text_of(m) for m in fake.workspace(ONE).messages_in("C0001"))
    assert not any("Intern" in text_of(m) for m in fake.workspace(TWO).messages_in("C0002GEN"))
    assert sorted(requests_of(oauth_bot)[TWO]) == [(1, "Zwei")]  # its data stays until forget

    install(oauth_bot, fake, TWO, user_id="UERIN")  # back again: nothing is paused any more
    assert oauth_bot.deps.paused_teams() == set()


def test_a_revoked_token_fails_that_workspaces_messages_at_once_and_never_holds_up_the_other(
    oauth_bot, fake, both
):
    one, two = both
    fake.revoke(TWO)  # Slack has not told the bot yet: its calls in T0002 now answer token_revoked
    at_once(
        lambda: [two.command("UERIN", f"<@UFRANK|frank> Zwei {i} within 4h") for i in range(3)],
        lambda: [one.command("UALICE", f"<@UBOB|bob> Eins {i} within 4h") for i in range(3)],
    )
    assert oauth_bot.settle(timeout=10)
    with reading(oauth_bot.deps.sessions) as session:
        rows = session.scalars(select(OutboxMessage)).all()
    mine = [row for row in rows if row.team_id == TWO]
    others = [row for row in rows if row.team_id == ONE]
    # The cards need the token and failed on the first try; the confirmations went back through the
    # commands' response_urls, which need none. Nothing of T0002 is left waiting for a retry.
    cards = [row for row in mine if row.kind == "card"]
    assert len(cards) == 3 and all(row.state == "failed" and row.attempts <= 1 for row in cards)
    assert {row.error for row in cards} == {"token_revoked"}
    assert all(row.state in ("sent", "failed") for row in mine)
    assert others and all(row.state == "sent" for row in others)
    assert len([card for card in dms(fake, ONE, "UBOB")]) == 3


def test_the_workflow_step_files_in_the_workspace_whose_workflow_ran(oauth_bot, fake, both):
    _one, two = both
    two.function_executed("create_request", {"assignee": "UFRANK", "requester": "UERIN", "text": "Angebot"})
    [execution_id] = {c.args["function_execution_id"] for c in fake.calls_to("functions.completeSuccess")}
    execution = fake.function_execution(execution_id)
    assert execution.state == "completed" and execution.outputs["request_number"] == 1
    assert execution.outputs["request_url"] == "slack://app?team=T0002&id=A0001&tab=home"
    assert requests_of(oauth_bot) == {TWO: [(1, "Angebot")]}
    assert dms(fake, TWO, "UFRANK")
