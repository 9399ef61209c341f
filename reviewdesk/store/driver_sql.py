"""Statements run on the database driver's own cursor, inside a SQLAlchemy connection's
transaction: for the few statements a busy server runs on every request.

SQLAlchemy spends about 50 µs of CPU on each `connection.execute(text(...))` (the cache key,
the execution context, the result's metadata) and some 70 µs more to expand an `IN :list`
parameter, where the driver itself takes 5 µs. On the queue server a lease and a decision
batch are some 30 statements, so that overhead was a fifth of the server's CPU per request.

A `DriverSql` is written as a `text()` statement is (`:name` parameters; `IN :name` takes a
list) and gives the driver the same SQL SQLAlchemy would have sent: the list expanded into one
placeholder per value, the parameters in the driver's style (SQLite `:name`, psycopg
`%(name)s`). The rows are the driver's tuples, the values as SQLAlchemy's `text()` gives them
(it applies no types to them). A driver error goes through SQLAlchemy's own handling, so the
caller sees the same `IntegrityError` / `OperationalError` (and a dead connection is
invalidated) as with `connection.execute`. SQLAlchemy's statement events and its echo log do
not see these statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the desk imports the store without SQLAlchemy (its start-up time)
    from sqlalchemy.engine import Connection

_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_LIST = re.compile(r"\bIN\s+:([A-Za-z_]\w*)", re.IGNORECASE)

Params = Mapping[str, Any]


class DriverSql:
    """One SQL statement with `:name` parameters, run on the driver's cursor."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._lists = frozenset(_LIST.findall(sql))
        self._rendered: dict[tuple[bool, tuple[int, ...]], str] = {}

    def rows(
        self, connection: Connection, params: Params | None = None, *, begin: bool = True
    ) -> list[tuple[Any, ...]]:
        """Run the statement; all its rows.

        Args:
            begin: open the connection's transaction first if none is open, as `execute`
                would. False: the statement runs as the connection stands (a read with a
                snapshot of its own on SQLite, whose driver here starts no transaction itself,
                and on a PostgreSQL connection in autocommit).
        """
        cursor = self._run(connection, params or {}, many=False, begin=begin)
        found: list[tuple[Any, ...]] = cursor.fetchall()
        cursor.close()
        return found

    def run(self, connection: Connection, params: Params | None = None) -> int:
        """Run the statement (a write); the rows it touched."""
        cursor = self._run(connection, params or {}, many=False, begin=True)
        count: int = cursor.rowcount
        cursor.close()
        return count

    def run_many(self, connection: Connection, params: Sequence[Params]) -> None:
        """Run the statement once for each set of parameters (none: not at all).

        Raises:
            ValueError: the statement takes a list (`IN :name`): each run would need its own SQL.
        """
        if self._lists:
            raise ValueError(f"run_many takes no list parameter: {sorted(self._lists)}")
        if params:
            self._run(connection, params, many=True, begin=True).close()

    def _run(
        self, connection: Connection, params: Params | Sequence[Params], *, many: bool, begin: bool
    ) -> Any:
        postgres = connection.dialect.name == "postgresql"
        if self._lists:
            assert isinstance(params, Mapping)  # run_many refuses lists
            sql, params = self._expanded(postgres, params)
        else:
            sql = self._render(postgres, ())
        if begin and not connection.in_transaction():
            connection.begin()  # as `execute` would: SQLite's BEGIN comes from its listener
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
        except connection.dialect.loaded_dbapi.Error as error:
            cursor.close()
            connection._handle_dbapi_exception(error, sql, params, cursor, None)  # raises
        return cursor

    def _expanded(self, postgres: bool, params: Params) -> tuple[str, dict[str, Any]]:
        flat = {name: value for name, value in params.items() if name not in self._lists}
        lengths: list[int] = []
        for name in sorted(self._lists):
            values: Iterable[Any] = params[name]
            listed = list(values)
            if not listed:
                raise ValueError(f"the list {name} is empty: the statement would match nothing")
            lengths.append(len(listed))
            flat.update({f"{name}_{index}": value for index, value in enumerate(listed)})
        return self._render(postgres, tuple(lengths)), flat

    def _render(self, postgres: bool, lengths: tuple[int, ...]) -> str:
        key = (postgres, lengths)
        rendered = self._rendered.get(key)
        if rendered is None:
            sizes = dict(zip(sorted(self._lists), lengths, strict=False))

            def expand(match: re.Match[str]) -> str:
                name = match.group(1)
                places = ", ".join(f":{name}_{index}" for index in range(sizes[name]))
                return f"IN ({places})"

            sql = _LIST.sub(expand, self.sql) if lengths else self.sql
            if postgres:
                sql = _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))
            rendered = self._rendered[key] = sql
        return rendered
