"""HTTP mode: one WSGI app (``POST /slack/events``, ``GET /healthz``) served by waitress."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from waitress.server import create_server

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"

StartResponse = Callable[..., Any]


def make_wsgi_app(app: App, engine: Engine) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def healthz(start_response: StartResponse) -> Iterable[bytes]:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            status, body = "200 OK", {"ok": True, "database": "ok"}
        except Exception:
            logger.exception("health check: database unreachable")
            status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and method == "POST":
            return slack(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            return healthz(start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return wsgi


def make_server(app: App, engine: Engine, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 8):
    """A waitress server (production-grade, threaded); ``port=0`` picks a free one (``.effective_port``)."""
    return create_server(
        make_wsgi_app(app, engine), host=host, port=port, threads=threads, ident="kundenfokus"
    )


class BackgroundServer:
    """A waitress server on a daemon thread that can be stopped cleanly (tests, ``kundenfokus shell``)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        server.adj.asyncore_loop_timeout = 0.2  # notice close() quickly
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="waitress", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            # Closing the listening socket wakes the loop with EBADF; only then is it expected.
            if not self._stopping:
                raise

    def stop(self) -> None:
        self._stopping = True
        self.server.task_dispatcher.shutdown(timeout=5)  # finish in-flight requests first
        self.server.close()
        self._thread.join(timeout=5)
