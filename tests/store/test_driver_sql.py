"""Statements on the driver's cursor (`DriverSql`) answer as SQLAlchemy's `text()` does, on
SQLite and on PostgreSQL: the same rows, list parameters, and the same errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from reviewdesk.server import open_engine
from reviewdesk.server.database import read, read_alone, transact
from reviewdesk.store.driver_sql import DriverSql

_CREATE = "CREATE TABLE note (pk INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, size INTEGER)"
_INSERT = DriverSql("INSERT INTO note (pk, name, size) VALUES (:pk, :name, :size)")
_BY_PKS = DriverSql("SELECT pk, name, size FROM note WHERE pk IN :pks ORDER BY pk")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    transact(engine, lambda connection: connection.execute(text(_CREATE)))
    yield engine
    engine.dispose()


def _notes(engine: Engine) -> list[tuple[object, ...]]:
    return read(
        engine,
        lambda connection: [
            tuple(row) for row in connection.execute(text("SELECT pk, name, size FROM note"))
        ],
    )


def test_a_list_parameter_matches_what_sqlalchemys_expanding_in_matches(engine: Engine) -> None:
    rows = [{"pk": n, "name": f"n{n}", "size": None if n % 3 else n * 10} for n in range(1, 13)]
    transact(engine, lambda connection: _INSERT.run_many(connection, rows))
    wanted = [11, 2, 5, 99]

    found = read(engine, lambda connection: _BY_PKS.rows(connection, {"pks": wanted}))
    again = read(engine, lambda connection: _BY_PKS.rows(connection, {"pks": [3]}))

    assert found == [(2, "n2", None), (5, "n5", None), (11, "n11", None)]
    assert again == [(3, "n3", 30)]
    assert read_alone(engine, _BY_PKS, {"pks": [12, 6]}) == [(6, "n6", 60), (12, "n12", 120)]


def test_percent_signs_and_casts_reach_the_database_as_written(engine: Engine) -> None:
    transact(
        engine, lambda connection: _INSERT.run(connection, {"pk": 1, "name": "50%", "size": 7})
    )
    like = DriverSql(
        "SELECT name, CAST(size AS VARCHAR(10)) || '%' FROM note WHERE name LIKE '%\\%' "
        "ESCAPE '\\' AND size = :size"
    )

    assert read(engine, lambda connection: like.rows(connection, {"size": 7})) == [("50%", "7%")]


def test_a_duplicate_key_is_sqlalchemys_integrity_error_and_nothing_of_its_transaction_stays(
    engine: Engine,
) -> None:
    transact(engine, lambda connection: _INSERT.run(connection, {"pk": 1, "name": "a", "size": 1}))

    def twice(connection: Connection) -> None:
        _INSERT.run(connection, {"pk": 2, "name": "b", "size": 2})
        _INSERT.run(connection, {"pk": 1, "name": "again", "size": 3})

    with pytest.raises(IntegrityError):
        transact(engine, twice)

    assert _notes(engine) == [(1, "a", 1)]
    # The engine's connections still work after the error.
    transact(engine, lambda connection: _INSERT.run(connection, {"pk": 2, "name": "b", "size": 2}))
    assert sorted(_notes(engine)) == [(1, "a", 1), (2, "b", 2)]
