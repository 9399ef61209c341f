"""The statistics passes use the indexes made for them (migration 0004), with or without the
planner statistics ANALYZE gathers (a store fresh from an import has none)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from reviewdesk.stats import compute_overview
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d


def _plans(store: Store) -> list[str]:
    statements: list[tuple[str, object]] = []

    def capture(
        _c: Connection, _cursor: object, statement: str, params: object, *_: object
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        compute_overview(store.engine)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    with store.engine.connect() as connection:
        return [
            " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )  # type: ignore[arg-type]
            for sql, params in statements
        ]


@pytest.mark.parametrize("analyzed", [False, True])
def test_the_passes_use_their_indexes(builder: StoreBuilder, store: Store, analyzed: bool) -> None:
    flag = {"validator": "pii", "code": "email", "severity": "error"}
    builder.add(
        [
            builder.item(d("alice", "edit", edited_output="x"), d("bob", "approve"), flags=[flag])
            for _ in range(30)
        ]
        + [builder.item(d("alice", "reject")) for _ in range(30)]
    )
    if analyzed:
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    plans = " || ".join(_plans(store))
    assert "COVERING INDEX ix_decision_pace" in plans
    assert "ix_flag_item_code (generation_pk=? AND validator=? AND code=?)" in plans
    assert "ix_generation_multi_review" in plans
