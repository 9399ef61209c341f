"""Canonical import records for tests, written as a producer would send them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


def record(number: int = 1, **fields: Any) -> dict[str, Any]:
    """A valid canonical record; `fields` override or add keys."""
    output = f"Yes, you can return the blender within 30 days. Write to help{number}@shop.example."
    email = f"help{number}@shop.example"
    start = output.index(email)
    base: dict[str, Any] = {
        "id": f"gen-{number:06d}",
        "prompt": [
            {"role": "system", "content": "You answer refund questions for Shop."},
            {"role": "user", "content": f"Can I return the blender I bought {number} days ago?"},
        ],
        "output": output,
        "model": "gpt-4o-mini",
        "prompt_template": "refund-policy",
        "prompt_version": "v7",
        "route": "support.refund",
        "risk": round((number * 37 % 100) / 100, 2),
        "flags": [
            {
                "validator": "pii",
                "code": "email",
                "severity": "error",
                "message": "e-mail address in output",
                "score": 0.97,
                "span": [start, start + len(email)],
            }
        ],
        "usage": {"input_tokens": 812, "output_tokens": 240, "cost_usd": 0.0031},
        "latency_ms": 1930,
        "trace_id": f"trc_{number}",
        "queue": "support",
        "created_at": "2026-11-20T10:00:00Z",
        "metadata": {},
    }
    base.update(fields)
    return base


def decision(reviewer: str = "alice", verdict: str = "approve", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "reviewer": reviewer,
        "verdict": verdict,
        "decided_at": "2026-11-21T09:00:00Z",
        "duration_ms": 12000,
    }
    if verdict == "reject":
        base["reasons"] = ["pii_leak"]
    if verdict == "edit":
        base["edited_output"] = "Yes, you can return the blender within 30 days."
    base.update(fields)
    return base


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in records))
    return path
