"""The narrow port to Slack's Web API: a configured client and message delivery."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

logger = logging.getLogger(__name__)


def delivery_client(client: WebClient) -> WebClient:
    """The same token and URL, retrying only a dropped connection: the outbox handles 429 and 5xx itself."""
    delivery = copy.copy(client)  # the same class and settings: a client that counts its calls keeps counting
    delivery.timeout = 10
    delivery.retry_handlers = [ConnectionErrorRetryHandler(max_retry_count=1)]
    return delivery


def make_web_client(
    token: str, base_url: str, *, client_factory: Callable[..., WebClient] = WebClient
) -> WebClient:
    """slack_sdk's client with its retry handlers for connection errors, 429 (Retry-After) and 5xx.
    ``client_factory``: a WebClient subclass, e.g. ``Metrics.web_client_factory()`` counting each call."""
    return client_factory(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class Messenger:
    """Delivers rendered messages. Errors are logged and reported, never raised into a listener."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def dm(self, user_id: str, *, text: str, blocks: list[dict[str, Any]]) -> Posted | None:
        try:
            channel = self.client.conversations_open(users=user_id)["channel"]["id"]
            response = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False
            )
            return Posted(channel=response["channel"], ts=response["ts"])
        except SlackApiError:
            logger.exception("could not send a DM to %s", user_id)
            return None

    def post(self, channel: str, *, text: str, blocks: list[dict[str, Any]]) -> Posted:
        """Post to a channel; raises SlackApiError so callers can record permanent failures."""
        response = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
        return Posted(channel=response["channel"], ts=response["ts"])

    def update(self, channel: str, ts: str, *, text: str, blocks: list[dict[str, Any]]) -> bool:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            return True
        except SlackApiError:
            logger.exception("could not update message %s in %s", ts, channel)
            return False

    def ephemeral(
        self, channel: str, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        try:
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
        except SlackApiError:
            # Ephemerals fail in channels the bot is not in; a DM always reaches the person.
            logger.info("ephemeral to %s in %s failed; sending a DM instead", user_id, channel)
            self.dm(user_id, text=text, blocks=blocks or [])
