"""HTTP mode: one WSGI app served by waitress — ``POST /slack/events`` behind a hardened edge, and
``GET /healthz``, ``/readyz``, ``/metrics`` beside it; in OAuth mode also ``GET /slack/install`` and
``GET /slack/oauth_redirect`` (Bolt's OAuth flow: a browser, not Slack, calls them, so no signature).

The edge answers before Bolt sees anything, in this order: a body over ``MAX_BODY_BYTES`` → 413;
missing, duplicated, non-numeric or stale ``X-Slack-Request-Timestamp``, or no ``X-Slack-Signature`` →
401; a body that is not UTF-8 → 400; a bad signature (slack_sdk's ``SignatureVerifier`` over the raw
body) → 401; a signed body Bolt could not parse (``payload=%7Bnot``, a JSON ``[1]``) → 400. Only then does
Bolt dispatch it (its own signature check stays on). Whatever escapes Bolt, or a 5xx from it, is logged
once and answered 200 without detail: Slack only needs the ack, and a 5xx only makes it retry.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine
from waitress.server import create_server

from bot import payloads
from bot.health import HEALTH_PATHS, Health, health_response, standard_health
from bot.metrics import Metrics

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
#: Slack's payloads are a few KiB; a view submission with many blocks stays far below this.
MAX_BODY_BYTES = 1 << 20
#: Slack's rule (and Bolt's): a request older or newer than five minutes is a replay.
MAX_CLOCK_SKEW_SECONDS = 5 * 60

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _plain(start_response: StartResponse, status: int, text: str = "") -> Iterable[bytes]:
    payload = text.encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


class SlackEdge:
    """``POST /slack/events``: checks on the raw bytes first, then Bolt; never a 5xx."""

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.max_body_bytes = max_body_bytes
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._reject(start_response, 400, "unreadable Content-Length")
        if length > self.max_body_bytes:
            return self._reject(start_response, 413, f"body of {length} bytes")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()

        if _is_ssl_check(raw, content_type):
            return _plain(start_response, 200)  # Slack's URL check is unsigned (Bolt answers it alike)
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        problem = self._header_problem(timestamp, signature)
        if problem:
            return self._reject(start_response, 401, problem)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self._reject(start_response, 400, "body is not UTF-8")
        if not self.verifier.is_valid(text, timestamp, signature):
            return self._reject(start_response, 401, "bad signature")
        problem = _parse_problem(text, content_type)
        if problem:
            return self._reject(start_response, 400, problem)
        return self._dispatch(environ, text, start_response)

    def _header_problem(self, timestamp: str | None, signature: str | None) -> str | None:
        if not timestamp or not signature:
            return "no Slack signature headers"
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return "malformed X-Slack-Request-Timestamp"
        if abs(self.clock() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            return "stale X-Slack-Request-Timestamp"
        return None

    def _dispatch(self, environ: dict[str, Any], text: str, start_response: StartResponse) -> Iterable[bytes]:
        try:
            request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=_headers(environ))
            response = self.app.dispatch(request)
        except Exception as error:
            logger.error(
                "a Slack request failed before the bot could answer it (%s); answered 200 without detail",
                type(error).__name__,
                exc_info=error if logger.isEnabledFor(logging.DEBUG) else None,
            )
            return _plain(start_response, 200)
        if response.status >= 500:
            logger.warning("the bot answered a Slack request with %s; answered 200 instead", response.status)
            return _plain(start_response, 200)
        body = response.body.encode() if isinstance(response.body, str) else bytes(response.body or b"")
        headers = [
            (name, value)
            for name, values in response.headers.items()
            if name.lower() != "content-length"
            for value in values
        ]
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [body]

    @staticmethod
    def _reject(start_response: StartResponse, status: int, reason: str) -> Iterable[bytes]:
        logger.info("rejected a request to %s: %s (%s)", EVENTS_PATH, reason, status)
        return _plain(start_response, status, HTTPStatus(status).phrase.lower())


def _is_ssl_check(raw: bytes, content_type: str) -> bool:
    if len(raw) > 512 or content_type == "application/json" or b"ssl_check=1" not in raw:
        return False
    fields = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return fields.get("ssl_check") == "1"


def _parse_problem(text: str, content_type: str) -> str | None:
    """What Bolt's parser would choke on (it reads JSON when the body starts with "{"), or a payload
    whose shape Slack never sends (``bot.payloads.shape_problem``)."""
    try:
        if content_type == "application/json" or text.startswith("{"):
            body = json.loads(text)
            if not isinstance(body, dict):
                return "JSON body is not an object"
            return payloads.shape_problem(body)
        if "payload" in text:
            fields = dict(parse_qsl(text, keep_blank_values=True))
            if "payload" in fields:
                payload = json.loads(fields["payload"])
                if not isinstance(payload, dict):
                    return "payload is not a JSON object"
                return payloads.shape_problem(payload)
    except ValueError:
        return "body cannot be parsed"
    return None


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers as Bolt's WSGI adapter passes them (lower-case, dashes)."""
    headers = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers


