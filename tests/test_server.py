"""The HTTP surface: signatures are checked, health is reported, and a restart loses nothing."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import select

from bot.sandbox.driver import SlackDriver
from models import Request
from tests.conftest import SIGNING_SECRET, TEAM, start_bot
from tests.slackutil import press, text_of, wait_dms, wait_response


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def command_body(text: str) -> bytes:
    return urllib.parse.urlencode(
        {
            "command": "/request",
            "text": text,
            "team_id": TEAM,
            "user_id": "UALICE",
            "channel_id": "C0001",
            "trigger_id": "t",
            "response_url": "http://127.0.0.1:9/unused",
        }
    ).encode()


def test_healthz_says_alive_and_readyz_reports_each_check(bot):
    status, body = get(bot.url + "/healthz")
    assert status == 200 and body["ok"] is True and body["version"]
    status, body = get(bot.url + "/readyz")
    assert status == 200 and body["ok"] is True
    assert body["checks"]["database"] == {"ok": True, "detail": "reachable"}
    assert body["checks"]["schema"]["ok"] is True
    assert get(bot.url + "/nothing-here")[0] == 404


def test_forged_signature_is_rejected_and_nothing_happens(slack, fake_slack, sessions):
    body = command_body("<@UBOB|bob> forged request")
    headers = slack.sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    assert slack.post_raw(body, headers).status == 401

    wrong_secret = SlackDriver(slack.events_url, "not-the-secret", team_id=TEAM, fake=fake_slack)
    assert wrong_secret.command("UALICE", "<@UBOB|bob> forged").status == 401
    time.sleep(0.3)
    with sessions() as session:
        assert session.scalars(select(Request)).all() == []
    assert not fake_slack.calls_to("chat.postMessage")


def test_stale_signature_is_rejected(slack, fake_slack, sessions):
    body = command_body("<@UBOB|bob> replayed request")
    headers = slack.sign(body, timestamp=int(time.time()) - 10 * 60)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    assert slack.post_raw(body, headers).status == 401
    with sessions() as session:
        assert session.scalars(select(Request)).all() == []


def test_commands_are_acknowledged_before_the_work_is_done(slack, fake_slack):
    """The HTTP answer (the ack) comes back empty; the confirmation follows through response_url."""
    reply = slack.command("UALICE", "<@UBOB|bob> quick one")
    assert reply.status == 200 and reply.body == ""
    assert "#1" in text_of(wait_response(fake_slack))


def test_a_restart_loses_nothing(settings, engine, clock, fake_slack):
    first = start_bot(settings, engine, clock)
    driver = SlackDriver(first.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
    driver.command("UALICE", "<@UBOB|bob> Survive the restart")
    wait_response(fake_slack)
    [card] = wait_dms(fake_slack, "UBOB")
    first.stop()

    second = start_bot(settings, engine, clock)
    try:
        driver = SlackDriver(second.events_url, SIGNING_SECRET, team_id=TEAM, fake=fake_slack)
        press(driver, fake_slack, "UBOB", "request_done", message=card)
        [news] = wait_dms(fake_slack, "UALICE")
        assert "has finished your request" in text_of(news)
        driver.command("UALICE", "<@UCAROL|carol> Second after restart")
        wait_dms(fake_slack, "UCAROL")
    finally:
        second.stop()
    with second.deps.sessions() as session:
        requests = session.scalars(select(Request).order_by(Request.number)).all()
    assert [(r.number, r.state) for r in requests] == [(1, "done"), (2, "open")]
