"""Friendly words for every error code a service or the parser raises, in the reader's language."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.blocks.kit import Reader, state_label
from bot.domain.text import safe_user_text
from bot.i18n import N_

logger = logging.getLogger(__name__)

ERRORS: dict[str, str] = {
    "not_found": N_("I can't find that request any more."),
    "not_assignee": N_("Only <@{assignee_id}>, who was asked, can answer request *#{number}*."),
    "not_requester": N_("Only <@{requester_id}>, who asked, can cancel request *#{number}*."),
    "not_requester_keep_waiting": N_(
        "Only <@{requester_id}>, who asked, can decide how request *#{number}* goes on."
    ),
    "already_closed": N_("Request *#{number}* is already closed ({state}), so nothing changed."),
    "self_request": N_("You can't file a request to yourself — but a note to self never hurts."),
    "reassign_same": N_("That's the person it is already assigned to."),
    "reassign_to_requester": N_(
        "The request came from that person, so it can't go back to them. Decline it instead?"
    ),
    "reason_required": N_("Please give a short reason, so the requester knows what to do next."),
    "past_date": N_("That moment has already passed. Please pick a time in the future."),
    "missing_assignee": N_(
        "Whom should I ask? Start with an @mention, e.g. `/request @bob Send the Q3 numbers`."
    ),
    "unknown_name": N_(
        "I couldn't find *@{name}*. Pick the person from Slack's suggestions so the mention turns blue."
    ),
    "missing_description": N_(
        "What do you need from <@{assignee}>? Add a short description after the mention."
    ),
    "bad_duration": N_(
        "I didn't understand the time *{text}*. Try `4h`, `30m`, `2 days` or `2 business days`."
    ),
    "zero_duration": N_("A response time of zero is too short — give at least a few minutes."),
    "duration_too_long": N_("That response time is very long. Please keep it within 60 working days."),
    "ambiguous_date": N_("*{text}* could mean two dates. Please write it as 2026-12-04 or name the month."),
    "ambiguous_time": N_(
        "*{text}* could mean more than one time. Please write it as 08:00 or 20:00 (or 8am, 8pm)."
    ),
    "ambiguous_weekday": N_(
        "*{text}* could mean today or the same day next week. Please write the date, e.g. 2026-12-04."
    ),
    "invalid_date": N_("*{text}* isn't a date that exists."),
    "weekday_mismatch": N_("*{text}*: {date} is a different weekday. Which day do you mean?"),
    "question_answered": N_("You've answered that already — the request is filed."),
    "unknown_number": N_("There's no request *#{number}* in this workspace. `/request list` shows yours."),
    "not_yours": N_(
        "Request *#{number}* is between other people, so I can't show it to you. `/request list` shows yours."
    ),
    "two_people": N_(
        "You named <@{assignee}> and *{name}*. A request goes to one person, so nothing is filed yet — "
        "please start with just the one who should answer, e.g. `/request @name …`, and file a second "
        "request if the other should help too."
    ),
    "mentioned_only": N_(
        "<@{assignee}> is asked — the first person named. *{name}* is only mentioned in the text and "
        "isn't told; to ask them too, file a second request."
    ),
    "number_needed": N_("Which request? Add its number, e.g. `/request {word} 12`."),
    "list_bad_filter": N_(
        "I didn't understand *{text}*. Try `/request list overdue`, `waiting`, `done`, `from @person` or "
        "`to @person`."
    ),
    "list_needs_person": N_(
        "Whom do you mean after *{text}*? Pick the person from Slack's suggestions, e.g. "
        "`/request list from @bob`."
    ),
    "times_agreed": N_(
        "<@{assignee}> has answered *#{number}* already, so its times are agreed. To change them, "
        "<@{assignee}> can propose new ones."
    ),
    "not_requester_times": N_("Only <@{requester_id}>, who asked, can set the times of *#{number}*."),
    "times_set": N_(
        ":white_check_mark: The times of *#{number}* are set. <@{assignee}> sees them on their card."
    ),
    "due_day_over": N_(
        "The working day of {day} is already over for <@{assignee}>. Please pick a later day."
    ),
    "settings_hours": N_("Please let the working day end after it starts."),
    "settings_days": N_("Please pick at least one working day."),
    "settings_reminder": N_("Please pick a time."),
    "settings_region_needs_country": N_("A region needs its country too, e.g. DE and BY."),
    "unknown_holiday_country": N_(
        "I don't know the public holidays of *{country}*. Use a two-letter country code such as DE, AT, CH or US."
    ),
    "unknown_holiday_subdivision": N_(
        "*{country}* has no region *{subdivision}* that I know. Leave it empty for the whole country."
    ),
    "unparseable_date": N_(
        "I didn't understand the date *{text}*. Try `by Friday`, `by tomorrow 3pm` or `by 2026-12-04`."
    ),
    "date_too_far": N_("That date is more than two years away. Please pick an earlier one."),
    "too_long": N_(
        "That's {length} characters; please keep a request under {limit}. Put the details in a doc and link it."
    ),
    "reason_too_long": N_("That's {length} characters; please keep the reason under {limit}."),
    "missing_text": N_("Please describe what you need."),
    "unknown_user": N_("I can't find that person in this workspace."),
    "bot_user": N_("<@{user}> is a bot and can't answer requests. Please ask a person."),
    "deleted_user": N_("<@{user}> is no longer active in this workspace. Please ask someone else."),
    "unknown_team": N_(
        "I can't find that team. Pick a Slack user group from the suggestions so the mention turns blue."
    ),
    "team_scope_missing": N_(
        "I'm not allowed to see user groups yet. An admin needs to reinstall the app (it now asks for "
        "`usergroups:read`) — until then, please ask one person."
    ),
    "team_empty": N_(
        "<!subteam^{team}> has nobody in it who could take your request. Ask one person instead?"
    ),
    "team_too_big": N_(
        "<!subteam^{team}> has more than {limit} members — that many direct messages would be too many. "
        "A member can give the team an intake channel: `/request team @team channel #intake`."
    ),
    "team_nobody_present": N_(
        "Nobody in <!subteam^{team}> is there right now to take it. Ask one person instead?"
    ),
    "not_team_member": N_(
        "Only members of <!subteam^{team}> can take its requests or change its settings, so nothing changed."
    ),
    "already_claimed": N_("<@{assignee_id}> has already taken request *#{number}* — thank you all the same."),
    "not_a_team_request": N_("Request *#{number}* was asked of one person, not of a team."),
    "team_nothing_to_change": N_(
        "What should change for <!subteam^{team}>? Try `mode rotate`, `channel #intake`, `time 8h`, "
        "`hours 8-17` or `holidays DE-BY`."
    ),
    "team_bad_setting": N_(
        "I didn't understand *{text}* for the team. Try `mode claim|rotate`, `channel #intake`, `no channel`, "
        "`time 8h`, `hours 8-17` or `holidays DE-BY`."
    ),
    "team_hours_invalid": N_("The working hours must start before they end, e.g. `hours 8-17`."),
    "team_needs_both": N_("Please pick a person *or* a team."),
    "team_intake_failed": N_(
        "I couldn't post your request *#{number}* in <#{channel}>, the intake channel of <!subteam^{team}> "
        "— I may not be a member there. Please ask someone of the team to invite me, or cancel it and ask "
        "one person."
    ),
    "rating_not_requester": N_("Only <@{requester_id}>, who asked, can rate request *#{number}*."),
    "rating_not_done": N_("Request *#{number}* isn't done yet, so there's nothing to rate."),
    "rating_bad_score": N_("Please pick between {low} and {high} stars."),
    "rating_score_missing": N_("Please pick a number of stars first."),
    "digest_needs_channel": N_(
        "The digest is posted in a channel. Please run this in the channel that should get it."
    ),
    "digest_not_subscribed": N_(
        "This channel doesn't get the digest yet. Subscribe it with `/request digest`."
    ),
    "digest_bad_schedule": N_(
        "I didn't understand *{text}*. Try `/request digest monday 9:00` or `/request digest help`."
    ),
    "digest_bad_time": N_("*{text}* isn't a time of day. Try 9:00 or 16:30."),
    "digest_bad_timezone": N_(
        "*{text}* isn't a time zone I know. Try one like Europe/Berlin or America/New_York."
    ),
    "digest_bad_language": N_("I can write the digest in `en` or `de`, not *{text}*."),
    "digest_bad_option": N_("I didn't understand *{text}*. `/request digest help` lists the settings."),
    "digest_bad_usergroup": N_(
        "Pick the user group from Slack's suggestions, e.g. `/request digest group @team`."
    ),
    "digest_unknown_usergroup": N_("I can't see that user group. Is it still active, and may I read it?"),
    "proposal_needs_time": N_("Please propose a new time for the first answer, the due date, or both."),
    "proposal_unchanged": N_(
        "Those are the times already agreed for *#{number}*, so there's nothing to propose."
    ),
    "not_requester_decide": N_(
        "Only <@{requester_id}>, who asked, can accept or keep the times for request *#{number}*."
    ),
    "no_pending_proposal": N_(
        "That proposal for *#{number}* has already been decided or replaced by a newer one, so nothing changed."
    ),
    "not_requester_escalate": N_(
        "Only <@{requester_id}>, who asked, can ask others for help with *#{number}*."
    ),
    "escalate_no_channel": N_(
        "Request *#{number}* wasn't filed in a channel. You could ask a person for help instead."
    ),
    "escalate_channel_failed": N_(
        "I couldn't post in <#{channel}> — it may be archived, or I'm not a member there. "
        "You could ask a person for help instead."
    ),
    "escalate_same_person": N_("Please pick someone other than yourself and <@{assignee}>."),
    "reassign_self": N_("It's yours already — please pick the colleague who should take it."),
    "answer_required": N_("Please write your answer first."),
    "answer_too_long": N_(
        "That's {length} characters; please keep it under {limit}. A doc and a link work well."
    ),
    "not_requester_reply": N_("Only <@{requester_id}>, who asked, can reply to the question on *#{number}*."),
    "already_waiting": N_(
        "*#{number}* is already waiting for an answer from <@{requester_id}>. Once they reply, you can ask again."
    ),
    "not_waiting": N_("*#{number}* isn't waiting for an answer from you (any more), so nothing changed."),
    "take_over_yours": N_("*#{number}* is yours already."),
    "not_asked_to_help": N_(
        "Only someone <@{requester_id}> asked for help can take over *#{number}*. You could offer your help "
        "to them directly."
    ),
    "not_declined": N_("*#{number}* hasn't been declined, so it is still with the person asked."),
    "redirect_same": N_("<@{assignee}> has declined it already. Please pick someone else."),
    "step_missing_requester": N_(
        "Please tell the step who asks: set *Requester*, e.g. to the person who used this workflow."
    ),
    "step_missing_assignee": N_("Please tell the step whom to ask: set *Assignee* to a person."),
    "step_bad_due_date": N_("I couldn't read the step's *Due date*. Please pick a date and time."),
    "not_installed": N_(
        "Kundenfokus isn't installed in this workspace (any more), so nothing was changed. An admin can add "
        "it again with the bot's install link."
    ),
    "not_requester_card": N_("Only <@{requester_id}>, who asked, can change request *#{number}*."),
    "edit_unchanged": N_("That is how *#{number}* reads already, so there was nothing to change."),
    "reopen_not_closed": N_("Request *#{number}* isn't done or declined, so there's nothing to reopen."),
    "undo_unknown": N_("I can't tell which change to take back on *#{number}*, so nothing changed."),
    "undo_not_yours": N_("Only <@{actor}>, who made that change, can undo it on *#{number}*."),
    "undo_too_late": N_(
        "That change to *#{number}* is more than {minutes} minutes old, so it can't be undone any more. "
        "The request's card has what you can do now."
    ),
    "undo_stale": N_(
        "*#{number}* has changed since then, so that undo would no longer restore what you saw. Nothing changed."
    ),
    "internal": N_(
        "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
    ),
    "changed_meanwhile": N_(
        "Someone changed that request at the same moment, so your click changed nothing. "
        "Have another look — the message shows how it stands now."
    ),
    "unavailable": N_(
        "Sorry, I can't reach my database right now, so nothing was changed. Please try again in a few minutes."
    ),
    # --- absences ---
    "away_past": N_(
        "That day has already passed. When will you be back? E.g. `/request away until 2026-12-28`."
    ),
    "away_too_long": N_("That is more than {days} days away. Please pick a nearer day."),
    "away_needs_date": N_(
        "Until when are you away? E.g. `/request away until 2026-12-28` or `/request away until Friday "
        "deputy @carol`."
    ),
    "away_bad_deputy": N_(
        "Please name your deputy as a mention, e.g. `/request away until 2026-12-28 deputy @carol`."
    ),
    "deputy_self": N_("You can't be your own deputy — pick a colleague, or leave the deputy out."),
    "deputy_unusable": N_("<@{user}> can't be a deputy (a bot, or no longer in the workspace)."),
    "not_away": N_("You aren't marked as away, so there's nothing to end."),
    "not_deputy": N_(
        "Only the deputy of <@{assignee}> can take over *#{number}* while <@{assignee}> is away."
    ),
    "already_yours": N_("Request *#{number}* is already yours."),
    "not_requester_deputy": N_(
        "Only <@{requester_id}>, who asked, can decide who works on request *#{number}*."
    ),
    "assignee_back": N_("<@{assignee}> is back, so *#{number}* stays with them."),
    "no_deputy": N_("<@{assignee}> has no deputy, so *#{number}* stays with them."),
    "deputy_took_over": N_(
        "<@{assignee}> has taken over your request *#{number}* as deputy of <@{person}>, who is away."
    ),
    "deputy_took_over_yours": N_(
        "While you're away, <@{assignee}> has taken over *#{number}* as your deputy. Thank you for "
        "naming a deputy!"
    ),
    "asked_deputy": N_(
        ":white_check_mark: I've asked <@{assignee}> instead (deputy of <@{person}>); *#{number}* is "
        "theirs now, with a fresh response time."
    ),
    "kept_with_assignee": N_(
        "OK — *#{number}* stays with <@{assignee}>; its clocks pause while they're away."
    ),
    "bad_payload": N_(
        "Sorry, I couldn't read that — perhaps the message is from an older version of me. Nothing was "
        "changed. `/request list` shows your requests as they are now."
    ),
}


#: Parameters that are ids or numbers the bot itself supplies (used inside ``<@{…}>`` or as figures);
#: every other parameter may carry what someone typed and is escaped.
_TRUSTED = frozenset(
    {
        "assignee",
        "assignee_id",
        "requester_id",
        "user",
        "team",
        "channel",
        "person",
        "number",
        "limit",
        "length",
        "low",
        "high",
    }
)
_ID = re.compile(r"^[UWCDGST][A-Z0-9]{2,31}$")


def _clean(key: str, value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if key in _TRUSTED and isinstance(value, str) and (_ID.match(value) or value.isdigit() or not value):
        return value
    return safe_user_text(str(value))


def error_text(reader: Reader, code: str, **params: Any) -> str:
    message = ERRORS.get(code, ERRORS["internal"])
    params = {key: _clean(key, value) for key, value in params.items() if key != "state"} | (
        {"state": params["state"]} if "state" in params else {}
    )
    if "state" in params:
        params["state"] = state_label(reader, params["state"])
    try:
        return reader.tr._(message, **params)
    except (KeyError, IndexError):
        logger.exception("error text %s lacks parameters %s", code, params)
        return reader.tr._(ERRORS["internal"])
