from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from reviewdesk.errors import StoreTooNewError
from reviewdesk.store import Store, head_revision
from reviewdesk.store.engine import SCHEMA_HEAD, current_revision, make_engine, migrate


def test_a_store_made_at_the_first_revision_opens_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(path)
    migrate(engine, to="0001")
    engine.dispose()
    # What a first-release desk would have written: an item and a decision on it.
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO generation (pk, id, model, risk, top_severity, flag_count, required_reviews, "
            "review_count, imported_at) VALUES (1, 'gen-1', 'm', 0.5, 0, 0, 1, 1, '2026-11-01T00:00:00.000000Z')"
        )
        connection.execute(
            "INSERT INTO generation_text (pk, prompt, output) VALUES (1, '\"hi\"', 'hello')"
        )
        connection.execute(
            "INSERT INTO decision (pk, id, generation_pk, reviewer, verdict, reasons, decided_at) "
            "VALUES (1, 'd-1', 1, 'alice', 'approve', '[]', '2026-11-02T00:00:00.000000Z')"
        )
    with Store.open(path) as store:
        assert current_revision(store.engine) == head_revision()
        generation = store.get("gen-1")
        assert generation is not None and generation.output == "hello"
        assert [d.id for d in store.decisions_of("gen-1")] == ["d-1"]
        assert len(store.reasons()) == 9


def test_a_store_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    Store.open(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = path.read_bytes()
    with pytest.raises(StoreTooNewError, match="newer reviewdesk"):
        Store.open(path)
    assert path.read_bytes() == before


# SQLAlchemy cannot reflect expression indexes; that one is checked by name below.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
def test_the_migrations_build_exactly_the_tables_the_code_declares(store: Store) -> None:
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        expression_indexes = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%coalesce(created_at%'"
        ).all()
    assert [entry for entry in diff if entry[1].name != "ix_generation_created"] == []
    assert expression_indexes == [("ix_generation_created",)]


def test_the_hot_queries_use_their_indexes(store: Store) -> None:
    with store.engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT g.pk FROM generation g "
                "WHERE g.review_count < g.required_reviews ORDER BY g.risk DESC, g.pk DESC LIMIT 1"
            )
        )
    assert "ix_generation_pending" in plan
    assert "TEMP B-TREE" not in plan


def test_the_schema_head_constant_names_the_newest_migration() -> None:
    from reviewdesk.store.engine import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD, "bump SCHEMA_HEAD in reviewdesk/store/engine.py"


def test_opening_a_current_store_does_not_load_alembic(store_path: Path) -> None:
    import subprocess
    import sys

    Store.open(store_path).close()
    probe = (
        "import sys; from reviewdesk.store import Store; Store.open(sys.argv[1]).close(); "
        "sys.exit('alembic' in sys.modules or 'sqlmodel' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", probe, str(store_path)], check=False).returncode == 0
    )


def _contents(path: Path) -> tuple[list[tuple[str, str, str]], dict[str, list[tuple[object, ...]]]]:
    connection = sqlite3.connect(path)
    try:
        schema = connection.execute(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = [name for kind, name, _ in schema if kind == "table"]
        rows = {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return schema, rows
    finally:
        connection.close()


def test_a_new_store_copied_from_the_kept_schema_equals_a_migrated_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import reviewdesk.store.engine as engine_module

    monkeypatch.setattr(engine_module, "_fresh_schema", None)
    Store.open(tmp_path / "migrated.sqlite").close()  # runs the migrations, keeps the schema
    assert engine_module._fresh_schema is not None
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="reviewdesk.store.engine"):
        Store.open(tmp_path / "copied.sqlite").close()  # a copy of the kept schema
    assert not [r for r in caplog.records if r.getMessage().startswith("migrating")]

    migrated = _contents(tmp_path / "migrated.sqlite")
    assert migrated[0] and migrated[1]["alembic_version"] == [(SCHEMA_HEAD,)]
    assert _contents(tmp_path / "copied.sqlite") == migrated
    with Store.open(tmp_path / "copied.sqlite") as copied:  # and it works as a store
        assert copied.path == tmp_path / "copied.sqlite"
