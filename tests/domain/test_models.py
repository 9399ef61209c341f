from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from reviewdesk.domain import (
    Decision,
    DecisionDraft,
    Generation,
    GenerationId,
    Message,
    Role,
    Severity,
    Verdict,
    new_decision_id,
    utc_now,
)
from tests.helpers.records import record


def _locs(error: ValidationError) -> list[tuple[object, ...]]:
    return [tuple(detail["loc"]) for detail in error.errors()]


def test_a_canonical_record_becomes_a_generation() -> None:
    generation = Generation.model_validate(record(7))
    assert generation.id == "gen-000007"
    assert generation.prompt[0] == Message(
        role=Role.SYSTEM, content="You answer refund questions for Shop."
    )
    assert generation.flags[0].severity is Severity.ERROR
    assert generation.top_severity is Severity.ERROR
    assert generation.created_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert generation.template_version == "refund-policy@v7"


def test_only_id_prompt_output_and_model_are_required() -> None:
    generation = Generation.model_validate(
        {"id": "x", "prompt": "Say hi", "output": "hi", "model": "m"}
    )
    assert generation.flags == ()
    assert generation.risk is None
    assert generation.top_severity is None
    with pytest.raises(ValidationError) as caught:
        Generation.model_validate({"prompt": "Say hi"})
    assert set(_locs(caught.value)) == {("id",), ("output",), ("model",)}


def test_unknown_keys_are_kept_in_metadata() -> None:
    generation = Generation.model_validate(
        record(metadata={"tenant": "acme"}, experiment="b", shard=3)
    )
    assert generation.metadata == {"tenant": "acme", "experiment": "b", "shard": 3}


def test_an_unknown_key_that_clashes_with_metadata_is_an_error_not_a_silent_overwrite() -> None:
    with pytest.raises(ValidationError, match="tenant"):
        Generation.model_validate(record(metadata={"tenant": "acme"}, tenant="other"))


def test_a_span_outside_the_output_names_the_flag() -> None:
    raw = record(output="x" * 120)
    raw["flags"][0]["span"] = [90, 140]
    with pytest.raises(ValidationError) as caught:
        Generation.model_validate(raw)
    [detail] = caught.value.errors()
    assert detail["loc"] == ("flags", 0, "span")
    assert detail["msg"] == "[90, 140] is outside the output (length 120)"


def test_a_reversed_span_is_refused() -> None:
    raw = record()
    raw["flags"][0]["span"] = [10, 5]
    with pytest.raises(ValidationError) as caught:
        Generation.model_validate(raw)
    assert _locs(caught.value) == [("flags", 0, "span")]


def test_spans_count_code_points_not_bytes() -> None:
    output = "Résumé 🎉 mail: a@b.c"
    start = output.index("a@b.c")
    raw = record(
        output=output,
        flags=[
            {"validator": "pii", "code": "email", "severity": "error", "span": [start, start + 5]}
        ],
    )
    generation = Generation.model_validate(raw)
    assert generation.flags[0].span is not None
    assert generation.output[slice(*generation.flags[0].span)] == "a@b.c"


@pytest.mark.parametrize("risk", [-0.01, 1.01, float("nan")])
def test_risk_must_lie_in_0_to_1(risk: float) -> None:
    with pytest.raises(ValidationError) as caught:
        Generation.model_validate(record(risk=risk))
    assert _locs(caught.value) == [("risk",)]


def test_severity_is_ordered_info_to_critical() -> None:
    ranks = [
        severity.rank
        for severity in (Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.CRITICAL)
    ]
    assert ranks == sorted(ranks)
    assert Severity.from_rank(4) is Severity.CRITICAL
    assert Severity.from_rank(0) is None
    generation = Generation.model_validate(
        record(
            flags=[
                {"validator": "tox", "code": "insult", "severity": "warning"},
                {"validator": "pii", "code": "phone", "severity": "critical"},
                {"validator": "schema", "code": "x", "severity": "info"},
            ]
        )
    )
    assert generation.top_severity is Severity.CRITICAL


def test_a_chat_prompt_needs_a_message_and_known_roles() -> None:
    with pytest.raises(ValidationError):
        Generation.model_validate(record(prompt=[]))
    with pytest.raises(ValidationError):
        Generation.model_validate(record(prompt=[{"role": "bot", "content": "hi"}]))


def test_naive_and_offset_times_are_kept_as_utc() -> None:
    naive = Generation.model_validate(record(created_at="2026-11-20T10:00:00"))
    offset = Generation.model_validate(record(created_at="2026-11-20T11:00:00+01:00"))
    assert naive.created_at == offset.created_at
    assert offset.created_at is not None and offset.created_at.utcoffset() == timedelta(0)


def test_generations_are_frozen() -> None:
    generation = Generation.model_validate(record())
    with pytest.raises(ValidationError):
        generation.output = "changed"  # type: ignore[misc]  # the error checked at run time


def _decision(**fields: object) -> Decision:
    base: dict[str, object] = {
        "id": new_decision_id(),
        "generation_id": "gen-1",
        "reviewer": "alice",
        "verdict": "approve",
        "decided_at": utc_now(),
    }
    base.update(fields)
    return Decision.model_validate(base)


def test_an_edit_needs_edited_output_and_only_an_edit_may_have_it() -> None:
    assert _decision(verdict="edit", edited_output="better").edited_output == "better"
    with pytest.raises(ValidationError, match="an edit needs edited_output"):
        _decision(verdict="edit")
    with pytest.raises(ValidationError, match="only allowed for edit"):
        _decision(verdict="approve", edited_output="better")
    with pytest.raises(ValidationError, match="only allowed for edit"):
        _decision(verdict="reject", reasons=["tone"], edited_output="better")


def test_a_reject_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="at least one reason"):
        _decision(verdict="reject")
    assert _decision(verdict="reject", reasons=["tone", "tone", "unsafe"]).reasons == (
        "tone",
        "unsafe",
    )


def test_reason_codes_are_slugs() -> None:
    with pytest.raises(ValidationError):
        _decision(verdict="reject", reasons=["Not A Code"])


def test_decision_times_are_utc() -> None:
    decided = datetime(2026, 11, 21, 10, tzinfo=timezone(timedelta(hours=2)))
    assert _decision(decided_at=decided).decided_at == datetime(2026, 11, 21, 8, tzinfo=UTC)


def test_a_draft_without_id_gets_the_same_id_every_time() -> None:
    draft = DecisionDraft(
        reviewer="alice", verdict=Verdict.APPROVE, decided_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    first = draft.to_decision(GenerationId("gen-1"))
    again = draft.to_decision(GenerationId("gen-1"))
    other = draft.to_decision(GenerationId("gen-2"))
    assert first.id == again.id != other.id
    assert first.generation_id == "gen-1"
