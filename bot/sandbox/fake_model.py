"""The records the fake Slack keeps, and the small helpers every part of it shares.

Nothing here talks HTTP or holds a lock; :mod:`bot.sandbox.fake_slack` re-exports the public names
(``Call``, ``FakeUser``, ``FakeChannel``, ``FakeUsergroup``), so callers keep importing them from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

# Fields the SDK sends as JSON strings inside form bodies (and that Slack decodes on its side).
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "user_auth_blocks", "outputs")
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255


@dataclass
class Call:
    """One request the fake received, in the order it was answered.

    `args` merges query, form, JSON and multipart arguments; JSON-string fields (blocks, view, attachments,
    metadata, outputs) are decoded. `status` and `response` show what the fake answered; `team_id` (and
    `enterprise_id`) name the workspace the call was answered for — None when no token or workspace could be
    resolved (bad token, oauth.v2.access before the exchange, an unknown response_url).
    """

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] | None = None
    team_id: str | None = None
    enterprise_id: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def rate_limited(self) -> bool:
        return self.status == 429


@dataclass
class FakeUser:
    """A workspace member as users.info describes it.

    `status_expiration` is unix seconds (0: the status never expires); once the fake's clock passes it, Slack
    (and the fake) show an empty status.
    """

    id: str
    name: str
    real_name: str | None = None
    tz: str = "Europe/Berlin"
    locale: str = "en-US"
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    email: str | None = None
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0

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

    def status_at(self, now: float) -> tuple[str, str, int]:
        """(text, emoji, expiration) as Slack shows them at `now`: an expired status reads as cleared."""
        if self.status_expiration and now >= self.status_expiration:
            return "", "", 0
        return self.status_text, self.status_emoji, self.status_expiration


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
    """A user group (`@support`); a disabled group is listed only with include_disabled."""

    id: str
    handle: str
    users: list[str]
    name: str = ""
    disabled: bool = False
    date_update: int = 1_700_000_000

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.handle


@dataclass
class FunctionExecution:
    """One run of a Workflow Builder custom step, from function_executed to completeSuccess/completeError."""

    id: str
    callback_id: str
    team_id: str
    inputs: dict[str, Any]
    input_parameters: list[dict[str, Any]]
    output_parameters: list[dict[str, Any]]
    workflow_execution_id: str
    bot_access_token: str
    state: str = "running"  # running | completed | failed
    outputs: dict[str, Any] | None = None
    error: str | None = None


class ApiError(Exception):
    """Raised inside a method to answer {"ok": false, "error": ...} (plus `extra` fields)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def format_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_key(ts: Any) -> int:
    """A Slack timestamp ("1700000000.000100", 1700000000.0001, "1700000000") as microseconds, for ordering."""
    text = str(ts).strip()
    if not text:
        raise ValueError("empty timestamp")
    seconds, _, fraction = text.partition(".")
    return int(seconds) * 1_000_000 + int((fraction + "000000")[:6] or 0)


def invalid_arguments(message: str, pointer: str) -> ApiError:
    return ApiError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {message} [json-pointer:{pointer}]"]}
    )


def missing_argument(name: str) -> ApiError:
    return ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing {name}"]})


def check_blocks(blocks: Any, *, limit: int, pointer: str, error: str) -> None:
    """The subset of Slack's Block Kit validation that catches real bugs cheaply."""
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise ApiError("invalid_blocks_format" if error == "invalid_blocks" else error)
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
        raise ApiError(error, response_metadata={"messages": problems})
