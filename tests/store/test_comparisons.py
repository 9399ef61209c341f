"""Recording one comparison decision at a time: durable, idempotent by id, superseding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewdesk.domain import (
    Comparison,
    ComparisonDecision,
    ComparisonDecisionId,
    ComparisonId,
    Preference,
    ShownOrder,
)
from reviewdesk.errors import DecisionConflictError, UnknownItemError
from reviewdesk.store import Store
from reviewdesk.store.comparisons import (
    add_comparisons,
    comparison_counts,
    load_comparison_decisions,
    load_comparisons,
    record_comparison_decision,
)


def _decision(did: str, preference: Preference, minute: int = 0) -> ComparisonDecision:
    return ComparisonDecision(
        id=ComparisonDecisionId(did),
        comparison_id=ComparisonId("cmp-1"),
        reviewer="ann",
        preference=preference,
        shown_order=ShownOrder.BA,
        decided_at=datetime(2026, 11, 21, 9, minute, tzinfo=UTC),
        duration_ms=1200,
    )


def test_a_decision_is_recorded_once_supersedes_and_a_reused_id_is_refused(
    store: Store, tmp_path: Path
) -> None:
    comparison = Comparison.model_validate(
        {
            "id": "cmp-1",
            "prompt": [{"role": "user", "content": "hi"}],
            "queue": "prefs",
            "risk": 0.4,
            "candidates": [{"output": "A", "model": "m1"}, {"output": "B", "model": "m2"}],
        }
    )
    with store.writing() as connection:
        add_comparisons(connection, [(comparison, ())], imported_at="2026-11-21T08:00:00.000000Z")
    first = record_comparison_decision(store, _decision("d1", Preference.A))
    assert record_comparison_decision(store, _decision("d1", Preference.A)) == first
    with pytest.raises(DecisionConflictError, match="d1 is already stored"):
        record_comparison_decision(store, _decision("d1", Preference.B))
    second = record_comparison_decision(store, _decision("d2", Preference.TIE, 5))
    assert second.supersedes == "d1"
    with pytest.raises(UnknownItemError, match="no comparison cmp-2"):
        record_comparison_decision(
            store, _decision("d3", Preference.A).model_copy(update={"comparison_id": "cmp-2"})
        )
    with store.engine.connect() as connection:
        assert [d.id for d in load_comparison_decisions(connection, "cmp-1")] == ["d1", "d2"]
        assert load_comparisons(connection, ["cmp-1", "nope"]) == {"cmp-1": comparison}
    with store.reading() as connection:
        assert comparison_counts(connection) == {
            "comparisons": 1,
            "pending_comparisons": 0,
            "comparison_decisions": 2,
        }
