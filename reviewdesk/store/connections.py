"""Plain sqlite3 connections to a store file: reviewdesk's pragmas, a small pool, transactions.

The desk reads and writes its store through these rather than through SQLAlchemy: importing
SQLAlchemy alone costs over a second of start-up, which the first item on screen should not
wait for, and its execution layer costs more than the desk's indexed queries themselves.
SQLAlchemy's engine (`Store.engine`) is still what migrations, statistics and exports use; it
opens its connections with the same pragmas (`apply_pragmas`) and the same transaction rules.

Every connection runs in WAL mode with `synchronous=FULL` (a decision the desk showed as saved
survives a power cut), a busy timeout and foreign keys on. Connections are in autocommit mode:
reads run outside any transaction (each statement sees a consistent snapshot) and a write
transaction is begun by us with `BEGIN IMMEDIATE`, so that two writers wait for each other
instead of failing on a lock upgrade.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reviewdesk.errors import StoreError

__all__ = ["BUSY_TIMEOUT_MS", "ConnectionPool", "apply_pragmas", "scalar", "schema_revision"]

BUSY_TIMEOUT_MS = 10_000
_IDLE_KEPT = 5  # connections kept open between uses (as SQLAlchemy's default pool does)


def apply_pragmas(connection: sqlite3.Connection) -> None:
    """Set reviewdesk's pragmas on a freshly opened connection."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def scalar(cursor: sqlite3.Cursor) -> Any:
    """The first column of the cursor's first row, or None when there is no row."""
    row = cursor.fetchone()
    return None if row is None else row[0]


def schema_revision(connection: sqlite3.Connection, path: Path) -> str | None:
    """The schema revision stored in the file, None for an empty file.

    The same answer as `engine.current_revision`, without SQLAlchemy or Alembic, so that a
    store already at the current schema opens without loading either.

    Raises:
        sqlite3.DatabaseError: the file is not an SQLite database.
        StoreError: the file holds tables but no reviewdesk schema.
    """
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    tables = {name for (name,) in rows}
    if "alembic_version" not in tables:
        if tables:
            raise StoreError(
                f"{path} is an SQLite database but not a reviewdesk store "
                f"(it has the tables {', '.join(sorted(tables)[:5])})"
            )
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


class ConnectionPool:
    """Connections to one SQLite file, each used by one thread at a time. Thread-safe.

    A connection is taken for the length of a `with pool.connection()` block and then kept for
    the next one (up to a few idle ones); a transaction left open is rolled back on return.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # autocommit: transactions are begun explicitly
            check_same_thread=False,  # pooled: used by one thread at a time, not always the same
        )
        try:
            apply_pragmas(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for the block (sqlite3 errors pass through unchanged)."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = self._connect()
        try:
            yield connection
        finally:
            self._give_back(connection)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in a `BEGIN IMMEDIATE` transaction: committed (durably) when the block
        ends normally, rolled back when it raises."""
        with self.connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.rollback()
                raise
            connection.execute("COMMIT")

    def _give_back(self, connection: sqlite3.Connection) -> None:
        try:
            if connection.in_transaction:  # a failed COMMIT, say: leave nothing half done
                connection.rollback()
        except sqlite3.Error:
            connection.close()
            return
        with self._lock:
            if not self._closed and len(self._idle) < _IDLE_KEPT:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close the idle connections; those in use close when they are given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
