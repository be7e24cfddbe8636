"""``/request language de|en|auto`` (``/request sprache …``): a person's own language beats their Slack
locale for every message to them, is confirmed in the new language, and can be shown and undone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.people import PERSON_TTL, lookup_person
from bot.services.language import language_override, parse_choice, set_language_override
from bot.slack import make_web_client
from models import Person
from tests.conftest import BOT_TOKEN, TEAM
from tests.slackutil import responses, text_of, wait_dms, wait_response


def command(slack, fake, user: str, text: str) -> str:
    before = len(responses(fake))
    assert slack.command(user, text).status == 200
    return text_of(wait_response(fake, before + 1))


def stored_override(sessions, user_id: str) -> str | None:
    with sessions() as session:
        person = session.get(Person, (TEAM, user_id))
        return person.language_override if person else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("de", "de"),
        ("DE", "de"),
        ("Deutsch", "de"),
        ("german", "de"),
        ("en", "en"),
        ("English", "en"),
        ("englisch", "en"),
        ("auto", "auto"),
        ("automatisch", "auto"),
        (" `de` ", "de"),
        ("fr", None),
        ("de en", None),
        ("", None),
    ],
)
def test_choices_in_both_languages(text, expected):
    assert parse_choice(text) == expected


def test_alone_it_shows_the_current_setting(slack, fake_slack):
    assert "I write to you in *English*, following your Slack language" in command(
        slack, fake_slack, "UALICE", "language"
    )
    assert "Ich schreibe dir auf *Deutsch*, passend zu deiner Slack-Sprache" in command(
        slack, fake_slack, "UDIETER", "sprache"
    )


def test_choosing_german_is_confirmed_in_german_and_every_message_follows(slack, fake_slack, sessions):
    answer = command(slack, fake_slack, "UALICE", "language de")
    assert "ab jetzt schreibe ich dir auf *Deutsch*" in answer
    assert stored_override(sessions, "UALICE") == "de"
    assert "so wie du es eingestellt hast" in command(slack, fake_slack, "UALICE", "language")

    command(slack, fake_slack, "UBOB", "<@UALICE|alice> Send the Q3 numbers")
    [card] = wait_dms(fake_slack, "UALICE")
    assert "<@UBOB> bittet dich" in text_of(card) and "Verstanden" in text_of(card)

    answer = command(slack, fake_slack, "UALICE", "sprache auto")
    assert "I'll follow your Slack language again, so for now that's *English*" in answer
    assert stored_override(sessions, "UALICE") is None
    assert "following your Slack language" in command(slack, fake_slack, "UALICE", "language")


def test_a_german_locale_can_choose_english(slack, fake_slack, sessions):
    answer = command(slack, fake_slack, "UDIETER", "sprache en")
    assert "from now on I'll write to you in *English*" in answer
    assert stored_override(sessions, "UDIETER") == "en"
    assert "How to use /request" in command(slack, fake_slack, "UDIETER", "help")


def test_an_unknown_language_is_explained_in_the_current_one_and_nothing_changes(slack, fake_slack, sessions):
    answer = command(slack, fake_slack, "UDIETER", "sprache <!channel>")
    assert "Die Sprache *&lt;!channel&gt;* kenne ich nicht" in answer and "<!channel>" not in answer
    assert "`/request sprache de`" in answer
    assert stored_override(sessions, "UDIETER") is None
    assert "I don't know the language *fr*" in command(slack, fake_slack, "UALICE", "language fr")


def test_the_choice_survives_refreshing_the_slack_profile(sessions, fake_slack, clock):
    """A person never looked up gets a row; the next lookup fills in Slack's data and keeps the choice."""
    client = make_web_client(BOT_TOKEN, fake_slack.base_url)
    now = clock()
    with sessions.begin() as session:
        assert set_language_override(session, team_id=TEAM, user_id="UBOB", choice="de") == "de"
    with sessions.begin() as session:
        person = lookup_person(session, client, team_id=TEAM, user_id="UBOB", now=now)
        assert person is not None and person.locale == "en-GB" and person.language_override == "de"
        refreshed = lookup_person(
            session, client, team_id=TEAM, user_id="UBOB", now=now + PERSON_TTL + timedelta(1), refresh=True
        )
        assert refreshed is not None and refreshed.language_override == "de"
        assert language_override(session, team_id=TEAM, user_id="UBOB") == "de"
    with sessions.begin() as session:
        set_language_override(session, team_id=TEAM, user_id="UBOB", choice="auto")
        assert language_override(session, team_id=TEAM, user_id="UBOB") is None
    with pytest.raises(ValueError), sessions.begin() as session:
        set_language_override(session, team_id=TEAM, user_id="UBOB", choice="fr")  # type: ignore[arg-type]
