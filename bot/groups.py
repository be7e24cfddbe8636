"""Slack user groups as they are now: a group's handle (``usergroups.list``) and its members
(``usergroups.users.list``), asked of Slack on the work queue before a writing transaction.

Membership is always read fresh for filing, claiming and team settings, so someone who left the group a
minute ago can claim nothing. Slack's refusals become ``ServiceError`` codes the person is told about:
an unknown or disabled group, or an app installed before it asked for ``usergroups:read``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.services.requests import ServiceError
from bot.services.teams import Group

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

_UNKNOWN = frozenset({"no_such_subteam", "subteam_not_found", "invalid_usergroup"})
_SCOPE = frozenset({"missing_scope", "not_allowed_token_type"})


def _refusal(error: SlackApiError, usergroup_id: str) -> ServiceError:
    code = error.response.get("error")
    if code in _UNKNOWN:
        return ServiceError("unknown_team", team=usergroup_id)
    if code in _SCOPE:
        return ServiceError("team_scope_missing")
    raise error


def workspace_groups(deps: Deps, team_id: str) -> list[dict[str, Any]]:
    """The workspace's active user groups (id, handle, name), as Slack lists them."""
    try:
        response = deps.client_for(team_id).usergroups_list(include_users=False)
    except SlackApiError as error:
        raise _refusal(error, "") from error
    return [
        {"id": group.get("id"), "handle": group.get("handle") or "", "name": group.get("name") or ""}
        for group in response.get("usergroups") or []
        if isinstance(group, dict) and group.get("id") and not group.get("date_delete")
    ]


def members(deps: Deps, team_id: str, usergroup_id: str) -> tuple[str, ...]:
    """The group's members right now."""
    try:
        response = deps.client_for(team_id).usergroups_users_list(usergroup=usergroup_id)
    except SlackApiError as error:
        raise _refusal(error, usergroup_id) from error
    return tuple(user for user in response.get("users") or [] if isinstance(user, str) and user)


def look_up(deps: Deps, team_id: str, usergroup_id: str) -> Group:
    """The group with its handle and members; ``unknown_team`` when Slack has no such active group."""
    if not usergroup_id:
        raise ServiceError("unknown_team", team="")
    found = {group["id"]: group for group in workspace_groups(deps, team_id)}
    if usergroup_id not in found:
        raise ServiceError("unknown_team", team=usergroup_id)
    return Group(usergroup_id, found[usergroup_id]["handle"], members(deps, team_id, usergroup_id))