def _signing_secret_of(app: App) -> str:
    # Bolt keeps the secret it verifies with; the edge checks with the very same one.
    return str(app._signing_secret)


def oauth_page(app: App, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The install page or the return from Slack (``app.oauth_flow``); a failure is a plain 500 page."""
    flow = app.oauth_flow
    assert flow is not None
    request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=_headers(environ))
    try:
        if environ.get("PATH_INFO") == flow.install_path:
            response = flow.handle_installation(request)
        else:
            response = flow.handle_callback(request)
    except Exception:
        logger.exception("the OAuth flow failed")
        return _plain(start_response, 500, "The installation failed; please try again.")
    body = response.body.encode() if isinstance(response.body, str) else bytes(response.body or b"")
    headers = [
        (name, value)
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
    return [body]


def make_wsgi_app(
    app: App,
    engine: Engine,
    *,
    health: Health | None = None,
    metrics: Metrics | None = None,
    signing_secret: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> WsgiApp:
    """Events behind the edge, plus health and metrics (by default: database and schema checks, and a
    registry of its own that counts from this database)."""
    if health is None:
        health = standard_health(engine)
    if metrics is None:
        metrics = Metrics()
        metrics.count_from_database(engine)
    edge = SlackEdge(
        app,
        signing_secret=signing_secret if signing_secret is not None else _signing_secret_of(app),
        max_body_bytes=max_body_bytes,
    )

    flow = app.oauth_flow
    oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow is not None else set()

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and method == "POST":
            return edge(environ, start_response)
        if path in oauth_paths and method == "GET":
            return oauth_page(app, environ, start_response)
        if path in HEALTH_PATHS and method in ("GET", "HEAD"):
            return health_response(path, start_response, health, metrics)
        return _plain(start_response, 404, "not found")

    return wsgi


def make_server(
    app: App,
    engine: Engine,
    *,
    host: str = "0.0.0.0",
    port: int = 3000,
    threads: int = 8,
    health: Health | None = None,
    metrics: Metrics | None = None,
) -> Any:
    """A waitress server (production-grade, threaded); ``port=0`` picks a free one (``.effective_port``)."""
    return serve_wsgi(
        make_wsgi_app(app, engine, health=health, metrics=metrics), host=host, port=port, threads=threads
    )


def serve_wsgi(application: WsgiApp, *, host: str, port: int, threads: int) -> Any:
    """waitress for any of our WSGI apps; it refuses bodies over ``MAX_BODY_BYTES`` with 413 itself."""
    return create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="kundenfokus",
        max_request_body_size=MAX_BODY_BYTES,
    )


class BackgroundServer:
    """A waitress server on its own thread that stops gracefully: stop accepting, let the requests in
    progress finish and their answers go out, then close (``kundenfokus run``, tests, the shell)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        server.adj.asyncore_loop_timeout = 0.2  # notice a stop quickly
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="waitress", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}"

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            # Closing the sockets under the loop wakes it with EBADF; only then is it expected.
            if not self._stopping:
                raise

    def _busy(self) -> bool:
        """A connection with a request being read, queued or served, or an answer not yet sent."""
        channels = list(getattr(self.server, "_map", {}).values())
        return any(getattr(c, "requests", None) or getattr(c, "total_outbufs_len", 0) for c in channels)

    def stop(self, timeout: float = 5.0) -> bool:
        """True when every request in progress was answered within ``timeout`` seconds."""
        self._stopping = True
        deadline = time.monotonic() + timeout
        self.server.accepting = False  # new connections wait in the backlog and are refused at close
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        finished = not self._busy()
        self.server.task_dispatcher.shutdown(timeout=max(0.0, deadline - time.monotonic()))
        from waitress import wasyncore

        wasyncore.close_all(self.server._map)
        self._thread.join(timeout=max(0.5, deadline - time.monotonic()))
        return finished
