"""Pure builders for closing the loop: the requester's rating prompt, the details modal, and the
thank-you that reaches the assignee. Data in, Block Kit out."""

from __future__ import annotations

from typing import Any

from bot.blocks.requests import (
    REQUESTER_NEWS,
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
)
from bot.domain.text import plain_text, safe_user_text, shorten
from bot.i18n import N_
from models import Rating, Request

RATE_ACTIONS = tuple(f"request_rate_{score}" for score in range(1, 6))
THANK_ACTION = "request_thank"
DETAILS_ACTION = "request_rate_details"
RATING_VIEW = "request_rate_view"
MAX_COMMENT = 1_000

SCORE_WORDS = {
    1: N_("not good"),
    2: N_("could be better"),
    3: N_("okay"),
    4: N_("good"),
    5: N_("excellent"),
}


def stars(score: int) -> str:
    return "★" * score + "☆" * (5 - score)


def rating_prompt(
    request: Request, reader: Reader, *, rating: Rating | None = None, thanked: bool = False
) -> tuple[str, list[Block]]:
    """The requester's DM when a request is done: the news, five stars, details and a thank-you.

    After a rating it shows the choice (and stays clickable, so the rating can be changed).
    """
    tr = reader.tr
    value = str(request.id)
    news = tr._(REQUESTER_NEWS["done"], assignee=request.assignee_id, number=request.number)
    blocks: list[Block] = [
        section(news + "\n" + excerpt(request)),
    ]
    if rating is None:
        blocks.append(
            section(tr._("How did it go? Your rating helps the team see how its service is going."))
        )
    else:
        line = tr._(
            "You rated it {stars} ({score}/5, {word}). Thank you! You can change it any time.",
            stars=stars(rating.score),
            score=rating.score,
            word=tr._(SCORE_WORDS[rating.score]),
        )
        if rating.tone_respectful is not None:
            line += "\n" + (
                tr._("The tone felt respectful.")
                if rating.tone_respectful
                else tr._("The tone did not feel respectful.")
            )
        if rating.comment:
            line += "\n" + quote(shorten(rating.comment, 300))
        blocks.append(section(line))
    rate_buttons = []
    for score, action_id in enumerate(RATE_ACTIONS, start=1):
        chosen = rating is not None and rating.score == score
        rate_buttons.append(button("★" * score, action_id, value, style="primary" if chosen else None))
    blocks.append(actions(*rate_buttons, block_id=f"rate_{request.id}"))
    extras = [button(tr._("Add a comment"), DETAILS_ACTION, value)]
    if not thanked:
        extras.insert(0, button(tr._("Say thank you"), THANK_ACTION, value, style="primary"))
    blocks.append(actions(*extras, block_id=f"rate_{request.id}_extras"))
    if thanked:
        blocks.append(
            context(tr._(":tada: Your thank-you reached <@{assignee}>.", assignee=request.assignee_id))
        )
    blocks.append(
        context(tr._("Only the team's average appears in the weekly digest; thank-yous are shared by name."))
    )
    fallback = tr._(
        "{assignee} has finished your request #{number}. How did it go?",
        assignee=f"<@{request.assignee_id}>",
        number=request.number,
    )
    return plain_text(fallback), blocks


def kudos_message(request: Request, reader: Reader) -> tuple[str, list[Block]]:
    """What the assignee receives when the requester says thank you."""
    tr = reader.tr
    text = tr._(
        ":tada: <@{requester}> says *thank you* for request *#{number}*. Your help made a difference!",
        requester=request.requester_id,
        number=request.number,
    )
    blocks = [
        section(text),
        context(tr._("Your request: {text}", text=safe_user_text(shorten(request.text, 200)))),
    ]
    fallback = tr._(
        "{requester} says thank you for request #{number}.",
        requester=f"<@{request.requester_id}>",
        number=request.number,
    )
    return plain_text(fallback), blocks


def rating_modal(request: Request, reader: Reader, *, rating: Rating | None, metadata: str) -> dict[str, Any]:
    """Stars, tone and an optional comment in one form; ``metadata`` says which request and prompt."""
    tr = reader.tr
    score_options = [
        {"text": plain(f"{stars(score)}  {tr._(SCORE_WORDS[score])}"), "value": str(score)}
        for score in range(5, 0, -1)
    ]
    score_element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": "score",
        "options": score_options,
    }
    if rating is not None:
        score_element["initial_option"] = next(o for o in score_options if o["value"] == str(rating.score))
    tone_options = [
        {"text": plain(tr._("Yes")), "value": "yes"},
        {"text": plain(tr._("Not really")), "value": "no"},
    ]
    tone_element: dict[str, Any] = {"type": "radio_buttons", "action_id": "tone", "options": tone_options}
    if rating is not None and rating.tone_respectful is not None:
        tone_element["initial_option"] = tone_options[0 if rating.tone_respectful else 1]
    comment_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "comment",
        "multiline": True,
        "max_length": MAX_COMMENT,
    }
    if rating is not None and rating.comment:
        comment_element["initial_value"] = rating.comment[:MAX_COMMENT]
    return modal(
        RATING_VIEW,
        tr._("How did it go?"),
        tr._("Save"),
        reader,
        [
            section(
                tr._("*#{number}* by <@{assignee}>", number=request.number, assignee=request.assignee_id)
                + "\n"
                + excerpt(request)
            ),
            input_block("score", tr._("Your rating"), score_element),
            input_block("tone", tr._("Did the tone feel respectful?"), tone_element, optional=True),
            input_block(
                "comment",
                tr._("Anything to add?"),
                comment_element,
                optional=True,
                hint=tr._("Kept with the request's record; it is not posted anywhere."),
            ),
        ],
        metadata=metadata,
    )
