"""Pure builders for team requests: the *I'll take it* card, the requester's confirmation and news, the
team's reminder, the team settings (answer and form). Data in, dicts out; user text always escaped."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from bot.blocks.card import cancel_button
from bot.blocks.kit import (
    Block,
    Reader,
    actions,
    button,
    context,
    excerpt,
    input_block,
    modal,
    plain,
    quote,
    section,
    times_fields,
    title,
    urgent_marker,
)
from bot.blocks.requests import closed_line, unread_note
from bot.domain.parsing import Duration
from bot.domain.text import escape_mrkdwn, plain_text, safe_user_text, shorten
from models import Request

#: The button on a team request's card: the first member to press it becomes the assignee.
CLAIM_ACTION = "request_claim"
#: The team settings form (``/request team @group``).
TEAM_VIEW = "request_team_view"
#: The new-request form's team choice (a static select of the workspace's user groups).
TEAM_FIELD = "team"
MAX_TEAM_OPTIONS = 100


def team_ref(usergroup_id: str | None) -> str:
    """A user group as Slack shows it (``@it-support``); our own id, never user text."""
    return f"<!subteam^{usergroup_id}>" if usergroup_id else ""


def team_name(reader: Reader, handle: str | None) -> str:
    """A team by its handle as plain text (``@it-support``): names it WITHOUT notifying every member, as
    ``<!subteam^…>`` would in a channel. For messages that come again (the daily team reminders)."""
    return escape_mrkdwn("@" + handle) if handle else reader.tr._("the team")


def team_card(request: Request, reader: Reader, *, viewer: str | None = None) -> tuple[str, list[Block]]:
    """A team request's card for a member (``viewer``) or the intake channel (``viewer`` None)."""
    tr = reader.tr
    header = tr._(
        "{title} — <@{requester}> asks {team}:",
        title=title(request, reader),
        requester=request.requester_id,
        team=team_ref(request.group_id),
    )
    blocks: list[Block] = [section(header + "\n" + quote(request.text), fields=times_fields(request, reader))]
    if request.is_closed:
        blocks.append(context(closed_line(request, reader)))
    elif request.assignee_id is None:
        blocks.append(
            actions(
                button(tr._("I'll take it"), CLAIM_ACTION, str(request.id), style="primary"),
                block_id=f"request_{request.id}_claim",
            )
        )
        blocks.append(
            context(tr._("The first to take it becomes the assignee; everyone else here sees who took it."))
        )
    elif request.assignee_id == viewer:
        blocks.append(
            context(tr._(":raised_hand: You took it — thank you. Your card for it is in this chat."))
        )
    else:
        blocks.append(context(tr._(":raised_hand: Taken by <@{assignee}>.", assignee=request.assignee_id)))
    fallback = tr._(
        "Request #{number} from {requester} to the team: {text}",
        number=request.number,
        requester=f"<@{request.requester_id}>",
        text=plain_text(shorten(request.text, 120)),
    )
    return fallback, blocks


def team_confirmation(
    request: Request,
    reader: Reader,
    *,
    intake_channel_id: str | None,
    unread: list[str] | tuple[str, ...] = (),
) -> tuple[str, list[Block]]:
    """What the requester sees after asking a team in claim mode."""
    tr = reader.tr
    text = tr._(
        "Request *#{number}* to {team} is filed. The first of them to take it becomes the assignee — "
        "I'll tell you who.",
        number=request.number,
        team=team_ref(request.group_id),
    )
    where = (
        tr._("It is posted in <#{channel}>, the team's intake channel.", channel=intake_channel_id)
        if intake_channel_id
        else tr._("Every member has it in a direct message.")
    )
    blocks: list[Block] = [
        section(
            text + "\n" + quote(request.text),
            fields=times_fields(request, reader, seen_at=request.created_at),
        ),
        context(where),
    ]
    if request.urgent:
        blocks.append(context(urgent_marker(reader)))
    if unread:
        blocks.append(section(unread_note(request, reader, unread)))
    blocks.append(actions(cancel_button(request, reader)))
    return tr._("Request #{number} is filed.", number=request.number), blocks


