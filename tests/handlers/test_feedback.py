"""Closing the loop: when a request is done, the requester rates it and says thank you — through
signed Slack payloads, the real app and the fake Web API, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Kudos, Rating, Request, RequestEvent
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_dms, wait_response

RATE = ["request_rate_1", "request_rate_2", "request_rate_3", "request_rate_4", "request_rate_5"]


def file_and_finish(slack, fake, text: str = "<@UBOB|bob> Review the contract") -> dict:
    """Alice asks Bob, Bob presses Done; returns Alice's rating prompt."""
    before = len(responses(fake))
    slack.command("UALICE", text)
    wait_response(fake, before + 1)
    [card] = wait_dms(fake, "UBOB")
    press(slack, fake, "UBOB", "request_done", message=card)
    [prompt] = wait_dms(fake, "UALICE")
    return prompt


def current_prompt(fake) -> dict:
    [prompt] = dms_to(fake, "UALICE")
    return prompt


def wait_prompt(fake, predicate) -> dict:
    fake.wait_for(lambda _calls: predicate(text_of(current_prompt(fake))))
    return current_prompt(fake)


def rating(sessions) -> Rating | None:
    with sessions() as session:
        return session.scalars(select(Rating)).one_or_none()


def event_kinds(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)))


def test_done_brings_one_prompt_and_the_rating_can_be_changed(slack, fake_slack, sessions):
    prompt = file_and_finish(slack, fake_slack)
    assert "has finished your request *#1*" in text_of(prompt) and "How did it go?" in text_of(prompt)
    assert action_ids(prompt["blocks"]) == [*RATE, "request_thank", "request_rate_details"]

    press(slack, fake_slack, "UALICE", "request_rate_4", message=prompt)
    prompt = wait_prompt(fake_slack, lambda text: "You rated it ★★★★☆ (4/5" in text)
    chosen = [
        e["action_id"]
        for b in prompt["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("style") == "primary" and e["action_id"] in RATE
    ]
    assert chosen == ["request_rate_4"]
    assert (rating(sessions).score, rating(sessions).rater_id) == (4, "UALICE")

    press(slack, fake_slack, "UALICE", "request_rate_2", message=prompt)
    wait_prompt(fake_slack, lambda text: "(2/5" in text)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Rating)) == 1
    assert rating(sessions).score == 2
    assert event_kinds(sessions)[-2:] == ["rated", "rating_changed"]


def test_only_the_requester_rates_and_only_when_done(slack, fake_slack, sessions):
    prompt = file_and_finish(slack, fake_slack)
    before = len(responses(fake_slack))
    press(slack, fake_slack, "UALICE", "request_rate_5", message=prompt, as_user="UCAROL")
    assert "Only <@UALICE>, who asked, can rate" in text_of(wait_response(fake_slack, before + 1))
    assert rating(sessions) is None

    slack.command("UALICE", "<@UCAROL|carol> Another one")
    wait_response(fake_slack, before + 2)
    with sessions() as session:
        open_id = session.scalar(select(Request.id).where(Request.number == 2))
    slack.block_action(
        "UALICE", "request_rate_5", str(open_id), channel_id="DUALICE", message_ts=prompt["ts"]
    )
    assert "isn't done yet" in text_of(wait_response(fake_slack, before + 3))
    assert rating(sessions) is None


def test_thank_you_reaches_the_assignee_once(slack, fake_slack, sessions):
    prompt = file_and_finish(slack, fake_slack)
    press(slack, fake_slack, "UALICE", "request_thank", message=prompt)
    fake_slack.wait_for(
        lambda _calls: any("says *thank you*" in text_of(m) for m in dms_to(fake_slack, "UBOB"))
    )
    [kudos] = [m for m in dms_to(fake_slack, "UBOB") if "says *thank you*" in text_of(m)]
    assert "<@UALICE> says *thank you* for request *#1*" in text_of(kudos)
    prompt = wait_prompt(fake_slack, lambda text: "Your thank-you reached <@UBOB>" in text)
    assert "request_thank" not in action_ids(prompt["blocks"])

    # A second click (an old copy of the message) changes nothing.
    request_id = next(e["value"] for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"])
    slack.block_action(
        "UALICE", "request_thank", request_id, channel_id=prompt["channel"], message_ts=prompt["ts"]
    )
    fake_slack.wait_for(
        lambda calls: (
            sum(c.method == "chat.update" and c.args.get("channel") == "DUALICE" for c in calls) >= 2
        )
    )
    assert sum("says *thank you*" in text_of(m) for m in dms_to(fake_slack, "UBOB")) == 1
    with sessions() as session:
        [row] = session.scalars(select(Kudos)).all()
        assert (row.from_id, row.to_id) == ("UALICE", "UBOB")
    assert event_kinds(sessions).count("thanked") == 1


def test_comment_and_tone_in_the_form(slack, fake_slack, sessions):
    prompt = file_and_finish(slack, fake_slack)
    press(slack, fake_slack, "UALICE", "request_rate_details", message=prompt)
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "request_rate_view"

    def values(score: str | None, tone: str | None, comment: str) -> dict:
        option = lambda value: {"selected_option": {"value": value}} if value else {"selected_option": None}  # noqa: E731
        return {
            "score": {"score": {"type": "radio_buttons", **option(score)}},
            "tone": {"tone": {"type": "radio_buttons", **option(tone)}},
            "comment": {"comment": {"type": "plain_text_input", "value": comment}},
        }

    missing = slack.view_submission(
        "UALICE", "request_rate_view", values(None, "yes", ""), private_metadata=view["private_metadata"]
    )
    assert missing.json()["response_action"] == "errors" and "score" in missing.json()["errors"]
    assert rating(sessions) is None

    comment = "Quick, but <!channel> curt"
    reply = slack.view_submission(
        "UALICE", "request_rate_view", values("5", "no", comment), private_metadata=view["private_metadata"]
    )
    assert reply.status == 200
    stored = rating(sessions)
    assert (stored.score, stored.tone_respectful, stored.comment) == (5, False, comment)
    prompt = wait_prompt(fake_slack, lambda text: "did not feel respectful" in text)
    assert "&lt;!channel&gt; curt" in text_of(prompt) and "<!channel>" not in text_of(prompt)
