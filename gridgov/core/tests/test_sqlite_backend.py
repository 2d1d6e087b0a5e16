"""The SQLite backend's write lock: a process's threads queue for BEGIN IMMEDIATE."""

import threading

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from gridgov.core.sqlite.base import _write_lock


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A fresh SQLite file and a way to open connections to it (one per thread)."""
    name = str(tmp_path / "writes.sqlite3")
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "gridgov.core.sqlite",
                "NAME": name,
                "OPTIONS": {
                    "init_command": "PRAGMA journal_mode=WAL",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 5,
                },
            }
        }
    )
    opened = []

    def connect(timeout: float = 5):
        wrapper = handler.create_connection("default")
        wrapper.settings_dict["OPTIONS"]["timeout"] = timeout
        if threading.current_thread() is threading.main_thread():
            opened.append(wrapper)  # the other threads close their own
        return wrapper

    with django_db_blocker.unblock():
        setup = connect()
        with setup.cursor() as cursor:
            cursor.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, thread INTEGER)")
        yield name, connect
        for wrapper in opened:
            wrapper.close()


def in_transaction(wrapper, work):
    """What transaction.atomic does on SQLite: BEGIN IMMEDIATE, then COMMIT or ROLLBACK."""
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        with wrapper.cursor() as cursor:
            work(cursor)
        wrapper.commit()
    except BaseException:
        wrapper.rollback()
        raise
    finally:
        wrapper.set_autocommit(True)


def test_threads_writing_at_once_all_commit(database):
    name, connect = database
    threads, transactions = 8, 25
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        wrapper = connect()
        try:
            start.wait()
            for _ in range(transactions):
                in_transaction(
                    wrapper,
                    lambda cursor: [
                        cursor.execute("INSERT INTO row (thread) VALUES (%s)", [number]),
                        cursor.execute("SELECT COUNT(*) FROM row"),
                        cursor.execute("INSERT INTO row (thread) VALUES (%s)", [number]),
                    ],
                )
        except BaseException as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
        finally:
            wrapper.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    with connect().cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM row")
        assert cursor.fetchone()[0] == threads * transactions * 2
    assert not _write_lock(name).locked()


def test_the_lock_is_handed_on_after_a_rollback(database):
    name, connect = database
    wrapper = connect()

    def fail(cursor):
        cursor.execute("INSERT INTO row (thread) VALUES (1)")
        assert _write_lock(name).locked()
        raise ValueError("refused")

    with pytest.raises(ValueError):
        in_transaction(wrapper, fail)

    assert not _write_lock(name).locked()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM row")
        assert cursor.fetchone()[0] == 0


def test_a_write_outside_a_transaction_takes_the_lock_for_its_statement(database):
    name, connect = database
    lock = _write_lock(name)
    lock.acquire()  # another thread of this process is writing
    try:
        with (
            pytest.raises(OperationalError, match="database is locked"),
            connect(timeout=0.05).cursor() as cursor,
        ):
            cursor.execute("INSERT INTO row (thread) VALUES (1)")
        with connect(timeout=0.05).cursor() as cursor:  # reads never wait
            cursor.execute("SELECT COUNT(*) FROM row")
            assert cursor.fetchone()[0] == 0
    finally:
        lock.release()


def test_a_writer_that_waits_too_long_gets_database_is_locked(database):
    name, connect = database
    lock = _write_lock(name)
    lock.acquire()
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            in_transaction(connect(timeout=0.05), lambda cursor: None)
    finally:
        lock.release()
    assert not lock.locked()
