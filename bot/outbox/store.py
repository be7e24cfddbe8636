"""The outbox in the database: write a message in the caller's transaction, claim, record the outcome.

``enqueue`` is called by the services inside the transaction that makes a change, so the change and
everything it causes to be said commit together or not at all. After the commit, delivery workers
(``bot.outbox.worker``) claim rows, render and send them, and record what happened.

Claiming is safe with any number of workers in any number of processes: on PostgreSQL with ``FOR UPDATE
SKIP LOCKED``, on SQLite (one writer) with a conditional ``UPDATE … WHERE state = 'pending'``. A claimed
row belongs to its worker while that worker's heartbeat is fresh; rows of a worker that stopped beating —
or, on the same host, whose process is gone — go back to ``pending`` marked ``unsure`` (Slack may have
received them already; the worker looks before sending again).

Times here are wall-clock times (``wall_now``): back-off and heartbeats are about real seconds, whatever
business time a test or the sandbox simulates.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from models import Request
from models.db import connection_for
from models.outbox import (
    CLAIMED,
    DROPPED,
    FAILED,
    PENDING,
    PRIORITY_NORMAL,
    SENT,
    OutboxMessage,
    OutboxWorker,
    SeenDelivery,
)

#: A worker that has not beaten for this long is presumed dead; its claims go to others.
STALE_AFTER = timedelta(seconds=15)
#: How often a worker beats (well inside STALE_AFTER).
HEARTBEAT_EVERY = timedelta(seconds=5)
#: Sent, failed and dropped rows are deleted after this long (the audit trail lives in request_events).
KEEP_FINISHED = timedelta(days=7)

#: ``session.info`` flag: this transaction wrote outbox rows (the worker is woken after the commit).
NEW_ROWS = "kundenfokus.outbox.new"

M = OutboxMessage
_TABLE = M.__table__


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


_ENQUEUE_COLUMNS = (
    "team_id",
    "kind",
    "request_id",
    "recipient",
    "dedupe_key",
    "collapse_key",
    "sequence_key",
    "payload",
    "priority",
    "created_at",
)
#: ``enqueue``'s statement per dialect, built once (it runs for every message said): on the table, with
#: its parameters bound at execution, run on the session's connection — a statement built per call, and
#: the ORM's execution around it, cost more than the insert itself.
_ENQUEUE = {
    name: make(_TABLE)
    .values(
        **{column: bindparam(column) for column in _ENQUEUE_COLUMNS},
        state=PENDING,
        available_at=None,
        unsure=False,
        attempts=0,
    )
    .on_conflict_do_nothing()
    for name, make in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def enqueue(
    session: Session,
    *,
    team_id: str,
    kind: str,
    key: str,
    now: datetime,
    recipient: str = "",
    request_id: int | None = None,
    payload: dict[str, Any] | None = None,
    collapse: bool = False,
    sequence: str | None = None,
    priority: int = PRIORITY_NORMAL,
) -> None:
    """Write one message to be said, in the caller's transaction.

    ``key`` makes it exactly-once: a second row with the same key is not written. With ``collapse``,
    ``key`` names a redraw instead: while a row with that key is still pending, nothing new is written
    (the pending one renders the latest state when its turn comes).
    """
    if collapse:
        dedupe_key, collapse_key = f"{key}@{uuid.uuid4().hex}", key
    else:
        dedupe_key, collapse_key = key, None
    row = {
        "team_id": team_id,
        "kind": kind,
        "request_id": request_id,
        "recipient": recipient,
        "dedupe_key": dedupe_key[:200],
        "collapse_key": collapse_key[:200] if collapse_key else None,
        "sequence_key": sequence[:200] if sequence else None,
        "payload": payload or {},
        "priority": priority,
        "created_at": now,
    }
    waiting = session.info.get(_TOGETHER)
    if waiting is not None:
        waiting.append(row)
    else:
        _write(session, [row])
    session.info[NEW_ROWS] = True


_TOGETHER = "kundenfokus.outbox.together"


@contextmanager
def written_together(session: Session) -> Iterator[None]:
    """The messages ``enqueue``d inside are written at the end in one execution, in the order said (a
    filing's card, requester's card and confirmation: one statement instead of three, while SQLite's one
    write lock is held). Each row keeps its own key: one that is there already is still left out. Only
    for code that does not read the outbox meanwhile; nothing is written if it raises."""
    if session.info.get(_TOGETHER) is not None:  # inside another: that one writes them
        yield
        return
    waiting: list[dict[str, Any]] = []
    session.info[_TOGETHER] = waiting
    try:
        yield
    finally:
        del session.info[_TOGETHER]
    if waiting:
        _write(session, waiting)


def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    connection = connection_for(session)
    statement = _ENQUEUE["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    connection.execute(statement, rows if len(rows) > 1 else rows[0])


def say(
    session: Session,
    request: Request,
    kind: str,
    recipient: str,
    key: str,
    *,
    now: datetime,
    payload: dict[str, Any] | None = None,
    priority: int = PRIORITY_NORMAL,
    sequence: str | None = None,
) -> None:
    """``enqueue`` a message about ``request`` (its workspace and id) for ``recipient``."""
    enqueue(
        session,
        team_id=request.team_id,
        kind=kind,
        key=key,
        now=now,
        recipient=recipient,
        request_id=request.id,
        payload=payload,
        priority=priority,
        sequence=sequence,
    )


@dataclass(frozen=True)
class Claimed:
    """A row this worker now owns: everything the sender needs, nothing it must load again."""

    id: int
    team_id: str
    kind: str
    request_id: int | None
    recipient: str
    payload: dict[str, Any]
    priority: int
    attempts: int
    unsure: bool
    claimed_at: datetime


def _claimable() -> Any:
    earlier = aliased(M)
    blocked_by_earlier = exists().where(
        earlier.sequence_key == M.sequence_key,
        earlier.id < M.id,
        # Written into the SQL as it stands, so that SQLite sees it is the condition of the partial index
        # ``ix_outbox_sequence_open`` and uses it (a bound parameter hides that, and every candidate row
        # then scanned all pending rows: claiming grew with the square of the backlog). Literal columns
        # rather than a parameter rendered at execution: nothing to render each time.
        earlier.state.in_([literal_column(f"'{PENDING}'"), literal_column(f"'{CLAIMED}'")]),
    )
    due = bindparam("wall_now", type_=M.available_at.type)
    return select(M.id).where(
        M.state == PENDING,
        or_(M.available_at.is_(None), M.available_at <= due),
        or_(M.sequence_key.is_(None), not_(blocked_by_earlier)),
    )


def _chosen(claimable: Any) -> Any:
    """The first due rows, most urgent first (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
    return (
        claimable.order_by(M.priority, M.id)
        .limit(bindparam("claim_limit"))
        .with_for_update(skip_locked=True, of=M)
    )


def _take(chosen_ids: Any, *, still_pending: bool = True) -> Any:
    """Claim the rows among ``chosen_ids`` (``still_pending``: those still pending) and return them."""
    where = [_TABLE.c.id.in_(chosen_ids)]
    if still_pending:
        where.append(_TABLE.c.state == PENDING)
    return (
        update(_TABLE)
        .where(*where)
        .values(
            state=CLAIMED,
            claimed_by=bindparam("worker"),
            claimed_at=bindparam("claimed_at"),
            attempts=_TABLE.c.attempts + 1,
        )
        .returning(
            _TABLE.c.id,
            _TABLE.c.team_id,
            _TABLE.c.kind,
            _TABLE.c.request_id,
            _TABLE.c.recipient,
            _TABLE.c.payload,
            _TABLE.c.priority,
            _TABLE.c.attempts,
            _TABLE.c.unsure,
            _TABLE.c.claimed_at,
        )
    )


def _claim_at_once(claimable: Any) -> Any:
    """On SQLite, one statement: ``UPDATE … WHERE id IN (the chosen rows) RETURNING …``. It runs while
    this worker holds the one write lock, so one statement rather than a query and then an update keeps
    that lock for less. The chosen rows are pending (nothing else writes during the statement), so the
    update finds them by id: asked again whether they are pending, SQLite walked every pending row to
    find them. (Not on PostgreSQL: there the planner may run a ``SKIP LOCKED`` subquery of an update
    more than once, each time locking further rows, and claim more than the limit.)"""
    # The subquery scans the outbox on its own (not correlated with the updated row).
    return _take(_chosen(claimable).correlate(None), still_pending=False)


# The claim's statements, built once: the dispatcher claims many times a second under load, and building
# them (an alias, a correlated subquery, the cache key) cost more than running them.
_CLAIMABLE = _claimable()
_CLAIM_SQLITE = _claim_at_once(_CLAIMABLE)
_CHOSEN = _chosen(_CLAIMABLE)
_TAKE = _take(bindparam("ids", expanding=True))


def claim(
    session: Session,
    *,
    worker: str,
    wall_now: datetime,
    limit: int,
    skip_pairs: Iterable[tuple[str, Iterable[str]]] = (),
    only_ids: Iterable[int] | None = None,
) -> list[Claimed]:
    """Take up to ``limit`` rows that are due, most urgent first; never two of one sequence at once.

    ``skip_pairs`` — (team, kinds) — leaves alone what Slack asked us to hold back in that workspace.
    """
    if limit <= 0:
        return []
    connection = connection_for(session)
    parameters = {"wall_now": wall_now, "claim_limit": limit, "worker": worker, "claimed_at": wall_now}
    query = _CLAIMABLE
    for team_id, kinds in skip_pairs:
        query = query.where(not_(and_(M.team_id == team_id, M.kind.in_(list(kinds)))))
    if only_ids is not None:
        query = query.where(M.id.in_(list(only_ids)))
    # On the connection: the ORM's execution around a statement costs more than this one's run.
    if connection.dialect.name == "sqlite":
        statement = _CLAIM_SQLITE if query is _CLAIMABLE else _claim_at_once(query)
        rows = connection.execute(statement, parameters).all()
    else:
        chosen = _CHOSEN if query is _CLAIMABLE else _chosen(query)
        ids = list(connection.execute(chosen, parameters).scalars())
        rows = connection.execute(_TAKE, {**parameters, "ids": ids}).all() if ids else []
    return sorted((Claimed(*row) for row in rows), key=lambda row: (row.priority, row.id))


def mark_sent(
    session: Session,
    row_id: int,
    *,
    worker: str,
    wall_now: datetime,
    channel_id: str | None = None,
    message_ts: str | None = None,
) -> bool:
    """Record a delivery. False if the row is no longer ours (it was handed to another worker)."""
    done = connection_for(session).execute(
        _MARK_SENT,
        {
            "row_id": row_id,
            "worker": worker,
            "sent_at": wall_now,
            "channel_id": channel_id,
            "message_ts": message_ts,
        },
    )
    return bool(done.rowcount)


#: ``mark_sent``'s statement, built once (it runs for every message): on the table, with its parameters
#: bound at execution, so neither the ORM's bulk update nor a new cache key is paid each time.
_MARK_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id"),
        _TABLE.c.claimed_by == bindparam("worker"),
        _TABLE.c.state == CLAIMED,
    )
    .values(
        state=SENT,
        sent_at=bindparam("sent_at"),
        channel_id=bindparam("channel_id"),
        message_ts=bindparam("message_ts"),
        error=None,
        unsure=False,
    )
)


