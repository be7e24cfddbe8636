"""SQLite's turn to write, across processes: ``models.db.WriterLock`` is a thread lock plus a file lock
beside the database, so delivery processes and the bot take turns without SQLite's sleeping retries."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text

from models.db import WriterLock, make_engine, make_session_factory, share_writes, transaction

ROOT = Path(__file__).resolve().parents[2]

HOLD = """
import sys, time
from models.db import WriterLock
lock = WriterLock(sys.argv[1])
assert lock.acquire(5)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
print("released", flush=True)
"""


def hold_elsewhere(path: Path, seconds: float) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_writer_waits_while_another_process_holds_the_turn_and_goes_on_when_it_is_free(tmp_path):
    database = tmp_path / "kf.db"
    child = hold_elsewhere(database, 0.6)
    try:
        mine = WriterLock(str(database))
        assert mine.acquire(timeout=0.1) is False  # the other process has it
        started = time.monotonic()
        assert mine.acquire(timeout=10)
        waited = time.monotonic() - started
        mine.release()
    finally:
        child.wait(timeout=10)
    assert 0.2 < waited < 2.0
    mine.close()


def test_a_thread_of_the_same_process_waits_for_its_turn_too(tmp_path):
    lock = WriterLock(str(tmp_path / "kf.db"))
    assert lock.acquire(timeout=1)
    outcome: list[bool] = []
    other = threading.Thread(target=lambda: outcome.append(lock.acquire(timeout=0.1)))
    other.start()
    other.join()
    assert outcome == [False]
    lock.release()
    assert lock.acquire(timeout=0.1)
    lock.release()
    lock.close()


def test_a_process_that_shares_writes_takes_the_file_lock_and_others_need_none(tmp_path):
    alone = tmp_path / "alone.db"
    with transaction(make_session_factory(make_engine(f"sqlite:///{alone}"))) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    assert not (tmp_path / "alone.db-writer.lock").exists()  # one process: its own lock is enough

    database = tmp_path / "kf.db"
    engine = make_engine(f"sqlite:///{database}")
    share_writes(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    assert (tmp_path / "kf.db-writer.lock").exists()
    child = hold_elsewhere(database, 0.5)
    try:
        started = time.monotonic()
        with transaction(sessions) as session:  # waits for the other process's turn to end
            session.execute(text("INSERT INTO t VALUES (1)"))
        assert time.monotonic() - started > 0.2
    finally:
        child.wait(timeout=10)
    before = sorted(Path.cwd().glob("*-writer.lock"))
    memory = make_engine("sqlite://")
    share_writes(memory)
    with transaction(make_session_factory(memory)) as session:
        session.execute(text("SELECT 1"))
    assert sorted(Path.cwd().glob("*-writer.lock")) == before  # no file for a database without one
