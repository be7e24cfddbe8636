"""Filing a request from any surface (command, modal, shortcut): validate, store, deliver, confirm.

Shared by the slash command and the modal so both apply the same checks in the same order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.parsing import Deadline, Duration
from bot.domain.text import MAX_REQUEST_TEXT
from bot.outbox.publish import deliver_card, refresh_homes
from bot.people import lookup_person
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


def check_assignee(
    deps: Deps, session: Session, *, team_id: str, requester_id: str, assignee_id: str, now: datetime
):
    """The person asked must exist, be a human, be active and not be the requester. Returns their info."""
    if assignee_id == requester_id:
        raise ServiceError("self_request")
    person = lookup_person(session, deps.client, team_id=team_id, user_id=assignee_id, now=now)
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


def file_and_deliver(deps: Deps, filing: Filing, now: datetime) -> Request:
    """Store the request (one transaction), then send the assignee their card. Raises ServiceError."""
    text = check_text(filing.text)
    due_at = filing.due.at if filing.due else None
    with transaction(deps.sessions) as session:
        assignee = check_assignee(
            deps,
            session,
            team_id=filing.team_id,
            requester_id=filing.requester_id,
            assignee_id=filing.assignee_id,
            now=now,
        )
        respond_by = response_due(deps.settings, tz=assignee.tz, now=now, within=filing.within)
        if due_at is not None and due_at < respond_by:
            respond_by = due_at  # an answer can't be due after the work itself
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
    with transaction(deps.sessions) as session:
        request = session.merge(request)
        if not deliver_card(deps, session, request, now):
            logger.error("request %s stored but the assignee's DM failed", request.id)
        refresh_homes(
            deps,
            session,
            team_id=request.team_id,
            user_ids=[request.requester_id, request.assignee_id],
            now=now,
        )
    return request
