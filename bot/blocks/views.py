"""Pure builders for the places a person looks at requests: one request with its history
(``/request 12``) and their list, page by page (``/request list …``; App Home's *Show all*).

Every builder renders for one ``Reader`` (their language and zone); the buttons fit the reader's role
and reuse the action ids of the cards, so a click here does exactly what it does there.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.blocks.card import confirm_cancel, confirm_done
from bot.blocks.feedback import DETAILS_ACTION, stars
from bot.blocks.kit import (
    Block,
    Reader,
    actions,
    button,
    context,
    quote,
    section,
    state_label,
    times_fields,
    title,
    urgent_marker,
)
from bot.blocks.requests import SET_TIMES_ACTION
from bot.blocks.teams import team_ref
from bot.domain.list_filters import ListFilter
from bot.domain.text import plain_text, safe_user_text, shorten
from bot.i18n import N_
from bot.services.views import HistoryEntry, Page, RequestView, is_overdue
from models import State

#: The next page of a list; its value is ``list_value(…)``.
LIST_MORE_ACTION = "request_list_more"
#: Open one request (``/request 12``) from a list or App Home; the value is the request's id.
SHOW_ACTION = "request_show"
#: App Home's *New request*: opens the new-request form.
NEW_ACTION = "request_new"
#: The modal App Home's *Show all* and *Open* show (*More* updates it in place).
LIST_VIEW = "request_list_view"
#: History lines one view shows at most (the newest); Slack's limits hold well below.
MAX_HISTORY = 40

HISTORY = {
    "created": N_("<@{actor}> asked <@{assignee}>"),
    "acknowledged": N_("<@{actor}> said *Got it*"),
    "acknowledged_thread": N_("<@{actor}> answered in the thread"),
    "done": N_("<@{actor}> marked it done"),
    "declined": N_("<@{actor}> declined: {reason}"),
    "cancelled": N_("<@{actor}> cancelled it"),
    "reassigned": N_("<@{actor}> handed it to <@{to}>"),
    "snoozed": N_("<@{actor}> paused the reminders until {until}"),
    "proposed": N_("<@{actor}> proposed new times"),
    "proposal_accepted": N_("<@{actor}> accepted the new times"),
    "proposal_rejected": N_("<@{actor}> kept the original times"),
    "times_set": N_("<@{actor}> set the times"),
    "rated": N_("<@{actor}> rated it {stars}"),
    "rating_changed": N_("<@{actor}> changed the rating"),
    "thanked": N_("<@{actor}> said thank you"),
    "escalated_channel": N_("<@{actor}> asked for help in <#{target}>"),
    "escalated_person": N_("<@{actor}> asked <@{target}> for help"),
    "reminded": N_("A friendly reminder went to <@{to}>"),
    "other": N_("<@{actor}>: {what}"),
    "other_bot": N_("{what}"),
}


# --- one request -------------------------------------------------------------------------------


def _history_line(entry: HistoryEntry, view: RequestView, reader: Reader) -> str:
    tr = reader.tr
    detail = entry.detail
    actor = entry.actor_id or ""
    key = entry.kind
    params: dict[str, Any] = {"actor": actor}
    if key == "created":
        params["assignee"] = detail.get("assignee_id") or view.request.assignee_id
    elif key == "acknowledged" and detail.get("via") == "thread":
        key = "acknowledged_thread"
    elif key == "declined":
        params["reason"] = safe_user_text(shorten(str(detail.get("reason") or ""), 200))
    elif key == "reassigned":
        params["to"] = detail.get("to_assignee_id") or ""
    elif key == "snoozed":
        params["until"] = _moment(detail.get("until"), reader)
    elif key == "rated":
        score = detail.get("score")
        params["stars"] = stars(score) if isinstance(score, int) else ""
    elif key == "escalated":
        key = "escalated_channel" if detail.get("to") == "channel" else "escalated_person"
        params["target"] = detail.get("target_id") or ""
    elif key == "reminded":
        params["to"] = detail.get("recipient_id") or ""
    if key not in HISTORY:
        # A change this view has no words for yet: still shown, never dropped.
        params["what"] = safe_user_text(key.replace("_", " "))
        key = "other" if actor else "other_bot"
    line = tr._(HISTORY[key], **params)
    return tr._("• {when} — {what}", when=reader.when(entry.at), what=line)


def _moment(value: Any, reader: Reader) -> str:
    try:
        return reader.when(datetime.fromisoformat(str(value)))
    except ValueError:
        return ""


def role_buttons(view: RequestView, reader: Reader) -> list[dict[str, Any]]:
    """The buttons that fit the reader: the assignee answers, the requester steers; others only look."""
    tr = reader.tr
    request = view.request
    value = str(request.id)
    who = reader.user_id
    if request.is_closed:
        if who == request.requester_id and request.state == State.DONE.value:
            return [button(tr._("Rate"), DETAILS_ACTION, value)]
        return []
    if who == request.assignee_id:
        elements = []
        if request.state == State.OPEN.value:
            elements.append(button(tr._("Got it"), "request_ack", value, style="primary"))
            elements.append(button(tr._("Done"), "request_done", value, confirm=confirm_done(reader)))
        else:
            elements.append(
                button(tr._("Done"), "request_done", value, style="primary", confirm=confirm_done(reader))
            )
        if request.state != State.WAITING.value:
            elements.append(button(tr._("Need more time"), "request_propose", value))
            elements.append(button(tr._("Snooze"), "request_snooze", value))
        elements.append(button(tr._("Reassign"), "request_reassign", value))
        elements.append(button(tr._("Decline"), "request_decline", value, style="danger"))
        return elements
    if who == request.requester_id:
        elements = [
            button(
                tr._("Cancel request"),
                "request_cancel",
                value,
                style="danger",
                confirm=confirm_cancel(reader),
            )
        ]
        if request.state == State.OPEN.value and view.proposal is None:
            elements.insert(0, button(tr._("Set the times"), SET_TIMES_ACTION, value))
        elements.append(button(tr._("Ask someone else"), "request_escalate_person", value))
        return elements
    return []


def request_view_blocks(view: RequestView, reader: Reader, *, now: datetime) -> tuple[str, list[Block]]:
    """``/request 12``: who, what, the agreed times, the state, the history — in the reader's zone."""
    tr = reader.tr
    request = view.request
    if request.assignee_id is None:  # a team request nobody has taken yet
        header = tr._(
            "{title} — <@{requester}> asks {team}:",
            title=title(request, reader),
            requester=request.requester_id,
            team=team_ref(request.group_id),
        )
    else:
        header = tr._(
            "{title} — <@{requester}> asks <@{assignee}>:",
            title=title(request, reader),
            requester=request.requester_id,
            assignee=request.assignee_id,
        )
    blocks: list[Block] = [section(header + "\n" + quote(request.text), fields=times_fields(request, reader))]
    notes = []
    if is_overdue(request, now):
        notes.append(":hourglass_flowing_sand: " + tr._("past the agreed time"))
    proposal = view.proposal if not request.is_closed else None
    if proposal is not None:
        if reader.user_id == request.requester_id:
            notes.append(
                tr._("<@{assignee}> proposes new times — yours to decide:", assignee=request.assignee_id)
            )
        else:
            notes.append(
                tr._("New times are proposed and wait for <@{requester}>.", requester=request.requester_id)
            )
        if proposal.response_due_at is not None:
            notes.append(tr._("Proposed first answer by {when}", when=reader.when(proposal.response_due_at)))
        if proposal.due_at is not None:
            notes.append(tr._("Proposed due date {when}", when=reader.when(proposal.due_at)))
    if request.state == State.DECLINED.value and request.decline_reason:
        notes.append(tr._("Reason: {reason}", reason=safe_user_text(shorten(request.decline_reason, 300))))
    if notes:
        blocks.append(context(*notes))
    lines = [_history_line(entry, view, reader) for entry in view.history]
    earlier = len(lines) - MAX_HISTORY
    if earlier > 0:
        lines = [tr.n_("…{n} earlier entry", "…{n} earlier entries", earlier), *lines[earlier:]]
    history = tr._("*History*")
    for start in range(0, len(lines), 20):
        blocks.append(section(history + "\n" + "\n".join(lines[start : start + 20])))
        history = ""
    if proposal is not None and reader.user_id == request.requester_id:
        # The same buttons as the proposal message; the block id names the proposal (stale clicks caught).
        blocks.append(
            actions(
                button(tr._("Accept"), "request_accept_proposal", str(request.id), style="primary"),
                button(tr._("Keep the original times"), "request_reject_proposal", str(request.id)),
                block_id=f"proposal_{proposal.id}",
            )
        )
    elements = role_buttons(view, reader)
    if elements:
        blocks.append(actions(*elements, block_id=f"view_{request.id}_actions"))
    fallback = tr._(
        "Request #{number}: {text}", number=request.number, text=plain_text(shorten(request.text, 120))
    )
    return fallback, blocks


