"""Slack statuses: read with ``users.profile.get`` (scope ``users.profile:read``) and stored as absences.

A read younger than ``bot.services.absences.STATUS_FRESH`` is trusted, so re-reading everyone a reminder
concerns before it goes out costs one query, and a Slack call only for the few read a while ago. Like
``bot.people``, a read never runs inside the caller's transaction: it asks Slack first, then stores what
it learnt (and moves the person's clocks, telling whom that concerns) in a short transaction of its own —
so call it *before* a writing transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.outbox import absence_news
from bot.services import absences as absence_service
from models.db import reading, transaction

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

#: After Slack said the scope is missing, the workspace is asked again this much later.
NO_SCOPE_PAUSE = timedelta(hours=1)


def status_of(profile: dict[str, Any]) -> tuple[str, str, int]:
    """(text, emoji, expiration) from a Slack profile."""
    expiration = profile.get("status_expiration") or 0
    try:
        expiration = int(expiration)
    except (TypeError, ValueError):
        expiration = 0
    return str(profile.get("status_text") or ""), str(profile.get("status_emoji") or ""), expiration


class Statuses:
    """Reads and remembers people's Slack statuses for the whole process; thread-safe (no state)."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        #: Workspaces whose install lacks ``users.profile:read`` (installed before absences came): not
        #: asked again for a while, and said once in the log, not once per person.
        self._no_scope: dict[str, datetime] = {}
        self._lock = threading.Lock()
        #: Reads the database said were fresh: (read at, trusted until). A read only gets fresher, so
        #: until then the filing path asks neither Slack nor the database (one query a filing less).
        self._fresh_until: dict[tuple[str, str], tuple[datetime, datetime]] = {}

    def _known_fresh(self, pair: tuple[str, str], now: datetime) -> bool:
        known = self._fresh_until.get(pair)
        if known is None:
            return False
        if known[0] <= now < known[1]:
            return True
        del self._fresh_until[pair]
        return False

    def _scope_missing(self, team_id: str, now: datetime) -> bool:
        with self._lock:
            since = self._no_scope.get(team_id)
        return since is not None and now - since < NO_SCOPE_PAUSE

    def store(self, team_id: str, user_id: str, profile: dict[str, Any]) -> absence_service.Change:
        """What a profile (from ``users.profile.get`` or ``user_status_changed``) says, stored; the
        clocks it moves and whom that concerns, in the same transaction."""
        deps = self._deps
        person = deps.people.get(team_id, user_id)
        text, emoji, expiration = status_of(profile)
        now = deps.now()
        with transaction(deps.sessions) as session:
            change = absence_service.record_status(
                session,
                deps.settings,
                team_id=team_id,
                user_id=user_id,
                text=text,
                emoji=emoji,
                expiration=expiration,
                tz=person.tz if person else None,
                now=now,
            )
            absence_news.clocks_moved(session, change, team_id=team_id, now=now)
        return change

    def refresh(self, team_id: str, user_id: str, *, force: bool = False) -> None:
        """Read the person's status again unless a recent read is trusted. Never raises: without an
        answer from Slack (no scope yet, rate limited) what was known stays."""
        self.refresh_many([(team_id, user_id)], force=force)

    def refresh_many(self, pairs: Iterable[tuple[str, str]], *, force: bool = False) -> None:
        deps = self._deps
        wanted = {pair for pair in pairs if pair[1]}
        if not wanted:
            return
        if not force:
            now = deps.now()
            with self._lock:
                wanted = {pair for pair in wanted if not self._known_fresh(pair, now)}
            if not wanted:
                return
            try:
                with reading(deps.sessions) as session:
                    fresh = absence_service.fresh_statuses(session, wanted, now=now)
            except Exception:
                logger.warning("could not read when statuses were checked", exc_info=True)
                return
            with self._lock:
                for pair, checked_at in fresh.items():
                    self._fresh_until[pair] = (checked_at, checked_at + absence_service.STATUS_FRESH)
            wanted -= set(fresh)
        for team_id, user_id in sorted(wanted):
            if self._scope_missing(team_id, deps.now()):
                continue
            person = deps.people.get(team_id, user_id)
            if person is None or not person.usable:
                continue
            try:
                profile = deps.client_for(team_id).users_profile_get(user=user_id)["profile"] or {}
            except SlackApiError as error:
                if error.response.get("error") in {"missing_scope", "not_allowed_token_type"}:
                    with self._lock:
                        self._no_scope[team_id] = deps.now()
                    logger.warning(
                        "workspace %s: no users.profile:read scope yet — statuses are not read until the "
                        "app is reinstalled with the current manifest (see the README)",
                        team_id,
                    )
                    continue
                logger.warning(
                    "users.profile.get failed for %s (%s); keeping what is known",
                    user_id,
                    error.response.get("error"),
                )
                continue
            except Exception:
                logger.warning(
                    "users.profile.get failed for %s; keeping what is known", user_id, exc_info=True
                )
                continue
            try:
                self.store(team_id, user_id, profile)
            except Exception:
                logger.warning("could not store the status of %s", user_id, exc_info=True)
