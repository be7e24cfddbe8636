"""Plays Slack's side of the conversation: signed requests to the bot's HTTP endpoint.

Payloads carry the same fields, encodings and signature headers Slack sends, so the bot's real Bolt
pipeline (signature check, payload parsing, listener matching, ack) runs unchanged:
slash commands as form fields, interactivity as a form field `payload=<json>`, events as JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.fake_slack import FakeSlack

_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_VERIFICATION_TOKEN = "sandbox-verification-token"
# Where response_urls point when no FakeSlack is attached: a closed loopback port, never the internet.
_NOWHERE = "http://127.0.0.1:9/respond"


@dataclass
class Reply:
    """What the bot's endpoint answered; `sent` is the payload the driver posted."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
    sent: dict[str, Any] | None = field(default=None, repr=False)

    def json(self) -> Any:
        """The body parsed as JSON, or None when the bot acked with an empty body."""
        return json.loads(self.body) if self.body.strip() else None


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _action_payload(action_type: str, value: Any) -> dict[str, Any]:
    """The field a Block Kit element reports its state in, as Slack names it."""
    if action_type in ("static_select", "external_select", "overflow", "radio_buttons"):
        return {"selected_option": {"text": {"type": "plain_text", "text": str(value)}, "value": value}}
    if action_type in ("multi_static_select", "checkboxes"):
        values = value if isinstance(value, list | tuple) else [value]
        return {
            "selected_options": [{"text": {"type": "plain_text", "text": str(v)}, "value": v} for v in values]
        }
    fields = {
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
        "multi_users_select": "selected_users",
    }
    return {fields.get(action_type, "value"): value}


