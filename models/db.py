"""Engine and session factories (no import-time globals), and the two kinds of unit of work.

SQLite has one writer. A transaction that starts as a reader and later writes can find that another
connection wrote in between; SQLite then answers "database is locked" at once, whatever the busy
timeout. So on SQLite every ``transaction()`` takes the write lock when it begins (``BEGIN
IMMEDIATE``, waiting up to the busy timeout for its turn), and ``reading()`` is for units of work that
only read (``BEGIN DEFERRED``; in WAL mode readers never wait for the writer). PostgreSQL needs neither.

Within one process, SQLite writers also queue on a lock of the engine's own before ``BEGIN IMMEDIATE``.
SQLite's busy handler lets a waiting writer sleep in growing steps (up to 100 ms) and retry, so under
contention — the work after the acks and the delivery workers all committing — the write lock stood
idle most of the time and filing throughput fell to ~20 requests a second; a lock handed over at once
keeps it busy. Across processes (``kundenfokus run`` and its delivery processes: ``share_writes``) the
same lock is also a file lock beside the database (``<file>-writer.lock``), asked for every millisecond
or two rather than in SQLite's growing steps. Others (a ``kundenfokus sweep`` beside the bot) still meet
at SQLite's own lock, which stays the one that counts.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

try:
    import fcntl
except ImportError:  # not on Windows: processes there meet at SQLite's own lock
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: How long a SQLite writer waits for its turn before giving up ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN = "sqlite_begin"
#: How long a PostgreSQL connection attempt may take (``?connect_timeout=`` in the URL overrides it).
CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, **kwargs: object) -> Engine:
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
        if memory:
            # One shared connection, so every thread sees the same in-memory database.
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # We emit BEGIN ourselves (below), so that writers can ask for the write lock up front.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # With WAL, NORMAL is durable against application crashes (only a power cut may lose
                # the last commits) and spares an fsync per commit.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
            mode = connection.get_execution_options().get(_BEGIN, "DEFERRED")
            # On the driver's connection: every unit of work begins here, and SQLAlchemy's execution
            # around a statement costs several times what BEGIN does.
            statement = f"BEGIN {mode}"
            try:
                connection.connection.dbapi_connection.execute(statement)
            except sqlite3.Error as error:  # as SQLAlchemy would raise it ("database is locked" and all)
                raise exc.DBAPIError.instance(statement, (), error, sqlite3.Error) from error

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "connect_timeout" not in url:
        # A server that does not answer (firewall, wrong host) fails in seconds, not after the OS's
        # TCP timeout: the CLI can explain it, a readiness probe answers in time.
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class NestedWriteError(RuntimeError):
    """A writing transaction was opened while this thread already holds one on the same SQLite database:
    it would wait for itself until the busy timeout. Look things up before the transaction instead."""


class WriterLock:
    """The turn to write on one SQLite database: a lock for this process's threads, then a file lock
    that other processes on the same file take too (none for an in-memory database, or where the file
    cannot be made). ``acquire(timeout)`` is False when the turn did not come in time."""

    #: Sleeps between tries for a file lock another process holds: it holds it for a commit, a few ms.
    _TRIES = (0.0005, 0.001, 0.002)

    def __init__(self, path: str | None) -> None:
        self._threads = threading.Lock()
        self._fd: int | None = None
        if path and fcntl is not None:
            try:
                self._fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:
                logger.warning(
                    "no writer lock file beside %s (%s): processes meet at SQLite's lock", path, error
                )

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._fd is None:
            return True
        attempt = 0
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    return False
            time.sleep(self._TRIES[min(attempt, len(self._TRIES) - 1)])
            attempt += 1

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_writing = threading.local()
_write_locks: weakref.WeakKeyDictionary[Engine, WriterLock] = weakref.WeakKeyDictionary()
_write_locks_guard = threading.Lock()


_sharing: weakref.WeakSet[Engine] = weakref.WeakSet()


def share_writes(engine: Engine) -> None:
    """This process writes beside others on the same SQLite file (``kundenfokus run`` with delivery
    processes, each of them): its writers take turns with theirs on the file lock. Call before the first
    transaction. Without it the lock stays in this process: a file lock costs two system calls a
    transaction, each a moment without the GIL while the write lock is held."""
    with _write_locks_guard:
        _sharing.add(engine)


def _write_lock(engine: Engine) -> WriterLock:
    with _write_locks_guard:
        lock = _write_locks.get(engine)
        if lock is None:
            database = engine.url.database
            # A file by its name (not an in-memory database, not a ``file:`` URI with its own options).
            on_disk = bool(database) and database != ":memory:" and "uri" not in engine.url.query
            shared = on_disk and engine in _sharing
            lock = _write_locks[engine] = WriterLock(os.path.abspath(database) if shared else None)
            weakref.finalize(engine, lock.close)
        return lock


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work that may write: commit on success, roll back on any error."""
    bind = factory.kw.get("bind")
    guarded = (
        bind is not None and getattr(bind, "dialect", None) is not None and bind.dialect.name == "sqlite"
    )
    held: set[int] = _writing.__dict__.setdefault("engines", set())
    lock: WriterLock | None = None
    if guarded:
        if id(bind) in held:
            raise NestedWriteError("a SQLite writing transaction inside another one on the same thread")
        held.add(id(bind))
        lock = _write_lock(bind)  # type: ignore[arg-type]
        # Waiting longer than SQLite would: go on and let SQLite's busy timeout decide, as before.
        if not lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            lock = None
    released: list[Callable[[], None]] = []
    try:
        with factory() as session, session.begin():
            session.info[_AFTER_RELEASE] = released
            session.connection(execution_options={_BEGIN: "IMMEDIATE"})
            yield session
    finally:
        if lock is not None:
            lock.release()
        if guarded:
            held.discard(id(bind))
    for callback in released:  # committed: what a callback raises is no failure of the transaction
        try:
            callback()
        except Exception:
            logger.exception("after the commit: %r failed", callback)


