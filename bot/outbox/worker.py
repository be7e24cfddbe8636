"""Delivery workers: claim outbox rows, render each for its reader, send it at Slack's speed, record it.

One dispatcher thread per process claims rows (``bot.outbox.store.claim``) and hands them to a bounded
pool of senders, so at most ``concurrency`` Slack calls are in flight. Before a row starts, the
``Limiter`` is asked: a post to a channel that just had one waits its second; a method Slack answered
429 for waits its ``Retry-After`` in that workspace only. No method may hold more than half of the
senders, so one stuck Slack method cannot block the others.

Exactly once: a row is sent by the worker that claimed it and recorded in the same transaction as what
follows from it (the card's location, reminders marked sent). If a worker dies, its rows go back to
pending marked ``unsure``; the next worker looks for the message in the channel's history (every post
carries the row id in its metadata) before posting again. Only ``response_url`` replies cannot be looked
up: in the instant between Slack's answer and our record, a crash may repeat that one ephemeral line.

Transient trouble (5xx, timeouts, connection errors) is retried with a growing back-off; permanent
Slack errors (user gone, channel archived, …) are recorded on the row and never block the rest.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, event, select

from bot.clock import Clock, system_clock
from bot.keepalive import KeptAliveWebhookClient
from bot.outbox import store
from bot.outbox.limits import Limiter
from bot.outbox.messages import (
    DROPPED,
    EPHEMERAL,
    KINDS,
    POST,
    PUBLISH,
    RESPOND,
    UPDATE,
    Context,
    Delivery,
    Drop,
    Sent,
    Undeliverable,
)
from bot.outbox.store import Claimed
from models import Request
from models.db import GroupCommit, after_release, reading, transaction
from models.outbox import DROPPED as DROPPED_STATE
from models.outbox import FAILED, SENT

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

#: Slack calls in flight at once per process: Slack answers in ~100 ms, so 16 senders allow ~160 calls a
#: second — more than Slack's limits let through, so the limits, not the senders, set the pace.
CONCURRENCY = 16
#: How often the database is asked for new rows when nothing woke the dispatcher (other processes' rows,
#: back-offs that ran out).
POLL = timedelta(seconds=1)
#: Seconds at least between two claims of one process. Under load rows arrive faster than that: one
#: claim then takes the messages of several filings, and SQLite's one write lock is taken once for them
#: instead of once each (each time costs ~3-5 ms of it under load: a process that holds it also waits for
#: the CPU and the GIL). When it is quiet the last claim is long past and nothing waits. (The same pause
#: before committing outcomes was tried and taken out: it kept every sender waiting, and with one
#: delivery process the senders, not the lock, then set the pace.)
CLAIM_GAP = 0.02
#: Give up on a transient failure after this many attempts (back-off 0.5 s, 1 s, 2 s … capped at 5 min).
MAX_ATTEMPTS = 12
MAX_BACKOFF = 300.0
#: The requests of rows rendered together, read in one query (built once).
_REQUESTS = select(Request).where(Request.id.in_(bindparam("ids", expanding=True)))
#: Slack errors that go away by trying again later.
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
#: Where a message cannot go, a DM reaches the person instead.
NOT_THERE = frozenset({"not_in_channel", "channel_not_found", "user_not_in_channel", "is_archived"})
#: response_url answers that mean "gone for good" (used up or older than 30 minutes).
EXPIRED = frozenset({404, 410})


class RateLimited(Exception):
    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"{method} rate limited for {retry_after:g}s")
        self.method = method
        self.retry_after = retry_after


class Transient(Exception):
    """Worth another try later."""


class Permanent(Exception):
    """Will not work however often it is tried (the error is recorded on the row)."""


def _classify(method: str, error: SlackApiError) -> Exception:
    status = getattr(error.response, "status_code", 200)
    code = str(error.response.get("error") or f"http_{status}")
    if status == 429:
        headers = getattr(error.response, "headers", {}) or {}
        retry_after = headers.get("Retry-After") or headers.get("retry-after") or 1
        try:
            seconds = float(retry_after)
        except (TypeError, ValueError):
            seconds = 1.0
        return RateLimited(method, max(seconds, 0.5))
    if status >= 500 or code in TRANSIENT_ERRORS:
        return Transient(code)
    return Permanent(code)


@dataclass(eq=False)
class _Outcome:
    """What became of one row, waiting to be recorded (``Outbox._finish``)."""

    row: Claimed
    state: str
    delivery: Delivery | None
    sent: Sent | None
    error: str


class Outbox:
    """The delivery workers of one process. ``start()`` once; ``stop()`` drains and hands back the rest."""

    def __init__(
        self,
        deps: Deps,
        *,
        concurrency: int = CONCURRENCY,
        wall: Clock = system_clock,
        limiter: Limiter | None = None,
        poll: timedelta = POLL,
    ) -> None:
        self.deps = deps
        self.worker_id = store.new_worker_id()
        self.concurrency = concurrency
        self.limiter = limiter or Limiter(post_per_minute=deps.settings.post_rate or None)
        self._wall = wall
        self._poll = poll.total_seconds()
        self._method_cap = max(2, concurrency // 2)
        self._lock = threading.Condition()
        self._wake = threading.Event()
        self._waiting: list[tuple[float, int, int, Claimed]] = []
        self._in_flight: dict[int, str] = {}
        self._order = itertools.count()
        self._pool: ThreadPoolExecutor | None = None
        self._threads: list[threading.Thread] = []
        self._running = False
        self._accepting = False
        self.counts: Counter[str] = Counter()
        #: Claims and outcome records that come at the same moment share one transaction (its own group:
        #: filings, which use the session factory's, keep what they loaded).
        self._writes = GroupCommit(deps.sessions)
        self._claimed_at = 0.0  # time.monotonic() of the last claim
        #: Called after a commit that wrote rows, beside waking this process's dispatcher: delivery
        #: processes of their own (``bot.outbox.processes``) are told there is work.
        self.notify: Callable[[], None] | None = None
        event.listen(deps.sessions, "after_commit", self._after_commit)
        event.listen(deps.sessions, "after_rollback", self._after_rollback)

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Outbox:
        if self._running:
            return self
        self._running = self._accepting = True
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="kf-deliver")
        with transaction(self.deps.sessions) as session:
            store.beat(session, worker=self.worker_id, wall_now=self._wall())
        self._reclaim()
        self._threads = [
            threading.Thread(target=self._dispatch_loop, name="kf-outbox", daemon=True),
            threading.Thread(target=self._heartbeat_loop, name="kf-outbox-beat", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        logger.info("outbox delivery started (%s senders)", self.concurrency)
        return self

    @property
    def running(self) -> bool:
        return self._running

    def wall(self) -> datetime:
        """The wall clock the outbox measures back-offs and heartbeats on."""
        return self._wall()

    def stop(self, timeout: float = 8.0) -> None:
        """Stop claiming, let in-flight sends finish (up to ``timeout``), hand back what never started."""
        if not self._running:
            return
        deadline = time.monotonic() + timeout
        # The work that finished just before the stop committed its rows a moment ago, perhaps before the
        # dispatcher woke for them: claim once more, so they go out now rather than with the next process.
        try:
            self._dispatch()
        except Exception:
            logger.warning("outbox: the last claim before stopping failed", exc_info=True)
        with self._lock:
            self._accepting = False
            waiting = [row for *_, row in self._waiting]
            self._waiting.clear()
        self._wake.set()
        with self._lock:
            self._lock.wait_for(lambda: not self._in_flight, max(0.0, deadline - time.monotonic()))
        self._running = False
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            with transaction(self.deps.sessions) as session:
                handed_back = store.release(session, [row.id for row in waiting], worker=self.worker_id)
                if not self._in_flight:
                    store.retire(session, worker=self.worker_id)
            if handed_back:
                logger.info("outbox: handed %s waiting message(s) back for the next worker", handed_back)
        except Exception:
            logger.warning(
                "outbox: could not hand back waiting messages; another worker takes them over", exc_info=True
            )
        if self._in_flight:
            logger.warning("outbox: %s message(s) still in flight at shutdown", len(self._in_flight))

    def wake(self) -> None:
        self._wake.set()

    def _after_commit(self, session: Any) -> None:
        if session.info.pop(store.NEW_ROWS, False):
            after_release(session, self._announce)

    def _announce(self) -> None:
        """New rows are committed: this process's dispatcher, and the delivery processes, are told."""
        self._wake.set()
        if self.notify is not None:
            self.notify()

    @staticmethod
    def _after_rollback(session: Any) -> None:
        session.info.pop(store.NEW_ROWS, None)

    # --- waiting for quiet (tests, the sandbox, the command line) ------------------------------------

    def busy(self) -> bool:
        with self._lock:
            if self._in_flight or self._waiting:
                return True
        with reading(self.deps.sessions) as session:
            return store.has_work(session, wall_now=self._wall())

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is pending, claimed or in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.busy():
                return True
            self._wake.set()
            time.sleep(0.01)
        return not self.busy()

    def wait_for(self, row_ids: Iterable[int], timeout: float = 60.0) -> dict[int, str]:
        """Wait until each row is sent, failed or dropped; returns their states."""
        ids = list(row_ids)
        deadline = time.monotonic() + timeout
        while True:
            with reading(self.deps.sessions) as session:
                states = store.state_of(session, ids)
            if all(state in (SENT, FAILED, DROPPED_STATE) for state in states.values()) or (
                time.monotonic() > deadline
            ):
                return states
            self._wake.set()
            time.sleep(0.02)

    # --- the dispatcher ------------------------------------------------------------------------------

    def _dispatch_loop(self) -> None:
        while self._running:
            try:
                self._dispatch()
            except Exception:
                logger.exception("outbox dispatcher failed; trying again in a moment")
                time.sleep(1)
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _next_wait(self) -> float:
        with self._lock:
            if self._waiting:
                return max(0.005, min(self._poll, self._waiting[0][0] - time.monotonic()))
        return self._poll

    def _dispatch(self) -> None:
        self._start_ready()
        room = self._room()
        if not room:
            return
        pause = self._claimed_at + CLAIM_GAP - time.monotonic()
        if pause > 0:
            time.sleep(pause)  # rows written meanwhile come along in this claim
            room = self._room()
            if not room:
                return
        skip = self._blocked_kinds()
        try:
            rows = self._writes.run(
                lambda session: store.claim(
                    session, worker=self.worker_id, wall_now=self._wall(), limit=room, skip_pairs=skip
                )
            )
        finally:
            self._claimed_at = time.monotonic()
        if rows:
            now = time.monotonic()
            with self._lock:
                for row in rows:
                    heapq.heappush(self._waiting, (now, row.priority, next(self._order), row))
            self._start_ready()

    def _room(self) -> int:
        """How many rows to claim now (0: none)."""
        with self._lock:
            if not self._accepting:
                return 0
            room = self.concurrency * 2 - len(self._in_flight) - len(self._waiting)
            queued = len(self._waiting)
        # Claim in batches: while enough claimed rows wait to start, a few free places are not worth a
        # query and a write transaction (the dispatcher is woken after every commit and every send).
        if room <= 0 or (queued >= self.concurrency // 2 and room < self.concurrency // 2):
            return 0
        return room

    def _blocked_kinds(self) -> list[tuple[str, list[str]]]:
        """(team, kinds) Slack told us to leave alone for now (Retry-After)."""
        blocked: dict[str, list[str]] = {}
        for team_id, method in self.limiter.blocked_methods():
            blocked.setdefault(team_id, []).extend(
                name for name, kind in KINDS.items() if kind.method == method
            )
        return list(blocked.items())

    def _start_ready(self) -> None:
        now = time.monotonic()
        started: list[Claimed] = []
        with self._lock:
            deferred = []
            per_method = Counter(self._in_flight.values())
            while self._waiting and self._waiting[0][0] <= now and len(self._in_flight) < self.concurrency:
                _ready_at, priority, order, row = heapq.heappop(self._waiting)
                kind = KINDS.get(row.kind)
                method = kind.method if kind else POST
                if per_method[method] >= self._method_cap:
                    deferred.append((now + 0.05, priority, order, row))
                    continue
                wait = self.limiter.acquire(row.team_id, method, row.recipient or None)
                if wait > 0:
                    deferred.append((now + wait, priority, order, row))
                    continue
                self._in_flight[row.id] = method
                per_method[method] += 1
                started.append(row)
            for item in deferred:
                heapq.heappush(self._waiting, item)
            started += self._siblings_of(started, now, per_method)
        assert self._pool is not None
        if len(started) == 1:
            self._pool.submit(self._send, started[0])
        elif started:
            self._pool.submit(self._send_together, started)

    def _siblings_of(self, started: list[Claimed], now: float, per_method: Counter[str]) -> list[Claimed]:
        """Ready rows about the requests just started go with them (rendered together, ``_send_together``),
        though the senders are all taken: the pool still runs no more than ``concurrency`` calls at once,
        the rest wait their turn in it. Under load one sender frees up at a time, so without this a
        filing's three messages would almost never start together. Call with ``_lock`` held."""
        wanted = {row.request_id for row in started if row.request_id is not None}
        if not wanted or not self._waiting:
            return []
        joined: list[Claimed] = []
        for item in [item for item in self._waiting if item[3].request_id in wanted and item[0] <= now]:
            row = item[3]
            kind = KINDS.get(row.kind)
            method = kind.method if kind else POST
            # A stuck method still holds no more than its share of the senders.
            if per_method[method] >= self._method_cap:
                continue
            if self.limiter.acquire(row.team_id, method, row.recipient or None) > 0:
                continue
            self._waiting.remove(item)
            self._in_flight[row.id] = method
            per_method[method] += 1
            joined.append(row)
        if joined:
            heapq.heapify(self._waiting)
        return joined

    # --- heartbeat -----------------------------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        beat_every = store.HEARTBEAT_EVERY.total_seconds()
        last_purge = 0.0
        while self._running:
            self._wake_or_sleep(beat_every)
            if not self._running:
                break
            try:
                with transaction(self.deps.sessions) as session:
                    store.beat(session, worker=self.worker_id, wall_now=self._wall())
                self._reclaim()
                if time.monotonic() - last_purge > 3600:
                    with transaction(self.deps.sessions) as session:
                        store.purge(session, wall_now=self._wall())
                    last_purge = time.monotonic()
            except Exception:
                logger.warning("outbox heartbeat failed; trying again", exc_info=True)

    def _wake_or_sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def _reclaim(self) -> None:
        with transaction(self.deps.sessions) as session:
            dead = store.dead_workers(session, wall_now=self._wall(), me=self.worker_id)
            count = store.reclaim_from(session, dead) if dead else 0
        if count:
            logger.info("outbox: took over %s message(s) from a worker that stopped", count)
            self._wake.set()

    # --- one message ---------------------------------------------------------------------------------

    def _send_together(self, rows: list[Claimed]) -> None:
        """Rows that start together are rendered in one reading session — a filing's card, confirmation
        and requester's card read their request once and show the same moment; under a backlog the
        requests of a whole batch are read in one query — then sent side by side, each on its own
        sender."""
        now = self.deps.now()
        rendered: dict[int, Delivery | Drop | Exception] = {}
        # The session keeps what it loaded only while someone holds it: the contexts hold the request.
        contexts: list[Context] = []
        requests = sorted({row.request_id for row in rows if row.request_id is not None})
        preloaded: list[Request] = []  # held, so that each renderer's ``session.get`` finds its request
        # The readers, read in one query when this process does not know them yet (after a start, with a
        # backlog: otherwise one query each, one row after another).
        readers = {(row.team_id, row.recipient) for row in rows if row.recipient[:1] in ("U", "W")}
        if len(readers) > 1:
            self.deps.people.prefetch(readers)
        try:
            with reading(self.deps.sessions) as session:
                if len(requests) > 1:
                    preloaded.extend(session.scalars(_REQUESTS, {"ids": requests}))
                for row in rows:
                    kind = KINDS.get(row.kind)
                    if kind is None:
                        continue  # _send fails it
                    contexts.append(Context(self.deps, session, row, now))
                    try:
                        rendered[row.id] = kind.render(contexts[-1])
                    except Exception as error:  # raised again by _send, which knows what to do with it
                        rendered[row.id] = error
                        session.rollback()
        except Exception:
            logger.warning(
                "outbox: rendering %s messages together failed; one by one", len(rows), exc_info=True
            )
            rendered = {}
        first, *others = rows
        for row in others:
            try:
                assert self._pool is not None
                self._pool.submit(self._send, row, rendered.get(row.id))
            except RuntimeError:  # the pool is shutting down: send it here
                self._send(row, rendered.get(row.id))
        self._send(first, rendered.get(first.id))

    def _send(self, row: Claimed, rendered: Delivery | Drop | Exception | None = None) -> None:
        """Render (unless ``_send_together`` did), send and record one row."""
        kind = KINDS.get(row.kind)
        method = kind.method if kind else POST
        try:
            if kind is None:
                raise Permanent(f"unknown_kind:{row.kind}")
            if isinstance(rendered, Exception):
                raise rendered
            if rendered is None:
                now = self.deps.now()
                with reading(self.deps.sessions) as session:
                    rendered = kind.render(Context(self.deps, session, row, now))
            if isinstance(rendered, Drop):
                self._finish(row, DROPPED_STATE, error=rendered.reason)
                return
            method = rendered.method
            sent = self._already_posted(row, rendered) if row.unsure and rendered.method == POST else None
            if sent is None:
                sent = self._call(row, rendered)
            sent = Sent(sent.channel, sent.ts, rendered.meta)
            self._finish(row, SENT, delivery=rendered, sent=sent)
        except RateLimited as limited:
            self.limiter.block(row.team_id, limited.method, limited.retry_after)
            logger.info(
                "outbox: %s rate limited in %s; waiting %.1fs",
                limited.method,
                row.team_id,
                limited.retry_after,
            )
            self._retry(row, str(limited), limited.retry_after, count_attempt=False)
        except (Permanent, Undeliverable) as failure:
            logger.warning(
                "outbox: %s message %s to %s failed for good: %s", row.kind, row.id, row.recipient, failure
            )
            self._finish(row, FAILED, error=str(failure))
        except Exception as failure:
            if isinstance(failure, Transient):
                logger.warning("outbox: %s message %s: %s (will retry)", row.kind, row.id, failure)
            else:
                logger.exception(
                    "outbox: %s message %s could not be delivered (will retry)", row.kind, row.id
                )
            if row.attempts >= MAX_ATTEMPTS:
                self._finish(row, FAILED, error=f"gave up: {failure!s}"[:500] or type(failure).__name__)
            else:
                backoff = min(MAX_BACKOFF, 0.5 * 2 ** (row.attempts - 1))
                self._retry(row, str(failure) or type(failure).__name__, backoff)
        finally:
            with self._lock:
                self._in_flight.pop(row.id, None)
                self._lock.notify_all()
            self.counts[method] += 1
            self._wake.set()

    def _retry(self, row: Claimed, error: str, seconds: float, *, count_attempt: bool = True) -> None:
        try:
            with transaction(self.deps.sessions) as session:
                store.retry_later(
                    session,
                    row.id,
                    worker=self.worker_id,
                    available_at=self._wall() + timedelta(seconds=seconds),
                    error=error,
                    count_attempt=count_attempt,
                )
        except Exception:
            logger.warning(
                "outbox: could not record a retry for message %s; it is taken over later",
                row.id,
                exc_info=True,
            )

    def _finish(
        self,
        row: Claimed,
        state: str,
        *,
        delivery: Delivery | None = None,
        sent: Sent | None = None,
        error: str = "",
    ) -> None:
        """Record a row's outcome. Senders finishing at the same moment — and the dispatcher's claim, if
        it comes then — share one transaction (``GroupCommit``): under load the single SQLite writer is
        taken and committed once for many messages instead of once each. Returns only after this row's
        outcome is committed (or raises what recording it raised), as one transaction per row did."""
        outcome = _Outcome(row, state, delivery, sent, error)
        self._writes.run(lambda session: self._record_fresh(session, outcome))

    def _record_fresh(self, session: Any, outcome: _Outcome) -> None:
        # Each outcome sees the database, not objects an earlier one's hook left behind in the session.
        session.flush()
        session.expire_all()
        self._record(session, outcome)

    def _record(self, session: Any, outcome: _Outcome) -> None:
        row, state, delivery, sent, error = (
            outcome.row,
            outcome.state,
            outcome.delivery,
            outcome.sent,
            outcome.error,
        )
        kind = KINDS.get(row.kind)
        ctx = Context(self.deps, session, row, self.deps.now())
        if state == SENT:
            assert sent is not None and delivery is not None
            if not store.mark_sent(
                session,
                row.id,
                worker=self.worker_id,
                wall_now=self._wall(),
                channel_id=sent.channel or None,
                message_ts=sent.ts or None,
            ):
                logger.warning("outbox: message %s was handed to another worker meanwhile", row.id)
                return
            if delivery.method == POST and sent.channel.startswith("D") and row.recipient[:1] in ("U", "W"):
                self.deps.people.remember_dm(session, row.team_id, row.recipient, sent.channel)
            if kind is not None and kind.after is not None:
                kind.after(session, ctx, sent)
        elif state == DROPPED_STATE:
            store.mark_dropped(session, row.id, worker=self.worker_id, reason=error)
            hook = DROPPED.get(row.kind)
            if hook is not None:
                hook(session, ctx, error)
        else:
            store.mark_failed(session, row.id, worker=self.worker_id, error=error)
            if kind is not None and kind.failed is not None:
                kind.failed(session, ctx, error)

    # --- Slack ---------------------------------------------------------------------------------------

    def _channel_for(self, team_id: str, target: str) -> str:
        """A user id becomes the bot's DM with them when we know it (no conversations.open needed)."""
        if target[:1] in ("U", "W"):
            person = self.deps.people.known(team_id, target)
            if person is not None and person.dm_channel_id:
                return person.dm_channel_id
        return target

    def _client(self, team_id: str) -> Any:
        """The workspace's client; no usable install there (uninstalled, revoked) fails the row at once."""
        from bot.installations import NotInstalled

        try:
            return self.deps.delivery_client_for(team_id)
        except NotInstalled as error:
            raise Permanent("not_installed") from error

    def _call(self, row: Claimed, delivery: Delivery) -> Sent:
        client = self._client(row.team_id)
        method = delivery.method
        try:
            if method == POST:
                response = client.chat_postMessage(
                    channel=self._channel_for(row.team_id, delivery.channel),
                    text=delivery.text,
                    blocks=delivery.blocks or None,
                    thread_ts=delivery.thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={"event_type": "kundenfokus_outbox", "event_payload": {"outbox_id": row.id}},
                )
                return Sent(str(response["channel"]), str(response["ts"]))
            if method == UPDATE:
                client.chat_update(
                    channel=delivery.channel, ts=delivery.ts, text=delivery.text, blocks=delivery.blocks
                )
                return Sent(delivery.channel, delivery.ts)
            if method == PUBLISH:
                client.views_publish(user_id=delivery.user, view=delivery.view or {})
                return Sent()
            if method == EPHEMERAL:
                try:
                    response = client.chat_postEphemeral(
                        channel=delivery.channel,
                        user=delivery.user,
                        text=delivery.text,
                        blocks=delivery.blocks or None,
                        thread_ts=delivery.thread_ts,
                    )
                    return Sent(delivery.channel, str(response.get("message_ts") or ""))
                except SlackApiError as error:
                    if error.response.get("error") in NOT_THERE and delivery.dm_fallback:
                        return self._dm_instead(row, delivery)
                    raise
            if method == RESPOND:
                return self._respond(row, delivery)
        except SlackApiError as error:
            if self.deps.installations is not None:
                self.deps.installations.token_failed(row.team_id, str(error.response.get("error") or ""))
            raise _classify(method, error) from error
        except (OSError, TimeoutError) as error:
            raise Transient(f"{type(error).__name__}: {error}") from error
        raise Permanent(f"unknown_method:{method}")

    def _dm_instead(self, row: Claimed, delivery: Delivery) -> Sent:
        dm = Delivery(POST, text=delivery.text, blocks=delivery.blocks, channel=delivery.dm_fallback)
        return self._call(row, dm)

    def _respond(self, row: Claimed, delivery: Delivery) -> Sent:
        body: dict[str, Any] = {
            "response_type": "ephemeral",
            "replace_original": delivery.replace_original,
            "text": delivery.text,
        }
        if delivery.blocks:
            body["blocks"] = delivery.blocks
        response = KeptAliveWebhookClient(delivery.response_url, timeout=10).send_dict(body)
        if response.status_code == 200:
            return Sent()
        if response.status_code == 429:
            retry_after = (response.headers or {}).get("Retry-After", ["1"])
            value = retry_after[0] if isinstance(retry_after, list) else retry_after
            raise RateLimited(RESPOND, float(value or 1))
        if response.status_code in EXPIRED or response.status_code < 500:
            if delivery.dm_fallback and not delivery.replace_original:
                return self._dm_instead(row, delivery)
            raise Permanent(f"response_url_{response.status_code}")
        raise Transient(f"response_url_{response.status_code}")

    def _already_posted(self, row: Claimed, delivery: Delivery) -> Sent | None:
        """A worker holding this row died: did its post reach Slack? Look for the row id in the history."""
        client = self._client(row.team_id)
        try:
            channel = self._channel_for(row.team_id, delivery.channel)
            if channel[:1] in ("U", "W"):
                channel = client.conversations_open(users=channel)["channel"]["id"]
            history = client.conversations_history(channel=channel, limit=200, include_all_metadata=True)
        except SlackApiError as error:
            logger.warning(
                "outbox: cannot look up message %s in %s (%s); sending it",
                row.id,
                delivery.channel,
                error.response.get("error"),
            )
            return None
        for message in history.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("outbox_id") == row.id:
                logger.info("outbox: message %s had reached Slack before its worker stopped", row.id)
                return Sent(channel, str(message.get("ts") or ""))
        return None
