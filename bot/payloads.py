"""Slack payloads, checked before anything else looks at them: ids, types, sizes, dates.

Everything Slack sends is signed, but a signed payload can still be odd (an old message's button, a
client bug, a replay of something we never sent). Listeners read their fields through these functions;
anything unexpected raises ``BadPayload``, which the error handler answers with a friendly line — never a
crash, never a half-done change. Pure code: no Slack, no database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, time
from typing import Any
from urllib.parse import urlsplit

#: Postgres and SQLite integers: a request id never exceeds this.
MAX_ID = 2**31 - 1
_USER = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_TEAM = re.compile(r"^[TE][A-Z0-9]{2,31}$")
_CHANNEL = re.compile(r"^[CDG][A-Z0-9]{2,31}$")
_SUBTEAM = re.compile(r"^S[A-Z0-9]{2,31}$")
_TS = re.compile(r"^[0-9]{1,12}\.[0-9]{1,9}$")
_NUMBER = re.compile(r"^[0-9]{1,10}$")
_TRIGGER = re.compile(r"^[\w.\-]{1,200}$")
MAX_TEXT = 40_000


class BadPayload(ValueError):
    """A payload field is missing or not what Slack sends; ``field`` names it (for the log only)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _dig(body: Any, *path: str) -> Any:
    value = body
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _match(value: Any, pattern: re.Pattern[str], field: str, *, optional: bool = False) -> str | None:
    if value is None or value == "":
        if optional:
            return None
        raise BadPayload(field)
    if not isinstance(value, str) or not pattern.match(value):
        raise BadPayload(field)
    return value


def user_id(value: Any, field: str = "user") -> str:
    return _match(value, _USER, field)  # type: ignore[return-value]


def optional_user_id(value: Any, field: str = "user") -> str | None:
    return _match(value, _USER, field, optional=True)


def team_id(value: Any, field: str = "team") -> str:
    return _match(value, _TEAM, field)  # type: ignore[return-value]


def channel_id(value: Any, field: str = "channel", *, optional: bool = True) -> str | None:
    return _match(value, _CHANNEL, field, optional=optional)


def subteam_id(value: Any, field: str = "usergroup") -> str:
    return _match(value, _SUBTEAM, field)  # type: ignore[return-value]


def message_ts(value: Any, field: str = "ts", *, optional: bool = True) -> str | None:
    return _match(value, _TS, field, optional=optional)


def trigger_id(value: Any, *, optional: bool = True) -> str | None:
    return _match(value, _TRIGGER, "trigger_id", optional=optional)


def request_id(value: Any, field: str = "value") -> int:
    """A button's value or a form's metadata: the request's database id, a small positive integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _NUMBER.match(value):
        number = int(value)
    else:
        raise BadPayload(field)
    if not 0 < number <= MAX_ID:
        raise BadPayload(field)
    return number


def text(value: Any, field: str = "text", *, limit: int = MAX_TEXT) -> str:
    """Free text as typed (empty when absent); refuses what is not text or absurdly long."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise BadPayload(field)
    return value.replace("\x00", "")


def response_url(value: Any) -> str | None:
    """Slack's response_url: an http(s) URL (hooks.slack.com in production; loopback in tests)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 1000:
        raise BadPayload("response_url")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise BadPayload("response_url")
    return value


def team_of(body: Any) -> str:
    """The workspace of any payload (``team`` is absent for some Enterprise Grid payloads)."""
    for candidate in (
        _dig(body, "team", "id"),
        body.get("team_id") if isinstance(body, dict) else None,
        _dig(body, "user", "team_id"),
        _dig(body, "view", "team_id"),
    ):
        if isinstance(candidate, str) and candidate:
            return team_id(candidate)
    raise BadPayload("team")


def user_of(body: Any) -> str:
    candidate = _dig(body, "user", "id")
    if candidate is None and isinstance(body, dict):
        candidate = body.get("user_id")
    return user_id(candidate)


def state_values(view: Any) -> dict[str, Any]:
    """A submitted view's ``state.values`` (blocks → actions → element state)."""
    values = _dig(view, "state", "values")
    if not isinstance(values, dict):
        raise BadPayload("view.state")
    return values


def element(values: dict[str, Any], block_id: str, action_id: str | None = None) -> dict[str, Any]:
    found = values.get(block_id)
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise BadPayload(f"view.state.{block_id}")
    inner = found.get(action_id or block_id)
    if inner is None:
        return {}
    if not isinstance(inner, dict):
        raise BadPayload(f"view.state.{block_id}")
    return inner


def selected_user(values: dict[str, Any], block_id: str, action_id: str | None = None) -> str | None:
    return optional_user_id(element(values, block_id, action_id).get("selected_user"), f"view.{block_id}")


def selected_value(values: dict[str, Any], block_id: str, action_id: str | None = None) -> str | None:
    option = element(values, block_id, action_id).get("selected_option")
    if option is None:
        return None
    if not isinstance(option, dict) or not isinstance(option.get("value"), str):
        raise BadPayload(f"view.{block_id}")
    return option["value"]


def typed(
    values: dict[str, Any], block_id: str, action_id: str | None = None, *, limit: int = MAX_TEXT
) -> str:
    return text(element(values, block_id, action_id).get("value"), f"view.{block_id}", limit=limit)