_AFTER_RELEASE = "kf_after_release"


def after_release(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` (from an ``after_commit`` hook) once ``transaction()`` has also let go of the
    write lock — at once for any other session. Waking another thread or process while holding the lock
    kept the lock while the one woken took the CPU, and made it wait for that very lock."""
    waiting = session.info.get(_AFTER_RELEASE)
    if waiting is None:
        callback()
    else:
        waiting.append(callback)


class _Work:
    __slots__ = ("done", "error", "result", "settled", "work")

    def __init__(self, work: Callable[[Session], Any]) -> None:
        self.work = work
        self.done = self.settled = False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """Writers that arrive at the same moment share one transaction (a group commit): whoever gets the
    turn runs every piece of work waiting, one after another, and commits once. Under load on SQLite
    the one write lock is then taken, begun and committed once for several callers instead of once
    each — under load each time costs milliseconds of it, the holder also waiting for the CPU and the
    GIL. Each caller gets its own result, as from a transaction of its own: if any piece raises, the
    shared transaction is rolled back and each piece runs again alone, so one caller's trouble never
    takes another's work with it. A piece must only use the session it is given (no transaction of its
    own), touch nothing but the database, and may run twice (the first time rolled back)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._waiting: list[_Work] = []
        self._waiting_lock = threading.Lock()
        self._turn = threading.Lock()

    def run(self, work: Callable[[Session], T]) -> T:
        mine = _Work(work)
        with self._waiting_lock:
            self._waiting.append(mine)
        with self._turn:
            if not mine.done:
                with self._waiting_lock:
                    batch, self._waiting = self._waiting, []
                self._run_all(batch)
        if mine.error is not None:
            raise mine.error
        return mine.result  # type: ignore[no-any-return]

    def _run_all(self, batch: list[_Work]) -> None:
        try:
            if len(batch) > 1:
                try:
                    with transaction(self._factory) as session:
                        results = [piece.work(session) for piece in batch]
                except Exception:
                    pass  # each again on its own, below
                else:
                    for piece, result in zip(batch, results, strict=True):
                        piece.result, piece.settled = result, True
                    return
            for piece in batch:
                try:
                    with transaction(self._factory) as session:
                        piece.result = piece.work(session)
                except BaseException as error:
                    piece.error = error
                piece.settled = True
        finally:
            for piece in batch:
                if not piece.settled:  # the turn's thread was interrupted before this piece ran
                    piece.error = RuntimeError("the shared transaction was interrupted; nothing was written")
                piece.done = True


_groups: weakref.WeakKeyDictionary[sessionmaker[Session], GroupCommit] = weakref.WeakKeyDictionary()


def group_commit(factory: sessionmaker[Session]) -> GroupCommit:
    """The one ``GroupCommit`` of ``factory`` (of this process's sessions on one database)."""
    with _write_locks_guard:
        group = _groups.get(factory)
        if group is None:
            group = _groups[factory] = GroupCommit(factory)
        return group


def writing_engine(engine: Engine) -> Engine:
    """``engine`` for a library that reads, then writes in one ``engine.begin()`` (slack_sdk's installation
    and OAuth state stores). On SQLite its transactions take the write lock up front (``BEGIN
    IMMEDIATE``, waiting up to the busy timeout): begun as readers, the write after the read failed at
    once ("database is locked") whenever another connection had written in between."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_BEGIN: "IMMEDIATE"})


def connection_for(session: Session) -> Connection:
    """The session's connection, for a statement built once and run without the ORM around it (on hot
    paths that costs several times less). Changes the session holds are flushed first, as the ORM's own
    queries would do, so the statement sees them."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work that only reads: nothing is committed; the objects read stay usable afterwards
    (closing the session ends its transaction without expiring them)."""
    with factory() as session:
        yield session
