"""The Web API methods the fake Slack answers, one function each.

A method gets the call's :class:`Ctx` — the token's grant and the workspace the call is answered for — and
its decoded arguments; it returns the fields of an ``ok: true`` answer or raises :class:`ApiError`. The
dispatcher in :mod:`bot.sandbox.fake_slack` has already checked the token, resolved the workspace, applied
rate limits and taken the fake's lock. :data:`METHODS` lists every method, with the kind of token it needs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.fake_auth import TokenGrant, _RefreshToken, check_client
from bot.sandbox.fake_model import (
    MAX_CALLBACK_ID,
    MAX_PRIVATE_METADATA,
    MAX_VIEW_BLOCKS,
    MAX_VIEW_TITLE,
    ApiError,
    FakeChannel,
    FunctionExecution,
    check_blocks,
    invalid_arguments,
    missing_argument,
    truthy,
    ts_key,
)

if TYPE_CHECKING:
    from bot.sandbox.fake_slack import FakeSlack
    from bot.sandbox.fake_workspace import FakeWorkspace


@dataclass
class Ctx:
    """One call as a method sees it."""

    fake: FakeSlack
    method: str
    grant: TokenGrant | None
    ws: FakeWorkspace | None
    client_credentials: tuple[str | None, str | None] = (None, None)

    @property
    def workspace(self) -> FakeWorkspace:
        if self.ws is None:  # the dispatcher resolves one for every method that is declared to need it
            raise ApiError("team_not_found")
        return self.ws

    @property
    def author(self) -> str:
        """Who a message posted with this token is from: the token's user (bot user for bot tokens)."""
        ws = self.workspace
        if self.grant is not None and self.grant.kind == "user" and self.grant.user_id:
            return self.grant.user_id
        return ws.bot_user_id


