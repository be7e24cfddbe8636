"""Filing a request from any surface (command, modal, shortcut): check, store, and say so — once.

Shared by the slash command and the modal so both apply the same checks in the same order. The people
are looked up first (that may ask Slack), then one transaction stores the request and writes its
messages to the outbox (the assignee's card, the requester's confirmation, App Home refreshes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.deps import Deps
from bot.domain.parsing import Deadline, Duration
from bot.domain.person import PersonInfo
from bot.domain.text import MAX_REQUEST_TEXT
from bot.outbox import news
from bot.outbox.news import Origin
from bot.services import deliveries
from bot.services import requests as request_service
from bot.services.agreement import response_due
from bot.services.requests import ServiceError
from models import Request
from models.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filing:
    team_id: str
    requester_id: str
    assignee_id: str
    text: str
    kind: str = "task"
    channel_id: str | None = None
    within: Duration | None = None
    due: Deadline | None = None
    thread_channel_id: str | None = None
    thread_ts: str | None = None
    #: The Slack delivery that asked for it (a command's trigger_id): filed once however often it arrives.
    delivery_key: str | None = None


def check_assignee(deps: Deps, *, team_id: str, requester_id: str, assignee_id: str) -> PersonInfo:
    """The person asked must exist, be a human, be active and not be the requester. Returns their info."""
    if not assignee_id:
        raise ServiceError("unknown_user")
    if assignee_id == requester_id:
        raise ServiceError("self_request")
    person = deps.people.get(team_id, assignee_id)
    if person is None:
        raise ServiceError("unknown_user")
    if person.is_bot:
        raise ServiceError("bot_user", user=assignee_id)
    if person.deleted:
        raise ServiceError("deleted_user", user=assignee_id)
    return person


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ServiceError("missing_text")
    if len(text) > MAX_REQUEST_TEXT:
        raise ServiceError("too_long", length=len(text), limit=MAX_REQUEST_TEXT)
    return text


def file(deps: Deps, filing: Filing, *, now: datetime, origin: Origin | None = None) -> Request | None:
    """Check, then store the request and its messages in one transaction. Raises ServiceError; returns
    None when this delivery was filed before (a retry)."""
    text = check_text(filing.text)
    due_at = filing.due.at if filing.due else None
    assignee = check_assignee(
        deps, team_id=filing.team_id, requester_id=filing.requester_id, assignee_id=filing.assignee_id
    )
    respond_by = response_due(deps.settings, tz=assignee.tz, now=now, within=filing.within)
    if due_at is not None and due_at < respond_by:
        respond_by = due_at  # an answer can't be due after the work itself
    with transaction(deps.sessions) as session:
        if not deliveries.first_time(session, team_id=filing.team_id, key=filing.delivery_key, now=now):
            logger.info("request from delivery %s was filed already", filing.delivery_key)
            return None
        request = request_service.file_request(
            session,
            team_id=filing.team_id,
            requester_id=filing.requester_id,
            assignee_id=filing.assignee_id,
            text=text,
            kind=filing.kind,
            channel_id=filing.channel_id,
            now=now,
            response_due_at=respond_by,
            due_at=due_at,
            thread_channel_id=filing.thread_channel_id,
            thread_ts=filing.thread_ts,
        )
        news.filed(session, request, now=now, origin=origin)
    return request
