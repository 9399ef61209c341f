"""A store filled at random: items with and without flags, labels, changes of mind."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain import DecisionDraft, Generation
from reviewdesk.store import Store
from tests.helpers.records import decision, record

REVIEWERS = ("alice", "bob", "carol")
MODELS = ("gpt-4o", "gpt-4o-mini", "llama")
FLAGS = (("pii", "email"), ("pii", "phone"), ("toxicity", "insult"), ("schema", "invalid_json"))
SEVERITIES = ("info", "warning", "error", "critical")
REASONS = (["pii_leak"], ["factual_error", "unsafe"], ["off_topic"])


def random_generation(rng: random.Random, number: int) -> Generation:
    output = f"Answer number {number}: you can return it within 30 days."
    flags = [
        {"validator": validator, "code": code, "severity": rng.choice(SEVERITIES), "message": ""}
        for validator, code in rng.sample(FLAGS, rng.choice((0, 1, 2, 3)))
    ]
    if flags and rng.random() < 0.3:  # a second span of the same code
        flags.append({**flags[0], "severity": rng.choice(SEVERITIES)})
    fields: dict[str, Any] = {
        "output": output,
        "flags": flags,
        "model": rng.choice(MODELS),
        "prompt_version": rng.choice(("v1", "v2", None)),
        "route": rng.choice(("support.refund", None)),
        "queue": rng.choice(("support", None)),
        "latency_ms": rng.choice((None, rng.randint(100, 4000))),
        "usage": rng.choice(
            (None, {"input_tokens": rng.randint(100, 900), "output_tokens": 50, "cost_usd": 0.002})
        ),
    }
    return Generation.model_validate(record(number, **fields))


def random_draft(rng: random.Random, reviewer: str, moment: datetime) -> DecisionDraft:
    verdict = rng.choice(("approve", "approve", "edit", "reject"))
    fields: dict[str, Any] = {
        "decided_at": moment.isoformat(),
        "duration_ms": rng.choice((None, rng.randint(0, 90_000), 5_000_000)),
    }
    if verdict == "reject":
        fields["reasons"] = rng.choice(REASONS)
    return DecisionDraft.model_validate(decision(reviewer, verdict, **fields))


def random_items(
    rng: random.Random, start: datetime, count: int = 60
) -> list[tuple[Generation, tuple[DecisionDraft, ...]]]:
    """`count` items, each with none to three decisions (a reviewer may decide twice)."""
    return [
        (
            random_generation(rng, number),
            tuple(
                random_draft(
                    rng,
                    rng.choice(REVIEWERS),
                    start + timedelta(days=rng.randint(0, 20), hours=step),
                )
                for step in range(rng.choice((0, 1, 1, 2, 3)))
            ),
        )
        for number in range(1, count + 1)
    ]


def fill_random_store(store: Store, rng: random.Random, start: datetime, count: int = 60) -> None:
    """Import `random_items` into `store` in one bulk write."""
    with store.bulk_writer() as writer:
        writer.add(random_items(rng, start, count))
