"""People as Slack knows them (time zone, locale, still active?) and who reads a message.

``lookup_person`` reads the ``people`` cache and refreshes it through users.info when stale;
``reader_for`` turns a person into a ``Reader`` (their language and time zone, or the workspace's).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import exc
from sqlalchemy.orm import Session

from bot.blocks.kit import Reader
from bot.config import Settings
from bot.domain.person import PersonInfo
from bot.i18n import language_for
from bot.services.agreement import zone_or_default
from models import Person, Workspace

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

#: How long a users.info answer (time zone, locale) is trusted before we ask again.
PERSON_TTL = timedelta(hours=12)


def person_info(person: Person) -> PersonInfo:
    return PersonInfo(
        user_id=person.user_id,
        name=person.name,
        tz=person.tz,
        locale=person.locale,
        language_override=person.language_override,
        is_bot=person.is_bot,
        deleted=person.deleted,
    )


def lookup_person(
    session: Session, client: WebClient, *, team_id: str, user_id: str, now: datetime, refresh: bool = False
) -> PersonInfo | None:
    """A person's time zone and locale from our cache, refreshed through users.info when stale.

    Returns None for a user Slack does not know. When Slack cannot be reached, a stale entry is
    better than none.
    """
    person = session.get(Person, (team_id, user_id))
    if person is not None and not refresh and now - person.fetched_at < PERSON_TTL:
        return person_info(person)
    try:
        user: dict[str, Any] = client.users_info(user=user_id, include_locale=True)["user"]
    except SlackApiError as error:
        if error.response.get("error") in {"user_not_found", "users_not_found"}:
            return None
        if person is not None:
            logger.warning(
                "users.info failed for %s (%s); using cached data", user_id, error.response.get("error")
            )
            return person_info(person)
        raise
    profile = user.get("profile") or {}
    fields = {
        "name": profile.get("display_name") or user.get("real_name") or user.get("name") or user_id,
        "tz": user.get("tz"),
        "locale": user.get("locale"),
        "is_bot": bool(user.get("is_bot")) or user_id == "USLACKBOT",
        "deleted": bool(user.get("deleted")),
        "fetched_at": now,
    }
    if person is None:
        try:
            with session.begin_nested():
                person = Person(team_id=team_id, user_id=user_id, **fields)
                session.add(person)
        except exc.IntegrityError:
            # Another process stored this person a moment ago: update their row instead.
            person = session.get(Person, (team_id, user_id), populate_existing=True)
    if person is None:  # pragma: no cover - only if the other insert was rolled back meanwhile
        return None
    for key, value in fields.items():
        setattr(person, key, value)
    session.flush()
    return person_info(person)


def workspace_language(session: Session, settings: Settings, team_id: str) -> str:
    workspace = session.get(Workspace, team_id)
    return (workspace.language if workspace and workspace.language else None) or settings.language


def reader_for_person(
    person: PersonInfo | None, settings: Settings, default_language: str | None = None
) -> Reader:
    if person is None:
        return Reader.of(default_language or settings.language, settings.timezone)
    language = language_for(person.locale, person.language_override, default_language or settings.language)
    return Reader.of(language, zone_or_default(person.tz, settings))


def reader_for(deps: Deps, session: Session, *, team_id: str, user_id: str, now: datetime) -> Reader:
    """The reader of a message to ``user_id``: their Slack locale and time zone, or the workspace's."""
    try:
        person = lookup_person(session, deps.client, team_id=team_id, user_id=user_id, now=now)
    except Exception:
        logger.exception("could not look up %s; writing in the workspace defaults", user_id)
        person = None
    return reader_for_person(person, deps.settings, workspace_language(session, deps.settings, team_id))
