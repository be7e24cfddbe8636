"""One Slack workspace inside the fake: its members, conversations, user groups, messages and views.

``FakeSlack`` starts with one workspace (the *primary*, T0001) and its single-workspace API (``fake.add_user``,
``fake.messages_in`` …) acts on it. ``fake.add_workspace("T0002", bot_token=...)`` returns another
:class:`FakeWorkspace` with the same setup and assertion methods. State is per workspace: a user of T0002 is
unknown to T0001's token, and each workspace has its own bot user and ``#general``.

All workspaces share the fake's lock and its message-timestamp sequence, so timestamps stay unique across
workspaces; user and channel ids should be unique across workspaces too (as in Slack).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox.fake_model import (
    MAX_MESSAGE_BLOCKS,
    ApiError,
    Call,
    FakeChannel,
    FakeUser,
    FakeUsergroup,
    check_blocks,
    truthy,
)

if TYPE_CHECKING:
    from bot.sandbox.fake_slack import FakeSlack


@dataclass
class ResponseTarget:
    """What a response_url acts on: the message it belongs to and the person who acted."""

    workspace: FakeWorkspace
    channel: str | None
    message_ts: str | None
    user: str | None


class FakeWorkspace:
    """A workspace's state plus the methods tests use to set it up and read it back."""

    def __init__(
        self,
        fake: FakeSlack,
        team_id: str,
        *,
        name: str,
        domain: str,
        bot_user_id: str,
        bot_id: str,
        bot_token: str | None,
        general_channel_id: str,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> None:
        self._fake = fake
        self._lock = fake._lock
        self.team_id = team_id
        self.name = name
        self.domain = domain
        self.enterprise_id = enterprise_id
        self.enterprise_name = enterprise_name or (f"{enterprise_id} Org" if enterprise_id else None)
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        #: The bot token this workspace was created with, or the latest one an OAuth install issued.
        self.bot_token = bot_token
        self.general_channel_id = general_channel_id
        self._users: dict[str, FakeUser] = {}
        self._channels: dict[str, FakeChannel] = {}
        self._usergroups: dict[str, FakeUsergroup] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._home_view_ids: dict[str, str] = {}
        self._users[bot_user_id] = FakeUser(bot_user_id, "kundenfokus", real_name="Kundenfokus", is_bot=True)
        self.add_channel(general_channel_id, "general", members=[bot_user_id])
        self._channels[general_channel_id].is_general = True

    def __repr__(self) -> str:
        return f"<FakeWorkspace {self.team_id} {self.name!r}>"

    @property
    def url(self) -> str:
        return f"https://{self.domain}.slack.com/"

    # --- setup ---------------------------------------------------------------------------------------------

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
            status_text=status_text,
            status_emoji=status_emoji,
            status_expiration=status_expiration,
        )
        with self._lock:
            self._users[id] = user
            for channel in self._channels.values():
                if channel.is_general and id not in channel.members:
                    channel.members.append(id)
        return user

    def set_status(self, user_id: str, text: str, emoji: str = "", expiration: int = 0) -> FakeUser:
        """Set a member's status (what they pick in Slack); `expiration` in unix seconds, 0 = never."""
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                raise ValueError(f"unknown user {user_id!r}; add_user() first")
            user.status_text, user.status_emoji, user.status_expiration = text, emoji, int(expiration)
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

    def add_usergroup(
        self, id: str, handle: str, users: list[str], *, name: str = "", disabled: bool = False
    ) -> FakeUsergroup:
        group = FakeUsergroup(id, handle, list(users), name=name, disabled=disabled)
        with self._lock:
            self._usergroups[id] = group
        return group

    def update_usergroup(
        self, id: str, *, users: Iterable[str] | None = None, disabled: bool | None = None
    ) -> FakeUsergroup:
        """Change a group's members (as an admin would in Slack) or disable/enable it."""
        with self._lock:
            group = self._usergroups.get(id)
            if group is None:
                raise ValueError(f"unknown user group {id!r}; add_usergroup() first")
            if users is not None:
                group.users = list(users)
            if disabled is not None:
                group.disabled = disabled
            group.date_update = int(self._fake._clock())
            return group

    def add_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None, ts: str | None = None
    ) -> dict[str, Any]:
        """Put a person's message into the model (what a message shortcut or a thread reply refers to)."""
        with self._lock:
            try:
                channel_id = self.resolve_channel(channel, allow_user_id=True)
            except ApiError:
                raise ValueError(f"unknown channel {channel!r}; add_channel() or add_user() first") from None
            message: dict[str, Any] = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": ts or self._fake._next_ts(),
                "team": self.team_id,
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.store_message(channel_id, message)
            return copy.deepcopy(message)

    def response_url(
        self,
        key: str,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user: str | None = None,
    ) -> str:
        """A response_url that acts on this workspace's messages (see FakeSlack.response_url)."""
        return self._fake._register_response_url(key, ResponseTarget(self, channel, message_ts, user))

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

    @property
    def calls(self) -> list[Call]:
        """The fake's calls that were answered for this workspace, in order."""
        return [call for call in self._fake.calls if call.team_id == self.team_id]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def user(self, user_id: str) -> FakeUser | None:
        with self._lock:
            return self._users.get(user_id)

    def channel(self, channel_id: str) -> FakeChannel | None:
        with self._lock:
            return self._channels.get(channel_id)

    def usergroup(self, usergroup_id: str) -> FakeUsergroup | None:
        with self._lock:
            return self._usergroups.get(usergroup_id)

    def user_info(self, user_id: str, *, include_locale: bool = True) -> dict[str, Any]:
        """The user object users.info answers right now (what user_change-style events carry)."""
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                raise ValueError(f"unknown user {user_id!r}")
            return self.user_payload(user, include_locale=include_locale)

    # --- lookups (lock held) ---------------------------------------------------------------------------

    def has_channel(self, channel: str) -> bool:
        try:
            self.resolve_channel(channel, allow_user_id=True, create_dm=False)
        except ApiError:
            return False
        return True

    def user_or_error(self, user_id: Any) -> FakeUser:
        user = self._users.get(str(user_id)) if user_id else None
        if user is None:
            raise ApiError("user_not_found")
        return user

    def resolve_channel(self, channel: Any, *, allow_user_id: bool = False, create_dm: bool = True) -> str:
        """Channel id for a channel id, "#name", DM id, or (when posting) a user id, as Slack resolves it."""
        if not channel:
            raise ApiError("channel_not_found")
        channel = str(channel)
        if channel in self._channels:
            return channel
        if channel.startswith("#"):
            for candidate in self._channels.values():
                if candidate.name == channel[1:] and not candidate.is_im:
                    return candidate.id
        user_id = None
        if channel.startswith("D") and channel[1:] in self._users:
            user_id = channel[1:]
        elif allow_user_id and channel in self._users:
            user_id = channel
        if user_id is not None:
            return self.dm_channel_for(user_id) if create_dm else "D" + user_id
        raise ApiError("channel_not_found")

    def postable_channel(self, channel_arg: Any, *, allow_user_id: bool) -> FakeChannel:
        channel = self._channels[self.resolve_channel(channel_arg, allow_user_id=allow_user_id)]
        if channel.is_archived:
            raise ApiError("is_archived")
        if channel.is_private and self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        if channel.is_im and channel.user is not None:
            other = self._users.get(channel.user)
            if other is not None and other.deleted:
                raise ApiError("user_disabled")
        return channel

    def existing_message(self, channel_id: str, ts: Any) -> dict[str, Any]:
        message = self._messages.get((channel_id, str(ts or "")))
        if message is None:
            raise ApiError("message_not_found")
        return message

    # --- messages (lock held) --------------------------------------------------------------------------

    @staticmethod
    def message_content(args: dict[str, Any], *, require_content: bool = True) -> dict[str, Any]:
        content: dict[str, Any] = {}
        if "text" in args:
            content["text"] = str(args["text"] or "")
        if args.get("blocks") not in (None, ""):
            check_blocks(args["blocks"], limit=MAX_MESSAGE_BLOCKS, pointer="/blocks", error="invalid_blocks")
            content["blocks"] = args["blocks"]
        if args.get("attachments") not in (None, ""):
            if not isinstance(args["attachments"], list):
                raise ApiError("invalid_attachments")
            content["attachments"] = args["attachments"]
        if args.get("metadata") not in (None, ""):
            metadata = args["metadata"]
            if (
                not isinstance(metadata, dict)
                or not isinstance(metadata.get("event_type"), str)
                or not isinstance(metadata.get("event_payload", {}), dict)
            ):
                raise ApiError("invalid_metadata_format")
            content["metadata"] = {
                "event_type": metadata["event_type"],
                "event_payload": metadata.get("event_payload", {}),
            }
        if require_content and not (
            content.get("text") or content.get("blocks") or content.get("attachments")
        ):
            raise ApiError("no_text")
        if len(content.get("text", "")) > 40_000:
            raise ApiError("msg_too_long")
        return content

    def bot_message(
        self, content: dict[str, Any], *, thread_ts: str | None = None, author: str | None = None
    ) -> dict[str, Any]:
        """A message as the bot (or, with a user token, as `author`) posts it."""
        author = author or self.bot_user_id
        message: dict[str, Any] = {"type": "message", "user": author}
        if author == self.bot_user_id:
            message.update({"bot_id": self.bot_id, "app_id": self._fake.app_id})
        message.update({"text": "", "ts": self._fake._next_ts(), "team": self.team_id, **content})
        if thread_ts:
            message["thread_ts"] = thread_ts
        return message

    def store_message(self, channel_id: str, message: dict[str, Any]) -> None:
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
            parent["reply_users_count"] = len(users)
            message.setdefault("parent_user_id", parent.get("user"))

    def apply_response(self, key: str, target: ResponseTarget, args: dict[str, Any]) -> None:
        original = self._messages.get((target.channel or "", target.message_ts or ""))
        content = {k: args[k] for k in ("text", "blocks", "attachments", "metadata") if k in args}
        if truthy(args.get("delete_original")):
            if original is not None:
                del self._messages[(target.channel or "", target.message_ts or "")]
        elif truthy(args.get("replace_original")):
            if original is not None:
                for name in ("text", "blocks", "attachments", "metadata"):
                    original.pop(name, None)
                original.update({"text": "", **content})
        elif args.get("response_type") == "in_channel" and target.channel:
            self.store_message(target.channel, self.bot_message(content, thread_ts=args.get("thread_ts")))
        elif target.channel:
            self._ephemerals.append(
                {
                    "channel": target.channel,
                    "user": target.user,
                    "ts": self._fake._next_ts(),
                    "via": key,
                    **content,
                }
            )

    # --- payloads (lock held) --------------------------------------------------------------------------

    def profile_payload(self, user: FakeUser) -> dict[str, Any]:
        status_text, status_emoji, status_expiration = user.status_at(self._fake._clock())
        first_name, _, last_name = (user.real_name or "").partition(" ")
        profile: dict[str, Any] = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "fields": {},
            "status_text": status_text,
            "status_emoji": status_emoji,
            "status_emoji_display_info": [],
            "status_expiration": status_expiration,
            "avatar_hash": f"g{user.id.lower()}",
            "first_name": first_name,
            "last_name": last_name,
            "image_48": f"https://avatars.example.com/{user.id}_48.png",
            "image_72": f"https://avatars.example.com/{user.id}_72.png",
            "team": self.team_id,
        }
        if user.email:
            profile["email"] = user.email
        if user.is_bot:
            profile.update({"bot_id": self.bot_id, "api_app_id": self._fake.app_id, "always_active": True})
        return profile

    def user_payload(self, user: FakeUser, *, include_locale: bool) -> dict[str, Any]:
        now = datetime.fromtimestamp(self._fake._clock(), UTC)
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
            "profile": self.profile_payload(user),
            "is_admin": user.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }
        if self.enterprise_id:
            payload["enterprise_user"] = {
                "id": user.id,
                "enterprise_id": self.enterprise_id,
                "enterprise_name": self.enterprise_name,
                "is_admin": user.is_admin,
                "is_owner": False,
                "teams": [self.team_id],
            }
        if include_locale:
            payload["locale"] = user.locale
        return payload

    def channel_payload(self, channel: FakeChannel, args: dict[str, Any]) -> dict[str, Any]:
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
                "context_team_id": self.team_id,
            }
            if truthy(args.get("include_num_members")):
                payload["num_members"] = len(channel.members)
        if truthy(args.get("include_locale")):
            payload["locale"] = "en-US"
        return payload

    def usergroup_payload(self, group: FakeUsergroup, *, include_users: bool) -> dict[str, Any]:
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
            "date_update": group.date_update,
            "date_delete": group.date_update if group.disabled else 0,
            "auto_type": None,
            "created_by": "",
            "updated_by": "",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(group.users),
        }
        if include_users:
            payload["users"] = list(group.users)
        return payload

    def store_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        serial = self._fake._next_view_serial()
        view_id = view_id or f"V{serial:010d}"
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self._fake._clock())}.{serial:08d}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "external_id": view.get("external_id", ""),
            "root_view_id": root_view_id or view_id,
            "previous_view_id": previous_view_id,
            "app_id": self._fake.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        return {"view": copy.deepcopy(stored)}
