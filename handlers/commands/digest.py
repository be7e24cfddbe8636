"""``/request digest`` (subscribe a channel, change its settings) and the posting of due digests.

Posting is exactly once per channel and week: the (subscription, week) key is claimed in the
database before anything is sent, so several processes — the scheduler in every replica, or someone
running ``kundenfokus digest`` by hand — never post a week twice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App, Respond
from slack_sdk.errors import SlackApiError

from bot.domain.digest_stats import DigestReport, DigestSettingError, Week, parse_schedule
from bot.services import digest as digest_service
from handlers import digest_blocks
from handlers.blocks import Reader
from handlers.commands.request import subcommand
from handlers.common import Deps, error_text, reader_for, workspace_language
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

_USERGROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^<>]*)?>")


# --- posting --------------------------------------------------------------------------------------


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
                _tell_subscriber(deps, session, subscription, code, now)
            else:
                digest_service.release(
                    session, subscription_id=subscription.id, week_key=week.key, error=code
                )
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


def _tell_subscriber(
    deps: Deps, session: Any, subscription: DigestSubscription, code: str, now: datetime
) -> None:
    reader = reader_for(deps, session, team_id=subscription.team_id, user_id=subscription.created_by, now=now)
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


# --- /request digest ------------------------------------------------------------------------------


def _settings_text(reader: Reader, subscription: DigestSubscription) -> str:
    return digest_blocks.settings_text(
        reader,
        channel_id=subscription.channel_id,
        schedule=digest_service.schedule_of(subscription),
        timezone=subscription.timezone,
        language=subscription.language,
        scope=subscription.scope,
        name_people=subscription.name_people,
    )


def _usergroup_id(deps: Deps, text: str) -> str:
    match = _USERGROUP.search(text)
    if match is None:
        raise DigestSettingError("digest_bad_usergroup")
    try:
        deps.client.usergroups_users_list(usergroup=match.group(1))
    except SlackApiError as error:
        logger.info("user group %s: %s", match.group(1), error.response.get("error"))
        raise DigestSettingError("digest_unknown_usergroup") from None
    return match.group(1)


def _on_off(word: str) -> bool:
    if word in ("on", "an", "ein", "yes", "ja"):
        return True
    if word in ("off", "aus", "no", "nein"):
        return False
    raise DigestSettingError("digest_bad_option", text=word)


@subcommand("digest", "zusammenfassung")
def digest_command(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    """Subscribe, unsubscribe, show or change this channel's digest."""
    team_id, channel_id, user_id = body["team_id"], body.get("channel_id") or "", body["user_id"]
    command = body.get("command", "/request")
    words = args.split()
    first = words[0].lower() if words else ""
    rest = " ".join(words[1:])
    now = deps.now()

    def tell(text: str, *, public: bool = False) -> None:
        respond(response_type="in_channel" if public else "ephemeral", text=text)

    try:
        if first in ("help", "hilfe", "?"):
            tell(digest_blocks.digest_help(reader, command))
            return
        if first in ("preview", "vorschau"):
            _preview(deps, respond, reader, team_id=team_id, channel_id=channel_id, now=now)
            return
        changes: dict[str, Any] = {}
        with transaction(deps.sessions) as session:
            if first in ("", "on", "an", "subscribe", "abonnieren"):
                language = workspace_language(session, deps.settings, team_id)
                subscription, new = digest_service.subscribe(
                    session,
                    settings=deps.settings,
                    team_id=team_id,
                    channel_id=channel_id,
                    user_id=user_id,
                    now=now,
                    language=language,
                )
                if new:
                    announcement = reader.tr._(
                        "<@{user}> subscribed this channel to the weekly Kundenfokus digest: {when}. "
                        "It shows how our internal service went — team numbers and thank-yous, "
                        "nobody is named for lateness.",
                        user=user_id,
                        when=digest_blocks.schedule_text(
                            reader, digest_service.schedule_of(subscription), subscription.timezone
                        ),
                    )
                    tell(announcement, public=True)
                else:
                    tell(
                        _settings_text(reader, subscription)
                        + "\n\n"
                        + digest_blocks.digest_help(reader, command)
                    )
                return
            if first in ("off", "aus", "stop", "unsubscribe", "abbestellen"):
                if digest_service.unsubscribe(session, team_id=team_id, channel_id=channel_id):
                    tell(
                        reader.tr._("<@{user}> turned off the weekly digest for this channel.", user=user_id),
                        public=True,
                    )
                else:
                    tell(error_text(reader, "digest_not_subscribed"))
                return
            if first in ("status", "settings", "einstellungen"):
                subscription = digest_service.find_subscription(
                    session, team_id=team_id, channel_id=channel_id
                )
                if subscription is None or not subscription.active:
                    raise DigestSettingError("digest_not_subscribed")
                tell(_settings_text(reader, subscription))
                return
            current = digest_service.find_subscription(session, team_id=team_id, channel_id=channel_id)
            if current is None or not current.active:
                raise DigestSettingError("digest_not_subscribed")
            if first in ("names", "namen"):
                changes["name_people"] = _on_off(rest.lower())
            elif first in ("group", "gruppe", "usergroup"):
                changes.update(scope="usergroup", usergroup_id=_usergroup_id(deps, rest))
            elif first in ("channel", "kanal"):
                changes["scope"] = "channel"
            elif first in ("timezone", "tz", "zeitzone"):
                changes["timezone"] = rest.strip()
            elif first in ("language", "sprache"):
                changes["language"] = rest.strip().lower()
            else:
                changes["schedule"] = parse_schedule(args, base=digest_service.schedule_of(current))
            subscription = digest_service.configure(
                session, team_id=team_id, channel_id=channel_id, **changes
            )
            summary = _settings_text(reader, subscription)
        if "name_people" in changes:
            headline = (
                reader.tr._(
                    "<@{user}> chose to show names: the digest will list who has items past the agreed time.",
                    user=user_id,
                )
                if changes["name_people"]
                else reader.tr._(
                    "<@{user}> chose the blameless digest: team numbers only, names just for thank-yous.",
                    user=user_id,
                )
            )
        else:
            headline = reader.tr._("<@{user}> changed the weekly digest.", user=user_id)
        tell(headline + "\n" + summary, public=True)
    except DigestSettingError as error:
        params = {"text": args, **error.params}
        tell(error_text(reader, error.code, **params))


def _preview(
    deps: Deps, respond: Respond, reader: Reader, *, team_id: str, channel_id: str, now: datetime
) -> None:
    with transaction(deps.sessions) as session:
        subscription = digest_service.find_subscription(session, team_id=team_id, channel_id=channel_id)
    if subscription is None or not subscription.active:
        raise DigestSettingError("digest_not_subscribed")
    week = digest_service.last_week(subscription, now)
    _report, text, blocks = render(deps, subscription, week, members_of(deps, subscription))
    respond(response_type="ephemeral", text=text, blocks=blocks)


def register(app: App, deps: Deps) -> None:
    """The subcommand registers itself on import (``SUBCOMMANDS``); nothing to add to the app."""
