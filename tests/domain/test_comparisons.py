"""The comparison record: candidates, ids, decisions and how several decisions resolve."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reviewdesk.domain import Comparison, ComparisonDecisionDraft, Preference, resolve_preference


def _comparison(**fields: object) -> Comparison:
    return Comparison.model_validate(
        {
            "id": "cmp-1",
            "prompt": "p",
            "candidates": [{"output": "A", "model": "m1"}, {"output": "B", "model": "m2"}],
            **fields,
        }
    )


def test_candidate_ids_are_derived_unless_given_and_unknown_keys_kept() -> None:
    comparison = _comparison(source="sheet-3")
    assert [c.id for c in comparison.candidates] == ["cmp-1/a", "cmp-1/b"]
    assert comparison.metadata == {"source": "sheet-3"}
    given = _comparison(
        candidates=[{"id": "g-9", "output": "A", "model": "m"}, {"output": "B", "model": "m"}]
    )
    assert [c.id for c in given.candidates] == ["g-9", "cmp-1/b"]


def test_three_candidates_are_refused_for_now_and_errors_name_the_path() -> None:
    with pytest.raises(ValidationError, match="exactly 2 candidates in this release, got 3"):
        _comparison(candidates=[{"output": x, "model": "m"} for x in "ABC"])
    with pytest.raises(ValidationError) as caught:
        _comparison(candidates=[{"output": "A", "model": "m"}, {"output": "B"}])
    assert caught.value.errors()[0]["loc"] == ("candidates", 1, "model")
    with pytest.raises(ValidationError, match="another candidate"):
        _comparison(
            candidates=[
                {"id": "x", "output": "A", "model": "m"},
                {"id": "x", "output": "B", "model": "m"},
            ]
        )


def test_a_decision_names_a_position_and_its_id_is_stable() -> None:
    draft = ComparisonDecisionDraft.model_validate(
        {"reviewer": "r", "preference": "b", "decided_at": "2026-11-21T09:00:00Z"}
    )
    first, again = draft.to_decision(_comparison().id), draft.to_decision(_comparison().id)
    assert first.id == again.id
    assert first.winner == 1
    assert Preference.TIE.position is None


@pytest.mark.parametrize(
    ("labels", "adjudicators", "resolved"),
    [
        ([("r1", Preference.A)], (), Preference.A),
        ([("r1", Preference.A), ("r2", Preference.B), ("r3", Preference.B)], (), Preference.B),
        ([("r1", Preference.A), ("r2", Preference.B)], (), None),
        ([("lead", Preference.A), ("r2", Preference.B)], ("lead",), Preference.A),
        (
            [("r1", Preference.TIE), ("r2", Preference.TIE), ("r3", Preference.A)],
            (),
            Preference.TIE,
        ),
        ([], (), None),
    ],
)
def test_the_resolved_preference_is_the_majority_a_tie_settled_by_an_adjudicator(
    labels: list[tuple[str, Preference]], adjudicators: tuple[str, ...], resolved: Preference | None
) -> None:
    assert resolve_preference(labels, adjudicators) is resolved
