"""OAuth mode: where each workspace's token lives, and how the bot finds the token for a workspace.

- **At rest**: slack_sdk's ``SQLAlchemyInstallationStore`` on our tables (migration 0006), with the token
  columns encrypted by Fernet (``KUNDENFOKUS_TOKEN_KEY``): ``EncryptedInstallationStore`` swaps their
  column type for ``EncryptedToken``, so every save encrypts and every find decrypts — the store's own
  queries run unchanged. Without the key the rows say nothing usable.
- **In memory**: ``Installations`` is a thread-safe cache in front of the store, keyed by workspace (or, for
  an org-wide Enterprise Grid install, by org). It refreshes rotating tokens before they expire (Slack's
  ``TokenRotator``, one refresh at a time per install; another replica's refresh is picked up from the
  store) and forgets an install the moment it is rotated, removed or reported revoked.
- **Per request**: ``CachedAuthorize`` answers Bolt's authorize step from that cache, without an
  ``auth.test`` per request, so an ack never waits for Slack.

A workspace of an org-wide install is found through its org: the org of each workspace is learnt from
the requests Slack sends (``learn``) and kept in ``workspaces.enterprise_id`` for the scheduled work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, MetaData, String, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from bot import redaction
from bot.clock import Clock, system_clock
from bot.config import Settings
from models import Workspace
from models.db import reading, writing_engine
from models.installation import TOKEN_COLUMN_LENGTH, TOKEN_COLUMNS, installation_tables

logger = logging.getLogger(__name__)

#: Refresh a rotating token this long before it expires (Slack issues them for 12 hours).
REFRESH_BEFORE_MINUTES = 120
#: How long a found install is trusted before the store is asked again (another replica may have
#: rotated or removed it; a revoked token is noticed at once by the call that fails).
FOUND_TTL = 300.0
#: How long "not installed" is remembered (an install on another replica is seen after this).
MISSING_TTL = 15.0
#: Slack errors that mean the token will never work again.
DEAD_TOKEN_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})


class NotInstalled(Exception):
    """No usable installation for this workspace (never installed, uninstalled, or its tokens revoked)."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"the app is not installed in {team_id}")
        self.team_id = team_id


