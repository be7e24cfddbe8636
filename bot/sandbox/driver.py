"""Plays Slack's side of the conversation: signed requests to the bot's HTTP endpoint.

Payloads carry the same fields, encodings and signature headers Slack sends, so the bot's real Bolt
pipeline (signature check, payload parsing, listener matching, ack) runs unchanged:
slash commands as form fields, interactivity as a form field `payload=<json>`, events as JSON.

One driver speaks for one workspace (`team_id`). With a FakeSlack that knows the workspace, the driver takes
its domain, bot user, #general and Enterprise Grid org from there; payloads then carry the enterprise fields
Slack adds in an org (`enterprise_id`/`enterprise_name` on commands, `enterprise` on interactions,
`enterprise_id` and `authorizations` on events) and `is_enterprise_install` when the app is installed org-wide.
A second driver with another `team_id` can talk to the same bot endpoint.

What people and Slack do, beyond slash commands and clicks: `event()` (any Events API delivery, including
retries with X-Slack-Retry-Num/-Reason), `message()` and `dm_reply()` (a person writes, in a channel or in a
DM thread), `user_status_changed()` / `user_change()` (profile with the current status), `function_executed()`
(a workflow runs the app's custom step), `subteam_members_changed()`, `tokens_revoked()`, `app_uninstalled()`
and `uninstall()`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPSConnection
from typing import Any
from urllib.parse import urlencode, urlsplit

from bot.sandbox.fake_slack import FakeSlack, FakeWorkspace

_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_VERIFICATION_TOKEN = "sandbox-verification-token"
# Where response_urls point when no FakeSlack is attached: a closed loopback port, never the internet.
_NOWHERE = "http://127.0.0.1:9/respond"
#: "Use the driver's value" for keyword arguments where None is a meaningful override.
_DEFAULT: Any = object()


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
        enterprise_id: str | None = _DEFAULT,
        is_enterprise_install: bool | None = None,
    ) -> None:
        """`enterprise_id` defaults to the fake workspace's org; `is_enterprise_install` (None) asks the fake
        whether the app is installed org-wide there at the time of each request."""
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.fake = fake
        self.timeout = timeout
        workspace = self._workspace
        self.team_domain = workspace.domain if workspace else "kundenfokus-sandbox"
        self.api_app_id = fake.app_id if fake else "A0001"
        self.bot_user_id = workspace.bot_user_id if workspace else "UBOT"
        known = fake.workspace(team_id) if fake else None
        if enterprise_id is _DEFAULT:
            enterprise_id = known.enterprise_id if known else None
        self.enterprise_id: str | None = enterprise_id
        self.enterprise_name = (
            known.enterprise_name if known and known.enterprise_id == enterprise_id else enterprise_id
        )
        self._is_enterprise_install = is_enterprise_install
        self._counter = itertools.count(1)
        # One connection per request, straight to the URL (never through an http_proxy from the
        # environment), as urllib would make it but without its handler chain: benches send thousands.
        target = urlsplit(events_url)
        self._connection_type = HTTPSConnection if target.scheme == "https" else HTTPConnection
        self._address = (target.hostname or "127.0.0.1", target.port)
        self._path = (target.path or "/") + (f"?{target.query}" if target.query else "")

    @property
    def _workspace(self) -> FakeWorkspace | None:
        """The fake's workspace for this team — the primary one for a team the fake does not know."""
        if self.fake is None:
            return None
        return self.fake.workspace(self.team_id) or self.fake.primary

    @property
    def is_enterprise_install(self) -> bool:
        if self._is_enterprise_install is not None:
            return self._is_enterprise_install
        return bool(self.fake and self.fake.is_enterprise_install(self.enterprise_id))

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
        started = time.perf_counter()
        connection = self._connection_type(*self._address, timeout=self.timeout)
        try:
            connection.request("POST", self._path, body=body, headers={"Connection": "close", **headers})
            response = connection.getresponse()
            status, raw, response_headers = response.status, response.read(), response.getheaders()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        return Reply(status, raw.decode("utf-8", "replace"), dict(response_headers), elapsed)

    def _post_signed(
        self,
        body: bytes,
        content_type: str,
        sent: dict[str, Any],
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        headers = {
            "Content-Type": content_type,
            "User-Agent": _USER_AGENT,
            **self.sign(body),
            **(extra_headers or {}),
        }
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
        workspace = self._workspace
        if self.fake is None or workspace is None:
            return f"{_NOWHERE}/{key}"
        if workspace is self.fake.primary:
            return self.fake.response_url(key, **target)  # subclasses (the shell) watch this one
        return workspace.response_url(key, **target)

    def _user_name(self, user_id: str) -> str:
        workspace = self._workspace
        user = workspace.user(user_id) if workspace else None
        return user.name if user else user_id.lower()

    def _user(self, user_id: str) -> dict[str, str]:
        name = self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, str]:
        team = {"id": self.team_id, "domain": self.team_domain}
        if self.enterprise_id:
            team.update({"enterprise_id": self.enterprise_id, "enterprise_name": self.enterprise_name or ""})
        return team

    def _enterprise(self) -> dict[str, str] | None:
        return {"id": self.enterprise_id, "name": self.enterprise_name or ""} if self.enterprise_id else None

    def _general_channel(self) -> tuple[str, str]:
        workspace = self._workspace
        if workspace is None or workspace.team_id != self.team_id:
            return "C0001", "general"
        return workspace.general_channel_id, "general"

    def _channel(self, channel_id: str) -> dict[str, str]:
        workspace = self._workspace
        channel = workspace.channel(channel_id) if workspace else None
        if channel is None or channel.is_im:
            name = "directmessage" if channel_id.startswith("D") else channel_id.lower()
        else:
            name = channel.name
        return {"id": channel_id, "name": name}

    def _known_message(self, channel_id: str, message_ts: str) -> dict[str, Any] | None:
        workspace = self._workspace
        if workspace is None:
            return None
        return workspace.messages.get((channel_id, message_ts))

    def _interaction(self, kind: str, user_id: str, trigger_id: str | None) -> dict[str, Any]:
        return {
            "type": kind,
            "token": _VERIFICATION_TOKEN,
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "trigger_id": trigger_id or self._trigger_id(),
            "enterprise": self._enterprise(),
            "is_enterprise_install": self.is_enterprise_install,
        }

    # --- what users do ---------------------------------------------------------------------------------

    def command(
        self,
        user_id: str,
        text: str = "",
        *,
        command: str = "/request",
        channel_id: str | None = None,
        channel_name: str | None = None,
        trigger_id: str | None = None,
    ) -> Reply:
        """A slash command typed by `user_id` in `channel_id` (default: the workspace's #general)."""
        if channel_id is None:
            channel_id, default_name = self._general_channel()
            channel_name = channel_name or default_name
        elif channel_name is None:
            channel_name = self._channel(channel_id)["name"]
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
            "is_enterprise_install": "true" if self.is_enterprise_install else "false",
            "response_url": self._response_url("command", channel=channel_id, user=user_id),
            "trigger_id": trigger_id or self._trigger_id(),
        }
        if self.enterprise_id:
            fields.update(
                {"enterprise_id": self.enterprise_id, "enterprise_name": self.enterprise_name or ""}
            )
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
        workspace = self._workspace
        opened = (workspace.views.get(view_id) if workspace else None) or {}
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
        workspace = self._workspace
        if workspace is not None:
            if "ts" not in message:
                author, text = message.get("user", user_id), message.get("text", "")
                message = workspace.add_message(channel_id, author, text)
            elif self._known_message(channel_id, message["ts"]) is None:
                workspace.add_message(
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

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        event_time: int | None = None,
        team_id: str | None = None,
        enterprise_id: str | None = _DEFAULT,
        authorizations: list[dict[str, Any]] | None = None,
        is_ext_shared_channel: bool = False,
    ) -> Reply:
        """An Events API delivery: `event` wrapped in an event_callback envelope.

        A redelivery carries the first delivery's `event_id` plus `retry_num` (1, 2, 3) and `retry_reason`
        ("http_timeout", "http_error", …) as Slack's X-Slack-Retry-Num/-Reason headers. `team_id`,
        `enterprise_id` and `authorizations` default to this driver's workspace and install.
        """
        now = time.time()
        team_id = team_id or self.team_id
        if enterprise_id is _DEFAULT:
            enterprise_id = self.enterprise_id
        inner = {"event_ts": f"{now:.6f}", **event}
        if authorizations is None:
            org_wide = self.is_enterprise_install
            authorizations = [
                {
                    "enterprise_id": enterprise_id,
                    "team_id": None if org_wide else team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": org_wide,
                }
            ]
        envelope: dict[str, Any] = {
            "token": _VERIFICATION_TOKEN,
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": enterprise_id,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._next():08d}",
            "event_time": int(now) if event_time is None else event_time,
            "authorizations": authorizations,
            "is_ext_shared_channel": is_ext_shared_channel,
        }
        if enterprise_id:
            envelope["enterprise_id"] = enterprise_id
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        body = _compact_json(envelope).encode("utf-8")
        return self._post_signed(body, "application/json", envelope, headers)

    # --- what people write -----------------------------------------------------------------------------

    def message(
        self,
        user_id: str,
        text: str,
        *,
        channel_id: str,
        thread_ts: str | None = None,
        ts: str | None = None,
        event_id: str | None = None,
    ) -> Reply:
        """`user_id` writes `text` in `channel_id` (in the thread `thread_ts`): the message event Slack sends.

        The fake (if any) learns the message first, so conversations.history/replies see it as Slack would.
        """
        workspace = self._workspace
        if workspace is not None and (ts is None or self._known_message(channel_id, ts) is None):
            ts = workspace.add_message(channel_id, user_id, text, thread_ts=thread_ts, ts=ts)["ts"]
        ts = ts or f"{time.time():.6f}"
        event: dict[str, Any] = {
            "type": "message",
            "client_msg_id": str(uuid.uuid4()),
            "user": user_id,
            "text": text,
            "ts": ts,
            "team": self.team_id,
            "channel": channel_id,
            "channel_type": self._channel_type(channel_id),
            "event_ts": ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
            parent = self._known_message(channel_id, thread_ts)
            if parent is not None and parent.get("user"):
                event["parent_user_id"] = parent["user"]
        return self.event(event, event_id=event_id)

    def dm_reply(self, user_id: str, text: str, *, thread_ts: str, ts: str | None = None) -> Reply:
        """`user_id` answers in the thread of a message in their DM with the bot (channel_type "im")."""
        workspace = self._workspace
        channel_id = workspace.dm_channel_for(user_id) if workspace else "D" + user_id
        return self.message(user_id, text, channel_id=channel_id, thread_ts=thread_ts, ts=ts)

    def _channel_type(self, channel_id: str) -> str:
        workspace = self._workspace
        channel = workspace.channel(channel_id) if workspace else None
        if channel is not None:
            if channel.is_im:
                return "im"
            if channel.is_mpim:
                return "mpim"
            return "group" if channel.is_private else "channel"
        return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")

    # --- what changes in the workspace -----------------------------------------------------------------

    def _user_object(self, user_id: str) -> dict[str, Any]:
        workspace = self._workspace
        if workspace is None or workspace.user(user_id) is None:
            raise ValueError(f"the fake knows no user {user_id!r} in {self.team_id}")
        return workspace.user_info(user_id)

    def user_status_changed(self, user_id: str, *, event_id: str | None = None) -> Reply:
        """Slack's user_status_changed for `user_id`, carrying their current profile (status included)."""
        now = int(time.time())
        event = {"type": "user_status_changed", "user": self._user_object(user_id), "cache_ts": now}
        return self.event(event, event_id=event_id)

    def user_change(self, user_id: str, *, event_id: str | None = None) -> Reply:
        """Slack's user_change for `user_id` (sent with every profile change, status ones too)."""
        now = int(time.time())
        event = {"type": "user_change", "user": self._user_object(user_id), "cache_ts": now}
        return self.event(event, event_id=event_id)

    def subteam_members_changed(
        self, subteam_id: str, *, added: Iterable[str] = (), removed: Iterable[str] = ()
    ) -> Reply:
        """A user group's membership changed (call fake.update_usergroup first to match)."""
        added, removed = list(added), list(removed)
        now = int(time.time())
        event = {
            "type": "subteam_members_changed",
            "subteam_id": subteam_id,
            "team_id": self.team_id,
            "date_previous_update": now - 60,
            "date_update": now,
            "added_users": added,
            "added_users_count": str(len(added)),
            "removed_users": removed,
            "removed_users_count": str(len(removed)),
        }
        return self.event(event)

    def tokens_revoked(self, *, bot: Iterable[str] | None = None, oauth: Iterable[str] = ()) -> Reply:
        """Slack's tokens_revoked: user ids whose tokens went (`bot` defaults to this workspace's bot user)."""
        bot_ids = [self.bot_user_id] if bot is None else list(bot)
        oauth_ids = list(oauth)
        tokens: dict[str, list[str]] = {}
        if oauth_ids:
            tokens["oauth"] = oauth_ids
        if bot_ids:
            tokens["bot"] = bot_ids
        return self.event({"type": "tokens_revoked", "tokens": tokens})

    def app_uninstalled(self) -> Reply:
        """Slack's app_uninstalled for this workspace."""
        return self.event({"type": "app_uninstalled"})

    def uninstall(self) -> tuple[Reply, Reply]:
        """What Slack does when an admin removes the app: revoke the tokens, then both events."""
        revoked = {"bot": [self.bot_user_id], "oauth": []}
        if self.fake is not None:
            target = self.enterprise_id if self.is_enterprise_install and self.enterprise_id else self.team_id
            revoked = self.fake.revoke(target)
        return self.tokens_revoked(bot=revoked["bot"], oauth=revoked["oauth"]), self.app_uninstalled()

    # --- Workflow Builder ------------------------------------------------------------------------------

    def function_executed(
        self,
        callback_id: str,
        inputs: dict[str, Any],
        *,
        function_execution_id: str | None = None,
        title: str | None = None,
        description: str = "",
        input_parameters: list[dict[str, Any]] | None = None,
        output_parameters: list[dict[str, Any]] | None = None,
        bot_access_token: str | None = None,
        event_id: str | None = None,
    ) -> Reply:
        """A workflow reaches the app's custom step `callback_id`: Slack's function_executed event.

        With a fake, the execution is registered there first (``fake.function_execution(id)`` shows how it
        ended) and the event's bot_access_token is the execution's just-in-time ``xwfp-`` token, which Bolt
        puts on the listener's client. `output_parameters` with ``is_required`` make completeSuccess check
        the outputs. The workflow's user reaches a step only through its inputs, as in Slack.
        """
        if self.fake is not None:
            execution = self.fake.start_function_execution(
                callback_id,
                inputs,
                team_id=self.team_id if self.fake.workspace(self.team_id) else None,
                input_parameters=input_parameters,
                output_parameters=output_parameters,
                function_execution_id=function_execution_id,
            )
            function_execution_id = execution.id
            workflow_execution_id = execution.workflow_execution_id
            input_parameters = execution.input_parameters
            output_parameters = execution.output_parameters
            bot_access_token = bot_access_token or execution.bot_access_token
        else:
            function_execution_id = function_execution_id or f"Fx{self._next():010d}"
            workflow_execution_id = f"Wx{self._next():010d}"
            bot_access_token = bot_access_token or f"xwfp-{secrets.token_hex(16)}"
        now = int(time.time())
        event = {
            "type": "function_executed",
            "function": {
                "id": "Fn" + hashlib.sha1(callback_id.encode()).hexdigest()[:10].upper(),
                "callback_id": callback_id,
                "title": title or callback_id.replace("_", " ").capitalize(),
                "description": description,
                "type": "app",
                "input_parameters": input_parameters or [],
                "output_parameters": output_parameters or [],
                "app_id": self.api_app_id,
                "date_created": now - 86_400,
                "date_updated": now - 86_400,
                "date_deleted": 0,
            },
            "inputs": inputs,
            "function_execution_id": function_execution_id,
            "workflow_execution_id": workflow_execution_id,
            "bot_access_token": bot_access_token,
        }
        return self.event(event, event_id=event_id)
