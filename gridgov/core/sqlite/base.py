"""SQLite for a multi-threaded server: a process's writers queue on a lock, not in SQLite.

``BEGIN IMMEDIATE`` (see settings) lets one writer in at a time; the others
wait in SQLite's busy handler, which sleeps 1, 2, 5, 10 ... 100 ms between
tries.  Under waitress's threads the database then stands idle while the
waiters sleep, and an unlucky thread can lose every try until the busy
timeout runs out ("database is locked").  Here the threads of one process
take a lock (first come, first served) before ``BEGIN IMMEDIATE`` and hand
it on at COMMIT or ROLLBACK, so the next writer starts at once; a write
outside a transaction (autocommit) takes the lock for its one statement.
Other processes (the worker, the command line) still meet the busy handler.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_guard = threading.Lock()
_write_locks: dict[str, threading.Lock] = {}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _write_lock(name: Any) -> threading.Lock:
    """One lock per database file in this process."""
    with _guard:
        return _write_locks.setdefault(str(name), threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        # sqlite3's ``timeout`` (seconds) is also how long a thread waits for the lock.
        self.write_lock_timeout = float(params.get("timeout", 5.0))
        return params

    def _take_write_lock(self) -> None:
        lock = _write_lock(self.settings_dict["NAME"])
        if not lock.acquire(timeout=self.write_lock_timeout):
            raise OperationalError("database is locked")
        self._holds_write_lock = True

    def _hand_on_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            _write_lock(self.settings_dict["NAME"]).release()

    def _start_transaction_under_autocommit(self) -> None:
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in django-stubs
        except BaseException:
            self._hand_on_write_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # not in django-stubs
        finally:
            self._hand_on_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # not in django-stubs
        finally:
            self._hand_on_write_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # not in django-stubs
        finally:
            self._hand_on_write_lock()

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = self.connection.cursor(factory=_Cursor)
        cursor.wrapper = self
        return cursor


class _Cursor(base.SQLiteCursorWrapper):
    """Takes the write lock around a write outside a transaction."""

    wrapper: DatabaseWrapper

    def _outside_transaction_write(self, query: str) -> bool:
        wrapper = self.wrapper
        return (
            not wrapper._holds_write_lock
            and not wrapper.in_atomic_block
            and query.lstrip()[:7].upper().startswith(WRITES)
        )

    def execute(self, query: str, params: Any = None) -> Any:
        if not self._outside_transaction_write(query):
            return super().execute(query, params)
        self.wrapper._take_write_lock()
        try:
            return super().execute(query, params)
        finally:
            self.wrapper._hand_on_write_lock()

    def executemany(self, query: str, param_list: Any) -> Any:
        if not self._outside_transaction_write(query):
            return super().executemany(query, param_list)
        self.wrapper._take_write_lock()
        try:
            return super().executemany(query, param_list)
        finally:
            self.wrapper._hand_on_write_lock()
