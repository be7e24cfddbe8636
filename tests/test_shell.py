"""``kundenfokus shell``: scripted sessions against the real bot, asserting on the printed transcript —
what a person trying the sandbox would read."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.i18n import Translator
from bot.sandbox.workspace import PEOPLE, SECOND_PEOPLE, person_named
from bot.shell import DEMO_START, demo_script, play
from bot.shell.render import Names, Renderer, button_matches
from bot.shell.repl import parse_duration, slack_escape, tick_times

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = Settings(timezone="Europe/Berlin", holidays="DE-BE")


def session(script: str, **kwargs) -> str:
    """Play ``script`` from Thursday 26 November 2026, 09:00 Berlin; returns the transcript."""
    # Babel puts a narrow no-break space before AM/PM; compare with plain spaces.
    return play(script, start=DEMO_START, settings=SETTINGS, **kwargs).replace("\u202f", " ")


def messages(transcript: str) -> list[tuple[str, str]]:
    """Every printed message as (title, body): ``» DM to bob`` and the ``│`` lines under it."""
    found: list[tuple[str, list[str]]] = []
    for line in transcript.splitlines():
        if line.startswith("  » "):
            found.append((line[4:], []))
        elif line.startswith("  │") and found:
            found[-1][1].append(line[4:])
    return [(title, "\n".join(body)) for title, body in found]


def after(transcript: str, command: str) -> str:
    """The transcript from the (last) echo of ``command`` to the next prompt."""
    lines = transcript.splitlines()
    start = max(i for i, line in enumerate(lines) if line.endswith("> " + command))
    rest = []
    for line in lines[start + 1 :]:
        if any(line.startswith(p.name) and "> " in line[:24] for p in PEOPLE + SECOND_PEOPLE):
            break
        rest.append(line)
    return "\n".join(rest)


# --- end to end ------------------------------------------------------------------------------------


def test_request_reaches_bob_with_buttons_and_got_it_tells_alice():
    transcript = session("/request @bob Send the Q3 numbers within 4h\nas bob\npress Got it\n")

    assert "alice> /request @bob Send the Q3 numbers within 4h" in transcript  # echoed without a TTY
    filed = messages(after(transcript, "/request @bob Send the Q3 numbers within 4h"))
    card = next(body for title, body in filed if title == "DM to bob")
    assert "@alice asks you" in card and "> Send the Q3 numbers" in card
    assert "First answer by: Thu, Nov 26, 1:00 PM" in card  # 4 working hours from 09:00
    buttons = card.splitlines()[-1]
    assert buttons.startswith("[Got it] [Done] [") and buttons.endswith("[Decline]"), card
    [confirmation] = [body for title, body in filed if title == "ephemeral to alice in #general"]
    assert "Request #1 to @bob is filed" in confirmation

    pressed = dict(messages(after(transcript, "press Got it")))  # delivered side by side, in either order
    # Bob's card, Alice's card (redrawn in place) and the news in her card's thread.
    assert sorted(pressed) == ["(updated) DM to alice", "(updated) DM to bob", "DM to alice (in a thread)"]
    assert (
        "State: Acknowledged" in pressed["(updated) DM to bob"]
        and "[Got it]" not in pressed["(updated) DM to bob"]
    )
    assert "@bob has seen your request #1 and is on it." in pressed["DM to alice (in a thread)"]
    assert "State: Acknowledged" in pressed["(updated) DM to alice"]


def test_a_form_is_filled_by_prompts_and_the_bots_validation_errors_are_asked_again():
    script = "\n".join(
        [
            "as carol",
            "/request",
            "@bob",  # who
            "Please check the invoice & the <b>total</b>",  # what (a form field is not escaped)
            "3",  # kind: Call-back
            "soonish",  # within — the bot refuses this
            "",  # urgent: no
            "tomorrow",  # due date
            "",  # due time: optional
            "2 business days",  # within, asked again
            "",
        ]
    )
    transcript = session(script)

    form = after(transcript, "/request")
    assert "» form for carol: New request" in form
    assert "1) Task  2) Question  3) Call-back" in form
    assert "! First answer within: I didn't understand the time soonish." in form
    assert form.count("? First answer within") == 2 and form.count("? Who is it for?") == 1
    assert "(carol submitted “New request”)" in form
    card = next(body for title, body in messages(form) if title == "DM to bob")
    assert "> Please check the invoice & the <b>total</b>" in card  # unescaped for display
    assert "[Got it]" in card


def test_a_required_field_left_empty_is_asked_again_and_cancel_closes_the_form():
    script = "\n".join(
        [
            "/request @bob Review the contract",
            "as bob",
            "press Decline",
            "",
            "/cancel",
            "press Decline",
            "No budget",
        ]
    )
    transcript = session(script + "\n")

    assert "  ? Why can't you take it on?: \n    This one is needed" in transcript
    assert "  ? Why can't you take it on?: /cancel\n  (bob closed “Decline request”)" in transcript
    declined = messages(transcript.split("? Why can't you take it on?: No budget")[1])
    assert any(
        title == "DM to alice (in a thread)" and "can't take on your request" in body
        for title, body in declined
    )


def test_the_requester_can_cancel_from_her_card_after_saying_yes():
    transcript = session("/request @bob Review the contract\npress Cancel request\ny\n")

    assert "? Cancel this request?" in transcript and "[Yes, cancel it/Keep it]" in transcript
    shown = messages(after(transcript, "press Cancel request"))
    titles = [title for title, _ in shown]
    assert "(updated) DM to alice" in titles  # her card, redrawn as cancelled
    assert any(title == "DM to bob" and "has cancelled request #1" in body for title, body in shown)
    assert any(title == "DM to alice (in a thread)" and "[Undo]" in body for title, body in shown)


def test_unknown_commands_and_buttons_get_a_friendly_hint():
    transcript = session("dance\npres Got it\nbob\n/foo bar\npress Got it\nwait a while\nas zoe\n")

    assert "I don't know “dance”. Type help for the commands" in transcript
    assert "Did you mean “press”?" in transcript
    assert "To act as bob, type: as bob" in transcript
    assert "This app has no /foo command" in transcript
    assert "alice has no message with buttons yet" in transcript
    assert "How long? e.g. wait 30m" in transcript
    assert "There is nobody called “zoe” here" in transcript


def test_as_dieter_he_reads_his_own_language_and_date_format():
    transcript = session("as dieter\n/request @bob Bitte die Rechnung prüfen within 2h\n")

    confirmation = next(
        body for title, body in messages(transcript) if title == "ephemeral to dieter in #general"
    )
    expected = Translator("de")._(
        "Request *#{number}* to <@{assignee}> is filed. I'll keep you posted.", number=1, assignee="UBOB"
    )
    assert expected.replace("*", "").replace("<@UBOB>", "@bob") in confirmation
    assert "Do., 26. Nov., 11:00" in confirmation  # German dates: 2 working hours from 09:00
    card = next(body for title, body in messages(transcript) if title == "DM to bob")
    assert "Thu, Nov 26, 11:00 AM" in card  # bob reads English


def test_wait_moves_the_clock_and_prints_the_time():
    transcript = session("wait 1d4h30m\nwait until 2026-11-27 15:00\nwait until 2026-11-27 14:00\n")

    assert "It is now Fri 27 Nov 2026, 13:30 for alice (Europe/Berlin)." in transcript
    assert "It is now Fri 27 Nov 2026, 15:00 for alice" in transcript
    assert "Time only moves forward here" in transcript


def test_wait_sends_a_reminder_once_the_agreed_time_has_passed():
    transcript = session("/request @bob Send the Q3 numbers within 4h\nwait 5h\n")

    waited = after(transcript, "wait 5h")
    reminders = [(title, body) for title, body in messages(waited) if title.startswith("DM to bob")]
    assert reminders, waited
    assert "#1" in reminders[0][1] and "[Got it]" in reminders[0][1]
    lines = waited.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("  -- Thu 26 Nov 2026, 1"))
    assert header < lines.index("  » " + reminders[0][0])


def test_the_requester_rates_a_finished_request_and_thanks_the_assignee():
    transcript = session(
        "/request @bob Review the contract\nas bob\npress Done\ny\nas alice\npress 5\npress Say thank you\n"
    )

    prompt = next(
        body
        for title, body in messages(after(transcript, "press Done"))
        if title == "DM to alice (in a thread)"
    )
    assert "has finished your request #1" in prompt
    assert "[★] [★★] [★★★] [★★★★] [★★★★★]" in prompt
    rated = messages(after(transcript, "press 5"))  # by the action id request_rate_5
    assert [title for title, _ in rated] == ["(updated) DM to alice"] and "5/5" in rated[0][1]
    thanked = messages(after(transcript, "press Say thank you"))
    assert any(title == "DM to bob" and "@alice says thank you" in body for title, body in thanked)


def test_a_user_group_is_made_and_asked_and_the_first_to_take_it_gets_it():
    transcript = session(
        "group @it-support @bob @carol\n"
        "/request @it-support My laptop won't start within 2h\n"
        "as carol\n"
        "press I'll take it\n"
    )

    assert "@it-support is a user group now: bob, carol" in transcript
    filed = after(transcript, "/request @it-support My laptop won't start within 2h")
    assert "Request #1 to @it-support is filed" in filed
    assert "DM to bob" in filed and "DM to carol" in filed and "[I'll take it]" in filed
    taken = after(transcript, "press I'll take it")
    assert "(updated) DM to bob" in taken and "[I'll take it]" not in taken.split("DM to carol")[0]
    assert any("@carol of @it-support has taken your request #1" in body for _, body in messages(transcript))
    assert any("Taken by @carol" in body for title, body in messages(transcript) if "bob" in title)


def test_home_shows_the_published_app_home():
    transcript = session("/request @bob Review the contract\nas bob\nhome\n")

    [(title, home)] = messages(after(transcript, "home"))
    assert title == "App Home of bob"
    assert "Review the contract" in home


def test_a_kept_database_survives_the_session(tmp_path):
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    session("/request @bob first\n", database_url=url)
    transcript = session("/request @bob second\n", database_url=url)

    assert (tmp_path / "sandbox.db").exists()
    assert "Request #2 to @bob is filed" in transcript


def test_the_demo_plays_in_an_empty_directory_and_leaves_no_files(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "KUNDENFOKUS_"))
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "shell", "--demo"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "alice> /request @bob Send the Q3 numbers within 4h" in result.stdout
    assert "bob> press Got it" in result.stdout and "@bob has seen your request #1" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_demo_uses_only_commands_the_shell_knows():
    known = {"as", "press", "reply", "wait", "home", "status", "in", "users", "group", "help", "quit", "y"}
    for line in demo_script().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "/")):
            assert line.split()[0] in known, line


# --- pieces -----------------------------------------------------------------------------------------


def names() -> Names:
    return Names(
        user=lambda uid: next((p.name for p in PEOPLE if p.user_id == uid), uid),
        channel=lambda cid: {"C0001": "general", "C0002": "team"}.get(cid, cid),
    )


def test_mrkdwn_reads_as_a_person_sees_it():
    render = Renderer(names(), emoji=True)
    text = "*#3* <@UBOB> asks <#C0002> &lt;!channel&gt; &amp; <https://x.example|the doc> :white_check_mark: <!here>"
    assert render.mrkdwn(text) == "#3 @bob asks #team <!channel> & the doc (https://x.example) ✅ @here"
    assert Renderer(names(), emoji=False).mrkdwn(":tada:") == ":tada:"


def test_blocks_show_fields_context_and_buttons():
    render = Renderer(names())
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Hi <@UALICE>"},
            "fields": [{"type": "mrkdwn", "text": "*Due*\nFri, Dec 4"}],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Got it"},
                    "action_id": "request_ack",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "★★★★★"},
                    "action_id": "request_rate_5",
                },
            ],
        },
    ]
    assert render.blocks(blocks) == ["Hi @alice", "Due: Fri, Dec 4", "small print", "[Got it] [★★★★★]"]


def test_buttons_match_by_label_or_action_id():
    got_it = {"type": "button", "text": {"type": "plain_text", "text": "Got it!"}, "action_id": "request_ack"}
    five = {"type": "button", "text": {"type": "plain_text", "text": "★★★★★"}, "action_id": "request_rate_5"}
    assert button_matches(got_it, "got it!") == 3
    assert button_matches(got_it, "Got it") == 2
    assert button_matches(got_it, "request_ack") == button_matches(got_it, "ack") == 1
    assert button_matches(five, "5") == 1 and button_matches(five, "★★★★★") == 3
    assert button_matches(got_it, "Done") == 0


def test_typed_text_is_escaped_like_slack_does():
    assert slack_escape("@bob Q&A <b> with @Carol in #team, mail x@y.de, ask @nobody") == (
        "<@UBOB|bob> Q&amp;A &lt;b&gt; with <@UCAROL|carol> in <#C0002|team>, mail x@y.de, ask @nobody"
    )
    assert person_named("@Bob").user_id == "UBOB"


def test_durations_and_ticks():
    assert parse_duration("1d 4h30m") == timedelta(days=1, hours=4, minutes=30)
    assert parse_duration("2 days") == timedelta(days=2)
    with pytest.raises(ValueError):
        parse_duration("soon")
    start = datetime(2026, 11, 26, 8, 7, tzinfo=UTC)
    ticks = tick_times(start, start + timedelta(minutes=40))
    assert [t.strftime("%H:%M") for t in ticks] == ["08:15", "08:30", "08:45", "08:47"]


def test_the_second_workspace_shares_the_bot_but_nothing_else():
    transcript = session(
        "/request @bob Send the Q3 numbers within 4h\n"
        "team\n"
        "team T0002\n"
        "/request @grace Bitte das Angebot prüfen within 4h\n"
        "/request @bob Nobody of that name here\n"
        "team T0001\n"
        "/request list\n"
    )
    listed = after(transcript, "team")
    assert "* T0001  Kundenfokus Sandbox" in listed and "T0002  Zweite Firma: fritz, grace" in listed
    assert "You are in Zweite Firma (T0002) now, as fritz" in transcript
    filed = dict(messages(after(transcript, "/request @grace Bitte das Angebot prüfen within 4h")))
    assert "Angebot" in filed["DM to grace"] and "#1" in "".join(filed.values())  # its own numbering
    assert "fritz (T0002)> /request @bob" in transcript  # no bob in this workspace
    assert "DM to bob" not in dict(messages(after(transcript, "/request @bob Nobody of that name here")))
    mine = after(transcript, "/request list")
    assert "Q3 numbers" in mine and "Angebot" not in mine


def test_a_slack_status_makes_someone_away_and_the_requester_hears_it_at_once():
    transcript = session(
        "status @bob :palm_tree: Urlaub until 2026-11-27\n"
        "/request @bob Check the travel invoice within 4h\n"
        "status @bob clear\n"
        "status @bob\n"
    )
    assert "bob's Slack status: :palm_tree: Urlaub until Fri 27 Nov 2026, 23:59" in transcript
    filed = after(transcript, "/request @bob Check the travel invoice within 4h")
    assert "@bob is away until Fri, Nov 27." in filed
    assert "First answer by: Mon, Nov 30, 1:00 PM" in filed  # Thursday 09:00 + 4h, paused until Monday
    assert "bob's Slack status: (no status)" in after(transcript, "status @bob clear")
    assert "Which status?" in after(transcript, "status @bob")
