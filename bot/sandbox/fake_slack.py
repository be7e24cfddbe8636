"""A loopback fake of Slack's Web API.

The test-suite and `kundenfokus shell` talk to "Slack" over real HTTP instead of patching the SDK, so the
whole client path (form vs JSON bodies, retries, error handling) runs exactly as in production. The fake
keeps a tiny model of a workspace (users, channels, DMs, user groups, messages, views) and records every
call so tests can assert on what the bot said and to whom.

Usage::

    with FakeSlack() as fake:
        fake.add_user("U1", "anna", locale="de-DE")
        client = WebClient(base_url=fake.base_url, token=fake.bot_token)
        client.chat_postMessage(channel="U1", text="Hallo")
        assert fake.messages_in(fake.dm_channel_for("U1"))[0]["text"] == "Hallo"
"""

from __future__ import annotations

import base64
import contextlib
import copy
import email.parser
import email.policy
import hashlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

# Fields the SDK sends as JSON strings inside form bodies (and that Slack decodes on its side).
_JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "user_auth_blocks")
_MAX_MESSAGE_BLOCKS = 50
_MAX_VIEW_BLOCKS = 100
_MAX_VIEW_TITLE = 24
_MAX_PRIVATE_METADATA = 3000
_MAX_CALLBACK_ID = 255
_DUMP_CALLS = 20


@dataclass
class Call:
    """One request the fake received, in arrival order.

    `args` merges query, form, JSON and multipart arguments; JSON-string fields (blocks, view, attachments,
    metadata) are decoded. `status` and `response` show what the fake answered.
    """

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))


@dataclass
class FakeUser:
    """A workspace member as users.info describes it."""

    id: str
    name: str
    real_name: str | None = None
    tz: str = "Europe/Berlin"
    locale: str = "en-US"
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    email: str | None = None

    def __post_init__(self) -> None:
        if self.real_name is None:
            self.real_name = self.name
        if self.email is None and not self.is_bot:
            self.email = f"{self.name}@example.com"
        ZoneInfo(self.tz)  # fail early on a typo instead of inside a request

    @property
    def tz_offset(self) -> int:
        """Offset from UTC in seconds right now, as Slack reports it."""
        return self.tz_offset_at(datetime.now(UTC))

    def tz_offset_at(self, moment: datetime) -> int:
        offset = moment.astimezone(ZoneInfo(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def tz_label_at(self, moment: datetime) -> str:
        return moment.astimezone(ZoneInfo(self.tz)).tzname() or self.tz


@dataclass
class FakeChannel:
    """A conversation: public/private channel, DM (`is_im`) or group DM (`is_mpim`)."""

    id: str
    name: str
    is_archived: bool = False
    is_private: bool = False
    is_general: bool = False
    is_im: bool = False
    is_mpim: bool = False
    user: str | None = None  # the other side of a DM
    members: list[str] = field(default_factory=list)
    created: int = 1_700_000_000


@dataclass
class FakeUsergroup:
    id: str
    handle: str
    users: list[str]
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.handle


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    remaining: int


@dataclass
class _ResponseTarget:
    channel: str | None
    message_ts: str | None
    user: str | None


class _ApiError(Exception):
    """Raised inside a method handler to answer {"ok": false, "error": ...}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _format_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _invalid_arguments(message: str, pointer: str) -> _ApiError:
    return _ApiError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {message} [json-pointer:{pointer}]"]}
    )


def _check_blocks(blocks: Any, *, limit: int, pointer: str, error: str) -> None:
    """The subset of Slack's Block Kit validation that catches real bugs cheaply."""
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise _ApiError("invalid_blocks_format" if error == "invalid_blocks" else error)
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]")
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        if not block.get("type"):
            problems.append(f"[ERROR] missing required field: type [json-pointer:{pointer}/{index}]")
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_block_ids:
                problems.append(f"[ERROR] duplicate block_id {block_id!r} [json-pointer:{pointer}/{index}]")
            seen_block_ids.add(block_id)
        elements = block.get("elements") if block.get("type") == "actions" else None
        action_ids = [
            e.get("action_id") for e in elements or () if isinstance(e, dict) and e.get("action_id")
        ]
        if len(action_ids) != len(set(action_ids)):
            problems.append(f"[ERROR] duplicate action_id [json-pointer:{pointer}/{index}/elements]")
    if problems:
        raise _ApiError(error, response_metadata={"messages": problems})


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
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
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake slack: " + format, *args)


class _FakeSlackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _RequestHandler)