def mark_dropped(session: Session, row_id: int, *, worker: str, reason: str) -> None:
    """Nothing to say any more when its turn came (the request changed meanwhile)."""
    session.execute(
        update(M)
        .where(M.id == row_id, M.claimed_by == worker, M.state == CLAIMED)
        .values(state=DROPPED, error=reason[:500], unsure=False)
    )


def mark_failed(session: Session, row_id: int, *, worker: str, error: str) -> None:
    """A permanent Slack error (user gone, channel archived): recorded, never retried."""
    session.execute(
        update(M)
        .where(M.id == row_id, M.claimed_by == worker, M.state == CLAIMED)
        .values(state=FAILED, error=error[:500], unsure=False)
    )


def retry_later(
    session: Session,
    row_id: int,
    *,
    worker: str,
    available_at: datetime,
    error: str,
    count_attempt: bool = True,
) -> None:
    """Back to pending, not before ``available_at`` (a transient failure, a rate limit, a shutdown)."""
    values: dict[str, Any] = {
        "state": PENDING,
        "claimed_by": None,
        "available_at": available_at,
        "error": error[:500],
    }
    if not count_attempt:
        values["attempts"] = M.attempts - 1
    session.execute(
        update(M).where(M.id == row_id, M.claimed_by == worker, M.state == CLAIMED).values(values)
    )


