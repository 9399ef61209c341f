"""Speed of the per-question statistics (review forms) on a store of answered items.

    .venv/bin/python tests/benchmarks/bench_question_stats.py [--items 20000] [--workdir DIR]

The store is imported once from canonical JSONL (a form with a choice and a rating question;
every item answered by one reviewer, every tenth by a second one as agreement sampling) and
cached in the work directory; delete it to rebuild.

Figures, each the median of five runs after one warm-up, as ratios to a baseline measured in the
same run: the raw GROUP BY of the choice question's answers (sqlite3, `decision_answer` joined
to the current decisions). Beside them, the verdict statistics by model on the same store.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORM = """
[[questions]]
key = "behaviour"
kind = "choice"
options = [{value = "full_compliance"}, {value = "full_refusal"}, {value = "partial_refusal"}]

[[questions]]
key = "helpfulness"
kind = "rating"
min = 1
max = 5
"""
CLASSES = ("full_compliance", "full_refusal", "partial_refusal")


def _decision(rng: random.Random, reviewer: str, minute: int) -> dict[str, Any]:
    return {
        "reviewer": reviewer,
        "verdict": "approve",
        "decided_at": f"2026-11-2{minute % 7 + 1}T09:{minute % 60:02d}:00Z",
        "answers": {"behaviour": rng.choice(CLASSES), "helpfulness": rng.randint(1, 5)},
    }


def build(path: Path, items: int) -> None:
    from reviewdesk.domain import Form
    from reviewdesk.ingest import import_files
    from reviewdesk.store import Store

    rng = random.Random(15)
    data = path.with_suffix(".jsonl")
    with data.open("wb") as handle:
        for number in range(items):
            decisions = [_decision(rng, f"reviewer{number % 7}", number)]
            if number % 10 == 0:
                decisions.append(_decision(rng, "second", number + 1))
            record = {
                "id": f"q{number}",
                "prompt": "p",
                "output": "o",
                "model": ("m-small", "m-large", "m-mid")[number % 3],
                "queue": "xstest",
                "decisions": decisions,
            }
            handle.write(orjson.dumps(record) + b"\n")
    with Store.open(path) as store:
        store.set_form("xstest", Form.from_toml(FORM))
        import_files(store, [data])
    data.unlink()


def median_seconds(function: Callable[[], Any], runs: int = 5) -> float:
    function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rd-bench-questions"))
    options = parser.parse_args()
    options.workdir.mkdir(parents=True, exist_ok=True)
    path = options.workdir / f"questions-{options.items}.sqlite"
    if not path.exists():
        started = time.perf_counter()
        build(path, options.items)
        print(f"built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    from reviewdesk.stats import (
        Unit,
        grouped_stats,
        parse_keys,
        question_agreement,
        question_stats,
    )
    from reviewdesk.store import Resolution, Store

    raw = sqlite3.connect(path)

    def baseline() -> Any:
        return raw.execute(
            "SELECT a.text_value, count(*) FROM decision_answer a "
            "JOIN decision d ON d.pk = a.decision_pk "
            "WHERE a.key = 'behaviour' AND d.current GROUP BY 1"
        ).fetchall()

    with Store.open(path, create=False) as store:
        engine = store.engine
        cases: dict[str, Callable[[], Any]] = {
            "choice, each item once": lambda: question_stats(engine, "behaviour"),
            "choice by model": lambda: question_stats(engine, "behaviour", parse_keys("model")),
            "choice, each reviewer's answer": lambda: question_stats(
                engine, "behaviour", (), Resolution.LATEST, unit=Unit.LABELS
            ),
            "rating (mean, t interval)": lambda: question_stats(engine, "helpfulness"),
            "agreement on the choice": lambda: question_agreement(engine, "behaviour"),
            "verdict statistics by model": lambda: grouped_stats(engine, parse_keys("model")),
        }
        base = median_seconds(baseline)
        print(f"{options.items:,} items; baseline (raw GROUP BY of the answers): {base:.3f} s")
        for name, function in cases.items():
            seconds = median_seconds(function)
            print(f"  {name:32} {seconds:7.3f} s  {seconds / base:5.1f}x")


if __name__ == "__main__":
    main()
