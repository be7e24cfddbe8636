"""``kundenfokus digest [--at] [--channel] [--dry-run] [--list]`` against the fake Slack, on both
databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cli import build_parser
from bot.domain.digest_stats import Schedule
from bot.services import digest as digest_service
from models import Request
from models.db import transaction
from tests.conftest import TEAM

BERLIN = ZoneInfo("Europe/Berlin")
SLOT = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)


def kundenfokus(settings, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.handler(settings, args)


def seed(sessions, settings) -> None:
    with transaction(sessions) as session:
        digest_service.subscribe(
            session,
            settings=settings,
            team_id=TEAM,
            channel_id="C0001",
            user_id="UALICE",
            now=SLOT - timedelta(days=9),
            language="en",
        )
        created = SLOT - timedelta(days=5)
        session.add(
            Request(
                team_id=TEAM,
                number=1,
                requester_id="UALICE",
                assignee_id="UBOB",
                text="Numbers",
                kind="task",
                channel_id="C0001",
                state="open",
                created_at=created,
                updated_at=created,
                response_due_at=created + timedelta(hours=4),
            )
        )


def posted(fake) -> int:
    return sum(
        1 for call in fake.calls_to("chat.postMessage") if call.args.get("channel") == "C0001" and call.ok
    )


def test_digest_posts_what_is_due_once_and_dry_run_posts_nothing(settings, sessions, fake_slack, capsys):
    settings = settings.with_(digest_min_group=1)  # a team of one sees its own figures only this way
    seed(sessions, settings)
    at = SLOT.isoformat()

    assert kundenfokus(settings, "digest", "--at", at, "--dry-run") == 0
    assert "would_post T0001/C0001 2026-W48: Internal service last week: 1 opened" in capsys.readouterr().out
    assert posted(fake_slack) == 0

    assert kundenfokus(settings, "digest", "--at", at) == 0
    assert "posted T0001/C0001 2026-W48" in capsys.readouterr().out
    assert kundenfokus(settings, "digest", "--at", (SLOT + timedelta(minutes=5)).isoformat()) == 0
    assert "No digest is due" in capsys.readouterr().out
    assert posted(fake_slack) == 1


def test_digest_for_one_channel_posts_its_week_so_far_once(settings, sessions, fake_slack, capsys):
    settings = settings.with_(digest_min_group=1)
    seed(sessions, settings)
    wednesday = (SLOT + timedelta(days=2)).isoformat()
    assert kundenfokus(settings, "digest", "--channel", "#general", "--at", wednesday, "--dry-run") == 0
    assert (
        "would_post T0001/C0001 2026-W49-so-far: Internal service this week so far (Mon–Wed): 0 opened"
        in capsys.readouterr().out
    )
    assert kundenfokus(settings, "digest", "--channel", "C0001", "--at", wednesday) == 0
    assert "posted T0001/C0001 2026-W49-so-far" in capsys.readouterr().out
    assert kundenfokus(settings, "digest", "--channel", "general", "--at", wednesday) == 0
    assert "already T0001/C0001 2026-W49-so-far" in capsys.readouterr().out
    [message] = fake_slack.messages_in("C0001")
    assert "this week so far (Mon–Wed)" in message["blocks"][0]["text"]["text"]
    assert "1 open, 1 of them past the agreed time" in str(message["blocks"])  # last week's, still open


def test_digest_list_shows_every_subscription(settings, sessions, fake_slack, capsys):
    seed(sessions, settings)
    fake_slack.add_channel("C0TEAM", "team", members=["UBOT"])
    with transaction(sessions) as session:
        digest_service.subscribe(
            session,
            settings=settings,
            team_id=TEAM,
            channel_id="C0TEAM",
            user_id="UALICE",
            now=SLOT - timedelta(days=9),
            language="de",
        )
        digest_service.configure(
            session,
            team_id=TEAM,
            channel_id="C0TEAM",
            schedule=Schedule(4, 16, 30),
            timezone="America/New_York",
            scope="usergroup",
            usergroup_id="S0TEAM",
        )
        digest_service.unsubscribe(session, team_id=TEAM, channel_id="C0TEAM")
    assert kundenfokus(settings, "digest", "--at", SLOT.isoformat()) == 0
    capsys.readouterr()

    assert kundenfokus(settings.with_(slack_signing_secret=""), "digest", "--list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "team", "channel", "name", "schedule", "time", "zone", "language", "scope", "active", "last", "posted"
    ]  # fmt: skip
    assert lines[1].split() == ["T0001", "C0001", "#general", "Mon", "09:00", "Europe/Berlin", "en", "channel", "yes", "2026-W48"]  # fmt: skip
    assert lines[2].split() == ["T0001", "C0TEAM", "#team", "Fri", "16:30", "America/New_York", "de", "usergroup", "S0TEAM", "no", "-"]  # fmt: skip


def test_digest_list_without_subscriptions_says_how_to_start(settings, capsys):
    assert kundenfokus(settings, "digest", "--list") == 0
    assert "No channel is subscribed" in capsys.readouterr().out


def test_digest_for_an_unsubscribed_channel_says_so(settings, sessions, capsys):
    assert kundenfokus(settings, "digest", "--channel", "CNOPE", "--dry-run") == 1
    assert "CNOPE is not subscribed" in capsys.readouterr().err


def test_digest_without_a_token_explains_what_is_missing(settings, capsys):
    assert kundenfokus(settings.with_(slack_bot_token=""), "digest", "--at", SLOT.isoformat()) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err