# --- lists -------------------------------------------------------------------------------------


def list_value(filters: ListFilter, after: int) -> str:
    """What ``request_list_more`` carries: the cursor and the filters (nothing secret — see the service)."""
    value: dict[str, Any] = {"a": after}
    if filters.state:
        value["s"] = filters.state
    if filters.from_id:
        value["f"] = filters.from_id
    if filters.to_id:
        value["t"] = filters.to_id
    return json.dumps(value, separators=(",", ":"))


def _filter_words(filters: ListFilter, reader: Reader) -> str:
    tr = reader.tr
    parts = []
    if filters.state == "overdue":
        parts.append(tr._("past the agreed time"))
    elif filters.state == "waiting":
        parts.append(tr._("waiting for the requester"))
    elif filters.state == "done":
        parts.append(tr._("done"))
    if filters.from_id:
        parts.append(tr._("from <@{user}>", user=filters.from_id))
    if filters.to_id:
        parts.append(tr._("to <@{user}>", user=filters.to_id))
    return ", ".join(parts)


def _list_item(request: Any, reader: Reader, *, now: datetime) -> Block:
    tr = reader.tr
    if request.assignee_id is None:  # a team request nobody has taken yet
        who = tr._("to {team} (not taken yet)", team=team_ref(request.group_id))
    elif request.assignee_id == reader.user_id:
        who = tr._("from <@{user}>", user=request.requester_id)
    else:
        who = tr._("to <@{user}>", user=request.assignee_id)
    line = tr._(
        "*#{number}* {who} — {text}",
        number=request.number,
        who=who,
        text=safe_user_text(shorten(request.text, 120)),
    )
    parts = [state_label(reader, request.state)]
    if request.is_closed:
        if request.closed_at is not None:
            parts.append(tr._("closed {when}", when=reader.when(request.closed_at)))
    else:
        if request.acknowledged_at is None:
            parts.append(tr._("first answer by {when}", when=reader.agreed(request.response_due_at, request)))
        if request.due_at is not None:
            parts.append(tr._("due {when}", when=reader.due(request)))
        elif request.acknowledged_at is not None:
            parts.append(tr._("no due date"))
    if getattr(request, "urgent", False):
        parts.insert(0, urgent_marker(reader))
    if is_overdue(request, now):
        parts.insert(0, ":hourglass_flowing_sand: *" + tr._("past the agreed time") + "*")
    block = section(line + "\n" + " · ".join(parts))
    block["accessory"] = button(tr._("Show"), SHOW_ACTION, str(request.id))
    return block


