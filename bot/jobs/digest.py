"""Posting the weekly digests: exactly once per channel and week.

The (subscription, week) key is claimed in the database before anything is sent, so several processes —
the scheduler in every replica, or someone running ``kundenfokus digest`` by hand — never post a week
twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks import digest as digest_blocks
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.digest_stats import DigestReport, Week
from bot.services import digest as digest_service
from models import DigestSubscription
from models.db import transaction

logger = logging.getLogger(__name__)

#: Slack errors after which posting to that channel will not work on a retry.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "restricted_action",
        "no_permission",
        "invalid_blocks",
        "msg_too_long",
        "missing_scope",
        "no_such_subteam",
    }
)
#: ... and after which the subscription itself is over.
GONE_ERRORS = frozenset({"channel_not_found", "is_archived"})


@dataclass(frozen=True)
class DigestResult:
    """What happened to one channel's digest: posted, would_post (dry run), already, or failed."""

    team_id: str
    channel_id: str
    week_key: str
    status: str
    text: str = ""
    error: str | None = None

    def line(self) -> str:
        detail = f" ({self.error})" if self.error else (f": {self.text}" if self.text else "")
        return f"{self.status} {self.team_id}/{self.channel_id} {self.week_key}{detail}"


def channel_reader(subscription: DigestSubscription) -> Reader:
    return Reader.of(subscription.language, digest_service.zone_of(subscription))


def members_of(deps: Deps, subscription: DigestSubscription) -> list[str] | None:
    """A user group's members right now (Slack is the source of truth), or None for a channel scope."""
    if subscription.scope != "usergroup" or not subscription.usergroup_id:
        return None
    response = deps.client.usergroups_users_list(usergroup=subscription.usergroup_id)
    return list(response.get("users") or [])


def render(
    deps: Deps, subscription: DigestSubscription, week: Week, members: list[str] | None
) -> tuple[DigestReport, str, list[dict[str, Any]]]:
    with transaction(deps.sessions) as session:
        report = digest_service.compute_report(
            session, settings=deps.settings, subscription=subscription, week=week, members=members
        )
    text, blocks = digest_blocks.digest_message(
        report, channel_reader(subscription), channel_id=subscription.channel_id, scope=subscription.scope
    )
    return report, text, blocks


def deliver_digest(
    deps: Deps, subscription: DigestSubscription, week: Week, now: datetime, *, dry_run: bool = False
) -> DigestResult:
    """Claim, compute, post, record — or, in a dry run, only compute."""

    def result(status: str, text: str = "", error: str | None = None) -> DigestResult:
        return DigestResult(subscription.team_id, subscription.channel_id, week.key, status, text, error)

    if dry_run:
        with transaction(deps.sessions) as session:
            if digest_service.is_settled(
                session, subscription_id=subscription.id, week_key=week.key, now=now
            ):
                return result("already")
        try:
            _report, text, _blocks = render(deps, subscription, week, members_of(deps, subscription))
        except SlackApiError as error:
            return result("failed", error=str(error.response.get("error") or "slack_error"))
        return result("would_post", text)

    with transaction(deps.sessions) as session:
        claimed = digest_service.claim(session, subscription_id=subscription.id, week_key=week.key, now=now)
    if not claimed:
        return result("already")
    try:
        _report, text, blocks = render(deps, subscription, week, members_of(deps, subscription))
        posted = deps.messenger.post(subscription.channel_id, text=text, blocks=blocks)
    except SlackApiError as error:
        code = str(error.response.get("error") or "slack_error")
        logger.warning("digest for %s %s not posted: %s", subscription.channel_id, week.key, code)
        with transaction(deps.sessions) as session:
            if code in PERMANENT_ERRORS:
                digest_service.mark_failed(
                    session,
                    subscription_id=subscription.id,
                    week_key=week.key,
                    error=code,
                    deactivate=code in GONE_ERRORS,
                )
            else:
                digest_service.release(
                    session, subscription_id=subscription.id, week_key=week.key, error=code
                )
        if code in PERMANENT_ERRORS:
            _tell_subscriber(deps, subscription, code)
        return result("failed", error=code)
    except Exception as error:  # a bug must not take the other channels down; the lease retries later
        logger.exception("digest for %s %s failed", subscription.channel_id, week.key)
        with transaction(deps.sessions) as session:
            digest_service.release(
                session, subscription_id=subscription.id, week_key=week.key, error=repr(error)
            )
        return result("failed", error=type(error).__name__)
    with transaction(deps.sessions) as session:
        digest_service.mark_posted(
            session, subscription_id=subscription.id, week_key=week.key, now=now, message_ts=posted.ts
        )
    return result("posted", text)


def _tell_subscriber(deps: Deps, subscription: DigestSubscription, code: str) -> None:
    reader = deps.people.reader(subscription.team_id, subscription.created_by)
    text = digest_blocks.failure_notice(reader, channel_id=subscription.channel_id, error=code)
    deps.messenger.dm(subscription.created_by, text=text, blocks=[])


def post_due_digests(deps: Deps, now: datetime, *, dry_run: bool = False) -> list[DigestResult]:
    """Every digest due at ``now`` (the scheduler calls this each minute; cheap when nothing is due)."""
    with transaction(deps.sessions) as session:
        due = digest_service.due_digests(session, now=now)
    return [deliver_digest(deps, item.subscription, item.week, now, dry_run=dry_run) for item in due]


def post_channel_digest(
    deps: Deps, now: datetime, channel_id: str, *, dry_run: bool = False
) -> list[DigestResult]:
    """Last week's digest for one channel now, whatever its schedule (still never twice a week)."""
    with transaction(deps.sessions) as session:
        subscriptions = digest_service.active_subscriptions(session, channel_id=channel_id)
    return [
        deliver_digest(deps, sub, digest_service.last_week(sub, now), now, dry_run=dry_run)
        for sub in subscriptions
    ]


def digest_job(deps: Deps, now: datetime) -> None:
    """The scheduler's periodic job."""
    for result in post_due_digests(deps, now):
        logger.info("digest %s", result.line())
