"""``/request``: file a request from text, open the form, or run a subcommand (help, list, …)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import payloads
from bot.blocks import requests as blocks
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.domain.text import typed_apart
from handlers import settings_forms, team_filing, text_filing
from handlers.commands import absence, digest, language, team
from handlers.commands import views as view_commands
from handlers.common import NOW, Interaction, later

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


def file_from_text(command: Interaction, text: str) -> None:
    """A new request from the command's text: read, asked back where ambiguous, filed once."""
    # The mention up front is Slack's own reference; whatever the person typed as "<…>" arrived escaped
    # (&lt;) and is kept apart, so it can never be taken for one.
    text_filing.file_from_text(command, typed_apart(text))


#: Every word ``/request`` understands before it reads the text as a new request (English and German).
SUBCOMMANDS: dict[str, Subcommand] = {
    "help": show_help,
    "hilfe": show_help,
    "?": show_help,
    "digest": digest.digest_command,
    "zusammenfassung": digest.digest_command,
    "language": language.change_language,
    "sprache": language.change_language,
    "lang": language.change_language,
    **absence.SUBCOMMANDS,
}


def open_form(command: Interaction) -> None:
    command.open_view(
        blocks.new_request_modal(
            command.reader(),
            channel_id=command.channel_id or "",
            team_options=team_filing.team_options(command),
        )
    )


#: ``/request settings`` (``einstellungen``): the personal settings form, which needs the trigger at once.
SETTINGS_WORDS = frozenset({"settings", "einstellungen", "setting", "einstellung", "prefs"})


def open_settings(command: Interaction) -> None:
    settings_forms.open_settings(command)


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
        if word.lower() in SETTINGS_WORDS and not rest.strip():
            later(deps, command, open_settings, priority=NOW)
            return
        if word.lower() in team.TEAM_WORDS:
            later(deps, command, lambda command: team.team_command(command, rest.strip()), priority=NOW)
            return
        shown = view_commands.dispatch(text)  # /request 12, show 12, cancel 12, list …
        if shown is not None:
            later(deps, command, shown)
            return
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
