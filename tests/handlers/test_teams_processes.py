"""Two bot processes on one database, two members pressing *I'll take it* at the same moment — one on
each process: exactly one becomes the assignee, every time, and the other is told who took it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import select

from bot.sandbox.driver import SlackDriver
from models import OutboxMessage, Request, RequestEvent
from tests.conftest import TEAM
from tests.ops.processes import start_http_bot
from tests.slackutil import action_ids, dms_to, responses, text_of

IT = "SITSUPPORT"
ROUNDS = 4


def quiet(sessions, timeout: float = 30) -> None:
    """Wait until both processes have done their work and delivered everything."""
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            busy = session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.state.in_(("pending", "claimed")))
            ).all()
        if not busy:
            return
        assert time.monotonic() < deadline, f"outbox still busy: {busy}"
        time.sleep(0.05)


def claimed(sessions, request_id: int) -> bool:
    with sessions() as session:
        return session.get(Request, request_id).assignee_id is not None


def claim_card(fake, member: str, request_id: int) -> dict | None:
    for message in dms_to(fake, member):
        for block in message.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == "request_claim" and element.get("value") == str(request_id):
                    return message
    return None


def race(request_id: int, clicks: list[tuple[str, SlackDriver, dict]]) -> dict:
    """Every member presses at the same moment, each on their own process."""
    barrier = threading.Barrier(len(clicks))
    replies = {}

    def click(member: str, driver: SlackDriver, card: dict) -> None:
        barrier.wait()
        replies[member] = driver.block_action(
            member, "request_claim", str(request_id), channel_id=card["channel"], message_ts=card["ts"]
        )

    threads = [threading.Thread(target=click, args=entry) for entry in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def test_two_processes_one_claim_wins(database_url, fake_slack, sessions, tmp_path: Path):
    fake_slack.add_usergroup(IT, "it-support", ["UBOB", "UCAROL"], name="IT Support")
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    first_dir.mkdir()
    second_dir.mkdir()
    first, slack_one, _port = start_http_bot(database_url, fake_slack, first_dir)
    second, slack_two, _port = start_http_bot(database_url, fake_slack, second_dir)
    try:
        for round_number in range(ROUNDS):
            assert (
                slack_one.command("UALICE", f"<!subteam^{IT}|@it-support> Round {round_number}").status == 200
            )
            deadline = time.monotonic() + 20
            while True:
                with sessions() as session:
                    request = session.scalars(select(Request).order_by(Request.id.desc())).first()
                cards = (
                    {m: claim_card(fake_slack, m, request.id) for m in ("UBOB", "UCAROL")} if request else {}
                )
                if request and all(cards.values()):
                    break
                assert time.monotonic() < deadline, "the cards never arrived"
                time.sleep(0.05)
            replies = race(
                request.id, [("UBOB", slack_one, cards["UBOB"]), ("UCAROL", slack_two, cards["UCAROL"])]
            )
            assert {reply.status for reply in replies.values()} == {200}
            deadline = time.monotonic() + 20
            while not claimed(sessions, request.id):  # the work after the acks, in either process
                assert time.monotonic() < deadline, "nobody took it"
                time.sleep(0.05)
            time.sleep(0.5)  # the other click's work too
            quiet(sessions)
            with sessions() as session:
                stored = session.get(Request, request.id)
                claims = session.scalars(
                    select(RequestEvent.actor_id).where(
                        RequestEvent.request_id == request.id, RequestEvent.kind == "claimed"
                    )
                ).all()
            assert stored.team_id == TEAM
            assert stored.assignee_id in ("UBOB", "UCAROL")
            assert claims == [stored.assignee_id]  # exactly one claim, the winner's
            loser = "UCAROL" if stored.assignee_id == "UBOB" else "UBOB"
            assert claim_card(fake_slack, loser, request.id) is None  # the loser's card shows who took it
            assert any(
                f"<@{stored.assignee_id}>" in text_of(m) and f"Round {round_number}" in text_of(m)
                for m in dms_to(fake_slack, loser)
            )
            winner_cards = [
                m
                for m in dms_to(fake_slack, stored.assignee_id)
                if "request_ack" in action_ids(m.get("blocks") or [])
                and f"Round {round_number}" in text_of(m)
            ]
            assert len(winner_cards) == 1
        told = [r for r in responses(fake_slack) if "already taken" in text_of(r)]
        assert len(told) <= ROUNDS  # a loser who lost after the winner committed is told so
    finally:
        first.stop()
        second.stop()
