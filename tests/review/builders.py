"""Generations built in code, and small stores made of them, for the desk and session tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewdesk.domain import Flag, Generation, GenerationId, Message, Role, Severity, Usage
from reviewdesk.store import Store


def generation(number: int, **fields: Any) -> Generation:
    """A flagged chat generation; risk falls with `number`, so 1 is reviewed first."""
    output = fields.pop("output", f"Answer {number}: write to help{number}@shop.example today.")
    email = f"help{number}@shop.example"
    flags = fields.pop(
        "flags",
        (
            Flag(
                validator="pii",
                code="email",
                severity=Severity.ERROR,
                message="e-mail address in output",
                score=0.97,
                span=(output.index(email), output.index(email) + len(email)),
            ),
        )
        if email in output
        else (),
    )
    values: dict[str, Any] = {
        "id": GenerationId(f"gen-{number:04d}"),
        "prompt": (
            Message(role=Role.SYSTEM, content="You answer refund questions."),
            Message(role=Role.USER, content=f"Question {number}?"),
        ),
        "output": output,
        "model": "gpt-4o-mini",
        "prompt_template": "refund-policy",
        "prompt_version": "v7",
        "route": "support.refund",
        "risk": round(1.0 - number / 1000, 3),
        "flags": flags,
        "usage": Usage(input_tokens=800, output_tokens=120),
        "latency_ms": 1200,
        "trace_id": f"trc_{number}",
        "queue": "support",
        "created_at": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    }
    values.update(fields)
    return Generation(**values)


def fill(store: Store, generations: Sequence[Generation]) -> Store:
    with store.bulk_writer() as writer:
        writer.add([(item, ()) for item in generations])
    return store


def make_store(path: Path, count: int = 5, **fields: Any) -> Path:
    """A store file at `path` holding `count` generations."""
    with Store.open(path) as store:
        fill(store, [generation(number, **fields) for number in range(1, count + 1)])
    return path
