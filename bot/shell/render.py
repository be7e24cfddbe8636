"""Slack messages and views as terminal text: what a person would read, buttons as ``[Got it] [Done]``.

Pure functions of the payload the bot sent; names for ``<@U…>`` and ``<#C…>`` come from a lookup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Block = dict[str, Any]

#: The shortcodes our messages and common replies use; others stay as ``:name:``.
EMOJI = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "no_entry_sign": "🚫",
    "no_entry": "⛔",
    "heavy_multiplication_x": "✖️",
    "x": "❌",
    "arrow_right": "➡️",
    "sparkles": "✨",
    "star": "⭐",
    "star2": "🌟",
    "wave": "👋",
    "raised_hand": "✋",
    "bell": "🔔",
    "alarm_clock": "⏰",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "tada": "🎉",
    "pray": "🙏",
    "clap": "👏",
    "raised_hands": "🙌",
    "+1": "👍",
    "thumbsup": "👍",
    "heart": "❤️",
    "warning": "⚠️",
    "calendar": "📅",
    "date": "📅",
    "memo": "📝",
    "eyes": "👀",
    "zzz": "💤",
    "speech_balloon": "💬",
    "bar_chart": "📊",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "trophy": "🏆",
    "handshake": "🤝",
    "inbox_tray": "📥",
    "outbox_tray": "📤",
    "information_source": "ℹ️",
    "question": "❓",
    "mailbox": "📫",
    "seedling": "🌱",
    "sunny": "☀️",
    "rocket": "🚀",
    "thinking_face": "🤔",
    "slightly_smiling_face": "🙂",
    "smile": "😄",
}

_TOKEN = re.compile(r"<([^<>\n]+)>")
_SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_FIELD = re.compile(r"^\*([^*\n]+)\*\n(.+)$", re.DOTALL)


@dataclass(frozen=True)
class Names:
    """How ids read: ``UBOB`` → ``bob``, ``C0002`` → ``team``; unknown ids stay ids."""

    user: Callable[[str], str]
    channel: Callable[[str], str]


class Renderer:
    """Turns Block Kit into lines of text. ``emoji`` swaps known shortcodes for the characters."""

    def __init__(self, names: Names, *, emoji: bool = True) -> None:
        self.names = names
        self.emoji = emoji

    # --- text --------------------------------------------------------------------------------------

    def mrkdwn(self, text: str) -> str:
        """Slack mrkdwn as a person reads it: mentions as @name, links as ``label (url)``, no escapes."""
        text = _TOKEN.sub(self._token, text)
        text = _BOLD.sub(r"\1", text)
        text = self.shortcodes(text)
        return html.unescape(text) if "&" in text else text

    def shortcodes(self, text: str) -> str:
        if not self.emoji:
            return text
        return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)

    def _token(self, match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + self.names.user(target[1:])
        if target.startswith("#"):
            return "#" + (label or self.names.channel(target[1:]))
        if target.startswith("!subteam^"):
            return label or "@" + self.names.user(target[len("!subteam^") :])
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:]
        if label:
            return f"{label} ({target})"
        return target

    def text_object(self, obj: Any) -> str:
        """A ``plain_text`` or ``mrkdwn`` object (or a bare string)."""
        if obj is None:
            return ""
        if isinstance(obj, str):
            return obj
        text = str(obj.get("text", ""))
        if obj.get("type") == "mrkdwn":
            return self.mrkdwn(text)
        return self.shortcodes(text)

    # --- blocks ------------------------------------------------------------------------------------

    def message(self, content: dict[str, Any]) -> list[str]:
        """A message body: its blocks, or its text when it has none; attachments after."""
        lines = self.blocks(content.get("blocks") or [])
        if not lines and content.get("text"):
            lines = self.mrkdwn(str(content["text"])).splitlines()
        for attachment in content.get("attachments") or []:
            inner = self.blocks(attachment.get("blocks") or [])
            if not inner and attachment.get("text"):
                inner = self.mrkdwn(str(attachment["text"])).splitlines()
            lines.extend("┃ " + line for line in inner)
        return lines or ["(empty message)"]

    def blocks(self, blocks: Iterable[Block]) -> list[str]:
        lines: list[str] = []
        for block in blocks:
            lines.extend(self.block(block))
        return lines

    def block(self, block: Block) -> list[str]:
        kind = block.get("type")
        if kind == "section":
            return self._section(block)
        if kind == "context":
            parts = [
                self.text_object(e) if e.get("type") in ("mrkdwn", "plain_text") else self._element(e)
                for e in block.get("elements") or []
            ]
            return " · ".join(p for p in parts if p).splitlines()
        if kind == "header":
            title = self.text_object(block.get("text"))
            return [title, "═" * min(len(title), 60)]
        if kind == "divider":
            return ["─" * 40]
        if kind == "actions":
            return [self.buttons(block.get("elements") or [])]
        if kind == "image":
            return [f"[image: {block.get('alt_text', '')}]"]
        if kind == "input":
            label = self.text_object(block.get("label"))
            return [f"{label}: {self._element(block.get('element') or {})}"]
        if kind == "rich_text":
            return self._rich_text(block.get("elements") or []).splitlines()
        return [f"[{kind}]"]

    def _section(self, block: Block) -> list[str]:
        lines: list[str] = []
        if block.get("text"):
            lines.extend(self.text_object(block["text"]).splitlines())
        for field in block.get("fields") or []:
            raw = str(field.get("text", ""))
            match = _FIELD.match(raw) if field.get("type") == "mrkdwn" else None
            if match:
                value = " ".join(self.mrkdwn(match.group(2)).splitlines())
                lines.append(f"{self.mrkdwn(match.group(1))}: {value}")
            else:
                lines.extend(self.text_object(field).splitlines())
        accessory = block.get("accessory")
        if accessory and accessory.get("type") != "image":
            lines.append(self._element(accessory))
        return lines

    def buttons(self, elements: Iterable[dict[str, Any]]) -> str:
        return " ".join(self._element(e) for e in elements)

    def _element(self, element: dict[str, Any]) -> str:
        kind = element.get("type", "")
        if kind == "button":
            return f"[{self.text_object(element.get('text'))}]"
        if kind == "image":
            return ""
        if kind == "overflow":
            return "[⋯]"
        placeholder = self.text_object(element.get("placeholder")) if element.get("placeholder") else ""
        initial = element.get("initial_option")
        if initial:
            placeholder = self.text_object(initial.get("text"))
        if kind.endswith("select"):
            return f"[{placeholder or 'choose'} ▾]"
        return f"[{placeholder or kind.replace('_', ' ')}]"

    def _rich_text(self, elements: Iterable[dict[str, Any]]) -> str:
        out: list[str] = []
        for element in elements:
            kind = element.get("type")
            if kind == "text":
                out.append(element.get("text", ""))
            elif kind == "link":
                out.append(element.get("text") or element.get("url", ""))
            elif kind == "user":
                out.append("@" + self.names.user(element.get("user_id", "")))
            elif kind == "channel":
                out.append("#" + self.names.channel(element.get("channel_id", "")))
            elif kind == "emoji":
                out.append(self.shortcodes(f":{element.get('name', '')}:"))
            elif kind == "rich_text_list":
                items = [
                    self._rich_text(item.get("elements") or []) for item in element.get("elements") or []
                ]
                out.append("\n".join("• " + item for item in items) + "\n")
            elif kind == "rich_text_quote":
                out.append("> " + self._rich_text(element.get("elements") or []) + "\n")
            elif kind in ("rich_text_section", "rich_text_preformatted"):
                out.append(self._rich_text(element.get("elements") or []) + "\n")
        return "".join(out).rstrip("\n")


# --- buttons a person can press ----------------------------------------------------------------------


def button_elements(blocks: Iterable[Block]) -> list[tuple[Block, dict[str, Any]]]:
    """Every button with the block it sits in: in actions blocks and as section accessories."""
    found: list[tuple[Block, dict[str, Any]]] = []
    for block in blocks:
        if block.get("type") == "actions":
            found.extend((block, e) for e in block.get("elements") or [] if e.get("type") == "button")
        elif block.get("type") == "section" and (block.get("accessory") or {}).get("type") == "button":
            found.append((block, block["accessory"]))
    return found


def _normalised(label: str) -> str:
    """``":star: 5"`` → ``"5"``, ``"Got it!"`` → ``"got it"``: letters, digits and spaces only."""
    label = _SHORTCODE.sub(" ", label.lower())
    return " ".join("".join(c if c.isalnum() or c.isspace() else " " for c in label).split())


def button_matches(element: dict[str, Any], wanted: str) -> int:
    """How well ``wanted`` names this button: 3 exact label, 2 label without emoji and punctuation,
    1 action id (``request_ack`` or just ``ack``), 0 not at all."""
    label = str((element.get("text") or {}).get("text", ""))
    action_id = str(element.get("action_id", ""))
    if label.strip().lower() == wanted.strip().lower():
        return 3
    if _normalised(wanted) and _normalised(label) == _normalised(wanted):
        return 2
    if wanted == action_id or (wanted and action_id.endswith("_" + wanted)):
        return 1
    return 0
