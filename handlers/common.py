"""What every listener shares: its dependencies, the reader of a message, and friendly error texts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import N_, language_for
from bot.services import requests as request_service
from bot.services.agreement import zone_or_default
from bot.services.reminders import sent_messages_about
from bot.services.requests import ServiceError
from bot.slack import Messenger, PersonInfo, lookup_person
from handlers import blocks
from handlers.blocks import Reader
from handlers.reminder_blocks import ReminderItem, reminder_message
from models import Request, Workspace
from models.db import transaction

logger = logging.getLogger(__name__)


@dataclass
class Deps:
    """Handed to every ``register(app, deps)``: no globals, everything replaceable in tests."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    client: WebClient

    @property
    def messenger(self) -> Messenger:
        return Messenger(self.client)

    def now(self) -> datetime:
        return self.clock()


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction payload (``team`` is absent for some Enterprise Grid payloads)."""
    return body["team"]["id"] if body.get("team") else body["user"]["team_id"]


def action_ids(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, str, int | None]:
    """(team, user, request id) of a button click; the id is None when the value is not a number."""
    try:
        request_id: int | None = int(action.get("value", ""))
    except ValueError:
        request_id = None
    return team_of(body), body["user"]["id"], request_id


ERRORS: dict[str, str] = {
    "not_found": N_("I can't find that request any more."),
    "not_assignee": N_("Only <@{assignee_id}>, who was asked, can answer request *#{number}*."),
    "not_requester": N_("Only <@{requester_id}>, who asked, can cancel request *#{number}*."),
    "already_closed": N_("Request *#{number}* is already closed ({state}), so nothing changed."),
    "self_request": N_("You can't file a request to yourself — but a note to self never hurts."),
    "reassign_same": N_("That's the person it is already assigned to."),
    "reassign_to_requester": N_(
        "The request came from that person, so it can't go back to them. Decline it instead?"
    ),
    "reason_required": N_("Please give a short reason, so the requester knows what to do next."),
    "past_date": N_("That moment has already passed. Please pick a time in the future."),
    "missing_assignee": N_(
        "Whom should I ask? Start with an @mention, e.g. `/request @bob Send the Q3 numbers`."
    ),
    "unknown_name": N_(
        "I couldn't find *@{name}*. Pick the person from Slack's suggestions so the mention turns blue."
    ),
    "missing_description": N_(
        "What do you need from <@{assignee}>? Add a short description after the mention."
    ),
    "bad_duration": N_(
        "I didn't understand the time *{text}*. Try `4h`, `30m`, `2 days` or `2 business days`."
    ),
    "zero_duration": N_("A response time of zero is too short — give at least a few minutes."),
    "duration_too_long": N_("That response time is very long. Please keep it within 60 working days."),
    "ambiguous_date": N_("*{text}* could mean two dates. Please write it as 2026-12-04 or name the month."),
    "invalid_date": N_("*{text}* isn't a date that exists."),
    "unparseable_date": N_(
        "I didn't understand the date *{text}*. Try `by Friday`, `by tomorrow 3pm` or `by 2026-12-04`."
    ),
    "date_too_far": N_("That date is more than two years away. Please pick an earlier one."),
    "too_long": N_(
        "That's {length} characters; please keep a request under {limit}. Put the details in a doc and link it."
    ),
    "reason_too_long": N_("That's {length} characters; please keep the reason under {limit}."),
    "missing_text": N_("Please describe what you need."),
    "unknown_user": N_("I can't find that person in this workspace."),
    "bot_user": N_("<@{user}> is a bot and can't answer requests. Please ask a person."),
    "deleted_user": N_("<@{user}> is no longer active in this workspace. Please ask someone else."),
    "usergroup_unsupported": N_("Requests to a whole team aren't supported yet — please pick one person."),
    "rating_not_requester": N_("Only <@{requester_id}>, who asked, can rate request *#{number}*."),
    "rating_not_done": N_("Request *#{number}* isn't done yet, so there's nothing to rate."),
    "rating_bad_score": N_("Please pick between {low} and {high} stars."),
    "rating_score_missing": N_("Please pick a number of stars first."),
    "digest_needs_channel": N_(
        "The digest is posted in a channel. Please run this in the channel that should get it."
    ),
    "digest_not_subscribed": N_(
        "This channel doesn't get the digest yet. Subscribe it with `/request digest`."
    ),
    "digest_bad_schedule": N_(
        "I didn't understand *{text}*. Try `/request digest monday 9:00` or `/request digest help`."
    ),
    "digest_bad_time": N_("*{text}* isn't a time of day. Try 9:00 or 16:30."),
    "digest_bad_timezone": N_(
        "*{text}* isn't a time zone I know. Try one like Europe/Berlin or America/New_York."
    ),
    "digest_bad_language": N_("I can write the digest in `en` or `de`, not *{text}*."),
    "digest_bad_option": N_("I didn't understand *{text}*. `/request digest help` lists the settings."),
    "digest_bad_usergroup": N_(
        "Pick the user group from Slack's suggestions, e.g. `/request digest group @team`."
    ),
    "digest_unknown_usergroup": N_("I can't see that user group. Is it still active, and may I read it?"),
    "proposal_needs_time": N_("Please propose a new time for the first answer, the due date, or both."),
    "proposal_unchanged": N_(
        "Those are the times already agreed for *#{number}*, so there's nothing to propose."
    ),
    "not_requester_decide": N_(
        "Only <@{requester_id}>, who asked, can accept or keep the times for request *#{number}*."
    ),
    "no_pending_proposal": N_(
        "That proposal for *#{number}* has already been decided or replaced by a newer one, so nothing changed."
    ),
    "not_requester_escalate": N_(
        "Only <@{requester_id}>, who asked, can ask others for help with *#{number}*."
    ),
    "escalate_no_channel": N_(
        "Request *#{number}* wasn't filed in a channel. You could ask a person for help instead."
    ),
    "escalate_channel_failed": N_(
        "I couldn't post in <#{channel}> — it may be archived, or I'm not a member there. "
        "You could ask a person for help instead."
    ),
    "escalate_same_person": N_("Please pick someone other than yourself and <@{assignee}>."),
    "internal": N_(
        "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
    ),
}


def error_text(reader: Reader, code: str, **params: Any) -> str:
    message = ERRORS.get(code, ERRORS["internal"])
    if "state" in params:
        params["state"] = blocks.state_label(reader, params["state"])
    try:
        return reader.tr._(message, **params)
    except (KeyError, IndexError):
        logger.exception("error text %s lacks parameters %s", code, params)
        return reader.tr._(ERRORS["internal"])


def refuse(deps: Deps, respond: Any, *, team_id: str, user_id: str, error: ServiceError) -> None:
    """Only the person who clicked learns, in their language, why nothing changed."""
    with transaction(deps.sessions) as session:
        reader = reader_for(deps, session, team_id=team_id, user_id=user_id, now=deps.now())
    respond(
        response_type="ephemeral", replace_original=False, text=error_text(reader, error.code, **error.params)
    )


def workspace_language(session: Session, settings: Settings, team_id: str) -> str:
    workspace = session.get(Workspace, team_id)
    return (workspace.language if workspace and workspace.language else None) or settings.language


def reader_for_person(
    person: PersonInfo | None, settings: Settings, default_language: str | None = None
) -> Reader:
    if person is None:
        return Reader.of(default_language or settings.language, settings.timezone)
    language = language_for(person.locale, person.language_override, default_language or settings.language)
    return Reader.of(language, zone_or_default(person.tz, settings))


def reader_for(deps: Deps, session: Session, *, team_id: str, user_id: str, now: datetime) -> Reader:
    """The reader of a message to ``user_id``: their Slack locale and time zone, or the workspace's."""
    try:
        person = lookup_person(session, deps.client, team_id=team_id, user_id=user_id, now=now)
    except Exception:
        logger.exception("could not look up %s; writing in the workspace defaults", user_id)
        person = None
    return reader_for_person(person, deps.settings, workspace_language(session, deps.settings, team_id))