def list_blocks(page: Page, filters: ListFilter, reader: Reader, *, now: datetime) -> tuple[str, list[Block]]:
    """One page of the reader's requests: a summary with what is overdue, the items, and *More*."""
    tr = reader.tr
    described = _filter_words(filters, reader)
    if filters.is_default:
        heading = tr._("*Your open requests*, both directions")
    else:
        heading = tr._("*Your requests*: {filters}", filters=described)
    if page.total == 0:
        empty = (
            tr._("Nothing open — neither asked of you nor by you. :sparkles:")
            if filters.is_default
            else tr._("No request matches that.")
        )
        return plain_text(empty), [section(heading + "\n" + empty)]
    summary = tr.n_("{n} request", "{n} requests", page.total)
    if page.overdue:
        summary += " · " + tr.n_(
            ":hourglass_flowing_sand: {n} is past the agreed time",
            ":hourglass_flowing_sand: {n} are past the agreed time",
            page.overdue,
        )
    blocks: list[Block] = [section(heading + "\n" + summary)]
    blocks += [_list_item(request, reader, now=now) for request in page.items]
    first, last = page.before + 1, page.before + len(page.items)
    blocks.append(
        context(tr._("Showing {first}–{last} of {total}", first=first, last=last, total=page.total))
    )
    elements = []
    if page.next_after is not None:
        left = page.total - last
        elements.append(
            button(
                tr.n_("Show {n} more", "Show {n} more", min(left, len(page.items))),
                LIST_MORE_ACTION,
                list_value(filters, page.next_after),
                style="primary",
            )
        )
    if elements:
        blocks.append(actions(*elements, block_id="list_paging"))
    if page.before:
        # Its own block: an action id may appear only once in a block.
        start = button(tr._("Back to the start"), LIST_MORE_ACTION, list_value(filters, 0))
        blocks.append(actions(start, block_id="list_start"))
    if filters.is_default and page.overdue:
        blocks.append(context(tr._("`/request list overdue` shows only those past the agreed time.")))
    return plain_text(tr._("Your requests")), blocks
