"""Real processes for the operations tests: ``python -m bot`` as an operator starts it, a proxy that holds
Slack calls back (work in flight), and a TCP proxy that takes the database away and brings it back."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: What the operator's environment may carry that must not leak into a test's process.
_OURS = ("SLACK_", "DATABASE_URL", "LOG_", "KUNDENFOKUS_", "PORT")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        environment.pop(name, None)  # everything here talks to 127.0.0.1
    environment.update(extra or {})
    return environment


def kundenfokus(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, prefix: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    """Start ``python -m bot ARGS`` with only ``env`` of our settings; stdout and stderr apart."""
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def get(url: str, timeout: float = 5) -> tuple[int, Any]:
    """(status, JSON body or text) of a GET; (0, None) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, raw, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    except OSError:
        return 0, None
    text = raw.decode("utf-8", "replace")
    return status, json.loads(text) if kind.startswith("application/json") else text


class BotProcess:
    """``kundenfokus run`` in a subprocess; its combined output is collected while it runs."""

    def __init__(self, *args: str, cwd: Path, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args],
            cwd=cwd,
            env=clean_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self._lines)

    def wait_for_line(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None:
                self._reader.join(timeout=2)
                raise AssertionError(f"the bot exited ({self.process.returncode}):\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout} s:\n{self.output}")
            time.sleep(0.05)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10) -> tuple[int, float]:
        """Send ``signum``; (exit code, seconds it took). Kills it when it overruns ``timeout``."""
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the bot did not stop within {timeout} s:\n{self.output}") from None
        self._reader.join(timeout=2)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def bot_process(*args: str, cwd: Path, env: Mapping[str, str]) -> Iterator[BotProcess]:
    bot = BotProcess(*args, cwd=cwd, env=env)
    try:
        yield bot
    finally:
        bot.kill()


def start_http_bot(
    database_url: str, fake_slack: Any, tmp_path: Path, **settings: str
) -> tuple[BotProcess, Any, int]:
    """``kundenfokus run --http`` against the fake Slack, once ``/readyz`` says ready: the process, a
    signed driver for it and its port. ``settings``: more of its environment (``LOG_LEVEL`` is WARNING)."""
    from bot.sandbox.driver import SlackDriver
    from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM

    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    bot = BotProcess("--http", "--port", str(port), cwd=tmp_path, env=env)
    deadline = time.monotonic() + 60
    while get(f"http://127.0.0.1:{port}/readyz", timeout=2)[0] != 200:
        if bot.process.poll() is not None or time.monotonic() > deadline:
            bot.kill()
            raise AssertionError(f"the bot never became ready:\n{bot.output}")
        time.sleep(0.1)
    driver = SlackDriver(
        f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, team_id=TEAM, fake=fake_slack
    )
    return bot, driver, port


class SlowSlack:
    """An HTTP proxy in front of the fake Slack's Web API that holds the ``slow`` methods back for
    ``delay`` seconds: the bot's work is then demonstrably in flight. ``arrived(method)`` waits until
    such a call has reached the proxy."""

    def __init__(self, target_base_url: str, *, slow: tuple[str, ...], delay: float) -> None:
        self.target = target_base_url.rstrip("/")  # …/api
        self.slow, self.delay = slow, delay
        self._arrived: dict[str, threading.Event] = {method: threading.Event() for method in slow}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes

            def do_POST(self) -> None:
                self._forward()

            def do_GET(self) -> None:
                self._forward()

            def _forward(self) -> None:
                method = self.path.split("?")[0].rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if method in proxy.slow:
                    proxy._arrived[method].set()
                    time.sleep(proxy.delay)
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                request = urllib.request.Request(
                    proxy.target
                    + "/"
                    + method
                    + (("?" + self.path.split("?", 1)[1]) if "?" in self.path else ""),
                    data=body if self.command == "POST" else None,
                    headers=headers,
                    method=self.command,
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, data, kind = (
                            response.status,
                            response.read(),
                            response.headers.get("Content-Type"),
                        )
                except urllib.error.HTTPError as error:
                    status, data, kind = error.code, error.read(), error.headers.get("Content-Type")
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def __enter__(self) -> SlowSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def arrived(self, method: str, timeout: float = 15) -> None:
        if not self._arrived[method].wait(timeout):
            raise AssertionError(f"the bot never called {method}")


class TcpProxy:
    """Forwards 127.0.0.1:port to a server; ``down()`` drops every connection and refuses new ones,
    ``up()`` listens on the same port again. A database outage without touching the database."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
