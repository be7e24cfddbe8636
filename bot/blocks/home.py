"""Pure builder for App Home: a person's own dashboard, private to them.

Asked of them (most urgent first, overdue ones marked), their asks with the promised times, recently
done (with a way to rate), and their numbers this month. Each item carries the main buttons of the
reader's role; *New request* opens the form and *Show all* the whole list, page by page. Never more
than Slack's 100 blocks: long lists end with "and N more" (and *Show all*).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks.card import cancel_button, confirm_done
from bot.blocks.digest import decimal, percent, working_time
from bot.blocks.feedback import DETAILS_ACTION, stars
from bot.blocks.kit import Block, Reader, actions, button, context, section, state_label, urgent_marker
from bot.blocks.teams import CLAIM_ACTION, team_ref
from bot.blocks.views import LIST_MORE_ACTION, NEW_ACTION, SHOW_ACTION, list_value
from bot.domain.list_filters import ListFilter
from bot.domain.text import safe_user_text, shorten
from bot.services.home import HomeData, is_overdue
from models import State

MAX_BLOCKS = 100
HOME_CALLBACK = "kundenfokus_home"
#: App Home's button for the personal settings (working hours, holidays, language, reminders).
SETTINGS_ACTION = "request_settings"


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def _divider() -> Block:
    return {"type": "divider"}


def _times(request: Any, reader: Reader) -> str:
    tr = reader.tr
    parts = []
    if request.acknowledged_at is None:
        parts.append(tr._("first answer by {when}", when=reader.when(request.response_due_at)))
    else:
        parts.append(tr._("answered {when}", when=reader.when(request.acknowledged_at)))
    if request.due_at is not None:
        day, clock = reader.due_day_time(request)
        if clock is None:
            parts.append(tr._("due {day}", day=day))
        else:
            parts.append(tr._("due {day} at {time}", day=day, time=clock))
    return " · ".join(parts)


def _item(request: Any, reader: Reader, *, other: str, now: datetime) -> Block:
    tr = reader.tr
    who = (
        tr._("from <@{user}>", user=request.requester_id)
        if other == "requester"
        else tr._("to <@{user}>", user=request.assignee_id)
    )
    if other != "requester" and request.assignee_id is None:  # a team request nobody has taken yet
        who = tr._("to {team} (not taken yet)", team=team_ref(request.group_id))
    line = tr._(
        "*#{number}* {who} — {text}",
        number=request.number,
        who=who,
        text=safe_user_text(shorten(request.text, 120)),
    )
    status = state_label(reader, request.state) + " · " + _times(request, reader)
    if getattr(request, "urgent", False):
        status = urgent_marker(reader) + " · " + status
    if is_overdue(request, now):
        status = ":hourglass_flowing_sand: " + tr._("past the agreed time") + " · " + status
    return section(line + "\n" + status)


def item_buttons(request: Any, reader: Reader, *, other: str) -> Block:
    """The main buttons of the reader's role (the same action ids as the cards) and *Open*."""
    tr = reader.tr
    value = str(request.id)
    elements = []
    if other == "requester":  # asked of the reader: they are the assignee
        if request.state == State.OPEN.value:
            elements.append(button(tr._("Got it"), "request_ack", value, style="primary"))
        elements.append(button(tr._("Done"), "request_done", value, confirm=confirm_done(reader)))
    else:
        elements.append(cancel_button(request, reader))
    elements.append(button(tr._("Show"), SHOW_ACTION, value))
    return actions(*elements, block_id=f"home_{request.id}_actions")


def _numbers(data: HomeData, reader: Reader) -> Block:
    tr = reader.tr
    numbers = data.numbers
    rating = (
        tr.n_(
            "{average} / 5 ({n} rating)",
            "{average} / 5 ({n} ratings)",
            numbers.ratings,
            average=decimal(reader, numbers.rating_average),
        )
        if numbers.rating_average is not None
        else "—"
    )
    return section(
        tr._("*Your numbers this month* (only you see these)"),
        fields=[
            tr._("*Asked of you this month*\n{n}", n=numbers.asked_of_me),
            tr._("*Done by you*\n{n}", n=numbers.done_by_me),
            tr._(
                "*Answered within the agreed time*\n{share}",
                share=(
                    tr._(
                        "{share} ({part} of {whole})",
                        share=percent(reader, numbers.in_time_share),
                        part=numbers.answered_in_time,
                        whole=numbers.answers_due,
                    )
                    if numbers.answers_due
                    else "—"
                ),
            ),
            tr._(
                "*Median time to first answer*\n{text}",
                text=working_time(reader, numbers.median_first_answer),
            ),
            tr._("*Rating of your work*\n{text}", text=rating),
            tr._("*Thank-yous received*\n{n}", n=numbers.kudos_received),
            tr._("*Your asks this month*\n{n}", n=numbers.my_asks),
        ],
    )


