"""Connections to Slack kept open and used again, under slack_sdk's clients.

slack_sdk sends each call with ``urllib.request.urlopen``, which opens a new connection (a TCP and a TLS
handshake) and closes it after one request. Against slack.com that is a round trip or two of latency and
the CPU of a handshake for every message; under load, most of a call. Here the clients keep HTTP/1.1
connections open in a small pool shared by the process's threads (one call on a connection at a time)
and send the next call on an idle one. Everything else stays slack_sdk's: how a call is built, its retry
handlers (which see the same errors as with urllib: ``HTTPError`` for an answer outside 2xx, the
connection errors as they come), the proxy (a client with a proxy goes through urllib as before).

A connection goes back to the pool only after its answer was read whole and the server did not ask to
close it; any error closes it (a late answer must never be read as the next call's). Before one is used
again it is dropped if it has been idle too long or the server has closed it meanwhile (the socket is
readable: an end of file, or bytes nobody asked for). When a call on a connection that had been used
before fails before any answer (the server closed it between that check and the request), it is sent
once more on a new connection, as urllib3 does; a new connection's failure is the caller's, in
urlopen's terms (``URLError`` for a failure to connect or send).
"""

from __future__ import annotations

import http.client
import io
import select
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient, WebhookResponse

#: Idle connections kept for the whole process (over all hosts; the oldest is closed beyond this).
KEEP = 32
#: An idle connection older than this is closed rather than used (servers close idle ones after ~60 s).
IDLE_SECONDS = 30.0
#: What a server closing a kept connection looks like to the next request on it.
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

_Key = tuple[str, str, int, int]


class Connections:
    """A pool of idle HTTP(S) connections by (scheme, host, port, TLS context)."""

    def __init__(self, *, keep: int = KEEP, idle_seconds: float = IDLE_SECONDS) -> None:
        self._keep, self._idle_seconds = keep, idle_seconds
        self._lock = threading.Lock()
        self._idle: deque[tuple[_Key, http.client.HTTPConnection, float]] = deque()
        self._default_context: ssl.SSLContext | None = None

    def send(
        self, request: urllib.request.Request, *, timeout: float, context: ssl.SSLContext | None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """Send ``request``; return the answer (read whole) and its body. Raises as ``urlopen`` does for
        a connection error; an answer outside 2xx is returned, not raised."""
        parts = urlsplit(request.full_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an HTTP URL: {request.full_url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key: _Key = (parts.scheme, parts.hostname, port, id(context))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = dict(request.header_items())
        while True:
            connection = self._take(key)
            reused = connection is not None
            if connection is None:
                connection = self._connect(parts.scheme, parts.hostname, port, timeout, context)
            try:
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                connection.timeout = timeout
                try:
                    connection.request(request.get_method(), path, body=request.data, headers=headers)
                except OSError as error:
                    if reused and isinstance(error, _DROPPED):
                        raise
                    # As urlopen: a failure to connect or send is a URLError (slack_sdk's connection
                    # retry handler knows that one; a bare "connection refused" it would not retry).
                    raise urllib.error.URLError(error) from error
                response = connection.getresponse()
                body = response.read()
            except _DROPPED:
                connection.close()
                if reused:
                    continue  # closed by the server while idle: once more on a new connection
                raise
            except BaseException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                self._give_back(key, connection)
            return response, body

    def close(self) -> None:
        """Close every idle connection (those in use are closed when their call ends)."""
        with self._lock:
            idle, self._idle = list(self._idle), deque()
        for _key, connection, _since in idle:
            connection.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._idle)

    def _connect(
        self, scheme: str, host: str, port: int, timeout: float, context: ssl.SSLContext | None
    ) -> http.client.HTTPConnection:
        if scheme == "http":
            return http.client.HTTPConnection(host, port, timeout=timeout)
        if context is None:
            with self._lock:
                if self._default_context is None:  # what urlopen uses without a context
                    self._default_context = ssl.create_default_context()
                context = self._default_context
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)

    def _take(self, key: _Key) -> http.client.HTTPConnection | None:
        now = time.monotonic()
        while True:
            with self._lock:
                found = next((item for item in reversed(self._idle) if item[0] == key), None)
                if found is None:
                    return None
                self._idle.remove(found)
            _key, connection, since = found
            if now - since < self._idle_seconds and _still_open(connection):
                return connection
            connection.close()

    def _give_back(self, key: _Key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.append((key, connection, time.monotonic()))
            extra = [self._idle.popleft() for _ in range(len(self._idle) - self._keep)]
        for _key, old, _since in extra:
            old.close()


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """An idle connection has nothing to read; readable means closed by the server (or garbage)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        if hasattr(select, "poll"):  # any descriptor number (select() stops at 1024)
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


#: The process's pool: every client below shares it.
CONNECTIONS = Connections()


def _as_urllib(url: str, response: http.client.HTTPResponse, body: bytes) -> None:
    """Raise for an answer outside 2xx as ``urlopen`` does (slack_sdk reads status, headers and body
    from the ``HTTPError``)."""
    if not 200 <= response.status < 300:
        raise urllib.error.HTTPError(url, response.status, response.reason, response.msg, io.BytesIO(body))


class KeptAliveWebClient(WebClient):
    """slack_sdk's ``WebClient`` on kept connections (through a proxy, on urllib as before)."""

    def _perform_urllib_http_request_internal(self, url: str, req: urllib.request.Request) -> dict[str, Any]:
        if self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        response, body = CONNECTIONS.send(req, timeout=self.timeout, context=self.ssl)
        _as_urllib(url, response, body)
        headers = response.msg
        if headers.get_content_type() == "application/gzip":  # admin.analytics.getFile, as slack_sdk
            return {"status": response.status, "headers": headers, "body": body}
        charset = headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": headers, "body": body.decode(charset)}


class KeptAliveWebhookClient(WebhookClient):
    """slack_sdk's ``WebhookClient`` (``response_url``, incoming webhooks) on kept connections."""

    def _perform_http_request_internal(self, url: str, req: urllib.request.Request) -> WebhookResponse:
        if self.proxy is not None:
            return super()._perform_http_request_internal(url, req)
        response, body = CONNECTIONS.send(req, timeout=self.timeout, context=self.ssl)
        _as_urllib(url, response, body)
        charset = response.msg.get_content_charset() or "utf-8"
        return WebhookResponse(
            url=url, status_code=response.status, body=body.decode(charset), headers=response.msg
        )
