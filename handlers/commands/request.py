"""``/request``: file a request from text, open the form, or run a subcommand (help, list, …)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import requests as blocks
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.parsing import ParseError, guess_kind, parse_request_command
from bot.people import reader_for
from bot.services import requests as request_service
from bot.services.agreement import end_of_day
from bot.services.requests import ServiceError
from handlers.commands import digest, language
from handlers.filing import Filing, file_and_deliver
from models.db import transaction

logger = logging.getLogger(__name__)

#: A subcommand: handler(deps, body, respond, reader, args). The list is ``SUBCOMMANDS`` below.
Subcommand = Callable[[Deps, dict[str, Any], Respond, Reader, str], None]


def show_help(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    respond(
        response_type="ephemeral",
        text=reader.tr._("How to use /request"),
        blocks=blocks.help_blocks(reader, command=body.get("command", "/request")),
    )


def show_list(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    with transaction(deps.sessions) as session:
        asked_of_me, my_asks = request_service.open_requests_for(
            session, team_id=body["team_id"], user_id=body["user_id"]
        )
        view = blocks.list_blocks(asked_of_me, my_asks, reader)
    respond(response_type="ephemeral", text=reader.tr._("Your open requests"), blocks=view)


def unescape_slack(text: str) -> str:
    """Slack escapes ``&``, ``<`` and ``>`` in command text; store what the person typed (it is escaped
    again, safely, wherever it is shown)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def file_from_text(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, text: str) -> None:
    now = deps.now()
    try:
        draft = parse_request_command(
            unescape_slack(text),
            now=now,
            tz=reader.tz,
            language=reader.tr.language,
            end_of_day=end_of_day(deps.settings),
        )
    except ParseError as error:
        params = dict(error.params)
        if error.code == "missing_assignee" and params.get("name"):
            respond(response_type="ephemeral", text=error_text(reader, "unknown_name", **params))
        else:
            params.setdefault("text", "")
            params.setdefault("assignee", "")
            respond(response_type="ephemeral", text=error_text(reader, error.code, **params))
        return
    if draft.assignee.kind != "user":
        respond(response_type="ephemeral", text=error_text(reader, "usergroup_unsupported"))
        return
    filing = Filing(
        team_id=body["team_id"],
        requester_id=body["user_id"],
        assignee_id=draft.assignee.id,
        text=draft.description,
        kind=guess_kind(draft.description),
        channel_id=body.get("channel_id"),
        within=draft.response_within,
        due=draft.due,
    )
    try:
        request = file_and_deliver(deps, filing, now)
    except ServiceError as error:
        params = {"assignee": draft.assignee.id, **error.params}
        respond(response_type="ephemeral", text=error_text(reader, error.code, **params))
        return
    text, confirmation = blocks.requester_confirmation(request, reader)
    respond(response_type="ephemeral", text=text, blocks=confirmation)


#: Every word ``/request`` understands before it reads the text as a new request (English and German).
SUBCOMMANDS: dict[str, Subcommand] = {
    "help": show_help,
    "hilfe": show_help,
    "?": show_help,
    "list": show_list,
    "liste": show_list,
    "digest": digest.digest_command,
    "zusammenfassung": digest.digest_command,
    "language": language.change_language,
    "sprache": language.change_language,
    "lang": language.change_language,
}


def register(app: App, deps: Deps) -> None:
    @app.command("/request")
    def on_request(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()  # within Slack's 3 seconds, always; the answer follows through response_url
        text = (body.get("text") or "").strip()
        if not text:
            with transaction(deps.sessions) as session:
                reader = reader_for(
                    deps, session, team_id=body["team_id"], user_id=body["user_id"], now=deps.now()
                )
            client.views_open(
                trigger_id=body["trigger_id"],
                view=blocks.new_request_modal(reader, channel_id=body.get("channel_id", "")),
            )
            return
        with transaction(deps.sessions) as session:
            reader = reader_for(
                deps, session, team_id=body["team_id"], user_id=body["user_id"], now=deps.now()
            )
        word, _, rest = text.partition(" ")
        try:
            handler = SUBCOMMANDS.get(word.lower())
            if handler is not None:
                handler(deps, body, respond, reader, rest.strip())
            else:
                file_from_text(deps, body, respond, reader, text)
        except Exception:
            logger.exception("/request failed")
            respond(response_type="ephemeral", text=error_text(reader, "internal"))
