"""The server's database: the engine for SQLite or PostgreSQL, the schema check, transactions.

SQLite uses the store's engine set-up (WAL, `synchronous=FULL`, busy timeout) and begins every
write with `BEGIN IMMEDIATE`, so writers queue instead of failing on a lock upgrade. Within one
server process the writers also queue in a `WriteGate` before they ask SQLite for the lock: in
turn, reviewers' writes (leases, decisions) ahead of bulk intake. SQLite's own busy handler
would have them poll the lock with growing sleeps, and under load some lost every poll for
seconds while others went through. PostgreSQL
runs at READ COMMITTED; leases are claimed with `FOR UPDATE SKIP LOCKED` and every other write
locks the `server_item` rows it touches in primary-key order. A transaction that PostgreSQL
aborts as a deadlock or a serialization failure is run again.

Pooled connections are not pinged at checkout (that is a round trip on every request). A
connection that turns out dead (PostgreSQL restarted) fails its first statement; SQLAlchemy then
invalidates the whole pool, and the work is run once more on a fresh connection, unless the
failure came while committing, when it cannot be known whether the commit happened.

Statement parameters are hidden from SQLAlchemy's errors (`hide_parameters`): an error that
reaches a log must not carry the prompts, outputs and comments it was writing.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from reviewdesk.errors import StoreError, UserError
from reviewdesk.store.driver_sql import DriverSql, Params
from reviewdesk.store.engine import (
    current_revision,
    head_revision,
    known_revisions,
    make_engine,
    migrate,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

_RETRIED_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected
ATTEMPTS = 5
SQLITE_POOL = 16
URGENT_RUN = 4
"""Urgent writes that may go in a row ahead of a waiting bulk write (see `WriteGate`)."""
GATE_TIMEOUT_S = 30.0
"""How long a write waits for its turn in the `WriteGate` before it is answered busy."""


class DatabaseBusyError(UserError):
    """The database did not answer in time (SQLite's write lock, PostgreSQL's connections)."""


class SchemaNeedsMigrationError(StoreError):
    """The database holds an older schema and the server was not told to migrate it."""


def open_engine(url: str) -> Engine:
    """An engine for a server database URL.

    Raises:
        UserError: the URL is neither SQLite nor PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise UserError(f"{url!r} is not a database URL: {error}") from error
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise UserError("the server needs an SQLite file: sqlite:///PATH")
        path = Path(parsed.database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create {path.parent}: {error.strerror}") from error
        return _sqlite_engine(path)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed,
            pool_size=20,
            max_overflow=20,
            pool_pre_ping=False,
            pool_timeout=10,
            hide_parameters=True,
        )
    raise UserError(f"{parsed.drivername}: the server runs on sqlite:/// or postgresql+psycopg://")


def _sqlite_engine(path: Path) -> Engine:
    # The desk's pragmas and BEGIN IMMEDIATE (see reviewdesk.store.engine), with a pool that
    # keeps its connections: the request threads share them, and opening a connection while
    # others write can meet SQLITE_BUSY before the busy timeout applies.
    return make_engine(
        path, pool_size=SQLITE_POOL, max_overflow=0, pool_timeout=30, hide_parameters=True
    )


def prepare_schema(engine: Engine, *, allow_migrate: bool) -> None:
    """Make sure the database holds the schema this server writes.

    An empty database gets the schema created. A database at an older schema is upgraded only
    with `allow_migrate`.

    Raises:
        SchemaNeedsMigrationError: an older schema and no `allow_migrate`.
        StoreTooNewError: a newer reviewdesk wrote the database.
        StoreError: the database cannot be read, or is not a reviewdesk database.
    """
    try:
        revision = current_revision(engine)
    except OperationalError as error:
        raise StoreError(f"cannot reach the database {_shown(engine)}: {error.orig}") from error
    head = head_revision()
    if (
        revision is not None
        and revision != head
        and not allow_migrate
        and revision in known_revisions()
    ):
        raise SchemaNeedsMigrationError(
            f"the database {_shown(engine)} has schema {revision} and this reviewdesk needs "
            f"{head}: back it up, then start once with --migrate to upgrade it"
        )
    migrate(engine)


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


