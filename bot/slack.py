"""The narrow port to Slack's Web API: configured clients (delivery itself is ``bot.outbox``)."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.keepalive import KeptAliveWebClient

logger = logging.getLogger(__name__)

#: The bot scopes of manifest.yml; the OAuth install asks for exactly these (a test compares).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "users:read",
    "users.profile:read",
    "usergroups:read",
)


def authorize_url_for(api_url: str) -> str:
    """Where the Add-to-Slack link points: next to the Web API (slack.com, GovSlack, a test's fake)."""
    root = api_url.rstrip("/")
    root = root[: -len("/api")] if root.endswith("/api") else root
    return f"{root}/oauth/v2/authorize"


def delivery_client(client: WebClient) -> WebClient:
    """The same token and URL, retrying only a dropped connection: the outbox handles 429 and 5xx itself."""
    delivery = copy.copy(client)  # the same class and settings: a client that counts its calls keeps counting
    delivery.timeout = 10
    delivery.retry_handlers = [ConnectionErrorRetryHandler(max_retry_count=1)]
    return delivery


def make_web_client(
    token: str | None, base_url: str, *, client_factory: Callable[..., WebClient] = KeptAliveWebClient
) -> WebClient:
    """slack_sdk's client with its retry handlers for connection errors, 429 (Retry-After) and 5xx, on
    kept connections (``bot.keepalive``). ``client_factory``: a WebClient subclass, e.g.
    ``Metrics.web_client_factory()`` counting each call."""
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
