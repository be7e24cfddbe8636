"""``models.db.GroupCommit``: writers arriving together share one transaction, each still all or
nothing; and ``after_release``: what a commit announces runs once the write lock is let go."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from models.db import GroupCommit, after_release, make_engine, make_session_factory, transaction


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kf.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (name TEXT PRIMARY KEY)"))
    yield make_session_factory(engine)
    engine.dispose()


def commits_of(sessions) -> list[int]:
    commits: list[int] = []
    event.listen(sessions.kw["bind"], "commit", lambda _connection: commits.append(1))
    return commits


def names(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(text("SELECT name FROM probe ORDER BY name")))


def insert(name: str):
    def work(session):
        session.execute(text("INSERT INTO probe (name) VALUES (:name)"), {"name": name})
        return f"stored {name}"

    return work


def test_writers_waiting_for_the_turn_share_one_transaction_and_each_gets_its_result(sessions):
    group = GroupCommit(sessions)
    commits = commits_of(sessions)
    inside, go_on = threading.Event(), threading.Event()

    def first(session):
        inside.set()
        assert go_on.wait(5)  # the turn is taken: the others queue meanwhile
        return insert("first")(session)

    results: dict[str, str] = {}
    leader = threading.Thread(target=lambda: results.update(first=group.run(first)))
    leader.start()
    assert inside.wait(5)
    others = [
        threading.Thread(target=lambda name=name: results.update({name: group.run(insert(name))}))
        for name in ("b", "c", "d", "e")
    ]
    for thread in others:
        thread.start()
    while len(group._waiting) < 4:  # all four are waiting for the turn
        threading.Event().wait(0.01)
    go_on.set()
    for thread in [leader, *others]:
        thread.join(5)
    assert results == {name: f"stored {name}" for name in ("first", "b", "c", "d", "e")}
    assert names(sessions) == ["b", "c", "d", "e", "first"]
    assert len(commits) == 2  # the first alone, the four that waited together


def test_one_writers_failure_takes_nothing_of_the_others_with_it(sessions):
    group = GroupCommit(sessions)
    with transaction(sessions) as session:
        session.execute(text("INSERT INTO probe (name) VALUES ('taken')"))
    inside, go_on = threading.Event(), threading.Event()

    def blocker(session):
        inside.set()
        assert go_on.wait(5)

    def half_then_fails(session):
        insert("half")(session)
        raise ValueError("no")

    outcomes: dict[str, object] = {}

    def run(name, work):
        try:
            outcomes[name] = group.run(work)
        except Exception as error:  # what each caller gets is the point
            outcomes[name] = error

    threads = [threading.Thread(target=run, args=("blocker", blocker))]
    threads[0].start()
    assert inside.wait(5)
    for name, work in (
        ("a", insert("a")),
        ("bad", half_then_fails),
        ("dup", insert("taken")),
        ("z", insert("z")),
    ):
        threads.append(threading.Thread(target=run, args=(name, work)))
        threads[-1].start()
    while len(group._waiting) < 4:
        threading.Event().wait(0.01)
    go_on.set()
    for thread in threads:
        thread.join(5)
    assert outcomes["a"] == "stored a" and outcomes["z"] == "stored z"
    assert isinstance(outcomes["bad"], ValueError)
    assert "UNIQUE" in str(outcomes["dup"])  # the database's own error, to its own caller
    assert names(sessions) == ["a", "taken", "z"]  # nothing of the failed ones, all of the rest


def test_what_a_commit_announces_runs_once_the_write_lock_is_let_go(sessions):
    announced: list[str] = []

    def announce() -> None:
        # Still holding the lock, this thread could not begin another writing transaction.
        with transaction(sessions) as session:
            session.execute(text("INSERT INTO probe (name) VALUES ('announced')"))
        announced.append("yes")

    event.listen(sessions, "after_commit", lambda session: after_release(session, announce))
    with transaction(sessions) as session:
        session.execute(text("INSERT INTO probe (name) VALUES ('change')"))
        assert announced == []
    assert announced == ["yes"]
    assert names(sessions) == ["announced", "change"]
