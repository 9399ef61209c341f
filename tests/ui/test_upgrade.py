"""Opening a store written by an earlier reviewdesk: the desk says it is upgrading it."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.store.bulk import BulkWriter
from reviewdesk.store.engine import SCHEMA_HEAD, make_engine, migrate
from reviewdesk.ui.shell.window import DeskWindow
from tests.helpers.random_store import random_items


def _old_store(path: Path) -> None:
    engine = make_engine(path)
    migrate(engine, to="0012")
    # today's importer names `decision.form_version` (0016): the column is there only while
    # it writes
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE decision ADD COLUMN form_version INTEGER")
    with engine.connect().execution_options(immediate=True) as connection:
        BulkWriter(connection).add(
            random_items(random.Random(3), datetime(2026, 11, 20, tzinfo=UTC), 20)
        )
        connection.commit()
    engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE decision DROP COLUMN form_version")


def test_an_older_store_is_upgraded_with_a_notice_then_opens(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _old_store(path)
    window = DeskWindow(lambda: Store.open(path), store_label="old store")
    shown: list[tuple[str, str, str]] = []
    window.store_upgrading.connect(
        lambda old, new: shown.append((old, new, window.pages.loading.title.text()))
    )
    try:
        with qtbot.waitSignal(window.item_shown, timeout=20_000):
            window.show()
        assert shown == [("0012", SCHEMA_HEAD, "Upgrading the store…")]
        assert window.pages.currentWidget() is window.pages.review
        qtbot.waitUntil(lambda: window.model.rowCount() == 20)
    finally:
        window.close()
        window.deleteLater()


def test_a_current_store_opens_without_the_notice(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    _old_store(path)
    Store.open(path).close()  # upgraded once
    window = DeskWindow(lambda: Store.open(path), store_label="store")
    shown: list[str] = []
    window.store_upgrading.connect(lambda old, new: shown.append(old))
    try:
        with qtbot.waitSignal(window.item_shown, timeout=20_000):
            window.show()
        assert shown == []
    finally:
        window.close()
        window.deleteLater()
