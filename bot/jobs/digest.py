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
from sqlalchemy import select

from bot.blocks import digest as digest_blocks
from bot.blocks import teams as team_blocks
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.digest_stats import DigestReport, Week
from bot.installations import NotInstalled
from bot.outbox import news
from bot.services import digest as digest_service
from bot.services.digest import DigestTarget, DueDigest
from models import DigestSubscription
from models.db import reading, transaction
from models.outbox import OutboxMessage

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
    response = deps.client_for(subscription.team_id).usergroups_users_list(
        usergroup=subscription.usergroup_id
    )
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
    return report, text, _with_teams(deps, subscription, week, blocks)


def _with_teams(
    deps: Deps, subscription: DigestSubscription, week: Week, blocks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The teams asked this week, as team figures, before the digest's closing note."""
    with reading(deps.sessions) as session:
        numbers = digest_service.team_numbers(
            session, subscription=subscription, week=week, min_group=deps.settings.digest_min_group
        )
    block = team_blocks.digest_teams(numbers, channel_reader(subscription))
    if block is None or len(blocks) >= digest_blocks.MAX_BLOCKS or not blocks:
        return blocks
    return [*blocks[:-1], block, blocks[-1]]


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


def _queue(deps: Deps, item: DueDigest, report: DigestReport, now: datetime) -> DigestResult:
    """Render, then hand the post to the outbox in the transaction that settles the week (exactly once:
    the outbox row's key is the subscription and week)."""
    subscription, week = item.subscription, item.week
    try:
        _report, text, blocks = render(deps, subscription, week, None, report=report)
    except Exception as error:  # a bug must not take the other channels down; the lease retries later
        logger.exception("digest for %s %s failed", subscription.channel_id, week.key)
        _release(deps, item, repr(error))
        return _result(item, "failed", error=type(error).__name__)
    with transaction(deps.sessions) as session:
        digest_service.mark_queued(session, subscription_id=subscription.id, week_key=week.key)
        news.digest(session, subscription, week_key=week.key, text=text, blocks=blocks, now=now)
    return _result(item, "queued", text)


def deliver_digests(
    deps: Deps, due: Sequence[DueDigest], now: datetime, *, dry_run: bool = False, deliver: bool = False
) -> list[DigestResult]:
    """Claim, compute (all at once), render, queue in the outbox — or, in a dry run, only compute and
    render. With ``deliver`` it waits until the posts are out (delivering them itself when no workers
    run in this process). One result per item, in order."""
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
        except NotInstalled:
            if not dry_run:
                _release(deps, item, "not_installed")
            results[position] = _result(item, "failed", error="not_installed")
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
            results[position] = _queue(deps, item, report, now)
    done = [result for result in results if result is not None]
    return _delivered(deps, done) if deliver and not dry_run else done


def _delivered(deps: Deps, results: list[DigestResult]) -> list[DigestResult]:
    """Wait for the queued posts; each result then says how it ended (posted, or failed with Slack's error)."""
    keys = {
        news.digest_key(result.team_id, result.channel_id, result.week_key): result
        for result in results
        if result.status == "queued"
    }
    if not keys:
        return results
    with transaction(deps.sessions) as session:
        ids = dict(
            session.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.id).where(OutboxMessage.dedupe_key.in_(keys))
            ).all()
        )
    started_here = not deps.outbox.running
    if started_here:
        deps.outbox.start()
    try:
        deps.outbox.wait_for(ids.values(), timeout=60)
        if started_here:
            deps.outbox.settle(timeout=10)  # and what followed from them (a note to the subscriber)
    finally:
        if started_here:
            deps.outbox.stop()
    with transaction(deps.sessions) as session:
        rows = {
            row.dedupe_key: (row.state, row.error)
            for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(list(ids.values()))))
        }
    final = []
    for result in results:
        key = news.digest_key(result.team_id, result.channel_id, result.week_key)
        state, error = rows.get(key, (None, None))
        if result.status != "queued" or state is None:
            final.append(result)
        elif state == "sent":
            final.append(
                DigestResult(result.team_id, result.channel_id, result.week_key, "posted", result.text)
            )
        else:
            final.append(
                DigestResult(
                    result.team_id, result.channel_id, result.week_key, "failed", error=error or state
                )
            )
    return final


def deliver_digest(
    deps: Deps, subscription: DigestSubscription, week: Week, now: datetime, *, dry_run: bool = False
) -> DigestResult:
    """One digest through the same flow."""
    [result] = deliver_digests(deps, [DueDigest(subscription, week)], now, dry_run=dry_run)
    return result


def _tell_subscriber(deps: Deps, subscription: DigestSubscription, code: str) -> None:
    with transaction(deps.sessions) as session:
        news.digest_failed(session, subscription, error=code, now=deps.now())


def post_due_digests(
    deps: Deps, now: datetime, *, dry_run: bool = False, deliver: bool = False
) -> list[DigestResult]:
    """Every digest due at ``now`` (the scheduler calls this each minute; cheap when nothing is due)."""
    with transaction(deps.sessions) as session:
        due = digest_service.due_digests(session, now=now)
    if due:
        # Uninstalled (or, with OAuth, never installed) workspaces get no digest; their weeks stay
        # unclaimed, so nothing is used up while the app is away.
        paused = deps.paused_teams()
        due = [item for item in due if item.subscription.team_id not in paused]
    return deliver_digests(deps, due, now, dry_run=dry_run, deliver=deliver) if due else []


# --- one channel on demand, and the list ----------------------------------------------------------


def channel_name(deps: Deps, channel_id: str, team_id: str | None = None) -> str | None:
    """The channel's name as Slack has it now, or None when Slack won't say (or is not installed)."""
    try:
        client = deps.client_for(team_id) if team_id else deps.client
        return client.conversations_info(channel=channel_id)["channel"].get("name")
    except SlackApiError as error:
        logger.info("conversations.info %s: %s", channel_id, error.response.get("error"))
        return None
    except NotInstalled:
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
    return [
        sub
        for sub in subscriptions
        if (channel_name(deps, sub.channel_id, sub.team_id) or "").lower() == name
    ]


def post_channel_digest(
    deps: Deps, now: datetime, channel: str, *, dry_run: bool = False, deliver: bool = False
) -> list[DigestResult]:
    """The week so far for one channel (by id or ``#name``) now, whatever its schedule. Keyed apart from
    the scheduled digest (``2026-W49-so-far``): once per channel and week, and it never uses up the
    scheduled one."""
    due = [DueDigest(sub, digest_service.week_so_far(sub, now)) for sub in find_subscriptions(deps, channel)]
    return deliver_digests(deps, due, now, dry_run=dry_run, deliver=deliver) if due else []


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
        SubscriptionLine(sub, channel_name(deps, sub.channel_id, sub.team_id) if names else None, last)
        for sub, last in overview
    ]


def digest_job(deps: Deps, now: datetime) -> None:
    """The scheduler's periodic job."""
    for result in post_due_digests(deps, now):
        logger.info("digest %s", result.line())
