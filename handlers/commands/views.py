"""``/request 12`` (``#12``, ``show 12``, ``zeige 12``), ``/request cancel 12`` (``abbrechen 12``) and
``/request list [overdue|waiting|done|from @x|to @x]`` (German: ``überfällig``, ``wartend``, ``erledigt``,
``von @x``, ``an @x``) — one place to see a request and act on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.blocks import views as view_blocks
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.domain.list_filters import BadFilter, ListFilter, parse_list_filter, request_number
from bot.services import requests as request_service
from bot.services import views as view_service
from handlers.common import Interaction
from models.db import reading

Work = Callable[[Interaction], None]

SHOW_WORDS = frozenset({"show", "view", "open", "zeige", "zeigen", "anzeigen", "zeig"})
CANCEL_WORDS = frozenset({"cancel", "abbrechen", "stornieren", "storniere", "zurückziehen"})
LIST_WORDS = frozenset({"list", "liste", "ls"})


def dispatch(text: str) -> Work | None:
    """The work for a ``/request`` text that is one of ours, else None (then it is a new request or
    another subcommand)."""
    number = request_number(text)
    if number is not None:
        return lambda command: show(command, number)
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    if word in LIST_WORDS:
        return lambda command: show_list(command, rest)
    if word in SHOW_WORDS or word in CANCEL_WORDS:
        number = request_number(rest)
        if number is None:
            return lambda command: command.tell(error_text(command.reader(), "number_needed", word=word))
        return (
            (lambda command: cancel(command, number))
            if word in CANCEL_WORDS
            else (lambda command: show(command, number))
        )
    return None


def reader_knowing_both(interaction: Interaction, requester_id: str, assignee_id: str) -> Reader:
    """The reader, who also knows the other side's zone (an agreed time then shows both clocks)."""
    people = interaction.deps.people
    zones = {}
    for user in {requester_id, assignee_id} - {interaction.user_id}:
        person = people.get(interaction.team_id, user)
        if person is not None and person.tz:
            try:
                zones[user] = ZoneInfo(person.tz)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return interaction.reader().knowing(interaction.user_id, zones)


def show(interaction: Interaction, number: int) -> None:
    """The request, both people, agreed times, state and history — with the reader's buttons."""
    interaction.reply(*render_request(interaction, number=number))


def render_request(
    interaction: Interaction, *, number: int | None = None, request_id: int | None = None
) -> tuple[str, list[dict]]:
    """``/request 12`` (by number) or *Show* (by id) for the person who asked to see it."""
    with reading(interaction.deps.sessions) as session:
        if number is None:
            number = request_service.load(
                session, team_id=interaction.team_id, request_id=request_id or 0, lock=False
            ).number
        view = view_service.request_view(
            session, team_id=interaction.team_id, number=number, reader_id=interaction.user_id
        )
    # The people look-ups may ask Slack: after the read, never inside it.
    reader = reader_knowing_both(interaction, view.request.requester_id, view.request.assignee_id)
    return view_blocks.request_view_blocks(view, reader, now=interaction.now)


def cancel(interaction: Interaction, number: int) -> None:
    """Cancel by number, through the same service as the Cancel button (only the requester may)."""
    with reading(interaction.deps.sessions) as session:
        view = view_service.request_view(
            session, team_id=interaction.team_id, number=number, reader_id=interaction.user_id
        )
        request_id = view.request.id
    replace(interaction, request_id=request_id).change(request_service.cancel)


def show_list(interaction: Interaction, args: str, *, after: int = 0) -> None:
    reader = interaction.reader()
    try:
        filters = parse_list_filter(args)
    except BadFilter as error:
        code = "list_needs_person" if error.needs_person else "list_bad_filter"
        interaction.tell(error_text(reader, code, text=error.word))
        return
    interaction.reply(*render_list(interaction, filters, after=after))


def render_list(interaction: Interaction, filters: ListFilter, *, after: int = 0) -> tuple[str, list[dict]]:
    reader = replace(interaction.reader(), user_id=interaction.user_id)
    with reading(interaction.deps.sessions) as session:
        page = view_service.list_page(
            session,
            team_id=interaction.team_id,
            user_id=interaction.user_id,
            now=interaction.now,
            filters=filters,
            after=after,
        )
        return view_blocks.list_blocks(page, filters, reader, now=interaction.now)