def picked_date(values: dict[str, Any], block_id: str, action_id: str | None = None) -> date | None:
    raw = element(values, block_id, action_id).get("selected_date")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) != 10:
        raise BadPayload(f"view.{block_id}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadPayload(f"view.{block_id}") from None


def picked_time(values: dict[str, Any], block_id: str, action_id: str | None = None) -> time | None:
    raw = element(values, block_id, action_id).get("selected_time")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 8:
        raise BadPayload(f"view.{block_id}")
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise BadPayload(f"view.{block_id}") from None


def metadata(view: Any) -> dict[str, Any]:
    """A view's private_metadata as we wrote it: a JSON object (or a bare request id, as older views have)."""
    raw = _dig(view, "private_metadata")
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, str) or len(raw) > 3000:
        raise BadPayload("private_metadata")
    if _NUMBER.match(raw):
        return {"request_id": raw}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise BadPayload("private_metadata") from None
    if not isinstance(parsed, dict):
        raise BadPayload("private_metadata")
    return parsed


def _is_list_of_dicts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def shape_problem(body: Any) -> str | None:
    """What in a signed payload has a shape Slack never sends (and Bolt would trip over while routing it):
    None when it looks like Slack's. Checked before Bolt sees the payload; fields' contents are checked
    later by the listener that reads them."""
    if not isinstance(body, dict):
        return "not an object"
    for key in ("user", "container", "message", "view", "event"):  # never null when Slack sends them
        if key in body and not isinstance(body[key], dict):
            return f"{key} is not an object"
    for key in ("channel", "enterprise", "authed_user"):  # null for some (Grid, DMs)
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"{key} is not an object"
    if "team" in body and body["team"] is not None and not isinstance(body["team"], dict | str):
        return "team is not an object"
    for key in (
        "type",
        "callback_id",
        "command",
        "text",
        "team_id",
        "user_id",
        "channel_id",
        "trigger_id",
        "response_url",
        "api_app_id",
        "event_id",
    ):
        if key in body and body[key] is not None and not isinstance(body[key], str | int):
            return f"{key} is not a string"
    if body.get("type") in ("shortcut", "message_action") and not isinstance(body.get("callback_id"), str):
        return "a shortcut without its callback_id"
    if "actions" in body:
        actions = body["actions"]
        if not _is_list_of_dicts(actions) or not actions:
            return "actions is not a list of objects"
        for action in actions:
            if not isinstance(action.get("action_id"), str):
                return "an action without its action_id"
            for key in ("block_id", "type"):
                if key in action and not isinstance(action[key], str):
                    return f"actions.{key} is not a string"
    view = body.get("view")
    if body.get("type") in ("view_submission", "view_closed") and not isinstance(view, dict):
        return "a form without its view"
    if isinstance(view, dict):
        if body.get("type") in ("view_submission", "view_closed") and not isinstance(view.get("type"), str):
            return "view.type is missing"
        for key in ("callback_id", "private_metadata", "id", "type"):
            if key in view and view[key] is not None and not isinstance(view[key], str):
                return f"view.{key} is not a string"
        if "state" in view and not isinstance(view["state"], dict):
            return "view.state is not an object"
    event = body.get("event")
    if body.get("type") == "event_callback" and not (
        isinstance(event, dict) and isinstance(event.get("type"), str)
    ):
        return "an event without its type"
    if isinstance(event, dict):
        for key in ("message", "previous_message"):
            if key in event and event[key] is not None and not isinstance(event[key], dict):
                return f"event.{key} is not an object"
        if not isinstance(event.get("type", ""), str):
            return "event.type is not a string"
        for key in ("user", "channel", "ts", "thread_ts", "subtype", "bot_id", "text", "tab"):
            if key in event and event[key] is not None and not isinstance(event[key], str | dict):
                return f"event.{key} has a shape Slack never sends"
    if "authorizations" in body and not _is_list_of_dicts(body["authorizations"]):
        return "authorizations is not a list of objects"
    return None


#: Slack's limit for a button's value.
MAX_BUTTON_VALUE = 2000


def seal(fields: dict[str, Any], *, key: str, team_id: str, user_id: str) -> str | None:
    """A button value that carries ``fields`` for one person: JSON with an HMAC over the fields, the
    workspace and the person, under ``key`` (the signing secret). None when it would not fit a button."""
    body = json.dumps(fields, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    value = json.dumps(
        {"f": fields, "s": _seal_mac(body, key, team_id, user_id)}, separators=(",", ":"), ensure_ascii=False
    )
    return value if len(value) <= MAX_BUTTON_VALUE else None


def unseal(value: Any, *, key: str, team_id: str, user_id: str) -> dict[str, Any]:
    """The fields of a sealed value — only for the person and workspace it was made for, unchanged.
    A stranger's click or a forged value raises ``BadPayload``."""
    if not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE:
        raise BadPayload("value")
    try:
        parsed = json.loads(value)
    except ValueError:
        raise BadPayload("value") from None
    if (
        not isinstance(parsed, dict)
        or not isinstance(parsed.get("f"), dict)
        or not isinstance(parsed.get("s"), str)
    ):
        raise BadPayload("value")
    body = json.dumps(parsed["f"], separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if not hmac.compare_digest(parsed["s"], _seal_mac(body, key, team_id, user_id)):
        raise BadPayload("value.seal")
    return parsed["f"]


def _seal_mac(body: str, key: str, team_id: str, user_id: str) -> str:
    message = f"{team_id}\n{user_id}\n{body}".encode()
    return hmac.new(("kundenfokus-seal:" + key).encode(), message, hashlib.sha256).hexdigest()[:32]


def checked(values: dict[str, Any], block_id: str, action_id: str | None = None) -> list[str]:
    """The values of the ticked checkboxes (an empty list when none is ticked)."""
    options = element(values, block_id, action_id).get("selected_options")
    if options is None:
        return []
    if not isinstance(options, list) or len(options) > 20:
        raise BadPayload(f"view.{block_id}")
    picked = []
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            raise BadPayload(f"view.{block_id}")
        picked.append(option["value"])
    return picked
