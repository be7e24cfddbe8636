"""People as Slack knows them (time zone, locale, still active?) and who reads a message.

``People`` is the one way to ask: a memory cache in front of the ``people`` table in front of Slack's
``users.info``. A look-up never runs inside the caller's database transaction: it reads and, when it
learnt something new, writes in short transactions of its own — so call it *before* a writing
transaction, never within one (on SQLite a writer inside a writer would wait for itself).

``Reader`` (``bot.blocks.kit``) is what a builder needs to know of the person it writes for: their
language and time zone.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, exc, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.kit import Reader
from bot.clock import Clock
from bot.config import Settings
from bot.domain.person import PersonInfo
from bot.i18n import language_for
from bot.services.agreement import zone_or_default
from models import Person, Workspace
from models.db import connection_for, reading, transaction

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

#: How long a users.info answer (time zone, locale) is trusted before we ask again.
PERSON_TTL = timedelta(hours=12)
#: People kept in memory per process.
MEMORY = 20_000
#: A workspace's default language is read again after this long.
WORKSPACE_TTL = timedelta(minutes=1)

__all__ = [
    "PERSON_TTL",
    "MemoryLookup",
    "People",
    "PersonInfo",
    "lookup_person",
    "person_info",
    "reader_for_person",
]


def person_info(person: Person) -> PersonInfo:
    return PersonInfo(
        user_id=person.user_id,
        name=person.name,
        tz=person.tz,
        locale=person.locale,
        language_override=person.language_override,
        is_bot=person.is_bot,
        deleted=person.deleted,
        dm_channel_id=person.dm_channel_id,
    )


def _fields_from_slack(user: dict[str, Any], user_id: str, now: datetime) -> dict[str, Any]:
    profile = user.get("profile") or {}
    return {
        "name": profile.get("display_name") or user.get("real_name") or user.get("name") or user_id,
        "tz": user.get("tz"),
        "locale": user.get("locale"),
        "is_bot": bool(user.get("is_bot")) or user_id == "USLACKBOT",
        "deleted": bool(user.get("deleted")),
        "fetched_at": now,
    }


def _store(session: Session, team_id: str, user_id: str, fields: dict[str, Any]) -> Person | None:
    person = session.get(Person, (team_id, user_id))
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
    return person


def lookup_person(
    session: Session, client: WebClient, *, team_id: str, user_id: str, now: datetime, refresh: bool = False
) -> PersonInfo | None:
    """A person from the cache table, refreshed through users.info when stale — all in ``session``.

    Returns None for a user Slack does not know. When Slack cannot be reached, a stale entry is better
    than none. ``People`` wraps this with a memory cache and short transactions of its own.
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
    stored = _store(session, team_id, user_id, _fields_from_slack(user, user_id, now))
    return person_info(stored) if stored is not None else None


def reader_for_person(
    person: PersonInfo | None, settings: Settings, default_language: str | None = None
) -> Reader:
    if person is None:
        return Reader.of(default_language or settings.language, settings.timezone)
    language = language_for(person.locale, person.language_override, default_language or settings.language)
    return Reader.of(language, zone_or_default(person.tz, settings))


_MISSING = object()