def claimed_news(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    """The requester learns who took their team request."""
    tr = reader.tr
    text = tr._(
        ":raised_hand: <@{assignee}> of {team} has taken your request *#{number}*.",
        assignee=request.assignee_id,
        team=team_ref(request.group_id),
        number=request.number,
    )
    blocks = [
        section(text),
        context(tr._("Your request: {text}", text=safe_user_text(shorten(request.text, 200)))),
    ]
    return plain_text(shorten(text.replace("*", ""), 150)), blocks


def team_reminder(
    requests: list[Request],
    reader: Reader,
    *,
    now: datetime,
    handles: dict[str, str] | None = None,
    viewer: str | None = None,
) -> tuple[str, list[Block]]:
    """Once a business day at most: the team's requests nobody has taken although their time has come.

    The team is named by its handle as text (``team_name``), never ``<!subteam^…>``: in an intake
    channel that would notify every member of the group each day. Redrawn once a request is taken or
    closed: that one shows who took it (or that it is closed), without *I'll take it*.
    """
    tr = reader.tr
    handles = handles or {}
    waiting = [request for request in requests if not request.is_closed and request.assignee_id is None]
    if waiting:
        heading = tr.n_(
            ":wave: {n} team request is waiting for someone to take it. Could one of you have a look?",
            ":wave: {n} team requests are waiting for someone to take them. Could one of you have a look?",
            len(waiting),
        )
    else:
        heading = tr._(":white_check_mark: Nothing here is waiting any more — thank you.")
    blocks: list[Block] = [section(heading)]
    for request in requests[:20]:
        line = tr._(
            "{title} for {team} — <@{requester}> asked {when}",
            title=title(request, reader),
            team=team_name(reader, handles.get(request.group_id or "")),
            requester=request.requester_id,
            when=reader.when(request.created_at),
        )
        block = section(line + "\n" + excerpt(request, 200))
        blocks.append(block)
        if request.is_closed:
            blocks.append(context(closed_line(request, reader)))
        elif request.assignee_id is None:
            block["accessory"] = button(tr._("I'll take it"), CLAIM_ACTION, str(request.id), style="primary")
        elif request.assignee_id == viewer:
            blocks.append(context(tr._(":raised_hand: You took it — thank you.")))
        else:
            blocks.append(
                context(tr._(":raised_hand: Taken by <@{assignee}>.", assignee=request.assignee_id))
            )
    if len(requests) > 20:
        blocks.append(context(tr.n_("…and {n} more.", "…and {n} more.", len(requests) - 20)))
    return plain_text(heading.replace("*", "")), blocks


# --- settings ------------------------------------------------------------------------------------------


def duration_words(reader: Reader, duration: Duration | None) -> str:
    tr = reader.tr
    if not duration:
        return tr._("the workspace default")
    parts = []
    for unit, amount in duration.describe_key():
        if unit == "days":
            parts.append(tr.n_("{n} working day", "{n} working days", amount))
        elif unit == "hours":
            parts.append(tr.n_("{n} hour", "{n} hours", amount))
        else:
            parts.append(tr.n_("{n} minute", "{n} minutes", amount))
    return " ".join(parts)


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


def team_settings_text(reader: Reader, usergroup_id: str, facts: dict[str, Any]) -> str:
    """How a team takes its requests now (after a change, or asked for)."""
    tr = reader.tr
    mode = (
        tr._("*rotate* — I assign the member with the fewest open requests")
        if facts.get("mode") == "rotate"
        else tr._("*claim* — every member sees it, the first to take it is the assignee")
    )
    channel = facts.get("intake_channel_id")
    hours = facts.get("hours")
    holidays = facts.get("holidays")
    lines = [
        tr._("Settings of {team}:", team=team_ref(usergroup_id)),
        tr._("• Requests: {mode}", mode=mode),
        tr._(
            "• Intake channel: {channel}",
            channel=f"<#{channel}>" if channel else tr._("none (direct messages)"),
        ),
        tr._("• Response time: {time}", time=duration_words(reader, facts.get("response"))),
        tr._(
            "• Working hours: {hours}",
            hours=f"{_clock(hours[0])}–{_clock(hours[1])}" if hours else tr._("the workspace default"),
        ),
        tr._(
            "• Holidays: {region}",
            region="-".join(part for part in holidays if part) if holidays else tr._("the workspace default"),
        ),
    ]
    return "\n".join(lines)


def team_help(reader: Reader, *, command: str = "/request") -> str:
    tr = reader.tr
    return tr._(
        "Team settings: `{command} team @team mode claim|rotate`, `channel #intake` or `no channel`, "
        "`time 8h`, `hours 8-17`, `holidays DE-BY` — or `{command} team @team` for the form. "
        "German works too: `modus verteilen|übernehmen`, `kanal`, `kein kanal`, `zeit`, `arbeitszeit`, "
        "`feiertage`.",
        command=command,
    )


def team_modal(reader: Reader, usergroup_id: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The team settings form, showing what is in force."""
    tr = reader.tr
    modes = [
        {"text": plain(tr._("Claim: the first member to take it")), "value": "claim"},
        {"text": plain(tr._("Rotate: I assign the least busy member")), "value": "rotate"},
    ]
    mode_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": "mode",
        "options": modes,
        "initial_option": modes[1] if facts.get("mode") == "rotate" else modes[0],
    }
    channel_select: dict[str, Any] = {"type": "conversations_select", "action_id": "channel"}
    channel_select["filter"] = {"include": ["public", "private"], "exclude_bot_users": True}
    if facts.get("intake_channel_id"):
        channel_select["initial_conversation"] = facts["intake_channel_id"]
    response = facts.get("response")
    within: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "within",
        "placeholder": plain(tr._("e.g. 4h or 2 business days")),
    }
    if response:
        hours, minutes = divmod(response.minutes, 60)
        words = [
            f"{response.days}d" if response.days else "",
            f"{hours}h" if hours else "",
            f"{minutes}m" if minutes else "",
        ]
        within["initial_value"] = " ".join(word for word in words if word)
    hours_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "hours",
        "placeholder": plain(tr._("e.g. 8-17")),
    }
    if facts.get("hours"):
        start, end = facts["hours"]
        hours_input["initial_value"] = f"{_clock(start)}-{_clock(end)}"
    holidays_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "holidays",
        "placeholder": plain(tr._("e.g. DE-BY")),
    }
    if facts.get("holidays"):
        holidays_input["initial_value"] = "-".join(part for part in facts["holidays"] if part)
    return modal(
        TEAM_VIEW,
        tr._("Team settings"),
        tr._("Save"),
        reader,
        [
            section(tr._("How {team} takes its requests.", team=team_ref(usergroup_id))),
            input_block("mode", tr._("Requests are taken by"), mode_select),
            input_block(
                "channel",
                tr._("Intake channel"),
                channel_select,
                optional=True,
                hint=tr._("Leave empty: every member gets a direct message."),
            ),
            input_block("within", tr._("Response time"), within, optional=True),
            input_block("hours", tr._("Working hours"), hours_input, optional=True),
            input_block("holidays", tr._("Holiday region"), holidays_input, optional=True),
        ],
        metadata=json.dumps({"usergroup": usergroup_id}),
    )


def team_options(reader: Reader, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The workspace's user groups as options of the new-request form's team choice."""
    options = []
    for group in groups[:MAX_TEAM_OPTIONS]:
        label = "@" + (group.get("handle") or group.get("name") or group["id"])
        options.append({"text": plain(label[:75]), "value": str(group["id"])})
    return options


def digest_teams(numbers: list[Any], reader: Reader) -> Block | None:
    """The digest's team lines (team-level figures only, blameless: nobody in a team is named)."""
    if not numbers:
        return None
    tr = reader.tr
    lines = [tr._("*Teams asked this week*")]
    for team in numbers[:10]:
        lines.append(
            tr._(
                "• {team}: asked {asked}, taken {taken}, still waiting for someone {waiting}",
                team=team_ref(team.usergroup_id),
                asked=team.asked,
                taken=team.taken,
                waiting=team.waiting,
            )
        )
    return section("\n".join(lines))