class FakeSlack:
    """Slack's Web API on 127.0.0.1, with just enough workspace state to behave like the real thing.

    Starts with the bot user and a `#general` channel (C0001, everyone a member) — the channel the
    driver's slash commands come from by default.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.team_id = team_id
        self.team_name = "Kundenfokus Sandbox"
        self.team_domain = "kundenfokus-sandbox"
        self.bot_user_id = bot_user_id
        self.bot_id = "B0001"
        self.app_id = "A0001"
        self.bot_token = bot_token
        self.app_token = app_token
        #: Socket Mode: the ws:// URL apps.connections.open hands out (None: Socket Mode is off).
        self.socket_mode_url: str | None = None
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._users: dict[str, FakeUser] = {}
        self._channels: dict[str, FakeChannel] = {}
        self._usergroups: dict[str, FakeUsergroup] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._home_view_ids: dict[str, str] = {}
        self._response_targets: dict[str, _ResponseTarget] = {}
        self._last_ts_micros = 0
        self._view_counter = 0
        self._server: _FakeSlackServer | None = None
        self._thread: threading.Thread | None = None
        self._users[bot_user_id] = FakeUser(bot_user_id, "kundenfokus", real_name="Kundenfokus", is_bot=True)
        self.add_channel("C0001", "general", members=[bot_user_id])
        self._channels["C0001"].is_general = True

    # --- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Listen on a free loopback port in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        self._server = _FakeSlackServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="FakeSlack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
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

    # --- recorded calls --------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far, in order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

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
            lines.append(f"  #{index} {call.method} -> {call.status} {outcome} {args}")
        return "\n".join(lines)

    # --- workspace setup -------------------------------------------------------------------------------

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
    ) -> FakeUser:
        """Add a member; like in Slack, every member is in #general."""
        user = FakeUser(
            id,
            name,
            real_name=real_name,
            tz=tz,
            locale=locale,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            email=email,
        )
        with self._lock:
            self._users[id] = user
            for channel in self._channels.values():
                if channel.is_general and id not in channel.members:
                    channel.members.append(id)
        return user

    def add_channel(
        self,
        id: str,
        name: str,
        *,
        is_archived: bool = False,
        members: Iterable[str] = (),
        is_private: bool = False,
    ) -> FakeChannel:
        channel = FakeChannel(id, name, is_archived=is_archived, is_private=is_private, members=list(members))
        with self._lock:
            self._channels[id] = channel
        return channel

    def add_usergroup(self, id: str, handle: str, users: list[str]) -> FakeUsergroup:
        group = FakeUsergroup(id, handle, list(users))
        with self._lock:
            self._usergroups[id] = group
        return group

    def add_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None, ts: str | None = None
    ) -> dict[str, Any]:
        """Put a person's message into the model (what a message shortcut or a thread reply refers to)."""
        with self._lock:
            try:
                channel_id = self._resolve_channel(channel, allow_user_id=True)
            except _ApiError:
                raise ValueError(f"unknown channel {channel!r}; add_channel() or add_user() first") from None
            message: dict[str, Any] = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": ts or self._next_ts(),
                "team": self.team_id,
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._store_message(channel_id, message)
            return copy.deepcopy(message)

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
        """
        with self._lock:
            self._response_targets[key] = _ResponseTarget(channel, message_ts, user)
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    # --- state for assertions --------------------------------------------------------------------------

    @property
    def messages(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Snapshot of the messages in the workspace, keyed by (channel, ts)."""
        with self._lock:
            return copy.deepcopy(self._messages)

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages of one conversation (thread replies included), oldest first."""
        with self._lock:
            found = [m for (c, _), m in self._messages.items() if c == channel]
            return copy.deepcopy(sorted(found, key=lambda m: m["ts"]))

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url replies), oldest first."""
        with self._lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every opened, pushed, updated or published view, keyed by view id."""
        with self._lock:
            return copy.deepcopy(self._views)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The App Home a user currently sees, if one was published."""
        with self._lock:
            view_id = self._home_view_ids.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def dm_channel_for(self, user_id: str) -> str:
        """The stable DM id between the bot and `user_id` (what conversations.open returns)."""
        channel_id = "D" + user_id
        with self._lock:
            if channel_id not in self._channels:
                self._channels[channel_id] = FakeChannel(
                    channel_id, user_id, is_im=True, user=user_id, members=[user_id, self.bot_user_id]
                )
        return channel_id

    def user(self, user_id: str) -> FakeUser | None:
        with self._lock:
            return self._users.get(user_id)

    def channel(self, channel_id: str) -> FakeChannel | None:
        with self._lock:
            return self._channels.get(channel_id)

    # --- HTTP entry points (server threads) ------------------------------------------------------------

    def _handle_api(
        self, method: str, query: str, body: bytes, content_type: str, authorization: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        try:
            args = self._parse_args(query, body, content_type)
        except (ValueError, UnicodeDecodeError):
            args = {"_unparsable_body": body.decode("utf-8", "replace")}
        token = args.pop("token", None)
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[len("bearer ") :].strip()
        with self._changed:
            call = Call(method=method, args=args, token=token, at=self._clock())
            self._calls.append(call)
            status, headers, payload = self._answer(method, dict(args), token)
            call.status, call.response = status, payload
            self._changed.notify_all()
        return status, headers, payload

    def _answer(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        failure = self._take_failure(method)
        if failure is not None:
            return failure
        handler = self._METHODS.get(method)
        if "_unparsable_body" in args:
            return 200, {}, {"ok": False, "error": "invalid_json"}
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if method != "api.test" and token != expected:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        try:
            result = handler(self, args)
        except _ApiError as exc:
            return 200, {}, {"ok": False, "error": exc.error, **exc.extra}
        headers = (
            {"X-OAuth-Scopes": "chat:write,commands,users:read,im:write"} if method == "auth.test" else {}
        )
        return 200, headers, {"ok": True, **result}

    def _take_failure(self, method: str) -> tuple[int, dict[str, str], dict[str, Any]] | None:
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

    def _handle_response_url(
        self, key: str, body: bytes, content_type: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        try:
            args = self._parse_args("", body, content_type)
        except (ValueError, UnicodeDecodeError):
            args = {"_unparsable_body": body.decode("utf-8", "replace")}
        args["key"] = key
        with self._changed:
            call = Call(method="response_url", args=args, token=None, at=self._clock())
            self._calls.append(call)
            answer = self._take_failure("response_url")
            if answer is None:
                self._apply_response(key, args)
                answer = (200, {}, {"ok": True})
            call.status, call.response = answer[0], answer[2]
            self._changed.notify_all()
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
        for name in _JSON_FIELDS:
            value = args.get(name)
            if isinstance(value, str) and value.strip():
                # Undecodable JSON stays a string; the method then answers invalid_*_format like Slack.
                with contextlib.suppress(json.JSONDecodeError):
                    args[name] = json.loads(value)
        return args

    # --- model helpers (call with the lock held) -------------------------------------------------------

    def _next_ts(self) -> str:
        micros = max(int(self._clock() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return _format_ts(micros)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _require(self, args: dict[str, Any], name: str) -> Any:
        value = args.get(name)
        if value is None or value == "":
            raise _ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing {name}"]})
        return value

    def _user_or_error(self, user_id: Any) -> FakeUser:
        user = self._users.get(str(user_id)) if user_id else None
        if user is None:
            raise _ApiError("user_not_found")
        return user

    def _resolve_channel(self, channel: Any, *, allow_user_id: bool = False) -> str:
        """Channel id for a channel id, "#name", DM id, or (when posting) a user id, as Slack resolves it."""
        if not channel:
            raise _ApiError("channel_not_found")
        channel = str(channel)
        if channel in self._channels:
            return channel
        if channel.startswith("#"):
            for candidate in self._channels.values():
                if candidate.name == channel[1:] and not candidate.is_im:
                    return candidate.id
        if channel.startswith("D") and channel[1:] in self._users:
            return self.dm_channel_for(channel[1:])
        if allow_user_id and channel in self._users:
            return self.dm_channel_for(channel)
        raise _ApiError("channel_not_found")

    def _postable_channel(self, channel_arg: Any, *, allow_user_id: bool) -> FakeChannel:
        channel = self._channels[self._resolve_channel(channel_arg, allow_user_id=allow_user_id)]
        if channel.is_archived:
            raise _ApiError("is_archived")
        if channel.is_private and self.bot_user_id not in channel.members:
            raise _ApiError("not_in_channel")
        if channel.is_im and channel.user is not None:
            other = self._users.get(channel.user)
            if other is not None and other.deleted:
                raise _ApiError("user_disabled")
        return channel

    def _message_content(self, args: dict[str, Any], *, require_content: bool = True) -> dict[str, Any]:
        content: dict[str, Any] = {}
        if "text" in args:
            content["text"] = str(args["text"] or "")
        if args.get("blocks") not in (None, ""):
            _check_blocks(
                args["blocks"], limit=_MAX_MESSAGE_BLOCKS, pointer="/blocks", error="invalid_blocks"
            )
            content["blocks"] = args["blocks"]
        if args.get("attachments") not in (None, ""):
            if not isinstance(args["attachments"], list):
                raise _ApiError("invalid_attachments")
            content["attachments"] = args["attachments"]
        if args.get("metadata") not in (None, ""):
            if not isinstance(args["metadata"], dict):
                raise _ApiError("invalid_metadata_format")
            content["metadata"] = args["metadata"]
        if require_content and not (
            content.get("text") or content.get("blocks") or content.get("attachments")
        ):
            raise _ApiError("no_text")
        if len(content.get("text", "")) > 40_000:
            raise _ApiError("msg_too_long")
        return content

    def _bot_message(self, content: dict[str, Any], *, thread_ts: str | None = None) -> dict[str, Any]:
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": "",
            "ts": self._next_ts(),
            "team": self.team_id,
            **content,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        return message

    def _store_message(self, channel_id: str, message: dict[str, Any]) -> None:
        self._messages[(channel_id, message["ts"])] = message
        thread_ts = message.get("thread_ts")
        parent = self._messages.get((channel_id, thread_ts)) if thread_ts else None
        if parent is not None and parent is not message:
            parent.setdefault("thread_ts", thread_ts)
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]
            users = parent.setdefault("reply_users", [])
            if message.get("user") and message["user"] not in users:
                users.append(message["user"])

    def _existing_message(self, channel_id: str, ts: Any) -> dict[str, Any]:
        message = self._messages.get((channel_id, str(ts or "")))
        if message is None:
            raise _ApiError("message_not_found")
        return message

    def _apply_response(self, key: str, args: dict[str, Any]) -> None:
        target = self._response_targets.get(key)
        if target is None:
            return
        original = self._messages.get((target.channel or "", target.message_ts or ""))
        content = {k: args[k] for k in ("text", "blocks", "attachments", "metadata") if k in args}
        if _truthy(args.get("delete_original")):
            if original is not None:
                del self._messages[(target.channel or "", target.message_ts or "")]
        elif _truthy(args.get("replace_original")):
            if original is not None:
                for name in ("text", "blocks", "attachments", "metadata"):
                    original.pop(name, None)
                original.update({"text": "", **content})
        elif args.get("response_type") == "in_channel" and target.channel:
            self._store_message(target.channel, self._bot_message(content, thread_ts=args.get("thread_ts")))
        elif target.channel:
            self._ephemerals.append(
                {"channel": target.channel, "user": target.user, "ts": self._next_ts(), "via": key, **content}
            )

    # --- user and team payloads ------------------------------------------------------------------------

    def _user_payload(self, user: FakeUser, *, include_locale: bool) -> dict[str, Any]:
        now = self._now()
        profile: dict[str, Any] = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "status_text": "",
            "status_emoji": "",
            "image_48": f"https://avatars.example.com/{user.id}_48.png",
            "image_72": f"https://avatars.example.com/{user.id}_72.png",
            "team": self.team_id,
        }
        if user.email:
            profile["email"] = user.email
        if user.is_bot:
            profile.update({"bot_id": self.bot_id, "api_app_id": self.app_id, "always_active": True})
        payload: dict[str, Any] = {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": user.tz_label_at(now),
            "tz_offset": user.tz_offset_at(now),
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }
        if include_locale:
            payload["locale"] = user.locale
        return payload

    def _channel_payload(self, channel: FakeChannel, args: dict[str, Any]) -> dict[str, Any]:
        if channel.is_im:
            other = self._users.get(channel.user or "")
            payload: dict[str, Any] = {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "user": channel.user,
                "is_user_deleted": bool(other and other.deleted),
                "priority": 0,
            }
        else:
            payload = {
                "id": channel.id,
                "name": channel.name,
                "name_normalized": channel.name,
                "is_channel": not channel.is_private and not channel.is_mpim,
                "is_group": channel.is_private,
                "is_im": False,
                "is_mpim": channel.is_mpim,
                "is_private": channel.is_private or channel.is_mpim,
                "created": channel.created,
                "is_archived": channel.is_archived,
                "is_general": channel.is_general,
                "is_shared": False,
                "is_org_shared": False,
                "is_ext_shared": False,
                "is_member": self.bot_user_id in channel.members,
                "creator": "",
                "unlinked": 0,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
            }
            if _truthy(args.get("include_num_members")):
                payload["num_members"] = len(channel.members)
        if _truthy(args.get("include_locale")):
            payload["locale"] = "en-US"
        return payload

    # --- Web API methods -------------------------------------------------------------------------------

    def _api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"args": args}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """Socket Mode: where to connect (the app-level token is checked, not the bot token)."""
        if not self.socket_mode_url:
            raise _ApiError("socket_mode_not_enabled")
        return {"url": self.socket_mode_url}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "example.com",
                "icon": {"image_default": True},
            }
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user_or_error(args.get("user"))
        return {"user": self._user_payload(user, include_locale=_truthy(args.get("include_locale")))}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        include_locale = _truthy(args.get("include_locale"))
        members = [self._user_payload(u, include_locale=include_locale) for u in self._users.values()]
        return {"members": members, "cache_ts": int(self._clock()), "response_metadata": {"next_cursor": ""}}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email") or "").lower()
        for user in self._users.values():
            if user.email and user.email.lower() == email:
                return {"user": self._user_payload(user, include_locale=False)}
        raise _ApiError("users_not_found")

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel = self._channels[self._resolve_channel(args["channel"])]
            return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
        user_ids = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not user_ids:
            raise _ApiError("users_list_not_supplied")
        for user_id in user_ids:
            user = self._user_or_error(user_id)
            if user.is_bot:
                raise _ApiError("cannot_dm_bot")
            if user.deleted:
                raise _ApiError("user_disabled")
        if len(user_ids) == 1:
            channel_id = "D" + user_ids[0]
            existed = channel_id in self._channels
            self.dm_channel_for(user_ids[0])
        else:
            members = sorted({*user_ids, self.bot_user_id})
            channel_id = "G" + hashlib.sha1(",".join(members).encode()).hexdigest()[:10].upper()
            existed = channel_id in self._channels
            if not existed:
                self._channels[channel_id] = FakeChannel(
                    channel_id, "mpdm-" + "--".join(members), is_mpim=True, members=members
                )
        result: dict[str, Any] = {"channel": {"id": channel_id}}
        if existed:
            result.update({"no_op": True, "already_open": True})
        return result

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels[self._resolve_channel(args.get("channel"))]
        return {"channel": self._channel_payload(channel, args)}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels[self._resolve_channel(args.get("channel"))]
        members = list(channel.members)
        limit = int(args.get("limit") or 100) or 100
        cursor = str(args.get("cursor") or "")
        try:
            start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
        except (ValueError, IndexError):
            raise _ApiError("invalid_cursor") from None
        page = members[start : start + limit]
        following = start + limit
        next_cursor = (
            base64.b64encode(f"offset:{following}".encode()).decode() if following < len(members) else ""
        )
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"), allow_user_id=True)
        content = self._message_content(args)
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        message = self._bot_message(content, thread_ts=thread_ts)
        self._store_message(channel.id, message)
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"), allow_user_id=False)
        user = self._user_or_error(args.get("user"))
        if user.id not in channel.members:
            raise _ApiError("user_not_in_channel")
        content = self._message_content(args)
        ts = self._next_ts()
        entry = {"channel": channel.id, "user": user.id, "ts": ts, **content}
        if args.get("thread_ts"):
            entry["thread_ts"] = str(args["thread_ts"])
        self._ephemerals.append(entry)
        return {"message_ts": ts}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        message = self._existing_message(channel_id, args.get("ts"))
        if message.get("user") != self.bot_user_id:
            raise _ApiError("cant_update_message")
        content = self._message_content(args, require_content=False)
        updated = {**message, **content, "edited": {"user": self.bot_user_id, "ts": self._next_ts()}}
        self._messages[(channel_id, message["ts"])] = updated
        return {
            "channel": channel_id,
            "ts": message["ts"],
            "text": updated["text"],
            "message": copy.deepcopy(updated),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        message = self._existing_message(channel_id, args.get("ts"))
        if message.get("user") != self.bot_user_id:
            raise _ApiError("cant_delete_message")
        del self._messages[(channel_id, message["ts"])]
        return {"channel": channel_id, "ts": message["ts"]}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._resolve_channel(args.get("channel"))
        message = self._existing_message(channel_id, args.get("message_ts"))
        permalink = (
            f"https://{self.team_domain}.slack.com/archives/{channel_id}/p{message['ts'].replace('.', '')}"
        )
        if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
            permalink += f"?thread_ts={message['thread_ts']}&cid={channel_id}"
        return {"channel": channel_id, "permalink": permalink}

    def _usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        include_users = _truthy(args.get("include_users"))
        groups = []
        for group in self._usergroups.values():
            payload: dict[str, Any] = {
                "id": group.id,
                "team_id": self.team_id,
                "is_usergroup": True,
                "is_subteam": True,
                "name": group.name,
                "description": "",
                "handle": group.handle,
                "is_external": False,
                "date_create": 1_700_000_000,
                "date_update": 1_700_000_000,
                "date_delete": 0,
                "auto_type": None,
                "created_by": "",
                "updated_by": "",
                "deleted_by": None,
                "prefs": {"channels": [], "groups": []},
                "user_count": len(group.users),
            }
            if include_users:
                payload["users"] = list(group.users)
            groups.append(payload)
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self._usergroups.get(str(args.get("usergroup") or ""))
        if group is None:
            raise _ApiError("no_such_subteam")
        return {"users": list(group.users)}

    # views -----------------------------------------------------------------------------------------------

    def _view_argument(self, args: dict[str, Any], allowed_types: tuple[str, ...]) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict):
            raise _invalid_arguments("view must be a JSON object", "/view")
        if view.get("type") not in allowed_types:
            raise _invalid_arguments(f"type must be one of {', '.join(allowed_types)}", "/view/type")
        if view["type"] == "modal":
            title = view.get("title")
            if not isinstance(title, dict) or not title.get("text"):
                raise _invalid_arguments("missing required field: title", "/view/title")
            for name in ("title", "submit", "close"):
                text = (view.get(name) or {}).get("text", "")
                if len(text) > _MAX_VIEW_TITLE:
                    raise _invalid_arguments(
                        f"must be less than {_MAX_VIEW_TITLE + 1} characters", f"/view/{name}/text"
                    )
            has_input = any(
                isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
            )
            if has_input and not view.get("submit"):
                raise _invalid_arguments(
                    "submit is required when an 'input' block is present", "/view/submit"
                )
        _check_blocks(
            view.get("blocks", []), limit=_MAX_VIEW_BLOCKS, pointer="/view/blocks", error="invalid_arguments"
        )
        if len(view.get("private_metadata") or "") > _MAX_PRIVATE_METADATA:
            raise _invalid_arguments(
                f"must be less than {_MAX_PRIVATE_METADATA + 1} characters", "/view/private_metadata"
            )
        if len(view.get("callback_id") or "") > _MAX_CALLBACK_ID:
            raise _invalid_arguments(
                f"must be less than {_MAX_CALLBACK_ID + 1} characters", "/view/callback_id"
            )
        return view

    def _require_trigger(self, args: dict[str, Any]) -> None:
        if not (args.get("trigger_id") or args.get("interactivity_pointer")):
            raise _ApiError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing trigger_id"]}
            )

    def _store_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        self._view_counter += 1
        view_id = view_id or f"V{self._view_counter:010d}"
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self._clock())}.{self._view_counter:08d}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "external_id": view.get("external_id", ""),
            "root_view_id": root_view_id or view_id,
            "previous_view_id": previous_view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        return {"view": copy.deepcopy(stored)}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require_trigger(args)
        return self._store_view(self._view_argument(args, ("modal",)))

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require_trigger(args)
        return self._store_view(self._view_argument(args, ("modal",)))

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_argument(args, ("modal", "home"))
        existing: dict[str, Any] | None = None
        if args.get("view_id"):
            existing = self._views.get(str(args["view_id"]))
        elif args.get("external_id"):
            existing = next(
                (v for v in self._views.values() if v["external_id"] == args["external_id"]), None
            )
        else:
            raise _ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing view_id"]})
        if existing is None:
            raise _ApiError("not_found")
        if args.get("hash") and args["hash"] != existing["hash"]:
            raise _ApiError("hash_conflict")
        return self._store_view(
            view,
            view_id=existing["id"],
            root_view_id=existing["root_view_id"],
            previous_view_id=existing["previous_view_id"],
        )

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._user_or_error(args.get("user_id"))
        view = self._view_argument(args, ("home",))
        view_id = self._home_view_ids.get(user.id)
        if view_id and args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
            raise _ApiError("hash_conflict")
        result = self._store_view(view, view_id=view_id)
        self._home_view_ids[user.id] = result["view"]["id"]
        return result

    _METHODS: ClassVar[dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]]] = {
        "api.test": _api_test,
        "auth.test": _auth_test,
        "apps.connections.open": _apps_connections_open,
        "team.info": _team_info,
        "users.info": _users_info,
        "users.list": _users_list,
        "users.lookupByEmail": _users_lookup_by_email,
        "conversations.open": _conversations_open,
        "conversations.info": _conversations_info,
        "conversations.members": _conversations_members,
        "chat.postMessage": _chat_post_message,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.update": _chat_update,
        "chat.delete": _chat_delete,
        "chat.getPermalink": _chat_get_permalink,
        "usergroups.list": _usergroups_list,
        "usergroups.users.list": _usergroups_users_list,
        "views.open": _views_open,
        "views.push": _views_push,
        "views.update": _views_update,
        "views.publish": _views_publish,
    }
