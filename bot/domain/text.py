"""User text as data: one way in, one way out, and the limits Slack enforces.

**In** (``from_slack``): what Slack sends in a command or a message is mrkdwn — the characters a person
typed are escaped (``&lt;``), and what Slack itself encoded are references (``<@U1|bob>``,
``<#C1|general>``, ``<!subteam^S1|@team>``, ``<!here>``, ``<https://…|label>``). We store text *as the
person typed it*, with Slack's references made readable (``@bob``, ``#general``, ``@team``, ``@here``, the
link's own address). Text from a form (a plain text input) is stored as it comes.

**Out** (``safe_user_text`` for mrkdwn, ``plain_text`` for fallbacks): everything stored is characters,
so it is escaped — ``&``, ``<``, ``>`` — and broadcast words are broken. Nothing a person wrote can ever
ping someone, a team or a channel, or disguise a link; the bot's own mentions are built from ids it
knows, in its own templates. The same path for every builder and surface.
"""

from __future__ import annotations

import re

#: Slack refuses section text over 3,000 characters; we keep room for our own words around the user's.
MAX_REQUEST_TEXT = 2_500
MAX_REASON_TEXT = 1_000

_REFERENCE = re.compile(r"<([^<>]*)>")
_BROADCAST_WORDS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
#: What Slack's older escaping left in stored texts (kept readable when shown).
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|([^<>]*))?>")
_CHANNEL_LINK = re.compile(r"<#(C[A-Z0-9]{2,})(?:\|([^<>]*))?>")
_GROUP_MENTION = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^<>]*))?>")


def _readable(reference: str) -> str:
    """One of Slack's ``<…>`` references as a person would read it (never as a reference again)."""
    target, _, label = reference.partition("|")
    if target.startswith("@"):  # a person
        return "@" + (label.lstrip("@") if label else target[1:])
    if target.startswith("#"):  # a channel
        return "#" + (label.lstrip("#") if label else target[1:])
    if target.startswith("!subteam^"):  # a user group
        return label if label.startswith("@") else "@" + (label or "team")
    if target.startswith("!date^"):
        return label or ""
    if target.startswith("!"):  # @here, @channel, @everyone
        return "@" + (label.lstrip("@") if label else target[1:])
    if target.startswith("mailto:"):
        return target[len("mailto:") :]
    return target  # a link: its own address, whatever label it carried


#: Stand-ins for the characters a person typed as "<", ">" and "&", while Slack's text is read: they keep
#: Slack's references apart from look-alikes and are not punctuation to the parser.
_TYPED = {"&lt;": "\ue000", "&gt;": "\ue001", "&amp;": "\ue002"}
_TYPED_BACK = {"\ue000": "<", "\ue001": ">", "\ue002": "&"}


def typed_apart(text: str) -> str:
    """Slack's text with what the person typed as ``<``, ``>``, ``&`` set apart from Slack's own
    ``<…>`` references (for parsing); ``from_slack`` reads it back."""
    text = re.sub("[\ue000-\ue002\x00]", "", text)
    for entity, stand_in in _TYPED.items():
        text = text.replace(entity, stand_in)
    return text


def from_slack(text: str) -> str:
    """Command or message text as Slack sends it (or as ``typed_apart`` left it) → the text as the person
    typed it, Slack's references readable."""
    text = _REFERENCE.sub(lambda m: _readable(m.group(1)), text.replace("\x00", ""))
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub("[\ue000-\ue002]", lambda m: _TYPED_BACK[m.group(0)], text)


def escape_mrkdwn(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so that nothing the user typed can become a link or a mention."""
    text = text.replace("\x00", "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare @channel is no mention in bot messages, but break it anyway in case a client guesses.
    return _BROADCAST_WORDS.sub(lambda m: "@\u2060" + m.group(1), text)


def _legacy_references(text: str) -> str:
    """Texts stored before references were made readable at the door show them readable now, too."""
    text = _USER_MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)).lstrip("@"), text)
    text = _CHANNEL_LINK.sub(lambda m: "#" + (m.group(2) or m.group(1)).lstrip("#"), text)
    return _GROUP_MENTION.sub(lambda m: m.group(1) or "@team", text)


def safe_user_text(text: str) -> str:
    """What a person wrote, for mrkdwn: characters only, escaped — never a mention, broadcast or link."""
    return escape_mrkdwn(_legacy_references(text))


def plain_text(text: str) -> str:
    """For notification fallbacks (which Slack reads as mrkdwn too): the same, no markup, no mentions."""
    return escape_mrkdwn(_legacy_references(text))


def shorten(text: str, limit: int) -> str:
    """Cut to ``limit`` characters on a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"
