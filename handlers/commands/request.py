"""``/request``: file a request from text, open the form, or run a subcommand (help, list, …)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import payloads
from bot.blocks import requests as blocks
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.parsing import ParseError, guess_kind, parse_request_command
from bot.domain.text import from_slack, typed_apart
from bot.services import requests as request_service
from bot.services.agreement import end_of_day
from bot.services.requests import ServiceError
from handlers.commands import digest, language
from handlers.common import NOW, Interaction, later
from handlers.filing import Filing, file
from models.db import reading

logger = logging.getLogger(__name__)

#: A subcommand: handler(deps, body, respond, reader, args). The list is ``SUBCOMMANDS`` below.
Subcommand = Callable[[Deps, dict[str, Any], Respond, Reader, str], None]
#: Slack sends at most 4,000 characters of command text.
MAX_COMMAND_TEXT = 4_000


def show_help(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    respond(
        response_type="ephemeral",
        text=reader.tr._("How to use /request"),
        blocks=blocks.help_blocks(reader, command=body.get("command", "/request")),
    )


def show_list(deps: Deps, body: dict[str, Any], respond: Respond, reader: Reader, args: str) -> None:
    with reading(deps.sessions) as session:
        asked_of_me, my_asks = request_service.open_requests_for(
            session, team_id=body["team_id"], user_id=body["user_id"]
        )
        view = blocks.list_blocks(asked_of_me, my_asks, reader)
    respond(response_type="ephemeral", text=reader.tr._("Your open requests"), blocks=view)


def file_from_text(command: Interaction, text: str) -> None:
    reader = command.reader()
    deps, now = command.deps, command.now
    try:
        # The mention up front is Slack's own reference; whatever the person typed as "<…>" arrived
        # escaped (&lt;) and is kept apart, so it can never be taken for one.
        draft = parse_request_command(
            typed_apart(text),
            now=now,
            tz=reader.tz,
            language=reader.tr.language,
            end_of_day=end_of_day(deps.settings),
        )
    except ParseError as error:
        params = {
            key: from_slack(value) if isinstance(value, str) else value for key, value in error.params.items()
        }
        if error.code == "missing_assignee" and params.get("name"):
            command.tell(error_text(reader, "unknown_name", **params))
        else:
            params.setdefault("text", "")
            params.setdefault("assignee", "")
            command.tell(error_text(reader, error.code, **params))
        return
    if draft.assignee.kind != "user":
        command.tell(error_text(reader, "usergroup_unsupported"))
        return
    filing = Filing(
        team_id=command.team_id,
        requester_id=command.user_id,
        assignee_id=draft.assignee.id,
        text=from_slack(draft.description),
        kind=guess_kind(draft.description),
        channel_id=command.channel_id,
        within=draft.response_within,
        due=draft.due,
        delivery_key=f"trigger:{command.trigger_id}" if command.trigger_id else None,
    )
    try:
        file(deps, filing, now=now, origin=command.origin)
    except ServiceError as error:
        command.tell(error_text(reader, error.code, **{"assignee": draft.assignee.id, **error.params}))


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


def open_form(command: Interaction) -> None:
    command.open_view(blocks.new_request_modal(command.reader(), channel_id=command.channel_id or ""))


def register(app: App, deps: Deps) -> None:
    @app.command("/request")
    def on_request(ack: Ack, body: dict[str, Any]) -> None:
        command = Interaction.from_command(deps, body)
        text = payloads.text(body.get("text"), limit=MAX_COMMAND_TEXT).strip()
        ack()  # within Slack's 3 seconds, always; the answer follows through response_url
        if not text:
            later(deps, command, open_form, priority=NOW)
            return
        word, _, rest = text.partition(" ")
        handler = SUBCOMMANDS.get(word.lower())
        if handler is None:
            later(deps, command, lambda command: file_from_text(command, text))
            return

        def subcommand(command: Interaction) -> None:
            respond = (
                Respond(response_url=command.response_url) if command.response_url else _dm_respond(command)
            )
            handler(deps, body, respond, command.reader(), rest.strip())

        later(deps, command, subcommand)


def _dm_respond(command: Interaction) -> Respond:
    """Without a response_url (a replayed command), answers reach the person as a DM."""

    class _DirectMessage(Respond):
        def __call__(self, text: str = "", blocks: Any = None, **_ignored: Any) -> Any:  # type: ignore[override]
            command.reply(text, blocks)

    return _DirectMessage(response_url=None)
