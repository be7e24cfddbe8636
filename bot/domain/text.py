"""User text as data: escaping for Slack mrkdwn and limits that Slack enforces."""

from __future__ import annotations

import re

#: Slack refuses section text over 3,000 characters; we keep room for our own words around the user's.
MAX_REQUEST_TEXT = 2_500
MAX_REASON_TEXT = 1_000

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>")
_CHANNEL_LINK = re.compile(r"<#(C[A-Z0-9]{2,})(?:\|[^<>]*)?>")
_GROUP_MENTION = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^<>]*))?>")
_BROADCAST_WORDS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_PLACEHOLDER = "\x00{}\x00"


def escape_mrkdwn(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so that nothing the user typed can become a link or a mention."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Bare @channel is not a mention in bot messages, but break it anyway in case a client guesses.
    return _BROADCAST_WORDS.sub(lambda m: "@\u2060" + m.group(1), text)


def safe_user_text(text: str) -> str:
    """Escape user text but keep the user and channel mentions Slack itself escaped for us.

    ``<@U…>`` and ``<#C…>`` are genuine references (Slack produced them), shown normalised without
    their labels; user-group mentions become plain ``@handle`` so quoting a request never pings a team;
    ``<!channel>``, ``<!here>`` and ``<http://evil|bank>`` are escaped to harmless text.
    """
    kept: list[str] = []

    def keep(token: str) -> str:
        kept.append(token)
        return _PLACEHOLDER.format(len(kept) - 1)

    text = text.replace("\x00", "")
    text = _USER_MENTION.sub(lambda m: keep(f"<@{m.group(1)}>"), text)
    text = _CHANNEL_LINK.sub(lambda m: keep(f"<#{m.group(1)}>"), text)
    text = _GROUP_MENTION.sub(lambda m: (m.group(1) or "@team").lstrip(), text)
    text = escape_mrkdwn(text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


def plain_text(text: str) -> str:
    """For ``plain_text`` objects and notification fallbacks: no markup, no mentions."""
    text = _USER_MENTION.sub(
        lambda m: "@" + (m.group(0).split("|", 1)[1][:-1] if "|" in m.group(0) else "…"), text
    )
    text = _GROUP_MENTION.sub(lambda m: m.group(1) or "@team", text)
    text = _CHANNEL_LINK.sub(
        lambda m: "#" + (m.group(0).split("|", 1)[1][:-1] if "|" in m.group(0) else "…"), text
    )
    return escape_mrkdwn(text)


def shorten(text: str, limit: int) -> str:
    """Cut to ``limit`` characters on a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"