class People:
    """Cached person look-ups for the whole process; thread-safe."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        client_for: Callable[[str], WebClient],
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._client_for = client_for
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._memory: OrderedDict[tuple[str, str], tuple[PersonInfo | None, datetime]] = OrderedDict()
        self._languages: dict[str, tuple[str, datetime]] = {}

    # --- memory ------------------------------------------------------------------------------------

    def _remember(self, key: tuple[str, str], person: PersonInfo | None, fetched_at: datetime) -> None:
        with self._lock:
            self._memory[key] = (person, fetched_at)
            self._memory.move_to_end(key)
            while len(self._memory) > MEMORY:
                self._memory.popitem(last=False)

    def _recalled(self, key: tuple[str, str], now: datetime) -> Any:
        with self._lock:
            entry = self._memory.get(key)
        if entry is None or now - entry[1] >= PERSON_TTL:
            return _MISSING
        return entry[0]

    def known(self, team_id: str, user_id: str) -> PersonInfo | None:
        """Only what is in memory (however old): for paths that must not touch the database or Slack."""
        with self._lock:
            entry = self._memory.get((team_id, user_id))
        return entry[0] if entry else None

    def forget(self, team_id: str, user_id: str) -> None:
        """Their row changed (a language chosen, a DM channel learnt): read it afresh next time."""
        with self._lock:
            self._memory.pop((team_id, user_id), None)

    # --- look-ups ----------------------------------------------------------------------------------

    def get(self, team_id: str, user_id: str, *, refresh: bool = False) -> PersonInfo | None:
        """The person (None: Slack does not know them). Never raises for Slack or cache trouble: a stale
        row, or a person with the workspace defaults, is better than no message."""
        now = self._clock()
        key = (team_id, user_id)
        if not refresh:
            recalled = self._recalled(key, now)
            if recalled is not _MISSING:
                return recalled
        with reading(self._sessions) as session:
            row = session.get(Person, key)
            cached = person_info(row) if row is not None else None
            fresh = row is not None and now - row.fetched_at < PERSON_TTL
            fetched_at = row.fetched_at if row is not None else now
        if fresh and not refresh:
            self._remember(key, cached, fetched_at)
            return cached
        return self._fetch(team_id, user_id, cached, now)

    def _fetch(
        self, team_id: str, user_id: str, cached: PersonInfo | None, now: datetime
    ) -> PersonInfo | None:
        try:
            user: dict[str, Any] = self._client_for(team_id).users_info(user=user_id, include_locale=True)[
                "user"
            ]
        except SlackApiError as error:
            if error.response.get("error") in {"user_not_found", "users_not_found"}:
                self._remember((team_id, user_id), None, now)
                return None
            logger.warning(
                "users.info failed for %s (%s); using what is known", user_id, error.response.get("error")
            )
            return cached or self._stranger(user_id)
        except Exception:
            logger.warning("users.info failed for %s; using what is known", user_id, exc_info=True)
            return cached or self._stranger(user_id)
        fields = _fields_from_slack(user, user_id, now)
        try:
            with transaction(self._sessions) as session:
                stored = _store(session, team_id, user_id, fields)
                person = person_info(stored) if stored is not None else None
        except Exception:
            logger.warning("could not store %s in the people cache", user_id, exc_info=True)
            person = PersonInfo(
                user_id=user_id,
                name=fields["name"],
                tz=fields["tz"],
                locale=fields["locale"],
                language_override=cached.language_override if cached else None,
                is_bot=fields["is_bot"],
                deleted=fields["deleted"],
                dm_channel_id=cached.dm_channel_id if cached else None,
            )
            return person
        self._remember((team_id, user_id), person, now)
        return person

    @staticmethod
    def _stranger(user_id: str) -> PersonInfo:
        """Someone Slack could not tell us about right now: written to in the workspace defaults."""
        return PersonInfo(user_id, user_id, None, None, None, is_bot=False, deleted=False)

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Many people at once: one query for those in the table, users.info for the rest."""
        now = self._clock()
        missing = [pair for pair in set(pairs) if self._recalled(pair, now) is _MISSING]
        stale: dict[tuple[str, str], PersonInfo] = {}
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            with reading(self._sessions) as session:
                for row in session.scalars(
                    select(Person).where(tuple_(Person.team_id, Person.user_id).in_(chunk))
                ):
                    key = (row.team_id, row.user_id)
                    if now - row.fetched_at < PERSON_TTL:
                        self._remember(key, person_info(row), row.fetched_at)
                    else:
                        stale[key] = person_info(row)
        for team_id, user_id in missing:
            if self._recalled((team_id, user_id), now) is _MISSING:
                self._fetch(team_id, user_id, stale.get((team_id, user_id)), now)

    def lookup(self, session: Session, team_id: str, user_id: str) -> PersonInfo | None:
        """``PersonLookup`` for services that plan inside a transaction: memory only, never writes.
        Prefetch first; someone not prefetched is written to in the workspace defaults."""
        recalled = self._recalled((team_id, user_id), self._clock())
        return self._stranger(user_id) if recalled is _MISSING else recalled

    # --- readers -----------------------------------------------------------------------------------

    def workspace_language(self, team_id: str) -> str:
        now = self._clock()
        with self._lock:
            entry = self._languages.get(team_id)
        if entry is not None and now - entry[1] < WORKSPACE_TTL:
            return entry[0]
        try:
            with reading(self._sessions) as session:
                workspace = session.get(Workspace, team_id)
                language = (workspace.language if workspace and workspace.language else None) or (
                    self._settings.language
                )
        except Exception:
            logger.warning("could not read the workspace language of %s", team_id, exc_info=True)
            return entry[0] if entry else self._settings.language
        with self._lock:
            self._languages[team_id] = (language, now)
        return language

    def reader(self, team_id: str, user_id: str) -> Reader:
        """Who reads a message to ``user_id``: their language and time zone, or the workspace's."""
        return reader_for_person(self.get(team_id, user_id), self._settings, self.workspace_language(team_id))

    def known_reader(self, team_id: str, user_id: str) -> Reader:
        """The reader from memory only — for telling someone that the database or Slack is down."""
        with self._lock:
            language = self._languages.get(team_id, (self._settings.language, None))[0]
        return reader_for_person(self.known(team_id, user_id), self._settings, language)

    def remember_dm(self, session: Session, team_id: str, user_id: str, channel_id: str) -> None:
        """Store the DM channel Slack answered with, in the caller's transaction (nothing to write when
        the person is known with that channel already: a DM channel never changes)."""
        with self._lock:
            entry = self._memory.get((team_id, user_id))
        if entry is not None and entry[0] is not None and entry[0].dm_channel_id == channel_id:
            return
        connection_for(session).execute(
            _REMEMBER_DM, {"of_team": team_id, "of_user": user_id, "channel": channel_id}
        )
        with self._lock:
            entry = self._memory.get((team_id, user_id))
            if entry is not None and entry[0] is not None:
                person, fetched_at = entry
                self._memory[(team_id, user_id)] = (
                    PersonInfo(**{**person.__dict__, "dm_channel_id": channel_id}),
                    fetched_at,
                )


