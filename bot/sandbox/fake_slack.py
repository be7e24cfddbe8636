"""A loopback fake of Slack's Web API.

The test-suite and `kundenfokus shell` talk to "Slack" over real HTTP instead of patching the SDK, so the
whole client path (form vs JSON bodies, retries, error handling) runs exactly as in production. The fake
keeps a small model of one or more workspaces (users, channels, DMs, user groups, messages, views), the
tokens that may act in them, and records every call so tests can assert on what the bot said and to whom.

Usage::

    with FakeSlack() as fake:
        fake.add_user("U1", "anna", locale="de-DE")
        client = WebClient(base_url=fake.base_url, token=fake.bot_token)
        client.chat_postMessage(channel="U1", text="Hallo")
        assert fake.messages_in(fake.dm_channel_for("U1"))[0]["text"] == "Hallo"

The parts (each module's docstring says more):

- **Workspaces** (:mod:`bot.sandbox.fake_workspace`). The fake starts with the *primary* workspace T0001;
  ``fake.add_user``, ``fake.messages_in`` … act on it. ``fake.add_workspace("T0002", bot_token="xoxb-2",
  enterprise_id="E1")`` adds another with the same methods. A call is answered from its token's workspace;
  an org-wide token (Enterprise Grid) acts in every workspace of its org: the workspace is picked by
  ``team_id`` or by the channel, user, user group or view the call names.
- **Tokens and OAuth** (:mod:`bot.sandbox.fake_auth`): unknown tokens answer ``invalid_auth``, revoked ones
  ``token_revoked``, expired ones ``token_expired``; ``configure_oauth`` / ``authorize`` / ``oauth.v2.access``
  install the app, with optional token rotation; ``revoke``, ``expire_token`` and ``auth.revoke`` end tokens.
- **Failures and latency**: ``fail_next`` answers the next calls with an error status; ``set_latency`` and
  ``hang`` delay calls before they are processed or — ``after=True`` — after (Slack did the work but the
  client never saw the answer). Sleeps happen outside the fake's lock, so concurrent calls overlap.
- **Rate limits** (:mod:`bot.sandbox.rate_limits`), opt-in with ``enforce_rate_limits()``: Slack's tiers per
  method and workspace, and chat.postMessage's per-channel and workspace budgets, as token buckets; a call
  over budget is answered 429 with ``Retry-After`` and is not processed.
- **Methods** (:mod:`bot.sandbox.fake_methods`): auth, team, users (info, list, lookupByEmail, profile.get),
  conversations (open, info, members, history, replies), chat (postMessage with metadata, postEphemeral,
  update, delete, getPermalink), usergroups (list, users.list, users.update), views, oauth.v2.access and
  functions.completeSuccess/completeError for Workflow Builder custom steps.

At a glance (FakeSlack; the workspace methods also exist on every FakeWorkspace)::

    add_workspace(team_id, *, bot_token=None, name=None, enterprise_id=None, ...) -> FakeWorkspace
    workspace(team_id) / workspaces / primary
    add_user(..., status_text="", status_emoji="", status_expiration=0) / set_status(user, text, emoji, exp)
    add_usergroup(id, handle, users, *, disabled=False) / update_usergroup(id, *, users=None, disabled=None)
    set_latency(seconds, *, methods=None, after=False) / hang(method, seconds, *, times=1, after=False)
    enforce_rate_limits(per_minute=None, *, burst=None, post_per_channel_per_second=1.0,
                        post_channel_burst=3, post_workspace_per_minute=300, post_workspace_burst=None)
    disable_rate_limits() / rate_limited_calls(method=None)
    configure_oauth(client_id, client_secret, *, token_lifetime=43200)
    authorize(team_id, *, user_id, scopes=..., user_scopes=(), enterprise_install=False,
              token_rotation=False, redirect_uri=None) -> code
    revoke(team_or_enterprise_id) -> {"oauth": [...], "bot": [...]} / expire_token(token) / token_info(token)
    is_enterprise_install(enterprise_id)
    start_function_execution(callback_id, inputs, ...) -> FunctionExecution / function_execution(id)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import logging
import secrets
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bot.sandbox.fake_auth import (
    DEFAULT_BOT_SCOPES,
    DEFAULT_TOKEN_LIFETIME,
    OAuthApp,
    TokenGrant,
    TokenRegistry,
    _PendingCode,
    split_scopes,
)
from bot.sandbox.fake_methods import METHODS, TEAM_ID_REQUIRED, Ctx
from bot.sandbox.fake_model import (
    JSON_FIELDS,
    ApiError,
    Call,
    FakeChannel,
    FakeUser,
    FakeUsergroup,
    FunctionExecution,
    format_ts,
)
from bot.sandbox.fake_workspace import FakeWorkspace, ResponseTarget
from bot.sandbox.rate_limits import POST_MESSAGE, RateLimiter, RateLimitPolicy

__all__ = [
    "Call",
    "FakeChannel",
    "FakeSlack",
    "FakeUser",
    "FakeUsergroup",
    "FakeWorkspace",
    "FunctionExecution",
]

logger = logging.getLogger(__name__)

_DUMP_CALLS = 20
_PRIMARY_SCOPES = ("chat:write", "commands", "users:read", "im:write")
#: Arguments that name something living in one workspace; an org-wide token's call goes where they point.
_LOCATING_ARGS = ("channel", "user", "user_id", "users", "usergroup", "view_id")


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    remaining: int


@dataclass
class _Hang:
    seconds: float
    after: bool
    remaining: int


Answer = tuple[int, dict[str, str], dict[str, Any]]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _FakeSlackServer

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        fake = self.server.fake
        if parts.path.startswith("/api/") and len(parts.path) > len("/api/"):
            method = parts.path[len("/api/") :]
            status, headers, payload = fake._handle_api(
                method, parts.query, body, content_type, self.headers.get("Authorization")
            )
        elif parts.path.startswith("/respond/"):
            key = unquote(parts.path[len("/respond/") :])
            status, headers, payload = fake._handle_response_url(key, body, content_type)
        else:
            status, headers, payload = 404, {}, {"ok": False, "error": "not_found"}
        send_json(self, status, headers, payload)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake slack: " + format, *args)


def send_json(handler: BaseHTTPRequestHandler, status: int, headers: Mapping[str, str], payload: Any) -> None:
    """Answer an HTTP/1.1 request with ``payload`` as JSON (its length given, so the connection can stay
    open for the next request)."""
    data = json.dumps(payload).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


class _FakeSlackServer(ThreadingHTTPServer):
    daemon_threads = True
    # Load tests open a hundred connections at once; the default backlog of 5 would make some wait for a
    # SYN retry (a second or more) and distort every latency measurement.
    request_queue_size = 256

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        # Clients keep connections open (``bot.keepalive``): a stopped fake closes them, as a Slack that
        # went away would, rather than answering on them.
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test, a process stopped mid-call) is Slack's everyday life,
        # not a fault of the fake: no traceback for a connection the other side closed.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class FakeSlack:
    """Slack's Web API on 127.0.0.1, with just enough workspace state to behave like the real thing.

    Starts with the primary workspace: the bot user, a `#general` channel (C0001, everyone a member) — the
    channel the driver's slash commands come from by default — and the bot token `bot_token`.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        clock: Callable[[], float] = time.time,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> None:
        self.app_id = "A0001"
        self.app_token = app_token
        #: Socket Mode: the ws:// URL apps.connections.open hands out (None: Socket Mode is off).
        self.socket_mode_url: str | None = None
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._hangs: dict[str, deque[_Hang]] = {}
        self._latency: dict[tuple[bool, str | None], float] = {}
        self._rate_limiter: RateLimiter | None = None
        self._tokens = TokenRegistry()
        self._workspaces: dict[str, FakeWorkspace] = {}
        self._response_targets: dict[str, ResponseTarget] = {}
        self._executions: dict[str, FunctionExecution] = {}
        self._last_ts_micros = 0
        self._view_counter = 0
        self._serial = itertools.count(1)
        self._server: _FakeSlackServer | None = None
        self._thread: threading.Thread | None = None
        self._tokens.add(TokenGrant(app_token, "app", None, None, None))
        self.primary = self._new_workspace(
            team_id,
            name="Kundenfokus Sandbox",
            domain="kundenfokus-sandbox",
            bot_user_id=bot_user_id,
            bot_id="B0001",
            bot_token=bot_token,
            general_channel_id="C0001",
            enterprise_id=enterprise_id,
            enterprise_name=enterprise_name,
            scopes=_PRIMARY_SCOPES,
        )

    # --- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Listen on a free loopback port in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        self._stopping.clear()
        self._server = _FakeSlackServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="FakeSlack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice. Calls held by latency are cut short."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self._stopping.set()
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What `WebClient(base_url=...)` and `SLACK_API_URL` should be set to."""
        return f"http://127.0.0.1:{self.port}/api/"

    # --- the primary workspace's identity --------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self.primary.team_id

    @property
    def team_name(self) -> str:
        return self.primary.name

    @property
    def team_domain(self) -> str:
        return self.primary.domain

    @property
    def bot_user_id(self) -> str:
        return self.primary.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.primary.bot_id

    @property
    def bot_token(self) -> str:
        """The primary workspace's bot token (as given to the constructor, or as OAuth last issued it)."""
        return self.primary.bot_token or ""

    # --- workspaces ------------------------------------------------------------------------------------

    def add_workspace(
        self,
        team_id: str,
        *,
        bot_token: str | None = None,
        name: str | None = None,
        domain: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        general_channel_id: str | None = None,
        scopes: Iterable[str] = DEFAULT_BOT_SCOPES,
    ) -> FakeWorkspace:
        """Another workspace, with its own bot user, `#general` and (if given) bot token.

        Without `bot_token` the app is not installed there yet (install it with `authorize()` and
        oauth.v2.access). Workspaces of one `enterprise_id` form an Enterprise Grid org and share its bot user
        unless `bot_user_id` says otherwise. #general's id defaults to "C<team digits>GEN" (C0002GEN).
        """
        with self._lock:
            if team_id in self._workspaces:
                raise ValueError(f"workspace {team_id} exists already")
            digits = team_id[1:] if team_id[:1] in ("T", "E") else team_id
            org = self._org(enterprise_id) if enterprise_id else []
            if bot_user_id is None:
                bot_user_id = org[0].bot_user_id if org else f"UBOT{digits}"
            if enterprise_name is None and org:
                enterprise_name = org[0].enterprise_name
            return self._new_workspace(
                team_id,
                name=name or f"Workspace {team_id}",
                domain=domain or f"workspace-{team_id.lower()}",
                bot_user_id=bot_user_id,
                bot_id=bot_id or (org[0].bot_id if org else f"B{digits}"),
                bot_token=bot_token,
                general_channel_id=general_channel_id or f"C{digits}GEN",
                enterprise_id=enterprise_id,
                enterprise_name=enterprise_name,
                scopes=tuple(scopes),
            )

    def _new_workspace(self, team_id: str, *, scopes: tuple[str, ...], **settings: Any) -> FakeWorkspace:
        workspace = FakeWorkspace(self, team_id, **settings)
        self._workspaces[team_id] = workspace
        if workspace.bot_token:
            self._tokens.add(
                TokenGrant(
                    workspace.bot_token,
                    "bot",
                    team_id,
                    workspace.enterprise_id,
                    workspace.bot_user_id,
                    scopes=scopes,
                )
            )
        return workspace

    def workspace(self, team_id: str) -> FakeWorkspace | None:
        """The workspace `team_id`, or None."""
        with self._lock:
            return self._workspaces.get(team_id)

    @property
    def workspaces(self) -> list[FakeWorkspace]:
        with self._lock:
            return list(self._workspaces.values())

    def _org(self, enterprise_id: str | None) -> list[FakeWorkspace]:
        return [ws for ws in self._workspaces.values() if enterprise_id and ws.enterprise_id == enterprise_id]

    def is_enterprise_install(self, enterprise_id: str | None) -> bool:
        """Whether an org-wide install of the app is active for this Enterprise Grid org."""
        if not enterprise_id:
            return False
        with self._lock:
            now = self._clock()
            return any(
                g.is_enterprise_install and g.enterprise_id == enterprise_id and g.problem(now) is None
                for g in self._tokens.grants.values()
            )

    # --- recorded calls --------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far, in the order they were answered."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def rate_limited_calls(self, method: str | None = None) -> list[Call]:
        """Calls answered HTTP 429 (by enforce_rate_limits or fail_next), optionally of one method."""
        with self._lock:
            return [c for c in self._calls if c.status == 429 and (method is None or c.method == method)]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> list[Call]:
        """Block until `predicate(calls)` holds; Bolt runs listeners on worker threads after ack()."""
        deadline = time.monotonic() + timeout
        while True:
            snapshot = self.calls
            if predicate(snapshot):
                return snapshot
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._changed:
                if len(self._calls) == len(snapshot):
                    self._changed.wait(min(remaining, 0.1))
        name = getattr(predicate, "__name__", repr(predicate))
        raise AssertionError(
            f"FakeSlack.wait_for({name}) timed out after {timeout:g}s; {len(snapshot)} call(s) so far"
            + self._dump(snapshot)
        )

    def wait_for_method(self, method: str, *, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `method` was called at least `count` times; returns those calls."""

        def enough_calls(calls: list[Call]) -> bool:
            return sum(1 for call in calls if call.method == method) >= count

        enough_calls.__name__ = f"{count} x {method}"
        return [call for call in self.wait_for(enough_calls, timeout) if call.method == method]

    @staticmethod
    def _dump(calls: list[Call]) -> str:
        if not calls:
            return "."
        shown = calls[-_DUMP_CALLS:]
        lines = [f"; the last {len(shown)}:"]
        for index, call in enumerate(shown, start=len(calls) - len(shown) + 1):
            outcome = "ok" if call.ok else (call.response or {}).get("error", "?")
            args = json.dumps(call.args, ensure_ascii=False, default=repr)
            if len(args) > 300:
                args = args[:297] + "..."
            team = f" [{call.team_id}]" if call.team_id else ""
            lines.append(f"  #{index} {call.method}{team} -> {call.status} {outcome} {args}")
        return "\n".join(lines)

    # --- the primary workspace's setup and state (see FakeWorkspace) -----------------------------------

    def add_user(
        self,
        id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        locale: str = "en-US",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        email: str | None = None,
        status_text: str = "",
        status_emoji: str = "",
        status_expiration: int = 0,
    ) -> FakeUser:
        """Add a member; like in Slack, every member is in #general."""
        return self.primary.add_user(
            id,
            name,
            real_name=real_name,
            tz=tz,
            locale=locale,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            email=email,
            status_text=status_text,
            status_emoji=status_emoji,
            status_expiration=status_expiration,
        )

    def set_status(self, user_id: str, text: str, emoji: str = "", expiration: int = 0) -> FakeUser:
        """Set a member's Slack status; `expiration` in unix seconds (fake clock), 0 = never."""
        return self.primary.set_status(user_id, text, emoji, expiration)

    def add_channel(
        self,
        id: str,
        name: str,
        *,
        is_archived: bool = False,
        members: Iterable[str] = (),
        is_private: bool = False,
    ) -> FakeChannel:
        return self.primary.add_channel(
            id, name, is_archived=is_archived, members=members, is_private=is_private
        )

    def add_usergroup(
        self, id: str, handle: str, users: list[str], *, name: str = "", disabled: bool = False
    ) -> FakeUsergroup:
        return self.primary.add_usergroup(id, handle, users, name=name, disabled=disabled)

    def update_usergroup(
        self, id: str, *, users: Iterable[str] | None = None, disabled: bool | None = None
    ) -> FakeUsergroup:
        """Change a user group's members, or disable/enable it."""
        return self.primary.update_usergroup(id, users=users, disabled=disabled)

    def add_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None, ts: str | None = None
    ) -> dict[str, Any]:
        """Put a person's message into the model (what a message shortcut or a thread reply refers to)."""
        return self.primary.add_message(channel, user, text, thread_ts=thread_ts, ts=ts)

    def response_url(
        self,
        key: str,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user: str | None = None,
    ) -> str:
        """A response_url on the fake; POSTs to it are recorded as Call(method="response_url").

        With `channel`/`message_ts`/`user` the URL acts like Slack's: replace_original/delete_original change
        that message, response_type=in_channel posts to the channel, anything else is an ephemeral to `user`.
        For another workspace's messages use `fake.workspace(team_id).response_url(...)`.
        """
        return self._register_response_url(key, ResponseTarget(self.primary, channel, message_ts, user))

    def _register_response_url(self, key: str, target: ResponseTarget) -> str:
        with self._lock:
            self._response_targets[key] = target
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    @property
    def messages(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Snapshot of the primary workspace's messages, keyed by (channel, ts)."""
        return self.primary.messages

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages of one conversation (thread replies included), oldest first."""
        return self.primary.messages_in(channel)

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url replies), oldest first."""
        return self.primary.ephemerals

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every opened, pushed, updated or published view, keyed by view id."""
        return self.primary.views

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The App Home a user currently sees, if one was published."""
        return self.primary.home_view(user_id)

    def dm_channel_for(self, user_id: str) -> str:
        """The stable DM id between the bot and `user_id` (what conversations.open returns)."""
        return self.primary.dm_channel_for(user_id)

    def user(self, user_id: str) -> FakeUser | None:
        return self.primary.user(user_id)

    def channel(self, channel_id: str) -> FakeChannel | None:
        return self.primary.channel(channel_id)

    def usergroup(self, usergroup_id: str) -> FakeUsergroup | None:
        return self.primary.usergroup(usergroup_id)

    def user_info(self, user_id: str, *, include_locale: bool = True) -> dict[str, Any]:
        """The user object users.info answers right now."""
        return self.primary.user_info(user_id, include_locale=include_locale)

    # --- failures and latency --------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        retry_after: int | None = None,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        429 answers HTTP 429 with Retry-After; other 4xx/5xx statuses answer that status; 200 answers
        {"ok": false, "error": error}. Failures queue up in the order they were registered.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._failures.setdefault(method, deque()).append(_Failure(status, retry_after, error, times))

    def set_latency(
        self, seconds: float, *, methods: Iterable[str] | None = None, after: bool = False
    ) -> None:
        """Delay calls by `seconds`: every call, or only those to `methods` ("response_url" for response_urls).

        By default the delay comes before the call is processed (Slack is slow to answer). With `after=True`
        the call is processed first — the message is stored — and only the answer is delayed: a client that
        times out meanwhile has lost the answer to work Slack did. A method's own setting wins over the
        all-methods one; the before- and after-delays of a call add up. ``set_latency(0)`` (without `methods`)
        removes every delay.
        """
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        with self._lock:
            if not seconds and methods is None and not after:
                self._latency.clear()
                return
            for method in [None] if methods is None else list(methods):
                self._latency[(after, method)] = float(seconds)

    def hang(self, method: str, seconds: float, *, times: int = 1, after: bool = False) -> None:
        """The next `times` calls to `method` stall for `seconds` (on top of set_latency): a one-off stall."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._hangs.setdefault(method, deque()).append(_Hang(float(seconds), after, times))

    def _delays(self, method: str) -> tuple[float, float]:
        """(before, after) seconds for one call of `method`; consumes a hang() if one is queued."""
        with self._lock:
            delays = []
            for after in (False, True):
                delay = self._latency.get((after, method), self._latency.get((after, None), 0.0))
                delays.append(delay)
            queue = self._hangs.get(method)
            if queue:
                hang = queue[0]
                hang.remaining -= 1
                if hang.remaining <= 0:
                    queue.popleft()
                delays[1 if hang.after else 0] += hang.seconds
            return delays[0], delays[1]

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)  # stop() wakes every sleeper at once

    # --- rate limits -----------------------------------------------------------------------------------

    def enforce_rate_limits(
        self,
        per_minute: float | Mapping[str, float] | None = None,
        *,
        burst: float | Mapping[str, float] | None = None,
        post_per_channel_per_second: float = 1.0,
        post_channel_burst: float = 3,
        post_workspace_per_minute: float | None = 300,
        post_workspace_burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> RateLimitPolicy:
        """Answer calls over Slack's rate limits with HTTP 429 + Retry-After (see bot.sandbox.rate_limits).

        `per_minute`: None for Slack's tiers (METHOD_TIERS), a number for every tiered method, or a mapping
        method → calls per minute overriding single methods. `burst`: bucket capacity (default: one minute's
        allowance). chat.postMessage: `post_per_channel_per_second` with `post_channel_burst` per channel, and
        `post_workspace_per_minute` (None: no workspace budget) with `post_workspace_burst` (default a tenth of
        a minute's budget) per workspace. Limits count per workspace (an org-wide token's calls count where
        they are answered). Calling it again starts with full buckets; `clock` is for tests.
        """
        policy = RateLimitPolicy.build(
            per_minute,
            burst,
            post_per_channel_per_second=post_per_channel_per_second,
            post_channel_burst=post_channel_burst,
            post_workspace_per_minute=post_workspace_per_minute,
            post_workspace_burst=post_workspace_burst,
        )
        with self._lock:
            self._rate_limiter = RateLimiter(policy, clock)
        return policy

    def disable_rate_limits(self) -> None:
        with self._lock:
            self._rate_limiter = None

    # --- tokens, installs, OAuth -----------------------------------------------------------------------

    def configure_oauth(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
    ) -> None:
        """The app's OAuth credentials; `token_lifetime` is expires_in (seconds) of rotating tokens."""
        with self._lock:
            self._tokens.oauth = OAuthApp(client_id, client_secret, token_lifetime)

    def authorize(
        self,
        team_id: str,
        *,
        user_id: str,
        scopes: Iterable[str] = DEFAULT_BOT_SCOPES,
        user_scopes: Iterable[str] = (),
        enterprise_install: bool = False,
        token_rotation: bool = False,
        redirect_uri: str | None = None,
    ) -> str:
        """`user_id` approves installing the app in `team_id`; the one-time code for oauth.v2.access.

        With `enterprise_install`, `team_id` is the org's enterprise id (or any workspace of it) and the
        token will act in every workspace of the org. `user_scopes` also issue a user token (authed_user).
        `redirect_uri`, if given, must come back unchanged in the exchange.
        """
        with self._lock:
            workspace = self._workspaces.get(team_id)
            org = self._org(team_id) if workspace is None else self._org(workspace.enterprise_id)
            if workspace is None and not (enterprise_install and org):
                raise ValueError(f"unknown workspace {team_id!r}; add_workspace() first")
            if enterprise_install:
                if not org:
                    raise ValueError(f"{team_id} belongs to no Enterprise Grid org (enterprise_id)")
                enterprise_id = org[0].enterprise_id
                members = {uid for ws in org for uid in ws._users}
            else:
                assert workspace is not None
                enterprise_id = workspace.enterprise_id
                members = set(workspace._users)
            if user_id not in members:
                raise ValueError(f"{user_id!r} is not a member of {team_id}")
            return self._tokens.new_code(
                _PendingCode(
                    team_id=None if enterprise_install else team_id,
                    enterprise_id=enterprise_id,
                    user_id=user_id,
                    scopes=split_scopes(scopes),
                    user_scopes=split_scopes(user_scopes),
                    enterprise_install=enterprise_install,
                    token_rotation=token_rotation,
                    redirect_uri=redirect_uri,
                )
            )

    def _bot_user_for(self, team_id: str | None, enterprise_id: str | None) -> str:
        if team_id is not None:
            return self._workspaces[team_id].bot_user_id
        return self._org(enterprise_id)[0].bot_user_id

    def revoke(self, team_id: str) -> dict[str, list[str]]:
        """Revoke every token of a workspace — or, given an enterprise id, of the org-wide install.

        Returns the user ids per token kind, shaped like a tokens_revoked event's `tokens`
        ({"oauth": [...], "bot": [...]}), ready for `SlackDriver.tokens_revoked(**revoked)`.
        """
        with self._lock:
            if team_id in self._workspaces:
                return self._tokens.revoke(team_id=team_id)
            return self._tokens.revoke(enterprise_id=team_id)

    def expire_token(self, token: str) -> None:
        """Make `token` expired now: calls with it answer token_expired (refresh it with its refresh token)."""
        with self._lock:
            grant = self._tokens.get(token)
            if grant is None:
                raise ValueError("unknown token")
            grant.expires_at = self._clock()

    def token_info(self, token: str) -> TokenGrant | None:
        """What the fake knows about a token (workspace, user, scopes, expiry, revoked), or None."""
        with self._lock:
            grant = self._tokens.get(token)
            return copy.copy(grant) if grant else None

    # --- Workflow Builder custom steps -----------------------------------------------------------------

    def start_function_execution(
        self,
        callback_id: str,
        inputs: dict[str, Any],
        *,
        team_id: str | None = None,
        input_parameters: list[dict[str, Any]] | None = None,
        output_parameters: list[dict[str, Any]] | None = None,
        function_execution_id: str | None = None,
    ) -> FunctionExecution:
        """A workflow reached the app's custom step: the execution, with its just-in-time bot token.

        The token (``xwfp-…``) acts as the bot in that workspace while the execution runs; it is what the
        function_executed event carries as bot_access_token (SlackDriver.function_executed sends it).
        """
        with self._lock:
            workspace = self._workspaces[team_id] if team_id else self.primary
            serial = next(self._serial)
            execution_id = function_execution_id or f"Fx{serial:010d}"
            if execution_id in self._executions:
                raise ValueError(f"function execution {execution_id} exists already")
            token = f"xwfp-{serial}-{workspace.team_id}-{secrets.token_hex(12)}"
            self._tokens.add(
                TokenGrant(
                    token,
                    "workflow",
                    workspace.team_id,
                    workspace.enterprise_id,
                    workspace.bot_user_id,
                    scopes=DEFAULT_BOT_SCOPES,
                    function_execution_id=execution_id,
                )
            )
            execution = FunctionExecution(
                id=execution_id,
                callback_id=callback_id,
                team_id=workspace.team_id,
                inputs=copy.deepcopy(inputs),
                input_parameters=input_parameters or _parameters_for(inputs),
                output_parameters=output_parameters or [],
                workflow_execution_id=f"Wx{serial:010d}",
                bot_access_token=token,
            )
            self._executions[execution_id] = execution
            return copy.deepcopy(execution)

    def function_execution(self, function_execution_id: str) -> FunctionExecution | None:
        """An execution's state: running, completed (with outputs) or failed (with error)."""
        with self._lock:
            execution = self._executions.get(function_execution_id)
            return copy.deepcopy(execution) if execution else None

    # --- HTTP entry points (server threads) ------------------------------------------------------------

    def _handle_api(
        self, method: str, query: str, body: bytes, content_type: str, authorization: str | None
    ) -> Answer:
        arrived = self._clock()
        try:
            args = self._parse_args(query, body, content_type)
        except (ValueError, UnicodeDecodeError):
            args = {"_unparsable_body": body.decode("utf-8", "replace")}
        token = args.pop("token", None)
        credentials: tuple[str | None, str | None] = (None, None)
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[len("bearer ") :].strip()
        elif authorization and authorization.lower().startswith("basic "):
            credentials = _basic_credentials(authorization[len("basic ") :])
        before, after = self._delays(method)
        self._sleep(before)
        with self._changed:
            call = Call(method=method, args=args, token=token, at=arrived)
            self._calls.append(call)
            ctx = Ctx(self, method, None, None, client_credentials=credentials)
            status, headers, payload = self._answer(ctx, dict(args), token)
            call.status, call.response = status, payload
            # The team the call was answered for; for an injected failure, the token's team.
            grant = ctx.grant or self._tokens.get(token)
            if ctx.ws is not None:
                call.team_id, call.enterprise_id = ctx.ws.team_id, ctx.ws.enterprise_id
            elif grant is not None and grant.kind != "app":
                call.team_id, call.enterprise_id = grant.team_id, grant.enterprise_id
            self._changed.notify_all()
        self._sleep(after)
        return status, headers, payload

    def _answer(self, ctx: Ctx, args: dict[str, Any], token: str | None) -> Answer:
        failure = self._take_failure(ctx.method)
        if failure is not None:
            return failure
        spec = METHODS.get(ctx.method)
        if "_unparsable_body" in args:
            return 200, {}, {"ok": False, "error": "invalid_json"}
        if spec is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        try:
            if spec.auth != "none":
                ctx.grant = self._authenticate(token, app_level=spec.auth == "app")
            if spec.workspace:
                assert ctx.grant is not None
                ctx.ws = self._workspace_for(ctx.grant, ctx.method, args)
            limited = self._check_rate_limit(ctx, args)
            if limited is not None:
                return limited
            result = spec.handler(ctx, args)
        except ApiError as exc:
            return 200, {}, {"ok": False, "error": exc.error, **exc.extra}
        headers = {"X-OAuth-Scopes": ",".join(ctx.grant.scopes)} if ctx.grant and ctx.grant.scopes else {}
        return 200, headers, {"ok": True, **result}

    def _authenticate(self, token: str | None, *, app_level: bool) -> TokenGrant:
        grant = self._tokens.get(token)
        if grant is None:
            raise ApiError("invalid_auth")
        problem = grant.problem(self._clock())
        if problem:
            raise ApiError(problem)
        if (grant.kind == "app") != app_level:
            raise ApiError("not_allowed_token_type")
        return grant

    def _workspace_for(self, grant: TokenGrant, method: str, args: dict[str, Any]) -> FakeWorkspace:
        """The workspace a call acts in: the token's, or for an org-wide token the one the call points at."""
        if grant.team_id is not None:
            workspace = self._workspaces.get(grant.team_id)
            if workspace is None:
                raise ApiError("team_not_found")
            return workspace
        org = self._org(grant.enterprise_id)
        if not org:
            raise ApiError("team_not_found")
        if args.get("team_id"):
            chosen = next((ws for ws in org if ws.team_id == args["team_id"]), None)
            if chosen is None:
                raise ApiError("team_access_not_granted")
            return chosen
        if method not in TEAM_ID_REQUIRED:
            for name in _LOCATING_ARGS:
                value = args.get(name)
                if not value:
                    continue
                first = str(value).split(",")[0].strip()
                for ws in org:
                    if (
                        (name == "channel" and ws.has_channel(first))
                        or (name in ("user", "user_id", "users") and first in ws._users)
                        or (name == "usergroup" and first in ws._usergroups)
                        or (name == "view_id" and first in ws._views)
                    ):
                        return ws
                return org[0]  # it names something nowhere in the org: let the method say what is missing
            if len(org) == 1:
                return org[0]
        raise ApiError(
            "missing_argument",
            response_metadata={"messages": ["[ERROR] missing required field: team_id (org-wide token)"]},
        )

    def _check_rate_limit(self, ctx: Ctx, args: dict[str, Any]) -> Answer | None:
        limiter = self._rate_limiter
        if limiter is None:
            return None
        if ctx.ws is not None:
            team = ctx.ws.team_id
        elif ctx.grant is not None:
            team = ctx.grant.team_id or ctx.grant.enterprise_id or "-"
        else:
            team = "app"  # oauth.v2.access: counted for the app
        channel = None
        if ctx.method == POST_MESSAGE and ctx.ws is not None and args.get("channel"):
            try:
                channel = ctx.ws.resolve_channel(args["channel"], allow_user_id=True, create_dm=False)
            except ApiError:
                channel = str(args["channel"])
        retry_after = limiter.acquire(team, ctx.method, channel)
        if retry_after is None:
            return None
        return 429, {"Retry-After": str(retry_after)}, {"ok": False, "error": "ratelimited"}

    def _take_failure(self, method: str) -> Answer | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        if failure.status == 429:
            retry_after = failure.retry_after if failure.retry_after is not None else 1
            return (
                429,
                {"Retry-After": str(retry_after)},
                {"ok": False, "error": failure.error or "ratelimited"},
            )
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        default_error = "internal_error" if failure.status >= 500 else "invalid_request"
        error = failure.error or ("fatal_error" if failure.status == 200 else default_error)
        return failure.status, headers, {"ok": False, "error": error}

    def _handle_response_url(self, key: str, body: bytes, content_type: str) -> Answer:
        arrived = self._clock()
        try:
            args = self._parse_args("", body, content_type)
        except (ValueError, UnicodeDecodeError):
            args = {"_unparsable_body": body.decode("utf-8", "replace")}
        args["key"] = key
        before, after = self._delays("response_url")
        self._sleep(before)
        with self._changed:
            call = Call(method="response_url", args=args, token=None, at=arrived)
            self._calls.append(call)
            target = self._response_targets.get(key)
            if target is not None:
                call.team_id, call.enterprise_id = target.workspace.team_id, target.workspace.enterprise_id
            answer = self._take_failure("response_url")
            if answer is None:
                if target is not None:
                    target.workspace.apply_response(key, target, args)
                answer = (200, {}, {"ok": True})
            call.status, call.response = answer[0], answer[2]
            self._changed.notify_all()
        self._sleep(after)
        return answer

    @staticmethod
    def _parse_args(query: str, body: bytes, content_type: str) -> dict[str, Any]:
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        mime = content_type.split(";")[0].strip().lower()
        if body:
            if mime == "application/json" or (not mime and body.lstrip().startswith(b"{")):
                decoded = json.loads(body)
                if isinstance(decoded, dict):
                    args.update(decoded)
            elif mime == "multipart/form-data":
                message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
                )
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True) or b""
                    if name:
                        args[str(name)] = payload if part.get_filename() else payload.decode("utf-8")
            else:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                args.update({k: v[0] for k, v in form.items()})
        for name in JSON_FIELDS:
            value = args.get(name)
            if isinstance(value, str) and value.strip():
                # Undecodable JSON stays a string; the method then answers invalid_*_format like Slack.
                with contextlib.suppress(json.JSONDecodeError):
                    args[name] = json.loads(value)
        return args

    # --- shared sequences (call with the lock held) ----------------------------------------------------

    def _next_ts(self) -> str:
        micros = max(int(self._clock() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return format_ts(micros)

    def _next_view_serial(self) -> int:
        self._view_counter += 1
        return self._view_counter


def _basic_credentials(encoded: str) -> tuple[str | None, str | None]:
    try:
        client_id, _, client_secret = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return client_id, client_secret


def _parameters_for(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Input parameter definitions guessed from example inputs (user ids, numbers, strings)."""
    parameters = []
    for name, value in inputs.items():
        if isinstance(value, bool):
            kind = "boolean"
        elif isinstance(value, int | float):
            kind = "number"
        elif isinstance(value, str) and value[:1] in ("U", "W") and value[1:].isalnum() and value.isupper():
            kind = "slack#/types/user_id"
        else:
            kind = "string"
        parameters.append({"type": kind, "name": name, "title": name, "is_required": True})
    return parameters
