"""``kundenfokus run [--http] [--port N] [--health-port N]``: the bot with its scheduler, in Socket Mode or
over HTTP, until SIGTERM or SIGINT stops it gracefully (see ``bot.lifecycle``).

Start: settings → database (SQLite is migrated here, PostgreSQL must be) → Slack accepts the bot token →
Socket Mode accepts the app token and connects, or the HTTP server listens → background work starts →
one log line says what runs where. Anything the operator can fix ends the start with one paragraph and
exit code 2 (``OperatorError``).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.cli.common import OperatorError, require_slack
from bot.config import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.deps import Deps
    from bot.health import Check, Health
    from bot.lifecycle import Lifecycle
    from bot.metrics import Metrics
    from bot.outbox.processes import DeliveryProcesses

logger = logging.getLogger("bot")

NAME = "run"
HELP = "run the bot and its scheduler (Socket Mode or HTTP)"
DATABASE = "creates"

#: Threads answering Slack's requests. Each only checks the signature, reads the payload and acks (the
#: work follows on ``deps.work``), a few milliseconds of CPU: more threads would only contend for the GIL,
#: fewer would let a slow client hold up the rest. waitress queues the connections beyond them.
LISTENER_THREADS = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    parser.add_argument("--port", type=_port, help="HTTP port (default: $PORT or 3000)")
    parser.add_argument(
        "--health-port",
        type=_port,
        metavar="N",
        help="serve GET /healthz, /readyz and /metrics on this port (Socket Mode has no other; "
        "default: $KUNDENFOKUS_HEALTH_PORT)",
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r} (1-65535)")
    return port


@dataclass
class Runtime:
    """What background work gets besides ``Deps``: how the process stops, what readiness means, what
    is counted. ``runtime.lifecycle.on_stop(cb, name=...)``, ``runtime.health.add_check(name, check)``,
    ``runtime.metrics.set_outbox_probe(probe)``."""

    lifecycle: Lifecycle
    health: Health
    metrics: Metrics


def start_scheduler_work(deps: Deps, runtime: Runtime) -> None:
    """The minute ticker (reminders, digests); stopping waits for a tick that is running."""
    from bot.jobs.scheduler import start_scheduler
    from bot.lifecycle import Phase

    scheduler = start_scheduler(deps)
    time_ticks(scheduler, runtime.metrics)
    runtime.lifecycle.on_stop(lambda: scheduler.shutdown(wait=True), name="scheduler", phase=Phase.IN_FLIGHT)


def start_delivery_work(deps: Deps, runtime: Runtime) -> None:
    """The work after the acks and the outbox's delivery workers — in this process's threads, or in
    ``KUNDENFOKUS_DELIVERY_PROCESSES`` processes of their own (``bot.outbox.processes``). Stopping lets
    the work in progress finish (it writes its outbox rows), then the delivery finishes what is in
    flight and hands the rest back to the database for the next process."""
    from bot.lifecycle import Phase
    from bot.metrics import OutboxStatus
    from bot.outbox import store
    from models.db import reading

    lifecycle = runtime.lifecycle
    deps.work.start()
    lifecycle.on_stop(
        lambda: deps.work.stop(lifecycle.time_left() / 2), name="work after acks", phase=Phase.IN_FLIGHT
    )
    if deps.settings.delivery_processes:
        children = _delivery_processes(deps.settings)
        deps.outbox.notify = children.wake
        # Checked before they start: /readyz already answers, and says "not ready" until they run.
        runtime.health.add_check("delivery", delivery_check(children))
        children.start()
        logger.info("delivering in %s process(es) of their own: %s", children.count, children.pids)
        stop_delivery: Callable[[float], object] = children.stop
    else:
        deps.outbox.start()
        stop_delivery = deps.outbox.stop
    lifecycle.on_stop(
        lambda: stop_delivery(max(0.5, lifecycle.time_left() - 0.5)), name="outbox", phase=Phase.DRAIN
    )

    def outbox_status() -> OutboxStatus:
        with reading(deps.sessions) as session:
            waiting = store.backlog(session)
        oldest = (deps.outbox.wall() - waiting.oldest).total_seconds() if waiting.oldest else 0.0
        return OutboxStatus(pending=waiting.pending, oldest_seconds=max(0.0, oldest))

    runtime.metrics.set_outbox_probe(outbox_status)


def _delivery_processes(settings: Settings) -> DeliveryProcesses:
    """``KUNDENFOKUS_DELIVERY_PROCESSES`` children (not started yet), with the Slack credentials this process took out of
    its environment (``run`` keeps Bolt from reading them) put back for them."""
    from bot.outbox.processes import DeliveryProcesses

    env = dict(os.environ)
    for key, value in (
        ("SLACK_BOT_TOKEN", settings.slack_bot_token),
        ("SLACK_CLIENT_ID", settings.slack_client_id),
        ("SLACK_CLIENT_SECRET", settings.slack_client_secret),
    ):
        if value:
            env[key] = value
    return DeliveryProcesses(settings.delivery_processes, env=env)


def delivery_check(children: DeliveryProcesses) -> Check:
    from bot.health import CheckResult

    def check() -> CheckResult:
        if children.alive():
            return CheckResult(True, f"{children.count} delivery process(es) running")
        return CheckResult(False, "a delivery process is not running (it is started again)")

    return check


#: Everything that works beside the Slack listeners, started in this order once Slack is connected. Each
#: entry registers how it stops (``runtime.lifecycle.on_stop``) and what readiness it adds.
BACKGROUND_WORK: tuple[Callable[[Deps, Runtime], None], ...] = (start_delivery_work, start_scheduler_work)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.lifecycle import Lifecycle

    lifecycle = Lifecycle()
    lifecycle.install_signal_handlers()
    if args.port:
        settings = settings.with_(port=args.port)
    if args.health_port:
        settings = settings.with_(health_port=args.health_port)
    socket_mode = settings.socket_mode and not args.http and not settings.oauth
    require_slack(settings)

    engine = _open_database(settings)
    # The heavy imports (Bolt, the handlers) only once the database is there: a failed start stays quick.
    from bot.app import create_app
    from bot.cli.database import describe
    from bot.health import standard_health, stopping_check
    from bot.metrics import Metrics
    from bot.slack import make_web_client
    from models.db import make_session_factory

    started = False
    try:
        metrics = Metrics()
        metrics.count_from_database(engine)
        health = standard_health(engine)
        health.add_check("running", stopping_check(lambda: lifecycle.stopping))
        runtime = Runtime(lifecycle=lifecycle, health=health, metrics=metrics)
        client = make_web_client(
            None if settings.oauth else settings.slack_bot_token,
            settings.slack_api_url,
            client_factory=metrics.web_client_factory(),
        )
        # Settings holds the token now. Bolt would also take SLACK_BOT_TOKEN (and, in OAuth mode,
        # SLACK_CLIENT_ID/SECRET) from the environment and then warn that ours win; nothing needs them.
        for key in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
            os.environ.pop(key, None)
        app, deps = create_app(settings, sessions=make_session_factory(engine), client=client)
        identity = _check_slack(client, settings)

        served = _start_intake(app, engine, client, settings, runtime, socket_mode=socket_mode)
        served += _start_health_port(settings, runtime, socket_mode=socket_mode)
        for start in BACKGROUND_WORK:
            start(deps, runtime)
        from bot.version import package_version

        started = True
        logger.info(
            "Kundenfokus %s is running: %s; database: %s; %s",
            package_version(),
            served,
            describe(settings.database_url),
            _where_installed(identity, engine, settings),
        )
        lifecycle.wait()
        finished = lifecycle.stop()
    finally:
        if not started:  # the start failed: stop what did start (a connection, a server), quietly
            lifecycle.stop(quiet=True)
        engine.dispose()
    if not finished:
        logging.shutdown()
        os._exit(1)  # a thread still working would keep the interpreter from exiting in time
    return 0


def _start_intake(
    app: Any, engine: Any, client: WebClient, settings: Settings, runtime: Runtime, *, socket_mode: bool
) -> str:
    """Connect over Socket Mode or listen for HTTP; registers how it stops taking work. Says what runs."""
    from bot.lifecycle import Phase

    if socket_mode:
        from bot.health import socket_mode_check

        handler = _connect_socket_mode(app, client, settings)
        runtime.lifecycle.on_stop(handler.close, name="socket mode connection", phase=Phase.INTAKE)
        runtime.health.add_check("socket_mode", socket_mode_check(handler.client.is_connected))
        return "Socket Mode"
    from bot.server import make_wsgi_app

    wsgi = make_wsgi_app(
        app,
        engine,
        health=runtime.health,
        metrics=runtime.metrics,
        signing_secret=settings.slack_signing_secret,
    )
    server = _listen(wsgi, settings.port, "PORT", threads=LISTENER_THREADS)
    lifecycle = runtime.lifecycle
    lifecycle.on_stop(lambda: server.stop(lifecycle.time_left()), name="http server", phase=Phase.INTAKE)
    install = " /slack/install /slack/oauth_redirect" if settings.oauth else ""
    return f"HTTP on port {server.port} (POST /slack/events, GET /healthz /readyz /metrics{install})"


def _start_health_port(settings: Settings, runtime: Runtime, *, socket_mode: bool) -> str:
    """The small health server, when a port is asked for that the HTTP server does not already serve."""
    if not settings.health_port or (not socket_mode and settings.health_port == settings.port):
        return " (no health port: set KUNDENFOKUS_HEALTH_PORT or --health-port)" if socket_mode else ""
    from bot.health import make_health_app
    from bot.lifecycle import Phase

    app = make_health_app(runtime.health, runtime.metrics)
    server = _listen(app, settings.health_port, "KUNDENFOKUS_HEALTH_PORT", threads=2)
    # Last to go: until the very end it answers, /readyz with 503 "shutting down".
    runtime.lifecycle.on_stop(lambda: server.stop(1.0), name="health server", phase=Phase.CLOSE)
    return f", health on port {server.port} (GET /healthz /readyz /metrics)"


def _open_database(settings: Settings) -> Any:
    """SQLite is created and migrated here; PostgreSQL must exist and be migrated (``kundenfokus migrate``)."""
    from bot import migrate
    from bot.cli.database import check_schema, prepare_writable
    from models.db import make_engine, share_writes

    prepare_writable(settings.database_url)
    engine = make_engine(settings.database_url)
    if settings.delivery_processes:
        share_writes(engine)  # its delivery processes write to the same file
    try:
        if engine.dialect.name == "sqlite":
            migrate.upgrade(settings.database_url)
        check_schema(engine, settings.database_url)
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextlib.contextmanager
def _explained_here() -> Iterator[None]:
    """While the start checks Slack, slack_sdk's own log lines for a failed call (one per retry) would
    only repeat what the paragraph on failure explains."""
    sdk = logging.getLogger("slack_sdk.web.base_client")
    quiet = _BelowCritical()
    sdk.addFilter(quiet)
    try:
        yield
    finally:
        sdk.removeFilter(quiet)


class _BelowCritical(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.CRITICAL or logging.getLogger().isEnabledFor(logging.DEBUG)


def _check_slack(client: WebClient, settings: Settings) -> dict[str, Any]:
    """The bot token works (single workspace) — or, in OAuth mode, Slack's Web API answers at all."""
    if not settings.oauth:
        return _check_bot_token(client, settings)
    try:
        with _explained_here():
            client.api_test()
    except (OSError, ValueError) as error:
        raise OperatorError(_unreachable(settings.slack_api_url, error)) from error
    return {}


