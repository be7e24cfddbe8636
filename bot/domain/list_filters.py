"""The words after ``/request list`` and the request numbers of ``/request 12`` — pure, English and German.

``/request list overdue from @bob`` reads as ``ListFilter(state="overdue", from_id="UBOB")``. Mentions
arrive as Slack escapes them (``<@UBOB|bob>``); a name typed without Slack's suggestion is not one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The list's filters by state ("" is every active request).
STATE_FILTERS = ("", "overdue", "waiting", "done")

STATE_WORDS = {
    "overdue": "overdue",
    "late": "overdue",
    "überfällig": "overdue",
    "ueberfaellig": "overdue",
    "verspätet": "overdue",
    "waiting": "waiting",
    "wartend": "waiting",
    "wartet": "waiting",
    "warten": "waiting",
    "done": "done",
    "finished": "done",
    "erledigt": "done",
    "fertig": "done",
}
FROM_WORDS = frozenset({"from", "von"})
TO_WORDS = frozenset({"to", "an", "für", "fuer"})

_MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>")
_NUMBER = re.compile(r"#?(?P<number>\d{1,9})")


@dataclass(frozen=True)
class ListFilter:
    """Which of the reader's requests a list shows."""

    state: str = ""
    from_id: str | None = None
    to_id: str | None = None

    def __post_init__(self) -> None:
        if self.state not in STATE_FILTERS:
            raise ValueError(f"unknown list filter {self.state!r}")

    @property
    def is_default(self) -> bool:
        return not (self.state or self.from_id or self.to_id)


class BadFilter(ValueError):
    """``word`` is not a filter; ``needs_person``: a from/to without a mention after it."""

    def __init__(self, word: str, *, needs_person: bool = False) -> None:
        super().__init__(word)
        self.word = word
        self.needs_person = needs_person


def parse_list_filter(text: str) -> ListFilter:
    """Read the filters; raises ``BadFilter`` for a word it does not know."""
    state, people = "", {"from": None, "to": None}
    tokens = text.split()
    index = 0
    while index < len(tokens):
        word = tokens[index].lower().strip(",;")
        if word in STATE_WORDS:
            state = STATE_WORDS[word]
        elif word in FROM_WORDS or word in TO_WORDS:
            side = "from" if word in FROM_WORDS else "to"
            mention = _MENTION.fullmatch(tokens[index + 1]) if index + 1 < len(tokens) else None
            if mention is None:
                raise BadFilter(tokens[index], needs_person=True)
            people[side] = mention.group("id")
            index += 1
        elif word:
            raise BadFilter(tokens[index])
        index += 1
    return ListFilter(state=state, from_id=people["from"], to_id=people["to"])


def user_mentions(text: str) -> dict[str, str]:
    """The people mentioned in ``text`` (as Slack escapes them), in order: id -> the name Slack sent
    along (without "@"; empty when it sent none)."""
    found: dict[str, str] = {}
    for match in _MENTION.finditer(text):
        found.setdefault(match.group("id"), (match.group("label") or "").strip().removeprefix("@"))
    return found


def starts_with_mention(text: str) -> bool:
    return _MENTION.match(text.lstrip()) is not None


def request_number(text: str) -> int | None:
    """``12`` or ``#12`` (and nothing else) as a request number."""
    match = _NUMBER.fullmatch(text.strip())
    return int(match.group("number")) if match else None
