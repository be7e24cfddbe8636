"""The Workflow Builder step *Create a request*: a ``function_executed`` event files a request like
``/request`` and completes the step with its number and link; bad inputs fail it with a clear message."""

from __future__ import annotations

from datetime import timedelta

import yaml
from sqlalchemy import select

from models import Request
from models.db import reading
from tests.conftest import START
from tests.slackutil import dms_to, text_of
from tests.test_config import ROOT

STEP = "create_request"


def run(slack, fake_slack, **inputs):
    reply = slack.function_executed(STEP, inputs)
    assert reply.status == 200
    [execution_id] = [
        c.args["function_execution_id"] for c in fake_slack.calls if c.method.startswith("functions.")
    ][-1:] or [None]
    return fake_slack.function_execution(execution_id) if execution_id else None


def requests(sessions) -> list[Request]:
    with reading(sessions) as session:
        return list(session.scalars(select(Request).order_by(Request.id)))


def test_the_step_files_a_request_and_completes_with_its_number_and_link(slack, fake_slack, sessions):
    due = START + timedelta(days=2)
    execution = run(
        slack, fake_slack, assignee="UBOB", requester="UALICE", text="Send the Q3 numbers",
        response_time="2 business days", due_date=int(due.timestamp()),
    )  # fmt: skip
    assert execution.state == "completed", execution
    [request] = requests(sessions)
    assert execution.outputs == {
        "request_number": 1,
        "request_url": "slack://app?team=T0001&id=A0001&tab=home",
    }
    assert (request.requester_id, request.assignee_id, request.text) == (
        "UALICE",
        "UBOB",
        "Send the Q3 numbers",
    )
    assert request.due_at == due.astimezone(request.due_at.tzinfo).replace(microsecond=0)
    [card] = dms_to(fake_slack, "UBOB")
    assert "Send the Q3 numbers" in text_of(card)
    complete = fake_slack.calls_to("functions.completeSuccess")[-1]
    assert complete.token.startswith("xwfp-")  # completed with the execution's own token


def test_the_same_execution_delivered_twice_files_once(slack, fake_slack, sessions):
    slack.function_executed(STEP, {"assignee": "UBOB", "requester": "UALICE", "text": "Once"}, event_id="Ev1")
    [execution_id] = {
        c.args["function_execution_id"] for c in fake_slack.calls_to("functions.completeSuccess")
    }
    slack.event(
        {"type": "function_executed", "function_execution_id": execution_id, "inputs": {}},
        event_id="Ev1",
        retry_num=1,
    )
    assert len(requests(sessions)) == 1


def test_bad_inputs_fail_the_step_with_a_clear_message_and_file_nothing(slack, fake_slack, sessions):
    cases = [
        ({"assignee": "UBOB", "text": "No requester"}, "who asks"),
        ({"requester": "UALICE", "text": "No assignee"}, "whom to ask"),
        ({"assignee": "UBOB", "requester": "UALICE", "text": "x", "response_time": "soon-ish"}, "soon-ish"),
        ({"assignee": "UALICE", "requester": "UALICE", "text": "Myself"}, "to yourself"),
        ({"assignee": "UROBOT", "requester": "UALICE", "text": "A bot"}, "is a bot"),
        ({"assignee": "UBOB", "requester": "UALICE", "text": "   "}, "describe what you need"),
        ({"assignee": "UBOB", "requester": "UALICE", "text": "Past", "due_date": int(START.timestamp()) - 60}, "already passed"),
        ({"assignee": "UBOB", "requester": "UALICE", "text": "Odd", "due_date": "next week"}, "Due date"),
    ]  # fmt: skip
    for inputs, words in cases:
        execution = slack.function_executed(STEP, inputs) and _last(fake_slack)
        assert execution.state == "failed", (inputs, execution)
        assert words in execution.error, (inputs, execution.error)
    assert requests(sessions) == []


def test_a_german_requester_reads_the_failure_in_german(slack, fake_slack):
    slack.function_executed(STEP, {"assignee": "UDIETER", "requester": "UDIETER", "text": "Ich selbst"})
    assert _last(fake_slack).error.startswith("Eine Anfrage an dich selbst geht nicht")


def test_the_manifest_declares_the_step_with_its_inputs_and_outputs():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    step = manifest["functions"][STEP]
    assert set(step["input_parameters"]) == {"assignee", "text", "response_time", "due_date", "requester"}
    assert step["output_parameters"]["request_number"]["type"] == "integer"
    assert set(step["output_parameters"]) == {"request_number", "request_url"}
    assert manifest["settings"]["function_runtime"] == "remote"


def _last(fake_slack):
    ids = [c.args["function_execution_id"] for c in fake_slack.calls if c.method.startswith("functions.")]
    return fake_slack.function_execution(ids[-1])
