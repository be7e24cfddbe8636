"""User text as data: nothing a user types can become a mention, a broadcast or a disguised link."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import escape_mrkdwn, plain_text, safe_user_text, shorten


def test_broadcasts_and_links_are_neutralised():
    text = "<!channel> <!here|here> <!everyone> <https://evil.example|Your bank> & more"
    safe = safe_user_text(text)
    assert "<" not in safe and ">" not in safe
    assert "&lt;!channel&gt;" in safe and "&lt;https://evil.example|Your bank&gt;" in safe
    assert "&amp; more" in safe


def test_genuine_user_and_channel_mentions_stay_but_lose_their_labels():
    assert safe_user_text("ask <@U024BE7LH|bob> in <#C123ABC|general>") == "ask <@U024BE7LH> in <#C123ABC>"


def test_a_label_cannot_smuggle_markup():
    assert safe_user_text("<@U024BE7LH|<!channel>>") == "&lt;@U024BE7LH|&lt;!channel&gt;&gt;"


def test_user_group_mentions_become_plain_text():
    assert safe_user_text("for <!subteam^S0614TZR7|@design> folks") == "for @design folks"


def test_bare_broadcast_words_are_broken():
    assert "@channel" not in escape_mrkdwn("hey @channel and @here")


def test_plain_text_has_no_markup():
    assert plain_text("<@U024BE7LH|bob> <!channel>") == "@bob &lt;!channel&gt;"


def test_shorten_on_a_word_boundary():
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 10) == "short"


@given(st.text())
def test_nothing_typed_survives_as_a_special_mention_or_link(text):
    safe = safe_user_text(text)
    # The only angle brackets left are the normalised user and channel references we keep on purpose.
    leftovers = re.sub(r"<@[UW][A-Z0-9]{2,}>|<#C[A-Z0-9]{2,}>", "", safe)
    assert "<" not in leftovers and ">" not in leftovers
    assert "\x00" not in safe
