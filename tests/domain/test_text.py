"""User text as data: nothing a user types can become a mention, a broadcast or a disguised link."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import escape_mrkdwn, from_slack, plain_text, safe_user_text, shorten

#: Anything that Slack would turn into a ping, a broadcast or a link.
LIVE = re.compile(r"<[@#!]|<https?:|<mailto:", re.IGNORECASE)


def test_broadcasts_and_links_are_neutralised():
    text = "<!channel> <!here|here> <!everyone> <https://evil.example|Your bank> & more"
    safe = safe_user_text(text)
    assert "<" not in safe and ">" not in safe
    assert "&lt;!channel&gt;" in safe and "&lt;https://evil.example|Your bank&gt;" in safe
    assert "&amp; more" in safe


def test_typed_mentions_are_text_not_pings():
    """Typed in a form: characters. Typed in a command: Slack escaped it, the door unescapes it, the
    way out escapes it again — never a live mention."""
    assert safe_user_text("cc <@U024BE7LH>") == "cc @U024BE7LH"
    assert from_slack("cc &lt;@U024BE7LH&gt;") == "cc <@U024BE7LH>"
    assert safe_user_text(from_slack("cc &lt;@U024BE7LH&gt;")) == "cc @U024BE7LH"


def test_slacks_own_references_become_readable_at_the_door():
    text = "ask <@U024BE7LH|bob> in <#C123ABC|general> or <!subteam^S0614TZR7|@design>, <!here>"
    assert from_slack(text) == "ask @bob in #general or @design, @here"
    assert from_slack("see <https://evil.example|Your bank> &amp; <mailto:a@b.example|me>") == (
        "see https://evil.example & a@b.example"
    )


def test_a_label_cannot_smuggle_markup():
    assert not LIVE.search(safe_user_text(from_slack("<@U024BE7LH|&lt;!channel&gt;>")))


def test_bare_broadcast_words_are_broken():
    assert "@channel" not in escape_mrkdwn("hey @channel and @here")
    assert "@here" not in safe_user_text(from_slack("<!here>"))


def test_plain_text_has_no_markup():
    assert plain_text("<@U024BE7LH|bob> <!channel>") == "@bob &lt;!channel&gt;"


def test_shorten_on_a_word_boundary():
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 10) == "short"


@given(st.text())
def test_nothing_typed_survives_as_a_mention_broadcast_or_link(text):
    for shown in (safe_user_text(text), plain_text(text), safe_user_text(from_slack(text))):
        assert "<" not in shown and ">" not in shown
        assert "\x00" not in shown
        assert not re.search(r"@(channel|here|everyone)\b", shown, re.IGNORECASE)


_pieces = st.sampled_from(
    [
        "<@U024BE7LH>",
        "<@U024BE7LH|bob>",
        "<!channel>",
        "<!here>",
        "<https://evil|bank>",
        "&lt;",
        "&gt;",
        "&amp;",
        "<#C1|x>",
        "<!subteam^S1|@t>",
        "|",
        "*",
        "@channel",
        " ",
    ]
)


@given(st.lists(st.one_of(_pieces, st.text(max_size=5)), max_size=12).map("".join))
def test_the_way_in_and_out_never_gives_a_reference_back(text):
    assert not LIVE.search(safe_user_text(from_slack(text)))
