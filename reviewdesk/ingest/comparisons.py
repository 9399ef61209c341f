"""Turning one raw record with `candidates` into a comparison and its decisions.

Errors name the file, the line and the field path, as for items:
`pairs.json:17: candidates[1].output: expected text, got the boolean true`. A candidate's
output must be text: a JSON `true`, a number or an object is refused (never turned into text),
since a preference between a text and a value no reviewer saw as text is no preference.

A decision's `answers` (to the queue's review form) are checked by the importer once the
record reads (`reviewdesk.ingest.answers.checked_comparison_answers`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reviewdesk.domain import Comparison, ComparisonDecisionDraft, ComparisonRecord
from reviewdesk.ingest.records import RecordError, _errors, json_kind

__all__ = ["to_comparison_record"]

_DRAFTS = TypeAdapter(tuple[ComparisonDecisionDraft, ...])


def to_comparison_record(
    path: Path, line: int, raw: dict[str, Any]
) -> ComparisonRecord | list[RecordError]:
    """Validate one raw comparison record; the record, or every error found in it."""
    decisions = raw.pop("decisions", None)
    errors: list[RecordError] = []
    candidates = raw.get("candidates")
    if not isinstance(candidates, list):
        return [
            RecordError(
                path,
                line,
                "candidates",
                f"expected a list of candidates, got {json_kind(candidates)}",
            )
        ]
    comparison: Comparison | None = None
    try:
        comparison = Comparison.model_validate(raw)
    except ValidationError as error:
        errors.extend(_errors(path, line, error))
    drafts: tuple[ComparisonDecisionDraft, ...] = ()
    if decisions is not None:
        if isinstance(decisions, list):
            for position, decision in enumerate(decisions):
                if isinstance(decision, dict) and "verdict" in decision:
                    errors.append(
                        RecordError(
                            path,
                            line,
                            f"decisions[{position}].verdict",
                            "a comparison's decision has a preference (a, b, tie or both_bad), "
                            "not a verdict",
                        )
                    )
        try:
            drafts = _DRAFTS.validate_python(decisions)
        except ValidationError as error:
            errors.extend(_errors(path, line, error, ("decisions",)))
    if errors or comparison is None:
        return errors
    return comparison, drafts
