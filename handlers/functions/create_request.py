"""Workflow Builder step *Create a request* (``create_request``): files a request exactly like ``/request``.

Inputs: ``assignee`` (user), ``text``, ``response_time`` (optional, "4h", "2 business days"), ``due_date``
(optional timestamp, unix seconds), ``requester`` (user; map it to *Person who used this workflow* —
Slack hands a step nothing but its inputs). Outputs: ``request_number`` and ``request_url``, a link that
opens the bot's App Home in that workspace, where the request is listed for both people (a request has
no page of its own, and its cards are posted a moment later by the outbox).

Bolt acks ``function_executed`` by itself; the filing runs on the work queue and then completes the
step (``functions.completeSuccess``), or fails it (``functions.completeError``) with the same friendly
words ``/request`` would use, in the requester's language. Slack redelivering the event files nothing
twice (the execution id is the delivery key).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, Complete, Fail

from bot import payloads
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.parsing import Deadline, Duration, ParseError, parse_duration
from bot.services.requests import ServiceError
from handlers.filing import Filing, file

logger = logging.getLogger(__name__)

CALLBACK_ID = "create_request"


@dataclass(frozen=True)
class StepInputs:
    team_id: str
    execution_id: str
    app_id: str
    requester_id: str | None
    assignee_id: str | None
    text: str
    response_time: str | None
    due_date: Any


def read_inputs(body: dict[str, Any], inputs: Any) -> StepInputs:
    """The step's inputs as Slack sent them; shapes are checked here, meaning in ``run_step``."""
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    inputs = inputs if isinstance(inputs, dict) else {}
    execution_id = event.get("function_execution_id")
    if not isinstance(execution_id, str) or not execution_id or len(execution_id) > 64:
        raise payloads.BadPayload("function_execution_id")
    function = event.get("function") if isinstance(event.get("function"), dict) else {}
    app_id = body.get("api_app_id") or function.get("app_id") or ""
    text = inputs.get("text")
    response_time = inputs.get("response_time")
    return StepInputs(
        team_id=payloads.team_of(body),
        execution_id=execution_id,
        app_id=app_id if isinstance(app_id, str) else "",
        requester_id=payloads.optional_user_id(inputs.get("requester") or None, "requester"),
        assignee_id=payloads.optional_user_id(inputs.get("assignee") or None, "assignee"),
        text=text if isinstance(text, str) else "",
        response_time=response_time.strip() or None if isinstance(response_time, str) else None,
        due_date=inputs.get("due_date"),
    )


def register(app: App, deps: Deps) -> None:
    @app.function(CALLBACK_ID)
    def on_create_request(
        body: dict[str, Any], inputs: dict[str, Any], complete: Complete, fail: Fail
    ) -> None:
        step = read_inputs(body, inputs)
        deps.work.submit(lambda: run_step(deps, step, complete, fail), label=CALLBACK_ID)


def request_url(team_id: str, app_id: str) -> str:
    """Slack's deep link to the app's Home tab in that workspace."""
    return f"slack://app?team={team_id}&id={app_id}&tab=home"


def _due(value: Any, now: datetime) -> Deadline | None:
    if value in (None, ""):
        return None
    try:
        seconds = float(value)
        at = datetime.fromtimestamp(seconds, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ServiceError("step_bad_due_date") from None
    if at <= now:
        raise ServiceError("past_date")
    return Deadline(at=at, date_only=False)


def _within(value: str | None) -> Duration | None:
    return parse_duration(value) if value else None


def run_step(deps: Deps, step: StepInputs, complete: Complete, fail: Fail) -> None:
    """File the request, then complete the step with its number and link — or fail it, saying why."""
    now = deps.now()
    try:
        if not step.requester_id:
            raise ServiceError("step_missing_requester")
        if not step.assignee_id:
            raise ServiceError("step_missing_assignee")
        filing = Filing(
            team_id=step.team_id,
            requester_id=step.requester_id,
            assignee_id=step.assignee_id,
            text=step.text,
            within=_within(step.response_time),
            due=_due(step.due_date, now),
            delivery_key=f"function:{step.execution_id}",
        )
        request = file(deps, filing, now=now)
    except (ServiceError, ParseError) as error:
        _fail(deps, step, fail, error_text(_reader(deps, step), error.code, **error.params))
        return
    except Exception:
        logger.exception("the workflow step %s failed", CALLBACK_ID)
        _fail(deps, step, fail, error_text(_reader(deps, step), "internal"))
        return
    if request is None:
        logger.info("workflow step %s was filed before (a redelivery)", step.execution_id)
        return
    try:
        complete(
            outputs={"request_number": request.number, "request_url": request_url(step.team_id, step.app_id)}
        )
    except Exception:
        logger.exception(
            "could not complete workflow step %s (request #%s)", step.execution_id, request.number
        )


def _reader(deps: Deps, step: StepInputs) -> Reader:
    if step.requester_id:
        return deps.people.reader(step.team_id, step.requester_id)
    return deps.people.known_reader(step.team_id, "")


def _fail(deps: Deps, step: StepInputs, fail: Fail, message: str) -> None:
    try:
        fail(error=message)
    except Exception:
        logger.exception("could not fail workflow step %s", step.execution_id)
