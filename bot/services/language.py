"""A person's own choice of language, which beats their Slack locale for every message to them.

Stored on the ``people`` row (``language_override``; NULL means "follow Slack"). Everything that
writes to a person reads it through ``bot.slack.lookup_person`` → ``handlers.common.reader_for``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import exc, insert
from sqlalchemy.orm import Session

from bot.i18n import LANGUAGES
from models import Person

Choice = Literal["de", "en", "auto"]

#: What people type after ``/request language``; both languages' words are understood.
CHOICE_WORDS: dict[str, Choice] = {
    "de": "de",
    "deutsch": "de",
    "german": "de",
    "en": "en",
    "english": "en",
    "englisch": "en",
    "auto": "auto",
    "automatic": "auto",
    "automatisch": "auto",
    "slack": "auto",
}

# A row we create here has not been read from Slack yet: this makes the next lookup refresh it.
_NEVER_FETCHED = datetime(1970, 1, 1, tzinfo=UTC)


def parse_choice(text: str) -> Choice | None:
    """``"DE"``, ``"deutsch"``, ``"en"``, ``"auto"``… → the choice; None for anything else."""
    return CHOICE_WORDS.get(text.strip().lower().strip("`*_\"'"))


def language_override(session: Session, *, team_id: str, user_id: str) -> str | None:
    """The language this person chose (``de``/``en``), or None when they follow their Slack locale."""
    person = session.get(Person, (team_id, user_id))
    override = person.language_override if person is not None else None
    return override if override in LANGUAGES else None


def set_language_override(session: Session, *, team_id: str, user_id: str, choice: Choice) -> str | None:
    """Store the choice (``auto`` clears it) and return the stored override.

    Creates the ``people`` row when the person was never looked up; the caller normally did
    ``lookup_person`` first, so this is for safety, not the usual path.
    """
    if choice not in ("auto", *LANGUAGES):
        raise ValueError(f"unknown language choice {choice!r}")
    override = None if choice == "auto" else choice
    person = session.get(Person, (team_id, user_id))
    if person is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(Person).values(
                        team_id=team_id, user_id=user_id, name=user_id, fetched_at=_NEVER_FETCHED
                    )
                )
        except exc.IntegrityError:
            pass  # someone looked them up at the same moment
        person = session.get(Person, (team_id, user_id), populate_existing=True)
        assert person is not None
    person.language_override = override
    session.flush()
    return override