def _where_installed(identity: dict[str, Any], engine: Any, settings: Settings) -> str:
    if not settings.oauth:
        return f"workspace {identity.get('team')} ({identity.get('team_id')}) as @{identity.get('user')}"
    from sqlalchemy import func, select

    from models import slack_bots

    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(slack_bots))
    return f"OAuth: installed {count} time(s) (workspaces and Grid orgs)"


def _check_bot_token(client: WebClient, settings: Settings) -> dict[str, Any]:
    from slack_sdk.errors import SlackApiError

    try:
        with _explained_here():
            return dict(client.auth_test().data)  # type: ignore[arg-type]
    except SlackApiError as error:
        raise OperatorError(
            f"Slack did not accept SLACK_BOT_TOKEN ({error.response.get('error')}). Copy the Bot User OAuth "
            "Token (xoxb-…) again from your app's OAuth & Permissions page; if the app was uninstalled, "
            "install it to the workspace again first."
        ) from error
    except (OSError, ValueError) as error:
        raise OperatorError(_unreachable(settings.slack_api_url, error)) from error


def _connect_socket_mode(app: Any, client: WebClient, settings: Settings) -> Any:
    """Ask for a WebSocket URL with the app token ourselves (so a rejected token is explained like the bot
    token), then let the Socket Mode client connect to exactly that URL."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    try:
        with _explained_here():
            url = client.apps_connections_open(app_token=settings.slack_app_token)["url"]
    except SlackApiError as error:
        raise OperatorError(
            f"Slack did not accept SLACK_APP_TOKEN ({error.response.get('error')}). Create an app-level "
            "token with the scope connections:write on your app's Basic Information page (App-Level "
            "Tokens), copy it (xapp-…) again, and check that Socket Mode is on — or leave SLACK_APP_TOKEN "
            "empty to serve HTTP instead."
        ) from error
    except (OSError, ValueError) as error:
        raise OperatorError(_unreachable(settings.slack_api_url, error)) from error
    handler = SocketModeHandler(app, settings.slack_app_token)
    handler.client.wss_uri = url
    try:
        handler.connect()
    except OSError as error:
        handler.close()
        raise OperatorError(
            f"Slack handed out a Socket Mode address that this machine cannot reach ({_reason(error)}). "
            "Check that outgoing WebSocket connections (wss://, port 443) are allowed here, and the "
            "proxy settings (HTTPS_PROXY)."
        ) from error
    return handler


def _listen(wsgi: Any, port: int, setting: str, *, threads: int) -> Any:
    from bot.server import BackgroundServer, serve_wsgi

    try:
        server = serve_wsgi(wsgi, host="0.0.0.0", port=port, threads=threads)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise OperatorError(
                f"Port {port} is already in use on this machine ({setting}). Stop the program that uses it, "
                f"or choose another port ({setting}, or the --port/--health-port option)."
            ) from error
        if error.errno == errno.EACCES:
            raise OperatorError(
                f"This user may not listen on port {port} ({setting}); ports below 1024 need privileges. "
                "Choose a port above 1024."
            ) from error
        raise
    return BackgroundServer(server).start()


def _unreachable(api_url: str, error: BaseException) -> str:
    return (
        f"Slack's Web API at {api_url} is not reachable ({_reason(error)}). Check SLACK_API_URL (default "
        "https://slack.com/api/; GovSlack: https://slack-gov.com/api/) and that this machine may connect "
        "out to it (firewall, proxy settings such as HTTPS_PROXY)."
    )


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    return str(getattr(reason, "strerror", None) or reason)


def time_ticks(scheduler: Any, metrics: Metrics) -> None:
    """``kundenfokus_sweep_seconds``: from a tick's submission to its end (APScheduler's job events)."""
    import time

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

    started: dict[str, float] = {}

    def listen(event: Any) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            started[event.job_id] = time.monotonic()
        elif event.job_id in started:
            metrics.observe_sweep(time.monotonic() - started.pop(event.job_id))

    scheduler.add_listener(listen, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