class SlackDriver:
    """Sends signed slash commands, interactions and events to a running Bolt HTTP endpoint.

    With `fake`, response_urls point at the fake (and replace/delete the original message there) and user
    names come from its workspace.
    """

    def __init__(
        self,
        events_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0001",
        fake: FakeSlack | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.fake = fake
        self.timeout = timeout
        self.team_domain = fake.team_domain if fake else "kundenfokus-sandbox"
        self.api_app_id = fake.app_id if fake else "A0001"
        self.bot_user_id = fake.bot_user_id if fake else "UBOT"
        self._counter = itertools.count(1)
        # Never route loopback traffic through an http_proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # --- signing and transport -------------------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's v0 signature headers; the timestamp defaults to time.time(), the clock Bolt checks."""
        if timestamp is None:
            timestamp = int(time.time())
        base = f"v0:{timestamp}:".encode() + body
        digest = hmac.new(self.signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}

    def post_raw(self, body: bytes, headers: dict[str, str]) -> Reply:
        """POST exactly these bytes and headers; for forged signatures, stale timestamps and the like."""
        request = urllib.request.Request(self.events_url, data=body, headers=headers, method="POST")
        started = time.perf_counter()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, raw, response_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, response_headers = error.code, error.read(), error.headers
        elapsed = time.perf_counter() - started
        return Reply(status, raw.decode("utf-8", "replace"), dict(response_headers.items()), elapsed)

    def _post_signed(self, body: bytes, content_type: str, sent: dict[str, Any]) -> Reply:
        headers = {"Content-Type": content_type, "User-Agent": _USER_AGENT, **self.sign(body)}
        reply = self.post_raw(body, headers)
        reply.sent = sent
        return reply

    def _post_form(self, fields: dict[str, Any]) -> Reply:
        body = urlencode(fields).encode("utf-8")
        return self._post_signed(body, "application/x-www-form-urlencoded", fields)

    def _post_interaction(self, payload: dict[str, Any]) -> Reply:
        body = urlencode({"payload": _compact_json(payload)}).encode("utf-8")
        return self._post_signed(body, "application/x-www-form-urlencoded", payload)

    # --- payload pieces --------------------------------------------------------------------------------

    def _next(self) -> int:
        return next(self._counter)

    def _trigger_id(self) -> str:
        return f"{int(time.time())}.{self._next()}.{secrets.token_hex(16)}"

    def _response_url(self, kind: str, **target: str | None) -> str:
        key = f"{kind}-{self._next()}"
        if self.fake is None:
            return f"{_NOWHERE}/{key}"
        return self.fake.response_url(key, **target)

    def _user_name(self, user_id: str) -> str:
        user = self.fake.user(user_id) if self.fake else None
        return user.name if user else user_id.lower()

    def _user(self, user_id: str) -> dict[str, str]:
        name = self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.team_domain}

    def _channel(self, channel_id: str) -> dict[str, str]:
        channel = self.fake.channel(channel_id) if self.fake else None
        if channel is None or channel.is_im:
            name = "directmessage" if channel_id.startswith("D") else channel_id.lower()
        else:
            name = channel.name
        return {"id": channel_id, "name": name}

    def _known_message(self, channel_id: str, message_ts: str) -> dict[str, Any] | None:
        if self.fake is None:
            return None
        return self.fake.messages.get((channel_id, message_ts))

    def _interaction(self, kind: str, user_id: str, trigger_id: str | None) -> dict[str, Any]:
        return {
            "type": kind,
            "token": _VERIFICATION_TOKEN,
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "trigger_id": trigger_id or self._trigger_id(),
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # --- what users do ---------------------------------------------------------------------------------

    def command(
        self,
        user_id: str,
        text: str = "",
        *,
        command: str = "/request",
        channel_id: str = "C0001",
        channel_name: str = "general",
        trigger_id: str | None = None,
    ) -> Reply:
        """A slash command typed by `user_id` in `channel_id`."""
        fields = {
            "token": _VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url("command", channel=channel_id, user=user_id),
            "trigger_id": trigger_id or self._trigger_id(),
        }
        return self._post_form(fields)

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: Any,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "b",
        trigger_id: str | None = None,
        action_type: str = "button",
    ) -> Reply:
        """A click (or selection) on an element in a message (`message_ts`) or in a view (`view`)."""
        if message_ts is not None and channel_id is None:
            raise ValueError("a message action needs the channel_id the message is in")
        payload = self._interaction("block_actions", user_id, trigger_id)
        action = {
            "type": action_type,
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
            **_action_payload(action_type, value),
        }
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        payload["actions"] = [action]
        if view is not None:
            view_payload = {"id": "V1", "team_id": self.team_id, "state": {"values": {}}, **view}
            payload["container"] = {"type": "view", "view_id": view_payload["id"]}
            payload["view"] = view_payload
            payload["state"] = view_payload["state"]
        elif message_ts is not None and channel_id is not None:
            message = self._known_message(channel_id, message_ts) or {
                "type": "message",
                "ts": message_ts,
                "text": "",
            }
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["message"] = message
            payload["state"] = {"values": {}}
            payload["response_url"] = self._response_url(
                "action", channel=channel_id, message_ts=message_ts, user=user_id
            )
        if channel_id is not None:
            payload["channel"] = self._channel(channel_id)
        return self._post_interaction(payload)

    def view_submission(
        self,
        user_id: str,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        private_metadata: str = "",
        view_id: str = "V1",
    ) -> Reply:
        """The user presses Submit; `values` is view.state.values: {block_id: {action_id: {...}}}."""
        payload = self._interaction("view_submission", user_id, None)
        payload["view"] = self._submitted_view(view_id, callback_id, private_metadata, values)
        payload["response_urls"] = []
        return self._post_interaction(payload)

    def view_closed(self, user_id: str, callback_id: str, *, private_metadata: str = "") -> Reply:
        """The user closes a modal that was opened with notify_on_close."""
        payload = self._interaction("view_closed", user_id, None)
        payload.pop("trigger_id")
        payload["view"] = self._submitted_view("V1", callback_id, private_metadata, {})
        payload["is_cleared"] = False
        return self._post_interaction(payload)

    def _submitted_view(
        self, view_id: str, callback_id: str, private_metadata: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        opened = (self.fake.views.get(view_id) if self.fake else None) or {}
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "title": opened.get("title") or {"type": "plain_text", "text": "Request"},
            "submit": opened.get("submit"),
            "close": opened.get("close"),
            "blocks": opened.get("blocks", []),
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": opened.get("hash", "1700000000.00000001"),
            "clear_on_close": opened.get("clear_on_close", False),
            "notify_on_close": opened.get("notify_on_close", False),
            "external_id": opened.get("external_id", ""),
            "root_view_id": opened.get("root_view_id", view_id),
            "previous_view_id": opened.get("previous_view_id"),
            "app_id": self.api_app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": opened.get("bot_id", "B0001"),
        }

    def message_shortcut(
        self,
        user_id: str,
        callback_id: str,
        *,
        channel_id: str,
        message: dict[str, Any],
        trigger_id: str | None = None,
    ) -> Reply:
        """ "More actions" → our shortcut on `message`; the fake learns the message so permalinks work."""
        message = {"type": "message", **message}
        if self.fake is not None:
            if "ts" not in message:
                author, text = message.get("user", user_id), message.get("text", "")
                message = self.fake.add_message(channel_id, author, text)
            elif self._known_message(channel_id, message["ts"]) is None:
                self.fake.add_message(
                    channel_id,
                    message.get("user", user_id),
                    message.get("text", ""),
                    ts=message["ts"],
                    thread_ts=message.get("thread_ts"),
                )
        message.setdefault("ts", f"{time.time():.6f}")
        payload = self._interaction("message_action", user_id, trigger_id)
        payload.update(
            {
                "callback_id": callback_id,
                "action_ts": f"{time.time():.6f}",
                "message_ts": message["ts"],
                "channel": self._channel(channel_id),
                "message": message,
                "response_url": self._response_url(
                    "shortcut", channel=channel_id, message_ts=message["ts"], user=user_id
                ),
            }
        )
        return self._post_interaction(payload)

    def event(self, event: dict[str, Any], *, event_id: str | None = None) -> Reply:
        """An Events API delivery: `event` wrapped in an event_callback envelope."""
        now = time.time()
        inner = {"event_ts": f"{now:.6f}", **event}
        envelope = {
            "token": _VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._next():08d}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        body = _compact_json(envelope).encode("utf-8")
        return self._post_signed(body, "application/json", envelope)
