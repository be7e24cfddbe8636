"""The narrow port to Slack's Web API: a configured client, people lookups, and message delivery."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import exc
from sqlalchemy.orm import Session

from models import Person

logger = logging.getLogger(__name__)

#: How long a users.info answer (time zone, locale) is trusted before we ask again.
PERSON_TTL = timedelta(hours=12)


def make_web_client(token: str, base_url: str) -> WebClient:
    """slack_sdk's client with its retry handlers for connection errors, 429 (Retry-After) and 5xx."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )


@dataclass(frozen=True)
class PersonInfo:
    user_id: str
    name: str
    tz: str | None
    locale: str | None
    language_override: str | None
    is_bot: bool
    deleted: bool

    @property
    def usable(self) -> bool:
        return not (self.is_bot or self.deleted)


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


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class Messenger:
    """Delivers rendered messages. Errors are logged and reported, never raised into a listener."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def dm(self, user_id: str, *, text: str, blocks: list[dict[str, Any]]) -> Posted | None:
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            response = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
            return Posted(channel=response["channel"], ts=response["ts"])
        except SlackApiError:
            logger.exception("could not send a DM to %s", user_id)
            return None

    def post(self, channel: str, *, text: str, blocks: list[dict[str, Any]]) -> Posted:
        """Post to a channel; raises SlackApiError so callers can record permanent failures."""
        response = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
        return Posted(channel=response["channel"], ts=response["ts"])

    def update(self, channel: str, ts: str, *, text: str, blocks: list[dict[str, Any]]) -> bool:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            return True
        except SlackApiError:
            logger.exception("could not update message %s in %s", ts, channel)
            return False

    def ephemeral(
        self, channel: str, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        try:
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
        except SlackApiError:
            # Ephemerals fail in channels the bot is not in; a DM always reaches the person.
            logger.info("ephemeral to %s in %s failed; sending a DM instead", user_id, channel)
            self.dm(user_id, text=text, blocks=blocks or [])