def _more(reader: Reader, shown: int, total: int) -> list[Block]:
    if total <= shown:
        return []
    return [
        context(
            reader.tr.n_(
                "…and {n} more. *Show all* lists every one, page by page.",
                "…and {n} more. *Show all* lists every one, page by page.",
                total - shown,
            )
        )
    ]


def team_section(data: HomeData, reader: Reader, *, now: datetime) -> list[Block]:
    """ "My teams' open requests": what nobody of the person's teams has taken yet, with *I'll take it*."""
    tr = reader.tr
    blocks: list[Block] = [section(tr._("*My teams' open requests* ({n})", n=data.team_open_total))]
    for request in data.team_open:
        item = _item(request, reader, other="requester", now=now)
        item["text"]["text"] += "\n" + tr._("for {team}", team=team_ref(request.group_id))
        item["accessory"] = button(tr._("I'll take it"), CLAIM_ACTION, str(request.id), style="primary")
        blocks.append(item)
    if data.team_open_total > len(data.team_open):
        blocks.append(
            context(tr.n_("…and {n} more.", "…and {n} more.", data.team_open_total - len(data.team_open)))
        )
    blocks.append(_divider())
    return blocks


def home_view(data: HomeData, reader: Reader, *, user_id: str, now: datetime) -> dict[str, Any]:
    """The ``home`` view for ``views.publish``."""
    tr = reader.tr
    blocks: list[Block] = [
        _header(tr._("Your requests")),
        actions(
            button(tr._("New request"), NEW_ACTION, "new", style="primary"),
            button(tr._("Show all"), LIST_MORE_ACTION, list_value(ListFilter(), 0)),
            button(tr._("My settings"), SETTINGS_ACTION, "settings"),
            block_id="home_settings",
        ),
        _numbers(data, reader),
        _divider(),
    ]

    overdue = data.asked_of_me_overdue
    heading = tr._("*Asked of you* ({n}) — most urgent first", n=data.asked_of_me_total)
    if overdue:
        heading += "\n" + tr.n_(
            "{n} is past the agreed time. A short answer or a new time helps the requester plan.",
            "{n} are past the agreed time. A short answer or a new time helps the requesters plan.",
            overdue,
        )
    blocks.append(section(heading))
    if data.asked_of_me:
        for request in data.asked_of_me:
            blocks += [_item(request, reader, other="requester", now=now)]
            blocks += [item_buttons(request, reader, other="requester")]
        blocks += _more(reader, len(data.asked_of_me), data.asked_of_me_total)
    else:
        blocks.append(context(tr._("Nothing asked of you right now. :sparkles:")))
    blocks.append(_divider())

    if data.team_open:
        blocks += team_section(data, reader, now=now)
    blocks.append(section(tr._("*Your asks* ({n})", n=data.my_asks_total)))
    if data.my_asks:
        for request in data.my_asks:
            blocks += [_item(request, reader, other="assignee", now=now)]
            blocks += [item_buttons(request, reader, other="assignee")]
        blocks += _more(reader, len(data.my_asks), data.my_asks_total)
    else:
        blocks.append(context(tr._("You are not waiting for anyone. File a request with `/request`.")))
    blocks.append(_divider())

    blocks.append(section(tr._("*Recently done*")))
    if not data.recently_done:
        blocks.append(context(tr._("Nothing finished in the last two weeks.")))
    for request, rating in data.recently_done:
        mine = request.requester_id == user_id
        who = (
            tr._("by <@{user}>", user=request.assignee_id)
            if mine
            else tr._("for <@{user}>", user=request.requester_id)
        )
        line = tr._(
            "*#{number}* {who} — {text} · done {when}",
            number=request.number,
            who=who,
            text=safe_user_text(shorten(request.text, 100)),
            when=reader.when(request.closed_at) if request.closed_at else "",
        )
        if mine and rating is not None:
            line += " · " + tr._("you rated {stars}", stars=stars(rating.score))
        block = section(line)
        if mine:
            label = tr._("Rate") if rating is None else tr._("Change rating")
            block["accessory"] = {
                "type": "button",
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "action_id": DETAILS_ACTION,
                "value": str(request.id),
            }
        blocks.append(block)
    if len(blocks) > MAX_BLOCKS:  # cannot happen with the service's limits; never let Slack refuse it
        blocks = [*blocks[: MAX_BLOCKS - 1], context(tr._("…and more."))]
    return {"type": "home", "callback_id": HOME_CALLBACK, "blocks": blocks}
