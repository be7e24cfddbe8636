"""Tokens, installs and the OAuth v2 flow of the fake Slack.

Every token the fake accepts is a :class:`TokenGrant`: which workspace (or, for an org-wide install, which
Enterprise Grid org) it acts for, as which user, with which scopes, and whether it has expired or been revoked.

The OAuth flow runs as in Slack, minus the browser:

1. ``fake.configure_oauth(client_id, client_secret)`` — the app's credentials.
2. ``code = fake.authorize("T0002", user_id="U9", scopes=[...])`` — a person approved the install; the code
   is what Slack would append to the redirect URL. It works once.
3. The app calls ``oauth.v2.access`` (client credentials by HTTP Basic auth, as slack_sdk sends them, or as
   form fields) with the code and gets Slack's response: ``access_token`` (``xoxb-…``), ``token_type: bot``,
   ``scope``, ``bot_user_id``, ``app_id``, ``team`` (null for an org-wide install), ``enterprise``,
   ``is_enterprise_install``, ``authed_user``. The token now works for that workspace (or org).
4. With token rotation the access token is ``xoxe.xoxb-1-…`` (as Slack issues them), the response adds
   ``refresh_token`` (``xoxe-1-…``) and ``expires_in``; ``grant_type=refresh_token`` trades a refresh token
   for a new pair and retires the old refresh token. An expired token answers ``token_expired``.

Errors follow Slack's names: ``invalid_client_id``, ``bad_client_secret``, ``invalid_code`` (also for a
code used twice), ``bad_redirect_uri``, ``invalid_grant_type``, ``invalid_refresh_token``.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.sandbox.fake_model import ApiError

#: What `authorize()` grants when the test names no scopes: what manifest.yml asks for, roughly.
DEFAULT_BOT_SCOPES = (
    "chat:write",
    "commands",
    "im:write",
    "users:read",
    "users:read.email",
    "usergroups:read",
    "channels:history",
    "im:history",
)
#: Lifetime of rotating tokens (Slack: 12 hours).
DEFAULT_TOKEN_LIFETIME = 12 * 60 * 60


@dataclass
class TokenGrant:
    """What one token may do. `team_id` is None for an org-wide (Enterprise Grid) install."""

    token: str
    kind: str  # "bot" | "user" | "app" | "workflow"
    team_id: str | None
    enterprise_id: str | None
    user_id: str | None
    scopes: tuple[str, ...] = ()
    is_enterprise_install: bool = False
    expires_at: float | None = None
    revoked: bool = False
    function_execution_id: str | None = None

    def problem(self, now: float) -> str | None:
        """The error a call with this token gets before anything else happens, or None."""
        if self.revoked:
            return "token_revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "token_expired"
        return None


@dataclass
class _PendingCode:
    team_id: str | None
    enterprise_id: str | None
    user_id: str
    scopes: tuple[str, ...]
    user_scopes: tuple[str, ...]
    enterprise_install: bool
    token_rotation: bool
    redirect_uri: str | None
    used: bool = False


@dataclass
class _RefreshToken:
    token: str
    grant_template: TokenGrant
    active: bool = True


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME
    redirect_uri: str | None = None


@dataclass
class TokenRegistry:
    """Every token, code and refresh token of the fake; the fake's lock guards it."""

    grants: dict[str, TokenGrant] = field(default_factory=dict)
    codes: dict[str, _PendingCode] = field(default_factory=dict)
    refresh_tokens: dict[str, _RefreshToken] = field(default_factory=dict)
    oauth: OAuthApp | None = None
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, grant: TokenGrant) -> TokenGrant:
        existing = self.grants.get(grant.token)
        if existing is not None and not existing.revoked and existing.team_id != grant.team_id:
            raise ValueError(f"token {grant.token!r} already belongs to {existing.team_id}")
        self.grants[grant.token] = grant
        return grant

    def get(self, token: str | None) -> TokenGrant | None:
        return self.grants.get(token) if token else None

    def serial(self) -> int:
        return next(self._counter)

    def new_code(self, pending: _PendingCode) -> str:
        code = f"{1_700_000_000 + self.serial()}.{self.serial()}.{secrets.token_hex(16)}"
        self.codes[code] = pending
        return code

    def revoke(self, *, team_id: str | None = None, enterprise_id: str | None = None) -> dict[str, list[str]]:
        """Revoke every token of a workspace (or of an org's org-wide install); the user ids per kind.

        The answer has the shape of a tokens_revoked event's `tokens`: {"oauth": [user ids], "bot": [...]}.
        """
        revoked: dict[str, list[str]] = {"oauth": [], "bot": []}
        for grant in self.grants.values():
            if grant.revoked or grant.kind in ("app",):
                continue
            matches = (team_id is not None and grant.team_id == team_id) or (
                enterprise_id is not None and grant.team_id is None and grant.enterprise_id == enterprise_id
            )
            if not matches:
                continue
            grant.revoked = True
            bucket = revoked["bot"] if grant.kind in ("bot", "workflow") else revoked["oauth"]
            if grant.user_id and grant.user_id not in bucket and grant.kind != "workflow":
                bucket.append(grant.user_id)
        for refresh in self.refresh_tokens.values():
            template = refresh.grant_template
            if (team_id is not None and template.team_id == team_id) or (
                enterprise_id is not None
                and template.team_id is None
                and template.enterprise_id == enterprise_id
            ):
                refresh.active = False
        return revoked


def split_scopes(scopes: str | Iterable[str] | None) -> tuple[str, ...]:
    if scopes is None:
        return ()
    if isinstance(scopes, str):
        scopes = scopes.split(",")
    return tuple(s.strip() for s in scopes if s and s.strip())


def check_client(oauth: OAuthApp | None, client_id: str | None, client_secret: str | None) -> OAuthApp:
    if oauth is None or not client_id or client_id != oauth.client_id:
        raise ApiError("invalid_client_id")
    if client_secret != oauth.client_secret:
        raise ApiError("bad_client_secret")
    return oauth
