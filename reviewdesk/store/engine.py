"""Opening a store file: the engine, its pragmas, and the schema migrations.

Every connection runs in WAL mode with `synchronous=FULL` (a decision the desk showed as saved
survives a power cut), a busy timeout and foreign keys on. Transactions are begun by us, not by
the driver: `BEGIN` for reads, `BEGIN IMMEDIATE` for writes (`immediate=True` execution option),
so that two writers wait for each other instead of failing on a lock upgrade.

SQLAlchemy is imported inside the functions that use it: the desk opens a current store with
plain sqlite3 (`reviewdesk.store.connections`) and should not pay for importing SQLAlchemy.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewdesk.errors import StoreError, StoreTooNewError
from reviewdesk.store.connections import apply_pragmas

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

SCHEMA_HEAD = "0021"
"""The newest migration's revision (a test checks it against the migration scripts)."""
_KIND = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Taken for the migration's transaction on PostgreSQL, so that server processes started together
# with --migrate upgrade the schema one after the other.
_MIGRATION_LOCK = 0x72657669

# The schema of a new SQLite store as the migrations wrote it, kept (as the file's bytes) after
# the first new store of this process: the next new store is a copy of it, made in
# milliseconds instead of the migrations' 0.15 s. A server that creates databases, `checkout`
# and the test suite create many. The migrations write no per-store values, so a copy equals a
# migrated file (a test compares the two).
_fresh_schema: bytes | None = None

UpgradeNotice = Callable[[str, str], None]
"""Told (old schema, new schema) just before an existing store is upgraded."""
_UPGRADE_NOTICE: ContextVar[UpgradeNotice | None] = ContextVar("upgrade_notice", default=None)


@contextmanager
def upgrade_notice(notice: UpgradeNotice) -> Iterator[None]:
    """Within the block (and on this thread), an upgrade of an existing store first calls
    `notice`: an upgrade can take a minute on a large store, and a desk says why it waits."""
    token = _UPGRADE_NOTICE.set(notice)
    try:
        yield
    finally:
        _UPGRADE_NOTICE.reset(token)


_MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(path: Path, **pool: Any) -> Engine:
    """An engine on the SQLite file at `path` with reviewdesk's pragmas and transaction rules.

    Args:
        pool: SQLAlchemy's pool arguments (`pool_size`, `max_overflow`, `pool_timeout`); the
            queue server keeps more connections than the desk.
    """
    from sqlalchemy import create_engine, event

    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"isolation_level": None, "check_same_thread": False},
        **pool,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    apply_pragmas(dbapi_connection)


def _on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get("immediate"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


@cache
def head_revision() -> str:
    """The schema revision this program writes."""
    return _script_directory().get_current_head() or ""


def known_revisions() -> set[str]:
    """Every schema revision a release of reviewdesk up to this one wrote."""
    return {revision.revision for revision in _script_directory().walk_revisions()}


@cache
def _script_directory() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(_MIGRATIONS))


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the file (or database), None for an empty one.

    Raises:
        StoreError: the file is not an SQLite database, or holds tables but no reviewdesk schema.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import DatabaseError

    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                tables = {
                    name
                    for (name,) in connection.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                    )
                }
            else:  # the queue server's PostgreSQL
                tables = set(inspect(connection).get_table_names())
            if "alembic_version" not in tables:
                if tables:
                    raise StoreError(
                        f"{engine.url.database} is an {_KIND.get(engine.dialect.name, 'SQL')} "
                        "database but not a reviewdesk store "
                        f"(it has the tables {', '.join(sorted(tables)[:5])})"
                    )
                return None
            row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
            return None if row is None else str(row[0])
    except DatabaseError as error:
        raise StoreError(
            f"{engine.url.database} is not a reviewdesk store: {error.orig}"
        ) from error


def migrate(engine: Engine, *, to: str = "head") -> None:
    """Bring the store's schema to `to` (default: what this program writes).

    Works on the desk's SQLite engines (`make_engine`) and on the queue server's engines
    (SQLite or PostgreSQL) alike.

    Raises:
        StoreTooNewError: the store was written by a newer reviewdesk.
        StoreError: the store cannot be read or written.
    """
    revision = current_revision(engine)
    if revision == SCHEMA_HEAD and to == "head":
        return  # the common case, decided without loading Alembic (it costs start-up time)
    known = {script.revision for script in _script_directory().walk_revisions()}
    if revision is not None and revision not in known:
        raise StoreTooNewError(
            f"{engine.url.database} was written by a newer reviewdesk (schema {revision}); "
            f"this reviewdesk writes schema {head_revision()}. Upgrade reviewdesk to open it."
        )
    if revision == (head_revision() if to == "head" else to):
        return
    from alembic import command
    from sqlalchemy.exc import OperationalError

    fresh_sqlite = revision is None and to == "head" and engine.dialect.name == "sqlite"
    if fresh_sqlite and _copy_fresh_schema(engine):
        return
    logger.info("migrating %s from schema %s to %s", engine.url.database, revision, to)
    notice = _UPGRADE_NOTICE.get()
    if notice is not None and revision is not None:
        notice(revision, head_revision() if to == "head" else to)
    try:
        with engine.connect().execution_options(immediate=True) as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            command.upgrade(_alembic_config(connection), to)
            connection.commit()
    except OperationalError as error:
        raise StoreError(
            f"cannot update the schema of {engine.url.database}: {error.orig}"
        ) from error
    if fresh_sqlite:
        _keep_fresh_schema(engine)


def _keep_fresh_schema(engine: Engine) -> None:
    global _fresh_schema
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        image = bytearray(connection.serialize())
        # Rollback-journal format: an image in WAL format cannot be opened in memory.
        image[18:20] = b"\x01\x01"
        _fresh_schema = bytes(image)
    finally:
        raw.close()


def _copy_fresh_schema(engine: Engine) -> bool:
    """Write the kept schema into the empty store `engine` opens; False when none is kept yet."""
    if _fresh_schema is None:
        return False
    template = sqlite3.connect(":memory:")
    try:
        template.deserialize(_fresh_schema)
        raw = engine.raw_connection()
        try:
            target = raw.driver_connection
            assert isinstance(target, sqlite3.Connection)
            template.backup(target)
        finally:
            raw.close()
    finally:
        template.close()
    return True
