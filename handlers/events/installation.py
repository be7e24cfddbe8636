"""OAuth mode: the app was uninstalled (``app_uninstalled``) or its tokens revoked (``tokens_revoked``).

The stored tokens go at once, and the workspace — for an org-wide install, every workspace of the org —
is paused: no reminders, digests or messages until the app is installed there again
(``bot.services.workspaces``). Its requests and figures stay until ``kundenfokus forget``. Slack sends
these events without a usable token, so Bolt does not authorise them; the ack comes first, the rest
runs on the work queue.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.services import workspaces
from models.db import transaction

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    if deps.installations is None:
        return  # one bot token from the environment: nothing stored to remove

    @app.event("app_uninstalled")
    def on_app_uninstalled(context: BoltContext) -> None:
        where = _where(context)
        deps.work.submit(lambda: uninstall(deps, **where), label="app_uninstalled")

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens") if isinstance(event, dict) else None
        tokens = tokens if isinstance(tokens, dict) else {}
        users = tuple(u for u in tokens.get("oauth") or [] if isinstance(u, str))
        where = _where(context)
        if tokens.get("bot"):
            deps.work.submit(lambda: uninstall(deps, **where), label="tokens_revoked")
        elif users:
            deps.work.submit(lambda: _forget_user_tokens(deps, users, **where), label="tokens_revoked")


def _where(context: BoltContext) -> dict[str, Any]:
    org_wide = bool(context.is_enterprise_install)
    return {"team_id": context.team_id, "enterprise_id": context.enterprise_id, "org_wide": org_wide}


def uninstall(deps: Deps, *, team_id: str | None, enterprise_id: str | None, org_wide: bool) -> None:
    """Remove the tokens and pause the workspace(s); safe to run twice (both events arrive)."""
    assert deps.installations is not None
    if not org_wide and enterprise_id and deps.installations.org_token_dead(enterprise_id):
        org_wide = True  # the event came from a workspace of an org whose org-wide install is gone
    deps.installations.remove(enterprise_id=enterprise_id, team_id=None if org_wide else team_id)
    with transaction(deps.sessions) as session:
        paused = workspaces.mark_uninstalled(
            session, team_id=team_id, enterprise_id=enterprise_id, org_wide=org_wide, now=deps.now()
        )
    logger.info("uninstalled from %s: paused %s", enterprise_id if org_wide else team_id, ", ".join(paused))


def _forget_user_tokens(
    deps: Deps, users: tuple[str, ...], *, team_id: str | None, enterprise_id: str | None, org_wide: bool
) -> None:
    assert deps.installations is not None
    deps.installations.remove(
        enterprise_id=enterprise_id, team_id=None if org_wide else team_id, user_ids=users
    )
