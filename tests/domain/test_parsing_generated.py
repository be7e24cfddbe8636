"""Generated deadline sentences: no time expression is ever silently ignored.

Descriptions without any time word are combined with time phrases, trigger words, positions (end of the
text or the middle of a sentence) and punctuation, in both languages. For every sentence the phrase that
went in must come out either *used* (as due date, response time or urgency — and then gone from the
description) or still in the description *and* listed in ``RequestDraft.unread``. Nothing else may be
reported: the descriptions themselves are time-free.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.parsing import ParseError, RequestDraft, parse_request_command

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)  # a Thursday morning


@dataclass(frozen=True)
class Phrase:
    text: str
    kind: str  # "due" | "within" | "urgent"
    triggers: tuple[str, ...]  # "" is no trigger word at all


EN_DESCRIPTIONS = [
    ("Please send", "the numbers to Anna"),
    ("Review", "the contract with legal"),
    ("Book", "a room for the workshop"),
    ("Call", "the supplier about the invoice"),
    ("Prepare", "slides for the board"),
    ("Check", "the budget figures"),
]
DE_DESCRIPTIONS = [
    ("Bitte", "die Zahlen an Anna schicken"),
    ("Bitte den Vertrag", "mit der Rechtsabteilung prüfen"),
    ("Raum", "für den Workshop buchen"),
    ("Lieferant", "wegen der Rechnung anrufen"),
    ("Folien", "für den Vorstand vorbereiten"),
    ("Budget", "noch einmal prüfen"),
]
EN_DUE = ("by", "until", "before", "")
DE_DUE = ("bis", "spätestens", "vor", "")
EN_WITHIN = ("within", "in")
DE_WITHIN = ("innerhalb", "innerhalb von", "binnen", "in")

EN_PHRASES = [
    *(
        Phrase(text, "due", EN_DUE)
        for text in (
            "tomorrow", "Friday", "next Tuesday", "Monday at 3pm", "tomorrow morning", "the end of the month",
            "end of day", "Dec 15", "January 15th", "2027-01-15", "week 50", "noon", "3pm", "this afternoon",
            "Christmas", "New Year's Eve", "the end of next week", "half past three", "Wednesday next week",
            "15.01.", "Friday at 14:30", "EOD tomorrow", "tonight",
        )
    ),
    *(
        Phrase(text, "within", EN_WITHIN)
        for text in ("2 hours", "4h", "30 minutes", "half a day", "a couple of hours", "2 business days", "one week")
    ),
    *(Phrase(text, "urgent", ("",)) for text in ("ASAP", "as soon as possible")),
]  # fmt: skip
DE_PHRASES = [
    *(
        Phrase(text, "due", DE_DUE)
        for text in (
            "morgen", "Freitag", "nächsten Dienstag", "Montag um 15 Uhr", "morgen früh", "Ende des Monats",
            "Feierabend", "15. Januar", "15.01.", "KW 50", "halb vier", "viertel nach drei", "heute Abend",
            "Weihnachten", "Silvester", "Ende nächster Woche", "übermorgen", "Mittwoch nächste Woche", "14:30 Uhr",
            "Freitagnachmittag", "morgen 14 Uhr",
        )
    ),
    *(
        Phrase(text, "within", DE_WITHIN)
        for text in ("2 Stunden", "einer Stunde", "30 Minuten", "einem halben Tag", "2 Werktagen", "ein paar Stunden")
    ),
    *(Phrase(text, "urgent", ("",)) for text in ("dringend", "sofort", "so schnell wie möglich")),
]  # fmt: skip
ENDINGS = ("", ".", "!")


@dataclass(frozen=True)
class Sentence:
    text: str
    inserted: str  # trigger and phrase as they stand in the text
    phrase: Phrase
    at_end: bool


def sentences(language: str, phrase: Phrase) -> list[Sentence]:
    descriptions = EN_DESCRIPTIONS if language == "en" else DE_DESCRIPTIONS
    generated = []
    for index, (trigger, at_end, ending) in enumerate(
        itertools.product(phrase.triggers, (True, False), ENDINGS)
    ):
        before, after = descriptions[(index + len(phrase.text)) % len(descriptions)]
        inserted = f"{trigger} {phrase.text}".strip()
        text = f"{before} {after} {inserted}{ending}" if at_end else f"{before} {inserted} {after}{ending}"
        generated.append(Sentence(text, inserted, phrase, at_end))
    return generated


CASES = [
    (language, phrase) for language, phrases in (("en", EN_PHRASES), ("de", DE_PHRASES)) for phrase in phrases
]


def test_enough_sentences_are_generated():
    assert sum(len(sentences(language, phrase)) for language, phrase in CASES) >= 400


def _used(draft: RequestDraft, phrase: Phrase) -> bool:
    return {"due": draft.due, "within": draft.response_within, "urgent": draft.urgent or None}[
        phrase.kind
    ] is not None


def _problems(sentence: Sentence, language: str) -> list[str]:
    try:
        draft = parse_request_command("<@U1|bob> " + sentence.text, now=NOW, tz=BERLIN, language=language)
    except ParseError as error:
        # An answer, not silence: only "by 15.01. the numbers" (a date followed by more words) may refuse.
        if error.code == "unparseable_date" and not sentence.at_end and sentence.phrase.text[0].isdigit():
            return []
        return [f"raised {error}"]
    problems = []
    left_in_text = sentence.phrase.text in draft.description
    if left_in_text and not (sentence.phrase.kind == "urgent" and draft.urgent):
        if not any(sentence.phrase.text in fragment for fragment in draft.unread):
            problems.append(f"{sentence.phrase.text!r} silently ignored (unread={draft.unread})")
    elif not left_in_text and not _used(draft, sentence.phrase):
        problems.append(f"{sentence.phrase.text!r} vanished without being used")
    if sentence.at_end and sentence.inserted != sentence.phrase.text and not _used(draft, sentence.phrase):
        problems.append("a clause with a trigger word at the end was not read")
    for fragment in draft.unread:  # a connecting word in front ("den Morgen") may come along
        if fragment not in sentence.inserted and sentence.phrase.text not in fragment:
            problems.append(f"reported {fragment!r}, which is not the inserted phrase")
    return problems


@pytest.mark.parametrize(
    ("language", "phrase"), CASES, ids=[f"{lang}-{phrase.text}" for lang, phrase in CASES]
)
def test_no_time_phrase_is_silently_ignored(language: str, phrase: Phrase):
    failures = {
        sentence.text: problems
        for sentence in sentences(language, phrase)
        if (problems := _problems(sentence, language))
    }

    assert not failures


TWO_CLAUSES = [
    ("en", "Send the numbers", "within 4h", "by Friday"),
    ("en", "Review the contract", "in 2 hours", "by tomorrow 3pm"),
    ("en", "Book a room", "within half a day", "tomorrow"),
    ("de", "Zahlen schicken", "innerhalb von 4 Stunden", "bis morgen 14 Uhr"),
    ("de", "Vertrag prüfen", "binnen 2 Werktagen", "bis Ende des Monats"),
    ("de", "Raum buchen", "in einer Stunde", "am Freitag um 10 Uhr"),
]


@pytest.mark.parametrize(("language", "description", "within", "due"), TWO_CLAUSES)
@pytest.mark.parametrize("order", ["within first", "due first"])
def test_both_clauses_are_read_in_either_order(language, description, within, due, order):
    clauses = (within, due) if order == "within first" else (due, within)
    text = f"<@U1|bob> {description} {clauses[0]} {clauses[1]}"

    draft = parse_request_command(text, now=NOW, tz=BERLIN, language=language)

    assert (draft.description, draft.unread) == (description, ())
    assert draft.response_within is not None
    assert draft.due is not None


_WORDS = {
    "en": (
        "please",
        "send",
        "the",
        "report",
        "numbers",
        "to",
        "Anna",
        "and",
        "check",
        "slides",
        "budget",
        "team",
    ),
    "de": (
        "bitte",
        "die",
        "Zahlen",
        "an",
        "Anna",
        "schicken",
        "und",
        "den",
        "Bericht",
        "prüfen",
        "Team",
        "Folien",
    ),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), language=st.sampled_from(["en", "de"]))
def test_random_sentences_never_ignore_a_time_silently(data, language):
    phrase = data.draw(st.sampled_from(EN_PHRASES if language == "en" else DE_PHRASES))
    trigger = data.draw(st.sampled_from(phrase.triggers))
    words = data.draw(st.lists(st.sampled_from(_WORDS[language]), min_size=2, max_size=8))
    position = data.draw(st.integers(min_value=0, max_value=len(words)))
    ending = data.draw(st.sampled_from(["", ".", "!", "?", " bitte", " please"]))
    inserted = f"{trigger} {phrase.text}".strip()
    text = " ".join([*words[:position], inserted, *words[position:]]) + ending

    problems = _problems(Sentence(text, inserted, phrase, at_end=False), language)

    assert not problems, text