def refresh_card(deps: Deps, session: Session, request: Request, now: datetime) -> None:
    """Re-render the assignee's card in place so it always shows the request's current state."""
    if not (request.assignee_channel_id and request.assignee_message_ts):
        return
    reader = reader_for(deps, session, team_id=request.team_id, user_id=request.assignee_id, now=now)
    text, card = blocks.assignee_card(request, reader)
    deps.messenger.update(request.assignee_channel_id, request.assignee_message_ts, text=text, blocks=card)


def refresh_reminders(deps: Deps, session: Session, request: Request, now: datetime) -> None:
    """Reminder messages that listed this request show its new state too, so no stale buttons linger."""
    for message in sent_messages_about(session, request_id=request.id):
        reader = reader_for(deps, session, team_id=message.team_id, user_id=message.recipient_id, now=now)
        items = [ReminderItem(listed, step, key) for listed, step, key in message.rows]
        text, redrawn = reminder_message(items, reader)
        deps.messenger.update(message.channel_id, message.message_ts, text=text, blocks=redrawn)


def deliver_card(deps: Deps, session: Session, request: Request, now: datetime) -> bool:
    """Send the assignee their card by DM and remember where it is."""
    reader = reader_for(deps, session, team_id=request.team_id, user_id=request.assignee_id, now=now)
    text, card = blocks.assignee_card(request, reader)
    posted = deps.messenger.dm(request.assignee_id, text=text, blocks=card)
    if posted is None:
        return False
    request_service.remember_card(session, request=request, channel_id=posted.channel, message_ts=posted.ts)
    return True


