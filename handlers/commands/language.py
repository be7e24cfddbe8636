"""``/request language de|en|auto`` (``/request sprache …``): which language the bot writes to you in.

Alone, it shows the current setting. A change is confirmed in the new language, so the person sees
at once that it worked.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from slack_bolt import Respond

from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.text import safe_user_text
from bot.i18n import language_for
from bot.people import workspace_language
from bot.services import language as language_service
from models.db import reading, transaction


def language_name(language: str) -> str:
    """A language in its own words ("Deutsch", "English"): what people look for in a language setting."""
    return Locale.parse(language).get_display_name(language) or language


def status_text(reader: Reader, *, command: str, override: str | None) -> str:
    """What ``/request language`` alone answers: the language in use and how to change it."""
    tr = reader.tr
    name = language_name(tr.language)
    if override:
        return tr._(
            "I write to you in *{language}*, as you chose. "
            "`{command} language auto` makes me follow your Slack language again.",
            language=name,
            command=command,
        )
    return tr._(
        "I write to you in *{language}*, following your Slack language. "
        "To choose yourself: `{command} language de` (Deutsch) or `{command} language en` (English).",
        language=name,
        command=command,
    )


def confirmation_text(reader: Reader, *, override: str | None) -> str:
    """Said in the language just chosen."""
    name = language_name(reader.tr.language)
    if override:
        return reader.tr._(
            ":white_check_mark: Done — from now on I'll write to you in *{language}*.", language=name
        )
    return reader.tr._(
        ":white_check_mark: Done — I'll follow your Slack language again, so for now that's *{language}*.",
        language=name,
    )


def unknown_choice_text(reader: Reader, *, command: str, text: str) -> str:
    return reader.tr._(
        "I don't know the language *{text}*. Choose `{command} language de` (Deutsch), "
        "`{command} language en` (English) or `{command} language auto` (your Slack language).",
        text=text,
        command=command,
    )


def change_language(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    """Show or set the person's language; ``reader`` speaks the language in use before the change."""
    team_id, user_id = body["team_id"], body["user_id"]
    command = body.get("command") or "/request"
    if not args:
        with reading(deps.sessions) as session:
            override = language_service.language_override(session, team_id=team_id, user_id=user_id)
        respond(response_type="ephemeral", text=status_text(reader, command=command, override=override))
        return
    choice = language_service.parse_choice(args)
    if choice is None:
        text = unknown_choice_text(reader, command=command, text=safe_user_text(args[:40]))
        respond(response_type="ephemeral", text=text)
        return
    person = deps.people.get(team_id, user_id)  # before the writing transaction: it may ask Slack
    with transaction(deps.sessions) as session:
        override = language_service.set_language_override(
            session, team_id=team_id, user_id=user_id, choice=choice
        )
        default = workspace_language(session, deps.settings, team_id)
    deps.people.forget(team_id, user_id)  # every message from now on reads the new choice
    language = language_for(person.locale if person else None, override, default)
    respond(
        response_type="ephemeral",
        text=confirmation_text(Reader.of(language, reader.tz), override=override),
    )
