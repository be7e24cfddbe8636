"""A few hundred generated deadline sentences through `/request`, over signed HTTP on both databases:
no request is ever filed with a time word left unexplained. Each phrase that went in is either used
(due date, response time, urgency — and gone from the stored text) or still in the text *and* named in
the requester's confirmation; or the bot asked back (nothing filed) or answered with a friendly error.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.config import Settings
from bot.domain.parsing import parse_duration
from bot.outbox.limits import Limiter
from bot.services.agreement import response_due
from models import Request
from tests.conftest import START
from tests.domain.test_parsing_generated import CASES, Sentence, sentences
from tests.slackutil import action_ids, responses, text_of, wait_response

SETTINGS = Settings(timezone="Europe/Berlin", holidays="DE-BE")


def _filed(sessions) -> Request | None:
    with sessions() as session:
        return session.scalars(select(Request).order_by(Request.id.desc()).limit(1)).first()


def _count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(Request.id))) or 0


def _used(request: Request, sentence: Sentence) -> bool:
    kind = sentence.phrase.kind
    if kind == "due":
        return request.due_at is not None
    if kind == "within":  # the named response time, on Bob's calendar (capped by a due date)
        named = response_due(
            SETTINGS, tz="Europe/Berlin", now=START, within=parse_duration(sentence.phrase.text)
        )
        return request.response_due_at == min(named, request.due_at or named)
    return request.urgent


def _sample() -> list[tuple[str, Sentence]]:
    """Every phrase of both languages, each in five of its forms (trigger, position, punctuation)."""
    picked = []
    for language, phrase in CASES:
        forms = sentences(language, phrase)
        picked += [(language, sentence) for sentence in forms[:: max(1, len(forms) // 5)][:5]]
    return picked


def test_generated_sentences_are_never_filed_with_a_time_word_unexplained(slack, fake_slack, sessions, bot):
    # Hundreds of cards to one person: Slack's one post per second and channel would make this minutes.
    bot.deps.outbox.limiter = Limiter(per_channel_per_second=10_000, per_channel_burst=10_000)
    problems: list[str] = []
    seen = {"filed": 0, "asked": 0, "refused": 0}
    total = 0
    for language, sentence in _sample():
        user = "UALICE" if language == "en" else "UDIETER"
        if True:
            total += 1
            before, count = len(responses(fake_slack)), _count(sessions)
            assert slack.command(user, "<@UBOB|bob> " + sentence.text).status == 200
            answer = wait_response(fake_slack, before + 1)
            shown = text_of(answer)
            if _count(sessions) == count:
                ids = action_ids(answer.get("blocks") or [])
                if "request_choose" in ids or "request_form" in ids:
                    seen["asked"] += 1
                elif "went wrong" in shown or "schiefgegangen" in shown or "couldn't read" in shown:
                    problems.append(f"{sentence.text!r}: failed ({shown[:200]})")
                else:
                    seen["refused"] += 1
                continue
            seen["filed"] += 1
            request = _filed(sessions)
            assert request is not None
            if sentence.phrase.text in request.text:
                if sentence.phrase.kind == "urgent" and request.urgent:
                    continue
                if f"*{sentence.phrase.text}" not in shown and sentence.phrase.text not in _named(shown):
                    problems.append(
                        f"{sentence.text!r}: {sentence.phrase.text!r} left in the text, not named"
                    )
            elif not _used(request, sentence):
                problems.append(f"{sentence.text!r}: {sentence.phrase.text!r} vanished without being used")
    assert total >= 300
    assert not problems, problems[:20]
    assert seen["filed"] > total / 2, seen  # most are simply filed; the rest asked back or refused


def _named(shown: str) -> str:
    """The words the confirmation names as not read (its :mag: line)."""
    at = shown.find(":mag:")
    return shown[at : at + 600] if at >= 0 else ""