class WriteGate:
    """One writer at a time on an SQLite file, in the order they came, urgent ones first.

    A bulk write (`urgent=False`: intake) waits while an urgent one (a lease, a decision) waits,
    so a push made of many short transactions lets a reviewer in between any two of them; but
    after `URGENT_RUN` urgent turns in a row the bulk writer waiting goes, so that reviewers
    leasing without pause cannot stop intake. The writer that ends hands the turn to the next in
    line only (no herd of waiters woken to find it is not theirs).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writing = False
        self._urgent: deque[threading.Lock] = deque()
        self._bulk: deque[threading.Lock] = deque()
        self._urgent_run = 0
        """Urgent turns given in a row while a bulk writer waited."""

    @contextmanager
    def turn(self, *, urgent: bool = True) -> Iterator[None]:
        """Hold the gate for one transaction.

        Raises:
            DatabaseBusyError: the turn did not come within `GATE_TIMEOUT_S`.
        """
        line = self._urgent if urgent else self._bulk
        waiter = threading.Lock()
        waiter.acquire()  # released by the writer that hands this one its turn
        with self._lock:
            waits = self._writing or bool(self._urgent) or bool(self._bulk)
            if waits:
                line.append(waiter)
            else:
                self._writing = True
        if waits and not waiter.acquire(timeout=GATE_TIMEOUT_S):
            with self._lock:
                if waiter in line:  # not handed its turn: leave the line
                    line.remove(waiter)
                    raise DatabaseBusyError(
                        "the database is busy: its writers have been queued too long"
                    )
            # handed its turn as it timed out: it holds the gate now
        try:
            yield
        finally:
            self._hand_on()

    @property
    def queued(self) -> int:
        """How many writers wait for their turn."""
        with self._lock:
            return len(self._urgent) + len(self._bulk)

    @property
    def urgent_queued(self) -> int:
        """How many urgent writers (reviewers) wait for their turn: a bulk writer ends its
        transaction for them, not for another bulk writer, which waits for it to finish."""
        with self._lock:
            return len(self._urgent)

    def _hand_on(self) -> None:
        with self._lock:
            if self._bulk and (not self._urgent or self._urgent_run >= URGENT_RUN):
                self._urgent_run = 0
                self._bulk.popleft().release()  # `_writing` stays True: the turn passes on
            elif self._urgent:
                self._urgent_run += 1 if self._bulk else 0
                self._urgent.popleft().release()
            else:
                self._writing = False


_gates: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def write_gate(engine: Engine) -> WriteGate | None:
    """The engine's write gate (SQLite), None on PostgreSQL (its writers lock rows only)."""
    if engine.dialect.name != "sqlite":
        return None
    with _gates_lock:
        gate = _gates.get(engine)
        if gate is None:
            gate = _gates[engine] = WriteGate()
        return gate


@contextmanager
def _turn(engine: Engine, urgent: bool) -> Iterator[None]:
    gate = write_gate(engine)
    if gate is None:
        yield
        return
    with gate.turn(urgent=urgent):
        yield


def transact(engine: Engine, work: Callable[[Connection], T], *, bulk: bool = False) -> T:
    """Run `work` in one write transaction and commit; run it again after a deadlock, or once
    after a dead pooled connection (before the commit was sent).

    Args:
        bulk: a write that may wait for the others (intake), on SQLite after every write
            waiting that is not; keep such a transaction short.

    Raises:
        DatabaseBusyError: the database stayed locked or busy, or cannot be reached.
    """
    with _turn(engine, urgent=not bulk):
        return _transact(engine, work)


def _transact(engine: Engine, work: Callable[[Connection], T]) -> T:
    reconnected = False
    for attempt in range(1, ATTEMPTS + 1):
        committing = False
        try:
            with (
                engine.connect().execution_options(immediate=True) as connection,
                connection.begin(),
            ):
                result = work(connection)
                committing = True  # the block's end sends COMMIT
            return result
        except IntegrityError:
            # Two requests raced to insert the same id; the second run sees the first's row.
            if attempt == ATTEMPTS:
                raise
            logger.debug("integrity race, attempt %d", attempt)
        except DBAPIError as error:
            state = getattr(error.orig, "sqlstate", None)
            if state in _RETRIED_SQLSTATES and attempt < ATTEMPTS:
                logger.debug("transaction aborted (%s), attempt %d", state, attempt)
                continue
            if error.connection_invalidated and not committing and not reconnected:
                reconnected = True
                logger.info("the database connection was lost; trying once more")
                continue
            if _locked(error) and attempt < ATTEMPTS:
                logger.debug("database locked, attempt %d", attempt)
                time.sleep(0.05 * attempt)
                continue
            if isinstance(error, OperationalError):
                raise DatabaseBusyError(f"the database is busy: {error.orig}") from error
            raise
    raise AssertionError("unreachable")


def _locked(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def read(engine: Engine, work: Callable[[Connection], T], *, alone: bool = False) -> T:
    """Run `work` in a read transaction (SQLite: one snapshot for all its statements) or, on
    PostgreSQL, in autocommit (READ COMMITTED gives each statement its own snapshot anyway).
    A dead pooled connection (PostgreSQL restarted) is replaced once.

    Args:
        alone: `work` runs a single statement with `begin=False` (`read_alone`): on SQLite the
            transaction is left out too.

    Raises:
        DatabaseBusyError: the database could not be reached in time.
    """
    try:
        try:
            return _read_once(engine, work, alone=alone)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            logger.info("the database connection was lost; trying once more")
        return _read_once(engine, work, alone=alone)
    except OperationalError as error:
        raise DatabaseBusyError(f"the database is busy: {error.orig}") from error


def read_alone(engine: Engine, statement: DriverSql, params: Params) -> list[tuple[Any, ...]]:
    """The rows of one statement run on its own, with a snapshot of its own and no BEGIN and
    COMMIT around it: for a lookup made on every request (the token's). A dead pooled connection
    (PostgreSQL restarted) is replaced once.

    Raises:
        DatabaseBusyError: the database could not be reached in time.
    """
    return read(
        engine, lambda connection: statement.rows(connection, params, begin=False), alone=True
    )


def _read_once(engine: Engine, work: Callable[[Connection], T], *, alone: bool = False) -> T:
    if engine.dialect.name == "postgresql":
        # Each statement at READ COMMITTED sees its own snapshot, in a transaction or not:
        # without one, a read saves the round trips of BEGIN and COMMIT.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return work(connection)
    if alone:
        with engine.connect() as connection:
            return work(connection)
    with engine.connect() as connection, connection.begin():
        return work(connection)