def publish_outcome(deps: Deps, session: Session, outcome: request_service.Outcome, now: datetime) -> None:
    """After any change: the assignee's card shows the new state, and the other side is told."""
    request = outcome.request
    if not outcome.changed:
        return
    if outcome.kind == "reassigned":
        old_channel, old_ts = outcome.detail.get("previous_message") or (None, None)
        previous = outcome.detail["from_assignee_id"]
        previous_reader = reader_for(deps, session, team_id=request.team_id, user_id=previous, now=now)
        text, card = blocks.previous_assignee_handed_over(request, previous_reader)
        if old_channel and old_ts:
            deps.messenger.update(old_channel, old_ts, text=text, blocks=card)
        deliver_card(deps, session, request, now)
    else:
        refresh_card(deps, session, request, now)
    refresh_reminders(deps, session, request, now)
    # Local imports: these feature modules build on this one.
    from handlers.actions.feedback import send_rating_prompt
    from handlers.events.app_home import refresh_homes

    if outcome.kind == "cancelled":
        reader = reader_for(deps, session, team_id=request.team_id, user_id=request.assignee_id, now=now)
        text, message = blocks.assignee_cancelled(request, reader)
        deps.messenger.dm(request.assignee_id, text=text, blocks=message)
    elif outcome.kind == "done":
        send_rating_prompt(deps, session, request, now)  # the news and "how did it go?" in one DM
    elif outcome.kind in blocks.REQUESTER_NEWS:
        reader = reader_for(deps, session, team_id=request.team_id, user_id=request.requester_id, now=now)
        text, message = blocks.requester_news(request, outcome.kind, reader, outcome.detail)
        deps.messenger.dm(request.requester_id, text=text, blocks=message)
    involved = [request.requester_id, request.assignee_id, outcome.detail.get("from_assignee_id")]
    refresh_homes(deps, session, team_id=request.team_id, user_ids=[u for u in involved if u], now=now)