# --- tokens at rest -----------------------------------------------------------------------------------


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with the operator's key."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    def encrypt(self, token: str | None) -> str | None:
        return None if token is None else self._fernet.encrypt(token.encode()).decode("ascii")

    def decrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            token = self._fernet.decrypt(value.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            # Another key (KUNDENFOKUS_TOKEN_KEY changed) or a row written without encryption: unusable.
            logger.error(
                "a stored Slack token cannot be decrypted with KUNDENFOKUS_TOKEN_KEY; reinstall the app"
            )
            return None
        redaction.remember(token)
        return token


class EncryptedToken(TypeDecorator[str]):
    """A token column: ciphertext in the database, the token in Python."""

    impl = String(TOKEN_COLUMN_LENGTH)
    cache_ok = True

    def __init__(self, cipher: TokenCipher) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return self.cipher.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return self.cipher.decrypt(value)


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on the tables of migration 0006, with the token columns encrypted."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        # The store reads, then writes in one transaction: two saves at once wait for each other.
        super().__init__(client_id=client_id, engine=writing_engine(engine), logger=logger)
        self.metadata = MetaData()
        self.installations, self.bots, _states = installation_tables(self.metadata)
        for table in (self.installations, self.bots):
            for name in TOKEN_COLUMNS[table.name]:
                table.c[name].type = EncryptedToken(cipher)

    def create_tables(self) -> None:
        raise RuntimeError("the installation tables come from the migrations: run kundenfokus migrate")


# --- the cache --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    bot: Bot | None
    until: float


_UNKNOWN: Any = object()


class Installations:
    """Thread-safe: which bot token acts for a workspace, refreshed before it expires."""

    def __init__(
        self,
        *,
        store: SQLAlchemyInstallationStore,
        sessions: sessionmaker[Session],
        client_id: str,
        client_secret: str,
        api_url: str,
        refresh_before_minutes: int = REFRESH_BEFORE_MINUTES,
        wall: Callable[[], float] = time.time,
        clock: Clock = system_clock,
    ) -> None:
        self.store = store
        self._clock = clock
        self.client_id = client_id
        self._sessions = sessions
        self._wall = wall
        self.refresh_before_minutes = refresh_before_minutes
        self._rotator = TokenRotator(
            client_id=client_id, client_secret=client_secret, client=WebClient(base_url=api_url, timeout=10)
        )
        self._lock = threading.Lock()
        self._entries: dict[tuple[str | None, str | None], _Entry] = {}
        self._orgs: dict[str, str | None] = {}
        self._refreshing: dict[tuple[str | None, str | None], threading.Lock] = {}
        #: Runs a task off the request thread (``Deps`` hands it the work queue).
        self.defer: Callable[[Callable[[], None]], None] = lambda task: task()

    # --- which org a workspace belongs to ------------------------------------------------------------

    def learn(self, team_id: str | None, enterprise_id: str | None) -> None:
        """A request from ``team_id`` said it belongs to ``enterprise_id`` (memory now, the table later)."""
        if not team_id or not enterprise_id:
            return
        with self._lock:
            if self._orgs.get(team_id) == enterprise_id:
                return
            self._orgs[team_id] = enterprise_id
        self.defer(lambda: self._remember_org(team_id, enterprise_id))

    def _remember_org(self, team_id: str, enterprise_id: str) -> None:
        from bot.services import workspaces

        workspaces.remember_org(
            self._sessions, team_id=team_id, enterprise_id=enterprise_id, now=self._clock()
        )

    def enterprise_of(self, team_id: str) -> str | None:
        with self._lock:
            if team_id in self._orgs:
                return self._orgs[team_id]
        with reading(self._sessions) as session:
            enterprise_id = session.scalar(
                select(Workspace.enterprise_id).where(Workspace.team_id == team_id)
            )
        with self._lock:
            self._orgs.setdefault(team_id, enterprise_id)
            return self._orgs[team_id]

    # --- finding a bot token -------------------------------------------------------------------------

    def bot_for(
        self, team_id: str | None, *, enterprise_id: str | None = _UNKNOWN, org_wide: bool | None = None
    ) -> Bot | None:
        """The bot of the workspace's own install, else of its org's org-wide install; None if neither."""
        if enterprise_id is _UNKNOWN:
            enterprise_id = self.enterprise_of(team_id) if team_id else None
        keys: list[tuple[str | None, str | None]] = []
        if team_id and not org_wide:
            keys.append((enterprise_id, team_id))
        if enterprise_id:
            keys.append((enterprise_id, None))
        for key in keys:
            bot = self._cached(key)
            if bot is not None:
                return self._fresh(key, bot)
        return None

    def token_for(self, team_id: str) -> str:
        bot = self.bot_for(team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        return bot.bot_token

    def is_installed(self, team_id: str) -> bool:
        try:
            return bool(self.bot_for(team_id))
        except Exception:
            logger.warning("could not read the installation of %s", team_id, exc_info=True)
            return True  # unknown: let the call itself find out

    def _cached(self, key: tuple[str | None, str | None]) -> Bot | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry.until > now:
            return entry.bot
        enterprise_id, team_id = key
        bot = self.store.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=team_id is None
        )
        with self._lock:
            self._entries[key] = _Entry(bot, now + (FOUND_TTL if bot else MISSING_TTL))
        return bot

    def _fresh(self, key: tuple[str | None, str | None], bot: Bot) -> Bot:
        """``bot``, or its successor when its token expires within ``refresh_before_minutes``."""
        if not self._expiring(bot):
            return bot
        with self._lock:
            lock = self._refreshing.setdefault(key, threading.Lock())
        with lock:
            current = self._cached(key) or bot
            if not self._expiring(current):
                return current  # another thread refreshed it meanwhile
            try:
                refreshed = self._rotator.perform_bot_token_rotation(
                    bot=current, minutes_before_expiration=self.refresh_before_minutes
                )
            except SlackTokenRotationError:
                # Another replica may have used the refresh token first: its successor is in the store.
                self.invalidate(*key)
                stored = self._cached(key)
                if stored is not None and stored.bot_token != current.bot_token:
                    return stored
                logger.error("could not refresh the bot token of %s", key[1] or key[0], exc_info=True)
                return current
            if refreshed is None:
                return current
            self.store.save_bot(refreshed)
            redaction.remember(refreshed.bot_token)
            redaction.remember(refreshed.bot_refresh_token)
            with self._lock:
                self._entries[key] = _Entry(refreshed, time.monotonic() + FOUND_TTL)
            logger.info("refreshed the bot token of %s", key[1] or key[0])
            return refreshed

    def _expiring(self, bot: Bot) -> bool:
        expires_at = bot.bot_token_expires_at
        return bool(
            bot.bot_refresh_token
            and expires_at is not None
            and expires_at <= self._wall() + self.refresh_before_minutes * 60
        )

    def refresh_expiring(self) -> int:
        """Refresh every cached token that is about to expire (the scheduler's job); how many were."""
        with self._lock:
            cached = [(key, entry.bot) for key, entry in self._entries.items() if entry.bot is not None]
        refreshed = 0
        for key, bot in cached:
            if bot is not None and self._expiring(bot):
                self._fresh(key, bot)
                refreshed += 1
        return refreshed

    # --- changes -------------------------------------------------------------------------------------

    def invalidate(self, enterprise_id: str | None = None, team_id: str | None = None) -> None:
        """Ask the store again next time: for this workspace, this org, or (no arguments) everyone."""
        with self._lock:
            if enterprise_id is None and team_id is None:
                self._entries.clear()
                return
            for key in list(self._entries):
                if (team_id is not None and key[1] == team_id) or (
                    enterprise_id is not None
                    and key[0] == enterprise_id
                    and (team_id is None or key[1] is None)
                ):
                    self._entries.pop(key, None)

    def installed(self, installation: Installation) -> None:
        """A fresh install was stored: forget what was cached for it."""
        self.learn(installation.team_id, installation.enterprise_id)
        self.invalidate(installation.enterprise_id, installation.team_id)

    def remove(
        self, *, enterprise_id: str | None, team_id: str | None, user_ids: tuple[str, ...] = ()
    ) -> None:
        """Uninstalled or revoked: delete the stored tokens (``team_id`` None: the org-wide install)."""
        if user_ids:
            for user_id in user_ids:
                self.store.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        else:
            self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
            self.store.delete_installation(enterprise_id=enterprise_id, team_id=team_id)
        self.invalidate(enterprise_id, team_id)

    def org_token_dead(self, enterprise_id: str) -> bool:
        """Whether the org-wide install of ``enterprise_id`` exists and Slack no longer accepts its token."""
        self.invalidate(enterprise_id, None)
        bot = self._cached((enterprise_id, None))
        if bot is None or not bot.bot_token:
            return False
        try:
            self._rotator.client.auth_test(token=bot.bot_token)
        except SlackApiError as error:
            return str(error.response.get("error")) in DEAD_TOKEN_ERRORS
        return False

    def token_failed(self, team_id: str, error: str) -> None:
        """A call with the workspace's token answered ``error``: a dead token is looked up afresh."""
        if error in DEAD_TOKEN_ERRORS:
            self.invalidate(self.enterprise_of(team_id), team_id)


class CachedAuthorize(Authorize):
    """Bolt's authorize step from ``Installations``: no store query and no ``auth.test`` per request."""

    def __init__(self, installations: Installations) -> None:
        super().__init__()
        self.installations = installations

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        self.installations.learn(team_id, enterprise_id)
        bot = self.installations.bot_for(
            team_id, enterprise_id=enterprise_id, org_wide=bool(context.is_enterprise_install)
        )
        if bot is None:
            logger.info("a request from %s, where the app is not installed", team_id or enterprise_id)
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            team=bot.team_name,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


def make_installations(
    settings: Settings, sessions: sessionmaker[Session], clock: Clock = system_clock
) -> Installations:
    """The installations of OAuth mode, on the database ``sessions`` are bound to."""
    engine = sessions.kw["bind"]
    store = EncryptedInstallationStore(settings.slack_client_id, engine, TokenCipher(settings.token_key))
    return Installations(
        store=store,
        sessions=sessions,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        api_url=settings.slack_api_url,
        clock=clock,
    )


def make_state_store(
    sessions: sessionmaker[Session], *, expiration_seconds: int
) -> SQLAlchemyOAuthStateStore:
    """slack_sdk's store of the install page's one-time states (``slack_oauth_states``, migration 0006).
    Its ``consume`` reads the state, then deletes it, in one transaction: begun as a writer, a write
    elsewhere in between (the outbox's heartbeat, a filing) cannot turn a valid install into
    "invalid_state"."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds, engine=writing_engine(sessions.kw["bind"]), logger=logger
    )


def installations_for(settings: Settings, sessions: sessionmaker[Session]) -> Installations | None:
    """For the commands beside ``run`` (sweep, digest): the installations in OAuth mode, else None."""
    return make_installations(settings, sessions) if settings.oauth else None
