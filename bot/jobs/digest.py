"""Posting the weekly digests: exactly once per channel and week.

The flow for every digest: claim the (subscription, week) key → compute → render → post → mark posted.
All digests due at one moment go through it together: first every key is claimed (in one transaction,
in a fixed order, so racing processes never deadlock), then the numbers of all claimed digests are
computed at once (``digest_service.compute_reports``, set-based), then each is rendered, posted and
marked on its own — a failure ends only that channel's digest. The key is claimed in the database
before anything is sent, so several processes — the scheduler in every replica, or someone running
``kundenfokus digest`` by hand — never post a week twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks import digest as digest_blocks
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.digest_stats import DigestReport, Week
from bot.services import digest as digest_service
from bot.services.digest import DigestTarget, DueDigest
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
    deps: Deps,
    subscription: DigestSubscription,
    week: Week,
    members: list[str] | None,
    *,
    report: DigestReport | None = None,
) -> tuple[DigestReport, str, list[dict[str, Any]]]:
    """The digest message for ``week``: computes its numbers unless they were computed already."""
    if report is None:
        with transaction(deps.sessions) as session:
            report = digest_service.compute_report(
                session, settings=deps.settings, subscription=subscription, week=week, members=members
            )
    text, blocks = digest_blocks.digest_message(
        report, channel_reader(subscription), channel_id=subscription.channel_id, scope=subscription.scope
    )
    return report, text, blocks


def _result(item: DueDigest, status: str, text: str = "", error: str | None = None) -> DigestResult:
    subscription = item.subscription
    return DigestResult(subscription.team_id, subscription.channel_id, item.week.key, status, text, error)


def _claim_all(deps: Deps, due: Sequence[DueDigest], now: datetime, *, dry_run: bool) -> list[bool]:
    """Claim every (subscription, week) key (a dry run only looks whether it is settled)."""
    with transaction(deps.sessions) as session:
        if dry_run:
            settled = digest_service.settled(
                session, pairs=[(item.subscription.id, item.week.key) for item in due], now=now
            )
            return [(item.subscription.id, item.week.key) not in settled for item in due]
        claimed = dict.fromkeys(range(len(due)), False)
        # One order for every process: two racing runs never wait on each other's claims in a circle.
        for position in sorted(range(len(due)), key=lambda i: (due[i].subscription.id, due[i].week.key)):
            item = due[position]
            claimed[position] = digest_service.claim(
                session, subscription_id=item.subscription.id, week_key=item.week.key, now=now
            )
        return [claimed[position] for position in range(len(due))]


def _release(deps: Deps, item: DueDigest, error: str) -> None:
    with transaction(deps.sessions) as session:
        digest_service.release(
            session, subscription_id=item.subscription.id, week_key=item.week.key, error=error
        )


def _slack_failed(deps: Deps, item: DueDigest, code: str, now: datetime) -> DigestResult:
    subscription = item.subscription
    logger.warning("digest for %s %s not posted: %s", subscription.channel_id, item.week.key, code)
    with transaction(deps.sessions) as session:
        if code in PERMANENT_ERRORS:
            digest_service.mark_failed(
                session,
                subscription_id=subscription.id,
                week_key=item.week.key,
                error=code,
                deactivate=code in GONE_ERRORS,
            )
        else:
            digest_service.release(
                session, subscription_id=subscription.id, week_key=item.week.key, error=code
            )
    if code in PERMANENT_ERRORS:
        _tell_subscriber(deps, subscription, code)
    return _result(item, "failed", error=code)


def _post(deps: Deps, item: DueDigest, report: DigestReport, now: datetime) -> DigestResult:
    """Render → post → mark posted, for one claimed digest whose numbers are computed."""
    subscription, week = item.subscription, item.week
    try:
        _report, text, blocks = render(deps, subscription, week, None, report=report)
        posted = deps.messenger.post(subscription.channel_id, text=text, blocks=blocks)
    except SlackApiError as error:
        return _slack_failed(deps, item, str(error.response.get("error") or "slack_error"), now)
    except Exception as error:  # a bug must not take the other channels down; the lease retries later
        logger.exception("digest for %s %s failed", subscription.channel_id, week.key)
        _release(deps, item, repr(error))
        return _result(item, "failed", error=type(error).__name__)
    with transaction(deps.sessions) as session:
        digest_service.mark_posted(
            session, subscription_id=subscription.id, week_key=week.key, now=now, message_ts=posted.ts
        )
    return _result(item, "posted", text)


def deliver_digests(
    deps: Deps, due: Sequence[DueDigest], now: datetime, *, dry_run: bool = False
) -> list[DigestResult]:
    """Claim, compute (all at once), render, post, record — or, in a dry run, only compute and render.
    One result per item, in order."""
    results: list[DigestResult | None] = [None] * len(due)
    ours = _claim_all(deps, due, now, dry_run=dry_run)
    targets: list[tuple[int, DigestTarget]] = []
    for position, (item, claimed) in enumerate(zip(due, ours, strict=True)):
        if not claimed:
            results[position] = _result(item, "already")
            continue
        try:
            members = members_of(deps, item.subscription)
        except SlackApiError as error:
            code = str(error.response.get("error") or "slack_error")
            results[position] = (
                _result(item, "failed", error=code) if dry_run else _slack_failed(deps, item, code, now)
            )
            continue
        targets.append((position, DigestTarget(item.subscription, item.week, members)))

    try:
        with transaction(deps.sessions) as session:
            reports = digest_service.compute_reports(
                session, settings=deps.settings, targets=[target for _position, target in targets]
            )
    except Exception as error:  # nothing was posted; every claim is retried after the lease
        logger.exception("computing %d digests failed", len(targets))
        for position, _target in targets:
            if not dry_run:
                _release(deps, due[position], repr(error))
            results[position] = _result(due[position], "failed", error=type(error).__name__)
        return [result for result in results if result is not None]

    for (position, _target), report in zip(targets, reports, strict=True):
        item = due[position]
        if dry_run:
            _report, text, _blocks = render(deps, item.subscription, item.week, None, report=report)
            results[position] = _result(item, "would_post", text)
        else:
            results[position] = _post(deps, item, report, now)
    return [result for result in results if result is not None]


def deliver_digest(
    deps: Deps, subscription: DigestSubscription, week: Week, now: datetime, *, dry_run: bool = False
) -> DigestResult:
    """One digest through the same flow."""
    [result] = deliver_digests(deps, [DueDigest(subscription, week)], now, dry_run=dry_run)
    return result


def _tell_subscriber(deps: Deps, subscription: DigestSubscription, code: str) -> None:
    reader = deps.people.reader(subscription.team_id, subscription.created_by)
    text = digest_blocks.failure_notice(reader, channel_id=subscription.channel_id, error=code)
    deps.messenger.dm(subscription.created_by, text=text, blocks=[])


def post_due_digests(deps: Deps, now: datetime, *, dry_run: bool = False) -> list[DigestResult]:
    """Every digest due at ``now`` (the scheduler calls this each minute; cheap when nothing is due)."""
    with transaction(deps.sessions) as session:
        due = digest_service.due_digests(session, now=now)
    return deliver_digests(deps, due, now, dry_run=dry_run) if due else []


# --- one channel on demand, and the list ----------------------------------------------------------


def channel_name(deps: Deps, channel_id: str) -> str | None:
    """The channel's name as Slack has it now, or None when Slack won't say."""
    try:
        return deps.client.conversations_info(channel=channel_id)["channel"].get("name")
    except SlackApiError as error:
        logger.info("conversations.info %s: %s", channel_id, error.response.get("error"))
        return None


def find_subscriptions(deps: Deps, channel: str) -> list[DigestSubscription]:
    """Active subscriptions of a channel given by id (``C0123``) or name (``#team``, ``team``).

    A name is matched against the subscribed channels only (only they can get a digest), each looked
    up with conversations.info — no listing of the whole workspace needed.
    """
    wanted = channel.strip()
    with transaction(deps.sessions) as session:
        if not wanted.startswith("#"):
            by_id = digest_service.active_subscriptions(session, channel_id=wanted)
            if by_id or not wanted:
                return by_id
        subscriptions = digest_service.active_subscriptions(session)
    name = wanted.removeprefix("#").lower()
    return [sub for sub in subscriptions if (channel_name(deps, sub.channel_id) or "").lower() == name]


def post_channel_digest(
    deps: Deps, now: datetime, channel: str, *, dry_run: bool = False
) -> list[DigestResult]:
    """The week so far for one channel (by id or ``#name``) now, whatever its schedule. Keyed apart from
    the scheduled digest (``2026-W49-so-far``): once per channel and week, and it never uses up the
    scheduled one."""
    due = [DueDigest(sub, digest_service.week_so_far(sub, now)) for sub in find_subscriptions(deps, channel)]
    return deliver_digests(deps, due, now, dry_run=dry_run) if due else []


@dataclass(frozen=True)
class SubscriptionLine:
    """One row of ``kundenfokus digest --list``."""

    subscription: DigestSubscription
    channel_name: str | None
    last_posted: str | None


def list_subscriptions(deps: Deps, *, names: bool = True) -> list[SubscriptionLine]:
    """Every subscription with its channel's name (when Slack is reachable) and the last posted week."""
    with transaction(deps.sessions) as session:
        overview = digest_service.subscriptions_overview(session)
    return [
        SubscriptionLine(sub, channel_name(deps, sub.channel_id) if names else None, last)
        for sub, last in overview
    ]


def digest_job(deps: Deps, now: datetime) -> None:
    """The scheduler's periodic job."""
    for result in post_due_digests(deps, now):
        logger.info("digest %s", result.line())
