"""The one ``@app.error`` handler: whatever breaks in a listener, the person hears it, kindly.

Errors are logged once with their traceback (a malformed payload with one line: it is Slack's or a
stranger's doing, not a bug). The answer fits the surface: a slash command gets it as its ephemeral
reply, a form keeps open with the message under its first field, a click gets an ephemeral line where it
was clicked (or a DM), an App Home shows it, a message event answers in its thread. The language is the
person's if the bot has met them in this process, else the workspace default — the database may be the
very thing that is down.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from bot import payloads
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader, modal, section
from bot.deps import Deps
from bot.people import reader_for_person
from handlers.common import NOW, Interaction, later

logger = logging.getLogger(__name__)


def _code(error: BaseException) -> str:
    if isinstance(error, payloads.BadPayload):
        return "bad_payload"
    if isinstance(error, OperationalError | DBAPIError):
        return "unavailable"
    return "internal"


def _who(body: dict[str, Any]) -> tuple[str | None, str | None]:
    try:
        team = payloads.team_of(body)
    except payloads.BadPayload:
        team = None
    user: Any = None
    for candidate in (
        (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None,
        body.get("user_id"),
        (body.get("event") or {}).get("user") if isinstance(body.get("event"), dict) else None,
    ):
        if isinstance(candidate, str):
            user = candidate
            break
    try:
        return team, payloads.optional_user_id(user)
    except payloads.BadPayload:
        return team, None


def _reader(deps: Deps, team: str | None, user: str | None) -> Reader:
    if team and user:
        return deps.people.known_reader(team, user)
    return reader_for_person(None, deps.settings)


def _first_input(view: Any) -> str | None:
    """The block id of the form's first input (where Slack shows the message), if it can be told."""
    view = view if isinstance(view, dict) else {}
    for block in view.get("blocks") or []:
        if (
            isinstance(block, dict)
            and block.get("type") == "input"
            and isinstance(block.get("block_id"), str)
        ):
            return block["block_id"]
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if isinstance(values, dict):
        return next((key for key in values if isinstance(key, str) and 0 < len(key) <= 255), None)
    return None


def register(app: App, deps: Deps) -> None:
    @app.error
    def on_error(error: BaseException, body: dict[str, Any]) -> BoltResponse:
        body = body if isinstance(body, dict) else {}
        code = _code(error)
        if code == "bad_payload":
            logger.warning("a payload could not be read (%s): %s", body.get("type") or "command", error)
        else:
            logger.error("a listener failed", exc_info=error)
        team, user = _who(body)
        reader = _reader(deps, team, user)
        text = error_text(reader, code)
        kind = body.get("type")
        if body.get("command"):
            return _json({"response_type": "ephemeral", "text": text})
        if kind == "view_submission":
            view = body.get("view") if isinstance(body.get("view"), dict) else {}
            field = _first_input(view)
            if field:
                return _json({"response_action": "errors", "errors": {field: text}})
            return _json({"response_action": "update", "view": _notice_view(reader, text)})
        if team and user:
            interaction = Interaction(deps=deps, team_id=team, user_id=user, now=deps.now())
            try:
                interaction.response_url = payloads.response_url(body.get("response_url"))
            except payloads.BadPayload:
                interaction.response_url = None
            event = body.get("event") if isinstance(body.get("event"), dict) else {}
            if kind == "event_callback" and event.get("type") == "app_home_opened":
                later(deps, interaction, lambda i: _home_notice(i, reader, text), priority=NOW)
            elif kind == "event_callback" and event.get("channel"):
                later(deps, interaction, lambda i: _thread_notice(i, event, text), priority=NOW)
            elif kind != "event_callback":
                later(deps, interaction, lambda i: i.tell(text), priority=NOW)
        return BoltResponse(status=200, body="")


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})


def _notice_view(reader: Reader, text: str) -> dict[str, Any]:
    view = modal("request_error", reader.tr._("Kundenfokus"), reader.tr._("OK"), reader, [section(text)])
    view.pop("submit", None)
    return view


def _home_notice(interaction: Interaction, reader: Reader, text: str) -> None:
    interaction.deps.client_for(interaction.team_id).views_publish(
        user_id=interaction.user_id, view={"type": "home", "blocks": [section(text)]}
    )


def _thread_notice(interaction: Interaction, event: dict[str, Any], text: str) -> None:
    """An ephemeral line in the thread (or the channel) the event came from."""
    try:
        channel = payloads.channel_id(event.get("channel"))
    except payloads.BadPayload:
        return
    if channel is None:
        return
    thread = None
    for candidate in (event.get("thread_ts"), event.get("ts")):
        try:
            thread = payloads.message_ts(candidate)
        except payloads.BadPayload:
            continue
        if thread:
            break
    interaction.deps.client_for(interaction.team_id).chat_postEphemeral(
        channel=channel, user=interaction.user_id, text=text, thread_ts=thread
    )