Handler = Callable[[Ctx, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class MethodSpec:
    handler: Handler
    #: "token": a bot, user or workflow token; "app": the app-level token; "none": no token (client auth).
    auth: str = "token"
    #: Whether the dispatcher must resolve a workspace before the method runs.
    workspace: bool = True


# --- paging ----------------------------------------------------------------------------------------------


def _encode_cursor(kind: str, value: str) -> str:
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def _decode_cursor(cursor: Any, kind: str) -> str | None:
    if not cursor:
        return None
    try:
        found_kind, _, value = base64.b64decode(str(cursor)).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise ApiError("invalid_cursor") from None
    if found_kind != kind or not value:
        raise ApiError("invalid_cursor")
    return value


def _limit(args: dict[str, Any], *, default: int, maximum: int) -> int:
    try:
        limit = int(args.get("limit") or default)
    except (TypeError, ValueError):
        raise ApiError("invalid_limit") from None
    return min(max(limit, 1), maximum)


def _ts_bound(args: dict[str, Any], name: str) -> int | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    try:
        return ts_key(value)
    except ValueError:
        raise ApiError(f"invalid_ts_{name}") from None


def _in_window(messages: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
    oldest, latest = _ts_bound(args, "oldest"), _ts_bound(args, "latest")
    inclusive = truthy(args.get("inclusive"))
    kept = []
    for message in messages:
        key = ts_key(message["ts"])
        if oldest is not None and (key < oldest or (key == oldest and not inclusive)):
            continue
        if latest is not None and (key > latest or (key == latest and not inclusive)):
            continue
        kept.append(message)
    return kept


def _detached(message: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored message to hand out (what Slack stores came in as JSON and goes out as JSON):
    a JSON round trip, several times cheaper than ``copy.deepcopy`` — the fake answers every post."""
    return json.loads(json.dumps(message))  # type: ignore[no-any-return]


def _public_message(message: dict[str, Any], *, include_metadata: bool) -> dict[str, Any]:
    shown = _detached(message)
    if not include_metadata:
        shown.pop("metadata", None)
    return shown


def _readable_channel(ctx: Ctx, args: dict[str, Any]) -> FakeChannel:
    ws = ctx.workspace
    channel = ws._channels[ws.resolve_channel(args.get("channel"))]
    if not (channel.is_im or channel.is_mpim) and ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


# --- api, auth, team -------------------------------------------------------------------------------------


def api_test(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    return {"args": args}


def auth_test(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    grant = ctx.grant
    assert grant is not None
    fake = ctx.fake
    if grant.team_id is None:  # org-wide install: the token speaks for the org
        org = fake._org(grant.enterprise_id)
        name = org[0].enterprise_name if org else grant.enterprise_id
        result: dict[str, Any] = {
            "url": f"https://{(grant.enterprise_id or 'org').lower()}.enterprise.slack.com/",
            "team": name,
            "user": "kundenfokus",
            "team_id": grant.enterprise_id,
            "user_id": grant.user_id,
        }
    else:
        ws = fake._workspaces[grant.team_id]
        user = ws._users.get(grant.user_id or "")
        result = {
            "url": ws.url,
            "team": ws.name,
            "user": user.name if user else grant.user_id,
            "team_id": ws.team_id,
            "user_id": grant.user_id,
        }
    if grant.kind in ("bot", "workflow"):
        bot_id = (
            fake._workspaces[grant.team_id].bot_id
            if grant.team_id
            else fake._org(grant.enterprise_id)[0].bot_id
        )
        result["bot_id"] = bot_id
    if grant.enterprise_id:
        result["enterprise_id"] = grant.enterprise_id
    result["is_enterprise_install"] = grant.is_enterprise_install
    return result


def auth_revoke(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    assert ctx.grant is not None
    if truthy(args.get("test")):
        return {"revoked": False}
    ctx.grant.revoked = True
    return {"revoked": True}


def apps_connections_open(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    """Socket Mode: where to connect (the app-level token is checked, not the bot token)."""
    if not ctx.fake.socket_mode_url:
        raise ApiError("socket_mode_not_enabled")
    return {"url": ctx.fake.socket_mode_url}


def team_info(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    team: dict[str, Any] = {
        "id": ws.team_id,
        "name": ws.name,
        "domain": ws.domain,
        "email_domain": "example.com",
        "icon": {"image_default": True},
    }
    if ws.enterprise_id:
        team.update({"enterprise_id": ws.enterprise_id, "enterprise_name": ws.enterprise_name})
    return {"team": team}


# --- users -----------------------------------------------------------------------------------------------


def users_info(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    user = ws.user_or_error(args.get("user"))
    return {"user": ws.user_payload(user, include_locale=truthy(args.get("include_locale")))}


def users_list(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    include_locale = truthy(args.get("include_locale"))
    members = [ws.user_payload(u, include_locale=include_locale) for u in ws._users.values()]
    return {"members": members, "cache_ts": int(ctx.fake._clock()), "response_metadata": {"next_cursor": ""}}


def users_lookup_by_email(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    email = str(args.get("email") or "").lower()
    for user in ws._users.values():
        if user.email and user.email.lower() == email:
            return {"user": ws.user_payload(user, include_locale=False)}
    raise ApiError("users_not_found")


def users_profile_get(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    user_id = args.get("user") or (ctx.grant.user_id if ctx.grant else None)
    return {"profile": ws.profile_payload(ws.user_or_error(user_id))}


# --- conversations ---------------------------------------------------------------------------------------


def conversations_open(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    if args.get("channel"):
        channel = ws._channels[ws.resolve_channel(args["channel"])]
        return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
    user_ids = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
    if not user_ids:
        raise ApiError("users_list_not_supplied")
    for user_id in user_ids:
        user = ws.user_or_error(user_id)
        if user.is_bot:
            raise ApiError("cannot_dm_bot")
        if user.deleted:
            raise ApiError("user_disabled")
    if len(user_ids) == 1:
        channel_id = "D" + user_ids[0]
        existed = channel_id in ws._channels
        ws.dm_channel_for(user_ids[0])
    else:
        members = sorted({*user_ids, ws.bot_user_id})
        channel_id = "G" + hashlib.sha1(",".join(members).encode()).hexdigest()[:10].upper()
        existed = channel_id in ws._channels
        if not existed:
            ws._channels[channel_id] = FakeChannel(
                channel_id, "mpdm-" + "--".join(members), is_mpim=True, members=members
            )
    result: dict[str, Any] = {"channel": {"id": channel_id}}
    if existed:
        result.update({"no_op": True, "already_open": True})
    return result


def conversations_info(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    channel = ws._channels[ws.resolve_channel(args.get("channel"))]
    return {"channel": ws.channel_payload(channel, args)}


def conversations_members(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    channel = ws._channels[ws.resolve_channel(args.get("channel"))]
    members = list(channel.members)
    limit = int(args.get("limit") or 100) or 100
    offset = _decode_cursor(args.get("cursor"), "offset")
    try:
        start = int(offset) if offset else 0
    except ValueError:
        raise ApiError("invalid_cursor") from None
    page = members[start : start + limit]
    following = start + limit
    next_cursor = _encode_cursor("offset", str(following)) if following < len(members) else ""
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def conversations_history(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    """Top-level messages (and broadcast thread replies), newest first, with Slack's window and cursor."""
    ws = ctx.workspace
    channel = _readable_channel(ctx, args)
    found = [
        message
        for (channel_id, _), message in ws._messages.items()
        if channel_id == channel.id
        and (
            not message.get("thread_ts")
            or message["thread_ts"] == message["ts"]
            or message.get("subtype") == "thread_broadcast"
        )
    ]
    found = sorted(_in_window(found, args), key=lambda m: ts_key(m["ts"]), reverse=True)
    after = _decode_cursor(args.get("cursor"), "next_ts")
    if after is not None:
        found = [m for m in found if ts_key(m["ts"]) <= ts_key(after)]
    limit = _limit(args, default=100, maximum=999)
    page, rest = found[:limit], found[limit:]
    include_metadata = truthy(args.get("include_all_metadata"))
    return {
        "messages": [_public_message(m, include_metadata=include_metadata) for m in page],
        "has_more": bool(rest),
        "pin_count": 0,
        "response_metadata": {"next_cursor": _encode_cursor("next_ts", rest[0]["ts"]) if rest else ""},
    }


def conversations_replies(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    """A thread: the parent first, then its replies oldest first (as Slack orders them)."""
    ws = ctx.workspace
    channel = _readable_channel(ctx, args)
    ts = str(args.get("ts") or "")
    if not ts:
        raise missing_argument("ts")
    anchor = ws._messages.get((channel.id, ts))
    if anchor is None:
        raise ApiError("thread_not_found")
    thread_ts = anchor.get("thread_ts") or anchor["ts"]
    thread = [
        message
        for (channel_id, _), message in ws._messages.items()
        if channel_id == channel.id and (message["ts"] == thread_ts or message.get("thread_ts") == thread_ts)
    ]
    thread = sorted(_in_window(thread, args), key=lambda m: ts_key(m["ts"]))
    after = _decode_cursor(args.get("cursor"), "next_ts")
    if after is not None:
        thread = [m for m in thread if ts_key(m["ts"]) >= ts_key(after)]
    limit = _limit(args, default=1000, maximum=1000)
    page, rest = thread[:limit], thread[limit:]
    include_metadata = truthy(args.get("include_all_metadata"))
    return {
        "messages": [_public_message(m, include_metadata=include_metadata) for m in page],
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": _encode_cursor("next_ts", rest[0]["ts"]) if rest else ""},
    }


# --- chat ------------------------------------------------------------------------------------------------


def chat_post_message(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    channel = ws.postable_channel(args.get("channel"), allow_user_id=True)
    content = ws.message_content(args)
    thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
    message = ws.bot_message(content, thread_ts=thread_ts, author=ctx.author)
    if thread_ts and truthy(args.get("reply_broadcast")):
        message["subtype"] = "thread_broadcast"
    ws.store_message(channel.id, message)
    return {"channel": channel.id, "ts": message["ts"], "message": _detached(message)}


def chat_post_ephemeral(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    channel = ws.postable_channel(args.get("channel"), allow_user_id=False)
    user = ws.user_or_error(args.get("user"))
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    content = ws.message_content(args)
    ts = ctx.fake._next_ts()
    entry = {"channel": channel.id, "user": user.id, "ts": ts, **content}
    if args.get("thread_ts"):
        entry["thread_ts"] = str(args["thread_ts"])
    ws._ephemerals.append(entry)
    return {"message_ts": ts}


def chat_update(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    channel_id = ws.resolve_channel(args.get("channel"))
    message = ws.existing_message(channel_id, args.get("ts"))
    if message.get("user") != ctx.author:
        raise ApiError("cant_update_message")
    content = ws.message_content(args, require_content=False)
    updated = {**message, **content, "edited": {"user": ctx.author, "ts": ctx.fake._next_ts()}}
    ws._messages[(channel_id, message["ts"])] = updated
    return {
        "channel": channel_id,
        "ts": message["ts"],
        "text": updated["text"],
        "message": _detached(updated),
    }


def chat_delete(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    channel_id = ws.resolve_channel(args.get("channel"))
    message = ws.existing_message(channel_id, args.get("ts"))
    if message.get("user") != ctx.author:
        raise ApiError("cant_delete_message")
    del ws._messages[(channel_id, message["ts"])]
    return {"channel": channel_id, "ts": message["ts"]}


def chat_get_permalink(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    channel_id = ws.resolve_channel(args.get("channel"))
    message = ws.existing_message(channel_id, args.get("message_ts"))
    permalink = f"https://{ws.domain}.slack.com/archives/{channel_id}/p{message['ts'].replace('.', '')}"
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        permalink += f"?thread_ts={message['thread_ts']}&cid={channel_id}"
    return {"channel": channel_id, "permalink": permalink}


# --- user groups -----------------------------------------------------------------------------------------


def usergroups_list(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    include_users = truthy(args.get("include_users"))
    include_disabled = truthy(args.get("include_disabled"))
    return {
        "usergroups": [
            ws.usergroup_payload(group, include_users=include_users)
            for group in ws._usergroups.values()
            if include_disabled or not group.disabled
        ]
    }


def _usergroup_or_error(ws: FakeWorkspace, usergroup_id: Any):
    group = ws._usergroups.get(str(usergroup_id or ""))
    if group is None:
        raise ApiError("no_such_subteam")
    return group


def usergroups_users_list(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    group = _usergroup_or_error(ctx.workspace, args.get("usergroup"))
    if group.disabled and not truthy(args.get("include_disabled")):
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}


def usergroups_users_update(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    group = _usergroup_or_error(ws, args.get("usergroup"))
    users = args.get("users")
    user_ids = (
        users if isinstance(users, list) else [u.strip() for u in str(users or "").split(",") if u.strip()]
    )
    if not user_ids:
        raise ApiError("invalid_users")
    for user_id in user_ids:
        ws.user_or_error(user_id)
    group.users = list(user_ids)
    group.date_update = int(ctx.fake._clock())
    return {"usergroup": ws.usergroup_payload(group, include_users=True)}


# --- views -----------------------------------------------------------------------------------------------


def _view_argument(args: dict[str, Any], allowed_types: tuple[str, ...]) -> dict[str, Any]:
    view = args.get("view")
    if not isinstance(view, dict):
        raise invalid_arguments("view must be a JSON object", "/view")
    if view.get("type") not in allowed_types:
        raise invalid_arguments(f"type must be one of {', '.join(allowed_types)}", "/view/type")
    if view["type"] == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or not title.get("text"):
            raise invalid_arguments("missing required field: title", "/view/title")
        for name in ("title", "submit", "close"):
            text = (view.get(name) or {}).get("text", "")
            if len(text) > MAX_VIEW_TITLE:
                raise invalid_arguments(
                    f"must be less than {MAX_VIEW_TITLE + 1} characters", f"/view/{name}/text"
                )
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and not view.get("submit"):
            raise invalid_arguments("submit is required when an 'input' block is present", "/view/submit")
    check_blocks(
        view.get("blocks", []), limit=MAX_VIEW_BLOCKS, pointer="/view/blocks", error="invalid_arguments"
    )
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA:
        raise invalid_arguments(
            f"must be less than {MAX_PRIVATE_METADATA + 1} characters", "/view/private_metadata"
        )
    if len(view.get("callback_id") or "") > MAX_CALLBACK_ID:
        raise invalid_arguments(f"must be less than {MAX_CALLBACK_ID + 1} characters", "/view/callback_id")
    return view


def _require_trigger(args: dict[str, Any]) -> None:
    if not (args.get("trigger_id") or args.get("interactivity_pointer")):
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing trigger_id"]})


def views_open(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    _require_trigger(args)
    return ctx.workspace.store_view(_view_argument(args, ("modal",)))


def views_push(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    _require_trigger(args)
    return ctx.workspace.store_view(_view_argument(args, ("modal",)))


def views_update(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    view = _view_argument(args, ("modal", "home"))
    existing: dict[str, Any] | None = None
    if args.get("view_id"):
        existing = ws._views.get(str(args["view_id"]))
    elif args.get("external_id"):
        existing = next((v for v in ws._views.values() if v["external_id"] == args["external_id"]), None)
    else:
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing view_id"]})
    if existing is None:
        raise ApiError("not_found")
    if args.get("hash") and args["hash"] != existing["hash"]:
        raise ApiError("hash_conflict")
    return ws.store_view(
        view,
        view_id=existing["id"],
        root_view_id=existing["root_view_id"],
        previous_view_id=existing["previous_view_id"],
    )


def views_publish(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    ws = ctx.workspace
    user = ws.user_or_error(args.get("user_id"))
    view = _view_argument(args, ("home",))
    view_id = ws._home_view_ids.get(user.id)
    if view_id and args.get("hash") and args["hash"] != ws._views[view_id]["hash"]:
        raise ApiError("hash_conflict")
    result = ws.store_view(view, view_id=view_id)
    ws._home_view_ids[user.id] = result["view"]["id"]
    return result


# --- OAuth -----------------------------------------------------------------------------------------------


def _issue(
    ctx: Ctx, template: TokenGrant, *, prefix: str, rotation: bool, lifetime: int
) -> tuple[TokenGrant, str | None]:
    """A fresh token like `template` (and, with rotation, a refresh token for the next one)."""
    registry = ctx.fake._tokens
    serial = registry.serial()
    scope_owner = template.team_id or template.enterprise_id or "org"
    body = f"{serial}-{scope_owner}-{secrets.token_hex(12)}"
    token = f"xoxe.{prefix}-1-{body}" if rotation else f"{prefix}-{body}"
    grant = TokenGrant(
        token=token,
        kind=template.kind,
        team_id=template.team_id,
        enterprise_id=template.enterprise_id,
        user_id=template.user_id,
        scopes=template.scopes,
        is_enterprise_install=template.is_enterprise_install,
        expires_at=ctx.fake._clock() + lifetime if rotation else None,
    )
    registry.add(grant)
    refresh_token = None
    if rotation:
        refresh_token = f"xoxe-1-{registry.serial()}-{secrets.token_hex(16)}"
        registry.refresh_tokens[refresh_token] = _RefreshToken(refresh_token, grant)
    return grant, refresh_token


def _team_and_enterprise(ctx: Ctx, grant: TokenGrant) -> dict[str, Any]:
    fake = ctx.fake
    if grant.team_id is not None:
        ws = fake._workspaces[grant.team_id]
        ctx.ws = ws
        team: dict[str, Any] | None = {"id": ws.team_id, "name": ws.name}
        enterprise = {"id": ws.enterprise_id, "name": ws.enterprise_name} if ws.enterprise_id else None
    else:
        org = fake._org(grant.enterprise_id)
        team = None
        enterprise = {
            "id": grant.enterprise_id,
            "name": org[0].enterprise_name if org else grant.enterprise_id,
        }
    return {"team": team, "enterprise": enterprise, "is_enterprise_install": grant.is_enterprise_install}


def _exchange_code(ctx: Ctx, args: dict[str, Any], lifetime: int) -> dict[str, Any]:
    fake = ctx.fake
    pending = fake._tokens.codes.get(str(args.get("code") or ""))
    if pending is None or pending.used:
        raise ApiError("invalid_code")
    if pending.redirect_uri and args.get("redirect_uri") != pending.redirect_uri:
        raise ApiError("bad_redirect_uri")
    pending.used = True
    bot_user_id = fake._bot_user_for(pending.team_id, pending.enterprise_id)
    template = TokenGrant(
        token="",
        kind="bot",
        team_id=None if pending.enterprise_install else pending.team_id,
        enterprise_id=pending.enterprise_id,
        user_id=bot_user_id,
        scopes=pending.scopes,
        is_enterprise_install=pending.enterprise_install,
    )
    bot, bot_refresh = _issue(
        ctx, template, prefix="xoxb", rotation=pending.token_rotation, lifetime=lifetime
    )
    if bot.team_id is not None:
        fake._workspaces[bot.team_id].bot_token = bot.token
    response: dict[str, Any] = {
        "app_id": fake.app_id,
        "authed_user": {"id": pending.user_id},
        "scope": ",".join(pending.scopes),
        "token_type": "bot",
        "access_token": bot.token,
        "bot_user_id": bot_user_id,
        **_team_and_enterprise(ctx, bot),
    }
    if bot_refresh:
        response.update({"refresh_token": bot_refresh, "expires_in": lifetime})
    if pending.user_scopes:
        user_template = TokenGrant(
            token="",
            kind="user",
            team_id=template.team_id,
            enterprise_id=template.enterprise_id,
            user_id=pending.user_id,
            scopes=pending.user_scopes,
            is_enterprise_install=template.is_enterprise_install,
        )
        user, user_refresh = _issue(
            ctx, user_template, prefix="xoxp", rotation=pending.token_rotation, lifetime=lifetime
        )
        response["authed_user"].update(
            {"scope": ",".join(pending.user_scopes), "access_token": user.token, "token_type": "user"}
        )
        if user_refresh:
            response["authed_user"].update({"refresh_token": user_refresh, "expires_in": lifetime})
    return response


def _refresh(ctx: Ctx, args: dict[str, Any], lifetime: int) -> dict[str, Any]:
    registry = ctx.fake._tokens
    refresh = registry.refresh_tokens.get(str(args.get("refresh_token") or ""))
    if refresh is None or not refresh.active:
        raise ApiError("invalid_refresh_token")
    refresh.active = False
    old = refresh.grant_template
    prefix = "xoxb" if old.kind == "bot" else "xoxp"
    grant, new_refresh = _issue(ctx, old, prefix=prefix, rotation=True, lifetime=lifetime)
    if grant.kind == "bot" and grant.team_id is not None:
        ctx.fake._workspaces[grant.team_id].bot_token = grant.token
    response: dict[str, Any] = {
        "app_id": ctx.fake.app_id,
        "scope": ",".join(grant.scopes),
        "token_type": grant.kind,
        "access_token": grant.token,
        "refresh_token": new_refresh,
        "expires_in": lifetime,
        **_team_and_enterprise(ctx, grant),
    }
    if grant.kind == "bot":
        response["bot_user_id"] = grant.user_id
    else:
        response["user_id"] = grant.user_id
    return response


def oauth_v2_access(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    client_id, client_secret = ctx.client_credentials
    client_id = client_id or args.get("client_id")
    client_secret = client_secret if client_secret is not None else args.get("client_secret")
    oauth = check_client(ctx.fake._tokens.oauth, client_id, client_secret)
    grant_type = args.get("grant_type") or "authorization_code"
    if grant_type == "authorization_code":
        return _exchange_code(ctx, args, oauth.token_lifetime)
    if grant_type == "refresh_token":
        return _refresh(ctx, args, oauth.token_lifetime)
    raise ApiError("invalid_grant_type")


# --- Workflow Builder custom steps -----------------------------------------------------------------------


def _running_execution(ctx: Ctx, args: dict[str, Any]) -> FunctionExecution:
    execution_id = args.get("function_execution_id")
    if not execution_id:
        raise missing_argument("function_execution_id")
    execution = ctx.fake._executions.get(str(execution_id))
    grant = ctx.grant
    assert grant is not None
    visible = execution is not None and (
        grant.team_id == execution.team_id
        or (
            grant.team_id is None
            and ctx.fake._workspaces[execution.team_id].enterprise_id == grant.enterprise_id
        )
    )
    if execution is None or not visible or execution.state != "running":
        # Slack answers this for unknown executions and for ones that were already completed.
        raise ApiError("function_execution_not_found")
    ctx.ws = ctx.fake._workspaces[execution.team_id]
    return execution


def functions_complete_success(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    execution = _running_execution(ctx, args)
    outputs = args.get("outputs")
    if not isinstance(outputs, dict):
        raise invalid_arguments("outputs must be a JSON object", "/outputs")
    missing = [
        parameter["name"]
        for parameter in execution.output_parameters
        if parameter.get("is_required") and outputs.get(parameter["name"]) in (None, "")
    ]
    if missing:
        raise ApiError(
            "parameter_validation_failed",
            errors=[{"code": "missing_required_field", "pointer": f"/outputs/{name}"} for name in missing],
        )
    execution.state, execution.outputs = "completed", outputs
    return {}


def functions_complete_error(ctx: Ctx, args: dict[str, Any]) -> dict[str, Any]:
    execution = _running_execution(ctx, args)
    error = args.get("error")
    if not error:
        raise missing_argument("error")
    execution.state, execution.error = "failed", str(error)
    return {}


METHODS: dict[str, MethodSpec] = {
    "api.test": MethodSpec(api_test, auth="none", workspace=False),
    "auth.test": MethodSpec(auth_test, workspace=False),
    "auth.revoke": MethodSpec(auth_revoke, workspace=False),
    "apps.connections.open": MethodSpec(apps_connections_open, auth="app", workspace=False),
    "team.info": MethodSpec(team_info),
    "users.info": MethodSpec(users_info),
    "users.list": MethodSpec(users_list),
    "users.lookupByEmail": MethodSpec(users_lookup_by_email),
    "users.profile.get": MethodSpec(users_profile_get),
    "conversations.open": MethodSpec(conversations_open),
    "conversations.info": MethodSpec(conversations_info),
    "conversations.members": MethodSpec(conversations_members),
    "conversations.history": MethodSpec(conversations_history),
    "conversations.replies": MethodSpec(conversations_replies),
    "chat.postMessage": MethodSpec(chat_post_message),
    "chat.postEphemeral": MethodSpec(chat_post_ephemeral),
    "chat.update": MethodSpec(chat_update),
    "chat.delete": MethodSpec(chat_delete),
    "chat.getPermalink": MethodSpec(chat_get_permalink),
    "usergroups.list": MethodSpec(usergroups_list),
    "usergroups.users.list": MethodSpec(usergroups_users_list),
    "usergroups.users.update": MethodSpec(usergroups_users_update),
    "views.open": MethodSpec(views_open),
    "views.push": MethodSpec(views_push),
    "views.update": MethodSpec(views_update),
    "views.publish": MethodSpec(views_publish),
    "oauth.v2.access": MethodSpec(oauth_v2_access, auth="none", workspace=False),
    "functions.completeSuccess": MethodSpec(functions_complete_success, workspace=False),
    "functions.completeError": MethodSpec(functions_complete_error, workspace=False),
}

#: Methods an org-wide token must name a workspace for (`team_id`) — they act on a whole workspace.
TEAM_ID_REQUIRED = frozenset({"team.info", "users.list", "usergroups.list", "users.lookupByEmail"})

__all__ = ["METHODS", "TEAM_ID_REQUIRED", "Ctx", "MethodSpec"]
