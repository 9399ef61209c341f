"""The statistics read the running tallies (migration 0013) for the latest policy, and their
counting passes use the indexes made for them (migration 0004) for the other policies, with or
without the planner statistics ANALYZE gathers (a store fresh from an import has none)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from reviewdesk.stats import compute_overview
from reviewdesk.store import Resolution, Store
from tests.stats.conftest import StoreBuilder, d


def _plans(store: Store, policy: Resolution) -> list[str]:
    statements: list[tuple[str, Any]] = []

    def capture(
        _c: Connection, _cursor: object, statement: str, params: object, *_: object
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        compute_overview(store.engine, policy)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    with store.engine.connect() as connection:
        return [
            " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )
            for sql, params in statements
        ]


def _fill(builder: StoreBuilder, store: Store, analyzed: bool) -> None:
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


@pytest.mark.parametrize("analyzed", [False, True])
def test_the_latest_policy_reads_the_tallies(
    builder: StoreBuilder, store: Store, analyzed: bool
) -> None:
    _fill(builder, store, analyzed)
    plans = _plans(store, Resolution.LATEST)
    tables = (
        "label",
        "flag_label",
        "flagged",
        "pace",
        "usage",
        "agreement",
        "item_labels",
        "reject_reasons",
    )
    for table in tables:
        assert any(f"tally_{table}" in plan for plan in plans), table
    # The disputed items come newest first from their partial index.
    assert "ix_tally_item_labels_disputed" in " || ".join(plans)
    # What is left reads a sample of the edits (through the partial index that holds just the
    # edits) and the few items it shows, by key.
    rest = " || ".join(plan for plan in plans if "tally_" not in plan)
    scanned = re.findall(r"SCAN (?!sampled )\w+(?: USING (?:COVERING )?INDEX (\w+))?", rest)
    assert set(scanned) == {"ix_decision_edit"}, rest


@pytest.mark.parametrize("analyzed", [False, True])
def test_the_counting_passes_use_their_indexes(
    builder: StoreBuilder, store: Store, analyzed: bool
) -> None:
    _fill(builder, store, analyzed)
    plans = " || ".join(_plans(store, Resolution.MAJORITY))
    # The labels are counted (the tallies hold the latest policy's); pace, items and flags are
    # not labels, so their tallies serve every policy.
    for table in ("tally_label", "tally_flag_label", "tally_reject_reasons"):
        assert table not in plans
    assert "tally_pace" in plans
    assert "ix_flag_item_code (generation_pk=? AND validator=? AND code=?)" in plans