def release(session: Session, row_ids: Iterable[int], *, worker: str) -> int:
    """Hand back claimed rows that were never started (a worker stopping): they did not reach Slack."""
    ids = list(row_ids)
    if not ids:
        return 0
    return session.execute(
        update(M)
        .where(M.id.in_(ids), M.claimed_by == worker, M.state == CLAIMED)
        .values(state=PENDING, claimed_by=None, attempts=M.attempts - 1)
    ).rowcount


# --- workers ---------------------------------------------------------------------------------------


def beat(session: Session, *, worker: str, wall_now: datetime) -> None:
    """Register or refresh this worker's heartbeat."""
    updated = session.execute(
        update(OutboxWorker).where(OutboxWorker.worker_id == worker).values(heartbeat_at=wall_now)
    ).rowcount
    if not updated:
        host, pid, _ = worker.rsplit(":", 2) if worker.count(":") >= 2 else (worker, "0", "")
        session.execute(
            _insert(session)(OutboxWorker)
            .values(
                worker_id=worker,
                hostname=host,
                pid=int(pid) if pid.isdigit() else 0,
                started_at=wall_now,
                heartbeat_at=wall_now,
            )
            .on_conflict_do_nothing()
        )


def retire(session: Session, *, worker: str) -> None:
    session.execute(delete(OutboxWorker).where(OutboxWorker.worker_id == worker))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_workers(session: Session, *, wall_now: datetime, me: str) -> set[str]:
    """Workers that hold claims but are gone: no heartbeat for ``STALE_AFTER``, no heartbeat row at all,
    or (on this host) no such process any more — the last makes a restart take over at once."""
    holders = set(session.scalars(select(M.claimed_by).where(M.state == CLAIMED).distinct())) - {me, None}
    if not holders:
        return set()
    known = {
        row.worker_id: row
        for row in session.scalars(select(OutboxWorker).where(OutboxWorker.worker_id.in_(holders)))
    }
    host = socket.gethostname()[:40]
    dead: set[str] = set()
    for holder in holders:
        row = known.get(holder)
        if (
            row is None
            or wall_now - row.heartbeat_at > STALE_AFTER
            or (row.hostname == host and row.pid and row.pid != os.getpid() and not _process_alive(row.pid))
        ):
            dead.add(holder)
    return dead


