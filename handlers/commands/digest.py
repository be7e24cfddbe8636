"""``/request digest``: subscribe a channel, change its settings, preview it (posting: ``bot.jobs.digest``)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from slack_bolt import Respond
from slack_sdk.errors import SlackApiError

from bot.blocks import digest as digest_blocks
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.digest_stats import DigestSettingError, parse_schedule
from bot.jobs.digest import members_of, render
from bot.people import workspace_language
from bot.services import digest as digest_service
from models import DigestSubscription
from models.db import transaction

logger = logging.getLogger(__name__)

_USERGROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^<>]*)?>")


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


def _usergroup_id(deps: Deps, team_id: str, text: str) -> str:
    match = _USERGROUP.search(text)
    if match is None:
        raise DigestSettingError("digest_bad_usergroup")
    try:
        deps.client_for(team_id).usergroups_users_list(usergroup=match.group(1))
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


def digest_command(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    """Subscribe, unsubscribe, show or change this channel's digest."""
    team_id, channel_id, user_id = body["team_id"], body.get("channel_id") or "", body["user_id"]
    command = body.get("command", "/request")
    words = args.split()
    first = words[0].lower() if words else ""
    rest = " ".join(words[1:])
    now = deps.now()

    replies: list[tuple[str, bool]] = []

    def tell(text: str, *, public: bool = False) -> None:
        # Answered once the change is committed, so whatever the person types next sees it.
        replies.append((text, public))

    def work() -> None:
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
                            reader.tr._(
                                "<@{user}> turned off the weekly digest for this channel.", user=user_id
                            ),
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
                    changes.update(scope="usergroup", usergroup_id=_usergroup_id(deps, team_id, rest))
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

    work()
    for text, public in replies:
        respond(response_type="in_channel" if public else "ephemeral", text=text)


def _preview(
    deps: Deps, respond: Respond, reader: Reader, *, team_id: str, channel_id: str, now: datetime
) -> None:
    with transaction(deps.sessions) as session:
        subscription = digest_service.find_subscription(session, team_id=team_id, channel_id=channel_id)
    if subscription is None or not subscription.active:
        raise DigestSettingError("digest_not_subscribed")
    week = digest_service.week_so_far(subscription, now)
    _report, text, blocks = render(deps, subscription, week, members_of(deps, subscription))
    respond(response_type="ephemeral", text=text, blocks=blocks)
