"""Whatever a producer may send, import then read back gives the same generation."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewdesk.domain import Generation
from reviewdesk.ingest import import_files
from reviewdesk.store import Store

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)
name = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20
)
json_scalar = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(name, inner, max_size=3),
    max_leaves=8,
)
times = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
    ),
)
counter = itertools.count()


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    output = draw(text)
    flags = []
    for _ in range(draw(st.integers(0, 3))):
        flag: dict[str, Any] = {
            "validator": draw(name),
            "code": draw(name),
            "severity": draw(st.sampled_from(["info", "warning", "error", "critical"])),
            "message": draw(text),
        }
        if draw(st.booleans()):
            flag["score"] = draw(st.floats(0, 1))
        if draw(st.booleans()):
            start = draw(st.integers(0, len(output)))
            flag["span"] = [start, draw(st.integers(start, len(output)))]
        flags.append(flag)
    prompt: Any = draw(
        text
        | st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["system", "user", "assistant", "tool"]), "content": text}
            ),
            min_size=1,
            max_size=4,
        )
    )
    record: dict[str, Any] = {
        "id": f"{draw(name)}-{next(counter)}",
        "prompt": prompt,
        "output": output,
        "model": draw(name),
        "flags": flags,
    }
    optional = {
        "prompt_template": name,
        "prompt_version": name,
        "route": name,
        "queue": name,
        "trace_id": name,
        "risk": st.floats(0, 1),
        "latency_ms": st.integers(0, 10**7),
        "created_at": times.map(datetime.isoformat),
        "usage": st.fixed_dictionaries(
            {},
            optional={
                "input_tokens": st.integers(0, 10**6),
                "output_tokens": st.integers(0, 10**6),
                "cost_usd": st.floats(0, 100),
            },
        ),
        "metadata": st.dictionaries(name, json_value, max_size=3),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            record[key] = draw(strategy)
    return record


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow
@given(batch=st.lists(records(), min_size=1, max_size=5))
def test_imported_records_read_back_unchanged(tmp_path: Path, batch: list[dict[str, Any]]) -> None:
    path = tmp_path / f"in-{next(counter)}.jsonl"
    path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in batch))
    with Store.open(tmp_path / "store.sqlite") as store:
        report = import_files(store, [path])
        assert report.imported == len(batch)
        for item in batch:
            assert store.get(item["id"]) == Generation.model_validate(item)