def reclaim_from(session: Session, workers: Iterable[str]) -> int:
    """The rows dead workers held go back to pending, marked ``unsure``."""
    gone = list(workers)
    if not gone:
        return 0
    count = session.execute(
        update(M)
        .where(M.state == CLAIMED, M.claimed_by.in_(gone))
        .values(state=PENDING, claimed_by=None, unsure=True)
    ).rowcount
    session.execute(delete(OutboxWorker).where(OutboxWorker.worker_id.in_(gone)))
    return count


# --- housekeeping and figures ------------------------------------------------------------------------


def purge(session: Session, *, wall_now: datetime, keep: timedelta = KEEP_FINISHED) -> int:
    """Forget finished rows after ``keep`` (and heartbeat rows of workers long gone)."""
    cutoff = wall_now - keep
    removed = session.execute(
        delete(M).where(
            M.state.in_((SENT, FAILED, DROPPED)),
            func.coalesce(M.sent_at, M.claimed_at, M.created_at) < cutoff,
        )
    ).rowcount
    session.execute(delete(OutboxWorker).where(OutboxWorker.heartbeat_at < cutoff))
    session.execute(delete(SeenDelivery).where(SeenDelivery.seen_at < wall_now - timedelta(days=1)))
    return removed


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest: datetime | None


def backlog(session: Session) -> Backlog:
    """How many rows wait (pending or claimed), and since when the oldest of them."""
    count, oldest = session.execute(
        select(func.count(), func.min(M.created_at)).where(M.state.in_((PENDING, CLAIMED)))
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return Backlog(int(count), oldest)


def has_work(session: Session, *, wall_now: datetime) -> bool:
    """True while anything is pending or claimed (for ``settle`` in tests and the sandbox)."""
    return bool(
        session.scalar(
            select(func.count()).where(
                or_(M.state == CLAIMED, and_(M.state == PENDING)),
            )
        )
    )


def state_of(session: Session, row_ids: Iterable[int]) -> dict[int, str]:
    ids = list(row_ids)
    if not ids:
        return {}
    return dict(session.execute(select(M.id, M.state).where(M.id.in_(ids))).all())  # type: ignore[arg-type]


def ids_for(session: Session, dedupe_keys: Iterable[str]) -> list[int]:
    keys = list(dedupe_keys)
    if not keys:
        return []
    return list(session.scalars(select(M.id).where(M.dedupe_key.in_(keys))))


def insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk enqueue for jobs (reminders): the same semantics as ``enqueue`` for plain keys."""
    if rows:
        session.execute(insert(M).values(rows))
        session.info[NEW_ROWS] = True
