"""Migration 0021: comparison decisions' answers move from a JSON column into narrow rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reviewdesk.store import Store
from reviewdesk.store.comparisons import load_comparison_decisions
from reviewdesk.store.engine import make_engine, migrate


def test_answers_kept_as_json_before_0021_are_read_back_from_narrow_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(path)
    migrate(engine, to="0019")
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO comparison (pk, id, queue, risk, candidate_count, required_reviews, "
            "review_count, imported_at) VALUES (1, 'cmp-1', 'prefs', 0.5, 2, 1, 1, "
            "'2026-11-01T00:00:00.000000Z')"
        )
        connection.execute("INSERT INTO comparison_text (pk, prompt) VALUES (1, '\"hi\"')")
        connection.execute(
            "INSERT INTO comparison_decision (pk, id, comparison_pk, reviewer, preference, "
            "edited, reasons, decided_at, form_version) VALUES (1, 'd-1', 1, 'ann', 'a', 0, '[]', "
            "'2026-11-02T00:00:00.000000Z', 3)"
        )
        connection.execute(
            "INSERT INTO comparison_decision_text (pk, comment, answers) VALUES "
            '(1, \'ok\', \'{"quality": "great", "confidence": 2, "topics": ["billing"], '
            '"tags": []}\')'
        )
    with Store.open(path) as store, store.engine.connect() as connection:
        [decision] = load_comparison_decisions(connection, "cmp-1")
    assert decision.comment == "ok" and decision.form_version == 3
    assert decision.answers == {
        "quality": "great",
        "confidence": 2,
        "topics": ("billing",),
        "tags": (),
    }
    with sqlite3.connect(path) as connection:
        columns = [
            row[1] for row in connection.execute("PRAGMA table_info(comparison_decision_text)")
        ]
    assert columns == ["pk", "edited_output", "comment"]
