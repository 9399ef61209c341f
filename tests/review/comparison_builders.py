"""Comparisons built in code, and stores holding them, for the comparison session and desk tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reviewdesk.domain import Comparison, ComparisonDecisionDraft
from reviewdesk.store import Store


def comparison(number: int, **fields: Any) -> Comparison:
    """A comparison whose risk falls with `number` (1 comes first); candidate `a` is from
    m-small and says "short answer N", `b` from m-large and says "long answer N"."""
    output_a = f"Short answer {number}: mail help{number}@shop.example for a refund."
    email = f"help{number}@shop.example"
    values: dict[str, Any] = {
        "id": f"cmp-{number:04d}",
        "prompt": [
            {"role": "system", "content": "You answer refund questions."},
            {"role": "user", "content": f"Can I get a refund for order {number}?"},
        ],
        "queue": "prefs",
        "risk": round(1.0 - number / 1000, 3),
        "candidates": [
            {
                "output": output_a,
                "model": "m-small",
                "prompt_version": "v2",
                "flags": [
                    {
                        "validator": "pii",
                        "code": "email",
                        "severity": "error",
                        "message": "e-mail address in output",
                        "span": [output_a.index(email), output_a.index(email) + len(email)],
                    }
                ],
            },
            {
                "output": f"Long answer {number}: yes, a refund is possible within 30 days "
                "of delivery; open the order page and press Refund.",
                "model": "m-large",
                "prompt_version": "v2",
            },
        ],
    }
    values.update(fields)
    return Comparison.model_validate(values)


def fill_comparisons(
    store: Store,
    comparisons: Sequence[Comparison],
    decisions: Sequence[Sequence[ComparisonDecisionDraft]] = (),
) -> Store:
    with store.bulk_writer() as writer:
        writer.add_comparisons(
            [
                (item, tuple(decisions[index]) if index < len(decisions) else ())
                for index, item in enumerate(comparisons)
            ]
        )
    return store


def make_comparison_store(path: Path, count: int = 5, **fields: Any) -> Path:
    """A store file at `path` holding `count` comparisons."""
    with Store.open(path) as store:
        fill_comparisons(store, [comparison(number, **fields) for number in range(1, count + 1)])
    return path