#: ``remember_dm``'s statement, built once (it runs after every first DM to someone).
_REMEMBER_DM = (
    update(Person)
    .where(Person.team_id == bindparam("of_team"), Person.user_id == bindparam("of_user"))
    .values(dm_channel_id=bindparam("channel"))
)


class MemoryLookup:
    """``bot.services.reminders.PersonLookup`` over ``People``'s memory: for planning inside a writing
    transaction, after ``People.prefetch`` ran outside it. Never touches the database or Slack."""

    def __init__(self, people: People) -> None:
        self._people = people

    def __call__(self, session: Session, team_id: str, user_id: str) -> PersonInfo | None:
        return self._people.lookup(session, team_id, user_id)

    def prefetch(self, session: Session, pairs: Iterable[tuple[str, str]]) -> None:
        """Already done before the transaction began."""


def workspace_language(session: Session, settings: Settings, team_id: str) -> str:
    """The workspace's default language, read in the caller's session."""
    workspace = session.get(Workspace, team_id)
    return (workspace.language if workspace and workspace.language else None) or settings.language


def reader_for(
    deps: Deps, session: Session | None = None, *, team_id: str, user_id: str, now: datetime
) -> Reader:
    """``deps.people.reader`` (the session and ``now`` are no longer needed; kept for older callers).
    Like every look-up, call it before a writing transaction, not inside one."""
    return deps.people.reader(team_id, user_id)
