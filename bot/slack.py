"""The narrow port to Slack's Web API: configured clients (delivery itself is ``bot.outbox``)."""

from __future__ import annotations

import copy
import http.client
import io
import logging
import select
import threading
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

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


class KeepAliveWebClient(WebClient):
    """slack_sdk's client over persistent connections: one per thread and host, kept open between calls.

    slack_sdk opens a new connection (and, against Slack, a new TLS handshake) for every call through
    urllib; at the outbox's pace that is most of a call's cost. Everything else — headers, bodies, the
    retry handlers, the errors — is slack_sdk's: only the one step that moves the bytes is replaced. A
    connection the server closed while idle is noticed before it is used again (it reads as closed), so
    a request is never sent into a dead connection; with a proxy the SDK's own way is taken.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections = threading.local()

    def __copy__(self) -> KeepAliveWebClient:
        # ``delivery_client``'s copy gets connections of its own (sharing them would be safe per thread,
        # but a copy that outlives this client should not hold on to its sockets).
        twin = self.__class__.__new__(self.__class__)
        twin.__dict__.update(self.__dict__)
        twin._connections = threading.local()
        return twin

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        pool: dict[tuple[str, str], http.client.HTTPConnection] = self._connections.__dict__.setdefault(
            "pool", {}
        )
        connection = pool.get((scheme, netloc))
        if connection is not None and connection.sock is not None and _reads_as_closed(connection.sock):
            connection.close()  # it reconnects on the next request
        if connection is None:
            if scheme == "https":
                connection = http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self.ssl)
            else:
                connection = http.client.HTTPConnection(netloc, timeout=self.timeout)
            pool[(scheme, netloc)] = connection
        return connection

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        connection = self._connection(parts.scheme, parts.netloc)
        connection.timeout = self.timeout
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, body=req.data, headers=dict(req.header_items()))
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        if not 200 <= response.status < 300:
            # As urllib raises it: slack_sdk reads 429's Retry-After and the body from the error.
            raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(body))
        if response.headers.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.headers, "body": body}
        charset = response.headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}


def _reads_as_closed(sock: Any) -> bool:
    """An idle connection with something to read has been closed by the server (or is out of step)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def delivery_client(client: WebClient) -> WebClient:
    """The same token and URL, retrying only a dropped connection: the outbox handles 429 and 5xx itself."""
    delivery = copy.copy(client)  # the same class and settings: a client that counts its calls keeps counting
    delivery.timeout = 10
    delivery.retry_handlers = [ConnectionErrorRetryHandler(max_retry_count=1)]
    return delivery


def make_web_client(
    token: str | None, base_url: str, *, client_factory: Callable[..., WebClient] = KeepAliveWebClient
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
