"""Pure Block Kit builders for absences: the note on a confirmation, the requester's "the clocks moved",
the deputy's reminder item, the absent person's card after a take-over, App Home's "you are away".

No Slack calls, no database. Dates of an absence are the absent person's local days.
"""

from __future__ import annotations

from datetime import datetime

from bot.blocks.kit import Block, Reader, actions, button, context, excerpt, section, title
from bot.domain.absence import last_day_away
from bot.domain.text import plain_text
from models import Request

ASK_DEPUTY_ACTION = "request_ask_deputy"
KEEP_ACTION = "request_keep"
TAKE_OVER_ACTION = "request_take_over"
BACK_ACTION = "request_back"


def _until(reader: Reader, person: str, until: datetime | None) -> str | None:
    """The last day away, as that person's local day ("Mon, Dec 28"); None: until further notice."""
    if until is None:
        return None
    zone = reader.zone_of(person) or reader.tz
    return reader.tr.day(last_day_away(until, zone))


def away_line(reader: Reader, *, person: str, until: datetime | None, deputy: str | None) -> str:
    """ "@bob is away until Mon, Dec 28; their deputy is @carol." """
    tr = reader.tr
    day = _until(reader, person, until)
    if day is None and deputy:
        return tr._(
            ":palm_tree: <@{person}> is away until further notice; their deputy is <@{deputy}>.",
            person=person,
            deputy=deputy,
        )
    if day is None:
        return tr._(":palm_tree: <@{person}> is away until further notice.", person=person)
    if deputy:
        return tr._(
            ":palm_tree: <@{person}> is away until {day}; their deputy is <@{deputy}>.",
            person=person,
            day=day,
            deputy=deputy,
        )
    return tr._(":palm_tree: <@{person}> is away until {day}.", person=person, day=day)


def _deputy_buttons(request: Request, reader: Reader, deputy: str) -> Block:
    tr, value = reader.tr, str(request.id)
    return actions(
        button(tr._("Ask the deputy instead"), ASK_DEPUTY_ACTION, value, style="primary"),
        button(tr._("Keep it with them"), KEEP_ACTION, value),
        block_id=f"absence_{request.id}",
    )


def confirmation_note(
    request: Request, reader: Reader, *, until: datetime | None, deputy: str | None
) -> list[Block]:
    """Added to the requester's confirmation when the person asked is away."""
    tr = reader.tr
    line = away_line(reader, person=request.assignee_id, until=until, deputy=deputy)
    blocks: list[Block] = [
        section(
            line
            + "\n"
            + tr._(
                "Their clocks pause while they're away: the times above already count only the days "
                "they are here."
            )
        )
    ]
    if deputy:
        blocks.append(_deputy_buttons(request, reader, deputy))
    return blocks


def slip_message(
    request: Request, reader: Reader, *, until: datetime | None, deputy: str | None
) -> tuple[str, list[Block]]:
    """To the requester: the absence moved a promise of their request; the usual choices."""
    tr = reader.tr
    line = away_line(reader, person=request.assignee_id, until=until, deputy=deputy)
    moved = tr._(
        "So the times of your request {title} move with it: first answer by {response}.",
        title=title(request, reader),
        response=reader.agreed(request.response_due_at, request),
    )
    if request.due_at is not None:
        moved = tr._(
            "So the times of your request {title} move with it: first answer by {response}, due {due}.",
            title=title(request, reader),
            response=reader.agreed(request.response_due_at, request),
            due=reader.due(request),
        )
    blocks: list[Block] = [section(line + "\n" + moved + "\n" + excerpt(request, 200))]
    value = str(request.id)
    if deputy:
        blocks.append(_deputy_buttons(request, reader, deputy))
    else:
        blocks.append(
            actions(
                button(tr._("Ask someone else"), "request_escalate_person", value),
                button(tr._("Keep it with them"), KEEP_ACTION, value),
                block_id=f"absence_{request.id}",
            )
        )
    blocks.append(context(tr._("Only you see this. Nothing is posted unless you choose to.")))
    fallback = tr._("#{number}: the person you asked is away, so its times moved.", number=request.number)
    return plain_text(fallback), blocks


def deputy_line(request: Request, reader: Reader) -> str:
    """A reminder item for the deputy of the request's absent assignee."""
    return reader.tr._(
        "<@{assignee}> is away and you are their deputy. This one is past its agreed time — can you take "
        "it over?",
        assignee=request.assignee_id,
    )


def deputy_buttons(request: Request, reader: Reader) -> Block:
    return actions(
        button(reader.tr._("Take it over"), TAKE_OVER_ACTION, str(request.id), style="primary"),
        block_id=f"deputy_{request.id}",
    )


def taken_over_card(request: Request, reader: Reader, *, asked: bool = False) -> tuple[str, list[Block]]:
    """The absent person's card once the deputy has the request (``asked``: the requester asked the
    deputy instead; else the deputy took it over)."""
    if asked:
        text = reader.tr._(
            ":arrow_right: As you're away, <@{requester}> asked your deputy <@{assignee}> instead: *#{number}* "
            "is theirs now.",
            number=request.number,
            assignee=request.assignee_id,
            requester=request.requester_id,
        )
    else:
        text = reader.tr._(
            ":arrow_right: While you were away, <@{assignee}> took over *#{number}* as your deputy.",
            number=request.number,
            assignee=request.assignee_id,
        )
    return plain_text(text.replace("*", "")), [section(text + "\n" + excerpt(request))]


def home_absence(reader: Reader, *, user_id: str, until: datetime | None, deputy: str | None) -> list[Block]:
    """App Home: you are away (until …, deputy …), with a button to end it."""
    tr = reader.tr
    day = _until(reader, user_id, until)
    if day is None:
        line = tr._(":palm_tree: *You are away* until further notice.")
    else:
        line = tr._(":palm_tree: *You are away* until {day}.", day=day)
    if deputy:
        line += " " + tr._("Your deputy is <@{deputy}>.", deputy=deputy)
    line += "\n" + tr._("Your clocks are paused and no reminders reach you.")
    return [
        section(line),
        actions(button(tr._("I'm back"), BACK_ACTION, "back", style="primary"), block_id="home_absence"),
    ]


def away_saved(
    reader: Reader, *, user_id: str, until: datetime | None, deputy: str | None, moved: int
) -> str:
    """The answer to ``/request away …``."""
    tr = reader.tr
    day = _until(reader, user_id, until)
    text = tr._(":palm_tree: Enjoy your time away! You are away until {day}.", day=day or "?")
    if deputy:
        text += " " + tr._(
            "<@{deputy}> is your deputy: they get the reminders about your overdue requests.", deputy=deputy
        )
    text += " " + tr._(
        "New requests to you tell the requester at once, and your clocks pause until you're back."
    )
    if moved:
        text += " " + tr.n_(
            "The times of {n} request for you moved with it.",
            "The times of {n} requests for you moved with it.",
            moved,
        )
    text += "\n" + tr._("Back earlier? `/request back`.")
    return text


def back_saved(reader: Reader, *, moved: int) -> str:
    tr = reader.tr
    text = tr._(":wave: Welcome back! Your clocks run again.")
    if moved:
        text += " " + tr.n_(
            "The times of {n} request for you moved back to match.",
            "The times of {n} requests for you moved back to match.",
            moved,
        )
    return text
