"""A property over every builder: whatever people typed — a request's text, a decline reason, a
proposal's note, a rating's comment, a help note, the parameters of an error — it reaches Slack as
characters only: never a live mention, a broadcast, a channel link or a link with a disguised label, in
mrkdwn, in plain text or in the notification fallback. The bot's own mentions (built from the ids it
knows) stay."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks import card as card_blocks
from bot.blocks import feedback as feedback_blocks
from bot.blocks import reminders as reminder_blocks
from bot.blocks import requests as blocks
from bot.blocks import views as view_blocks
from bot.blocks.errors import ERRORS, error_text
from bot.blocks.home import home_view
from bot.blocks.kit import Reader
from bot.blocks.reminders import ReminderItem
from bot.domain.digest_stats import MonthNumbers
from bot.domain.list_filters import ListFilter
from bot.domain.text import from_slack
from bot.services.home import HomeData
from bot.services.views import HistoryEntry, Page, RequestView
from models import Proposal, Rating, Request, RequestEvent

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
#: Ids only the hostile text uses: none of them may come out as a reference.
HOSTILE = [
    "<@UEVIL>",
    "<@UEVIL|boss>",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<#CEVIL|secret>",
    "<!subteam^SEVIL|@all>",
    "<https://evil.example|your bank>",
    "&lt;@UEVIL&gt;",
    "<mailto:x@evil.example|HR>",
]
LIVE = re.compile(r"<@UEVIL|<!(channel|here|everyone|subteam)|<#CEVIL|<https://evil|<mailto:", re.IGNORECASE)
BROADCAST = re.compile(r"(?<![\w\u2060])@(channel|here|everyone)\b", re.IGNORECASE)

hostile = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8)), min_size=1, max_size=8).map(
    " ".join
)


def request_with(text: str, reason: str, state: str = "open") -> Request:
    return Request(
        id=7,
        team_id="T0001",
        number=7,
        requester_id="UALICE",
        assignee_id="UBOB",
        text=text,
        kind="task",
        channel_id="C0001",
        state=state,
        created_at=NOW,
        updated_at=NOW,
        response_due_at=NOW + timedelta(hours=4),
        due_at=NOW + timedelta(days=2),
        closed_at=NOW if state in ("done", "declined", "cancelled") else None,
        decline_reason=reason,
        snoozed_until=None,
    )


def rendered(request: Request, words: str, reader: Reader) -> list[object]:
    """Every builder that shows what people wrote, fed ``words`` wherever a person writes."""
    proposal = Proposal(
        id=3,
        request_id=7,
        proposed_by="UBOB",
        due_at=NOW + timedelta(days=3),
        note=words,
        state="pending",
        created_at=NOW,
    )
    rating = Rating(
        request_id=7,
        team_id="T0001",
        rater_id="UALICE",
        score=4,
        tone_respectful=True,
        comment=words,
        created_at=NOW,
        updated_at=NOW,
    )
    done = request_with(request.text, request.decline_reason or "", "done")
    declined = request_with(request.text, request.decline_reason or "", "declined")
    home = HomeData(
        asked_of_me=[request],
        asked_of_me_total=1,
        my_asks=[request],
        my_asks_total=1,
        recently_done=[(done, rating)],
        numbers=MonthNumbers(since=NOW),
    )
    out: list[object] = [
        blocks.assignee_card(request, reader),
        blocks.assignee_card(declined, reader),
        blocks.requester_confirmation(request, reader),
        blocks.assignee_cancelled(request, reader),
        blocks.previous_assignee_handed_over(request, reader),
        view_blocks.list_blocks(
            Page(items=[request], total=1, overdue=0, before=0, next_after=None),
            ListFilter(),
            reader,
            now=NOW,
        ),
        view_blocks.request_view_blocks(
            RequestView(
                request,
                [HistoryEntry(NOW, "declined", "UBOB", {"reason": words}), HistoryEntry(NOW, words, "UBOB")],
                frozenset({"UALICE", "UBOB"}),
            ),
            reader,
            now=NOW,
        ),
        blocks.decline_modal(request, reader),
        blocks.reassign_modal(request, reader),
        blocks.new_request_modal(reader, text=request.text),
        reminder_blocks.reminder_message(
            [ReminderItem(request, step) for step in ("response", "heads_up", "overdue", "escalate")], reader
        ),
        reminder_blocks.propose_modal(request, reader),
        reminder_blocks.proposal_for_requester(request, proposal, reader),
        reminder_blocks.proposal_sent(request, reader),
        reminder_blocks.proposal_decided_for_requester(request, True, reader),
        reminder_blocks.proposal_decided_for_assignee(request, False, reader),
        reminder_blocks.escalate_modal(request, reader),
        reminder_blocks.channel_help_post(request, reader),
        reminder_blocks.person_help_dm(request, reader, words),
        reminder_blocks.assignee_escalation_notice(request, reader, channel_id="C0001"),
        feedback_blocks.rating_prompt(done, reader, rating=rating, thanked=True),
        feedback_blocks.kudos_message(done, reader),
        feedback_blocks.rating_modal(done, reader, rating=rating, metadata="{}"),
        home_view(home, reader, user_id="UALICE", now=NOW),
    ]
    said = RequestEvent(actor_id="UBOB", at=NOW, kind="message", detail={"text": words})
    out += [
        card_blocks.requester_card(request, reader, proposal=proposal, reminders_sent=2, latest=said),
        card_blocks.requester_card(declined, reader, latest=said),
        card_blocks.relayed(request, reader, author_id="UBOB", text=words),
        card_blocks.edited_for_assignee(
            request, reader, text_changed=True, text_before=words, proposal=proposal
        ),
        card_blocks.reopened_for_assignee(request, reader, reason=words),
        card_blocks.undo_offer(request, reader, change="done", event_id=3),
        card_blocks.undone_for_other(request, reader, change="cancelled"),
        card_blocks.rating_withdrawn(done, reader),
        card_blocks.requester_proposal_decided(request, reader, accepted=True, for_requester=False),
        card_blocks.edit_modal(request, reader),
        card_blocks.reopen_modal(declined, reader),
    ]
    for kind in blocks.REQUESTER_NEWS:
        out.append(blocks.requester_news(declined if kind == "declined" else request, kind, reader, {}))
    for code in ERRORS:
        out.append(
            error_text(
                reader,
                code,
                text=words,
                name=words,
                assignee="UBOB",
                number=7,
                state="open",
                length=9,
                limit=5,
                channel="C0001",
                requester_id="UALICE",
                assignee_id="UBOB",
                user="UBOB",
                low=1,
                high=5,
                options=words,
                actor="UBOB",
                minutes=10,
                word=words,
            )
        )
    return out


def _shown(value: object) -> object:
    """What Slack renders: a form input's ``initial_value`` is the text itself, characters in a box."""
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items() if k != "initial_value"}
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    return value


@settings(max_examples=60, deadline=None)
@given(words=hostile, language=st.sampled_from(["en", "de"]), typed_in_a_command=st.booleans())
def test_nothing_people_write_comes_out_as_a_reference(words, language, typed_in_a_command):
    stored = from_slack(words) if typed_in_a_command else words  # the door a command's text comes through
    reader = Reader.of(language, "Europe/Berlin")
    shown = json.dumps(_shown(rendered(request_with(stored, stored), stored, reader)), ensure_ascii=False)
    assert not LIVE.search(shown), LIVE.search(shown)
    assert not BROADCAST.search(shown.replace("\\u2060", "\u2060"))


def test_the_bots_own_mentions_stay():
    reader = Reader.of("en", "Europe/Berlin")
    text, card = blocks.assignee_card(request_with("<@UEVIL> <!channel>", ""), reader)
    shown = json.dumps(card)
    assert "<@UALICE>" in shown  # the requester, named by the bot
    assert "<@UEVIL>" not in shown and "<!channel>" not in shown and "<@UEVIL>" not in text
