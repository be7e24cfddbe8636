"""Hostile Slack deliveries for the fuzz test (tests/test_fuzz.py) and its long run (bench/fuzz.py).

Every kind Slack sends — slash commands, button clicks, form submissions and closings, shortcuts, events
— built like Slack builds them and then bent: fields missing, of the wrong type, absurdly long, ids that
are not ids, dates that do not exist, JSON where a string belongs. Each is sent signed or, sometimes,
unsigned / badly signed / with a stale, duplicated or non-numeric timestamp. The people are strangers
to the one request that exists (its assignee never clicks), so nothing may change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

ACTIONS = [
    "request_ack",
    "request_done",
    "request_cancel",
    "request_snooze",
    "request_decline",
    "request_reassign",
    "request_propose",
    "request_accept_proposal",
    "request_reject_proposal",
    "request_escalate_channel",
    "request_escalate_person",
    "request_rate_1",
    "request_rate_5",
    "request_thank",
    "request_rate_details",
    "nope",
]
VIEWS = [
    "request_new",
    "request_decline_view",
    "request_reassign_view",
    "request_propose_view",
    "request_escalate_view",
    "request_rate_view",
    "nope",
]
EVENTS = ["message", "app_home_opened", "app_mention", "user_change", "reaction_added", "nope"]
STRANGERS = ["UCAROL", "UDIETER", "UROBOT", "UGONE", "UNOBODY", "U1", "", "<@UBOB>", "u lower"]
HOSTILE_TEXT = [
    "<@UBOB>",
    "&lt;@UBOB&gt;",
    "<!channel>",
    "<!here>",
    "<https://evil.example|bank>",
    "\x00",
    "\u202e",
    "'; DROP TABLE requests; --",
    "9" * 40,
    "2026-02-31",
    "{}",
    "[1]",
    "é" * 3000,
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(HOSTILE_TEXT),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(HOSTILE_TEXT),
    st.lists(st.sampled_from(HOSTILE_TEXT), max_size=5).map(" ".join),
)
maybe_id = st.one_of(st.sampled_from(STRANGERS), json_value)
request_value = st.one_of(
    st.sampled_from(["1", "2", "0", "-1", "9" * 40, "[1]", "{}", "", "1.0", "１"]), json_value
)


def _bent(payload: dict[str, Any], draw: Any) -> dict[str, Any]:
    """Drop, retype or replace a few fields, anywhere in the payload."""
    for _ in range(draw(st.integers(0, 3))):
        if not payload:
            break
        key = draw(st.sampled_from(sorted(payload)))
        how = draw(st.sampled_from(["drop", "retype", "keep"]))
        if how == "drop":
            payload.pop(key)
        elif how == "retype":
            payload[key] = draw(json_value)
    return payload


@st.composite
def command(draw: Any) -> tuple[str, bytes]:
    fields: dict[str, Any] = {
        "command": draw(st.sampled_from(["/request", "/other", ""])),
        "text": "x " + draw(text),  # never a valid leading mention: nothing may be filed
        "team_id": draw(st.sampled_from(["T0001", "T9999", "", "t"])),
        "user_id": draw(st.sampled_from(STRANGERS)),
        "channel_id": draw(st.sampled_from(["C0001", "D1", "", "x"])),
        "trigger_id": draw(st.sampled_from(["1.2.abc", "", "x" * 300])),
        "response_url": draw(
            st.sampled_from(["", "javascript:alert(1)", "ftp://x", "http://127.0.0.1:9/respond"])
        ),
    }
    fields = _bent(fields, draw)
    return "application/x-www-form-urlencoded", urlencode(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    ).encode()


@st.composite
def interaction(draw: Any) -> tuple[str, bytes]:
    kind = draw(
        st.sampled_from(
            ["block_actions", "view_submission", "view_closed", "message_action", "shortcut", "nope"]
        )
    )
    payload: dict[str, Any] = {
        "type": kind,
        "team": {"id": draw(st.sampled_from(["T0001", "T9", ""]))},
        "user": {"id": draw(maybe_id), "team_id": "T0001"},
        "trigger_id": draw(st.sampled_from(["1.2.abc", None])),
        "response_url": draw(st.sampled_from(["http://127.0.0.1:9/respond", None, "nope"])),
    }
    if kind == "block_actions":
        payload["actions"] = [
            {
                "action_id": draw(st.sampled_from(ACTIONS)),
                "value": draw(request_value),
                "block_id": draw(st.sampled_from(["b", "proposal_1", "proposal_x", ""])),
            }
        ]
        payload["container"] = {
            "type": "message",
            "channel_id": "DUCAROL",
            "message_ts": draw(st.sampled_from(["1.2", "x", None])),
        }
    elif kind in ("view_submission", "view_closed"):
        payload["view"] = {
            "id": "V1",
            "callback_id": draw(st.sampled_from(VIEWS)),
            "private_metadata": draw(
                st.one_of(
                    st.sampled_from(["1", "{}", "{not", '{"request_id": "1"}', ""]), st.text(max_size=20)
                )
            ),
            "state": {
                "values": draw(
                    st.dictionaries(
                        st.sampled_from(
                            ["assignee", "text", "reason", "due_date", "score", "note", "person"]
                        ),
                        st.dictionaries(
                            st.sampled_from(
                                ["assignee", "text", "reason", "due_date", "score", "note", "person"]
                            ),
                            json_value,
                            max_size=2,
                        ),
                        max_size=4,
                    )
                )
            },
        }
    else:
        payload["callback_id"] = draw(st.sampled_from(["request_from_message", "nope"]))
        payload["message"] = {"text": draw(text), "ts": draw(st.sampled_from(["1.2", "x"]))}
        payload["channel"] = {"id": draw(st.sampled_from(["C0001", "x"]))}
    payload = _bent(payload, draw)
    return "application/x-www-form-urlencoded", urlencode({"payload": json.dumps(payload)}).encode()


@st.composite
def event(draw: Any) -> tuple[str, bytes]:
    inner: dict[str, Any] = {
        "type": draw(st.sampled_from(EVENTS)),
        "user": draw(maybe_id),
        "channel": draw(st.sampled_from(["DUCAROL", "C0001", "x", None])),
        "text": draw(text),
        "ts": draw(st.sampled_from(["1.2", "x", None])),
        "thread_ts": draw(st.sampled_from(["1.2", "x", None, "1796000000.000001"])),
        "tab": draw(st.sampled_from(["home", "messages", None])),
    }
    inner = _bent(inner, draw)
    body: dict[str, Any] = {
        "type": draw(st.sampled_from(["event_callback", "url_verification", "nope"])),
        "team_id": "T0001",
        "event_id": draw(st.sampled_from(["Ev1", "Ev2", "", None])),
        "event": inner,
        "challenge": "c",
    }
    body = _bent(body, draw)
    return "application/json", json.dumps(body).encode()


@dataclass(frozen=True)
class Delivery:
    content_type: str
    body: bytes
    signing: str  # "signed", "unsigned", "bad", "stale", "duplicated", "garbage-timestamp"

    def headers(self, secret: str) -> dict[str, str]:
        timestamp = str(int(time.time()))
        if self.signing == "stale":
            timestamp = str(int(time.time()) - 3600)
        digest = hmac.new(
            secret.encode(), f"v0:{timestamp}:".encode() + self.body, hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": self.content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": f"v0={digest}",
        }
        if self.signing == "unsigned":
            headers = {"Content-Type": self.content_type}
        elif self.signing == "bad":
            headers["X-Slack-Signature"] = "v0=" + "0" * 64
        elif self.signing == "duplicated":
            headers["X-Slack-Request-Timestamp"] = f"{timestamp}, {timestamp}"
        elif self.signing == "garbage-timestamp":
            headers["X-Slack-Request-Timestamp"] = "soon"
        return headers


#: One hostile delivery of any kind, most of them signed (those reach the listeners).
deliveries = st.tuples(
    st.one_of(
        command(),
        interaction(),
        event(),
        st.tuples(st.sampled_from(["application/json", "text/plain"]), st.binary(max_size=200)),
    ),
    st.sampled_from(["signed"] * 6 + ["unsigned", "bad", "stale", "duplicated", "garbage-timestamp"]),
).map(lambda pair: Delivery(pair[0][0], pair[0][1], pair[1]))
