"""The conversation around a request, as plain rules: is it a question, and how far a wait moves a clock.

No Slack, no database, no clock: everything comes in as arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.calendar import BusinessCalendar

#: Words a question starts with, in English and German (lower case, without punctuation).
QUESTION_WORDS = frozenset(
    {
        # English
        "what",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "why",
        "how",
        "is",
        "are",
        "was",
        "can",
        "could",
        "does",
        "did",
        "would",
        "will",
        "should",
        "shall",
        # German
        "wer",
        "wen",
        "wem",
        "wessen",
        "wann",
        "wo",
        "woher",
        "wohin",
        "womit",
        "wofür",
        "worum",
        "warum",
        "wieso",
        "weshalb",
        "weswegen",
        "wie",
        "welche",
        "welcher",
        "welches",
        "welchen",
        "welchem",
        "ist",
        "sind",
        "bist",
        "kannst",
        "kann",
        "können",
        "könntest",
        "könnten",
        "hast",
        "habt",
        "gibt",
        "weißt",
        "wisst",
        "darf",
        "soll",
        "sollen",
        "wird",
        "würdest",
        "würden",
    }
)
# "was" is German for "what" and English for "was": both start a question. Words that also start
# instructions ("do", "have" — "Have a look at …") are left out: those questions end with "?" anyway.

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
#: What may follow a question mark at the end: closing brackets and quotes, emoji codes, spaces.
_TRAILING = re.compile(r"(?:[\s\"'”“»«)\]]|:[a-z0-9_+-]+:)*$", re.IGNORECASE)


def looks_like_question(text: str) -> bool:
    """Whether ``text`` reads as a question — it ends with "?" or starts with a question word (English
    or German) — so the assignee's card offers *Answer* first."""
    stripped = _TRAILING.sub("", text.strip())
    if stripped.endswith(("?", "？", "¿")):
        return True
    first = _WORD.search(text)
    return first is not None and first.start() < 3 and first.group(0).lower() in QUESTION_WORDS


def shift_by_wait(
    moment: datetime, waited: timedelta, calendar: BusinessCalendar, *, date_only: bool = False
) -> datetime:
    """``moment`` moved later by ``waited`` business time on ``calendar`` (UTC).

    A due date that names a day (``date_only``) stays a day: the end of the working day the shifted
    moment falls on.
    """
    if waited <= timedelta(0):
        return moment
    shifted = calendar.add_business_time(moment, waited)
    if date_only:
        day = calendar.local_business_day(shifted)
        return max(shifted, calendar.end_of_working_day(day))
    return shifted


@dataclass(frozen=True)
class Handover:
    """How a request came to its current assignee: how (``reassigned``, ``taken_over``, ``redirected``),
    who passed it on (``by_id``), whose it was before (``from_id``), and the note they left."""

    kind: str
    by_id: str | None
    from_id: str | None
    note: str | None = None


@dataclass(frozen=True)
class CardNotes:
    """What the assignee's card shows beyond the request itself: how it came to them, and the question
    it waits on."""

    handover: Handover | None = None
    question: str | None = None
