"""Speed of the statistics and the HTML report on a store of 1,000,000 decisions.

    .venv/bin/python tests/benchmarks/bench_stats.py [--decisions 1000000] [--workdir /tmp/rd-bench-stats]

The store is built once (raw sqlite3 executemany into the tables a migrated store has, the way
`Store.bulk_writer` writes them; the store's triggers keep its tallies as the rows go in) and
cached in the work directory; delete it to rebuild. A cached store from an older release is
upgraded when opened (its tallies counted once), which the first run pays for.

Figures, each the median of a few runs after one warm-up:
- baseline: the single raw GROUP BY (labels joined to their generations, counted by model and
  verdict) over the same rows, through sqlite3;
- every statistic `compute_overview` gathers (groupings, comparisons, calibration, agreement,
  throughput, routing, edit severity), alone and in total, as a ratio to the baseline;
- the HTML report, written to the work directory.
Targets: all statistics under 1 s, the report under 3 s.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORDS = (
    "refund policy order blender customer warranty receipt shipping days store credit account "
    "replacement damaged parcel courier invoice manager support request tracking delivery label "
    "exchange voucher return window original packaging photo serial number purchase"
).split()
MODELS = {  # name: (acceptance offset, input tokens, output tokens)
    "gpt-4o": (0.08, 900, 260),
    "gpt-4o-mini": (0.02, 900, 240),
    "claude-3-5-haiku": (0.0, 880, 250),
    "llama-3.1-70b": (-0.10, 910, 300),
}
TEMPLATES = {
    "refund-policy": ("support.refund", "support", ("v6", "v7", "v8")),
    "shipping-status": ("support.shipping", "support", ("v2", "v3")),
    "sql-assistant": ("analytics.sql", "analytics", ("v11", "v12")),
    "summarise-ticket": ("support.summary", "support", ("v1", "v2")),
}
VALIDATORS = [
    ("pii", "email"),
    ("pii", "phone"),
    ("toxicity", "insult"),
    ("schema", "invalid_json"),
    ("hallucination", "unsupported_claim"),
]
REASONS = ["factual_error", "unsafe", "pii_leak", "policy_violation", "off_topic", "format_error"]
REVIEWERS = [f"reviewer{number:02d}" for number in range(25)]
START = datetime(2026, 8, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_store(path: Path, decisions: int) -> None:
    """A store with about `decisions` decisions on 0.85 as many generations."""
    from reviewdesk.store import Store

    building = path.with_suffix(".building")
    for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        leftover.unlink(missing_ok=True)
    Store.open(building).close()
    rng = random.Random(11)
    outputs = [" ".join(rng.choices(WORDS, k=90)) for _ in range(500)]
    edits = [text.replace(" the ", " a ", 3)[: len(text) - rng.randint(5, 60)] for text in outputs]
    connection = sqlite3.connect(building, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN IMMEDIATE")
    generations: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []
    flags: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    edited: list[tuple[Any, ...]] = []

    def flush() -> None:
        connection.executemany(
            "INSERT INTO generation (pk, id, queue, model, prompt_template, prompt_version, route, "
            "risk, top_severity, flag_count, latency_ms, input_tokens, output_tokens, cost_usd, "
            "created_at, imported_at, required_reviews, review_count) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            generations,
        )
        connection.executemany(
            "INSERT INTO generation_text (pk, prompt, output, usage, trace_id, extra) "
            "VALUES (?, ?, ?, NULL, NULL, NULL)",
            texts,
        )
        connection.executemany(
            "INSERT INTO flag (generation_pk, position, validator, code, severity, message, score, "
            "span_start, span_end) VALUES (?, ?, ?, ?, ?, '', NULL, NULL, NULL)",
            flags,
        )
        connection.executemany(
            "INSERT INTO decision (pk, id, generation_pk, reviewer, verdict, reasons, duration_ms, "
            "decided_at, supersedes, session_id, lease_id, lease_epoch, device_id, current) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?)",
            rows,
        )
        connection.executemany(
            "INSERT INTO decision_text (pk, edited_output, comment) VALUES (?, ?, NULL)", edited
        )
        for batch in (generations, texts, flags, rows, edited):
            batch.clear()

    models = list(MODELS)
    templates = list(TEMPLATES)
    decision_pk = 0
    pk = 0
    while decision_pk < decisions:
        pk += 1
        model = rng.choice(models)
        template = rng.choice(templates)
        route, queue, versions = TEMPLATES[template]
        version_index = rng.randrange(len(versions))
        base_in, base_out = MODELS[model][1], MODELS[model][2]
        input_tokens = base_in + rng.randint(-200, 200)
        output_tokens = base_out + rng.randint(-80, 80)
        item_flags = rng.sample(VALIDATORS, k=rng.choice((0, 1, 1, 1, 2, 3)))
        severities = [rng.randint(1, 4) for _ in item_flags]
        created = START + timedelta(seconds=rng.randint(0, 90 * 86400))
        draw = rng.random()
        reviewers = [] if draw < 0.04 else rng.sample(REVIEWERS, 2 if draw < 0.10 else 1)
        generations.append(
            (
                pk,
                f"gen-{pk:08d}",
                queue,
                model,
                template,
                versions[version_index],
                route,
                round(rng.random(), 4),
                max(severities, default=0),
                len(item_flags),
                rng.randint(300, 9000),
                input_tokens,
                output_tokens,
                round(input_tokens * 2e-6 + output_tokens * 8e-6, 6),
                stamp(created),
                stamp(created),
                len(reviewers) or 1,
                len(reviewers),
            )
        )
        output = outputs[pk % len(outputs)]
        texts.append((pk, f'"question {pk}"', output))
        for position, ((validator, code), severity) in enumerate(
            zip(item_flags, severities, strict=True)
        ):
            flags.append((pk, position, validator, code, severity))
        acceptance = 0.72 + MODELS[model][0] + 0.05 * version_index - 0.04 * len(item_flags)
        for reviewer in reviewers:
            moment = created + timedelta(seconds=rng.randint(600, 86400))
            for attempt in range(2 if rng.random() < 0.03 else 1):
                decision_pk += 1
                draw = rng.random()
                verdict = (
                    "reject"
                    if draw > acceptance
                    else "edit"
                    if draw > acceptance - 0.15
                    else "approve"
                )
                reasons = (
                    '["' + '", "'.join(rng.sample(REASONS, rng.choice((1, 1, 2)))) + '"]'
                    if verdict == "reject"
                    else "[]"
                )
                rows.append(
                    (
                        decision_pk,
                        f"dec-{decision_pk:09d}",
                        pk,
                        reviewer,
                        verdict,
                        reasons,
                        int(rng.lognormvariate(9.9, 0.6)),
                        stamp(moment + timedelta(minutes=attempt)),
                        None if attempt == 0 else f"dec-{decision_pk - 1:09d}",
                        True,
                    )
                )
                if attempt == 1:  # the first decision is no longer this reviewer's current one
                    previous = rows[-2]
                    rows[-2] = (*previous[:-1], False)
                if verdict == "edit":
                    edited.append((decision_pk, edits[pk % len(edits)]))
        if len(generations) >= 5000:
            flush()
    flush()
    connection.execute("COMMIT")
    connection.close()
    building.replace(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)


def timed(function: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    function()  # warm the page cache and the statement caches
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def baseline(path: Path) -> Callable[[], Any]:
    def run() -> Any:
        connection = sqlite3.connect(path)
        try:
            return connection.execute(
                "SELECT g.model, d.verdict, count(*) FROM decision d "
                "JOIN generation g ON g.pk = d.generation_pk WHERE d.current "
                "GROUP BY g.model, d.verdict"
            ).fetchall()
        finally:
            connection.close()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rd-bench-stats"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"stats-{args.decisions}.sqlite"
    if not path.exists():
        print(f"building {path} ...", flush=True)
        started = time.perf_counter()
        build_store(path, args.decisions)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)

    from reviewdesk.stats import bench_parts, write_report
    from reviewdesk.store import Resolution, Store

    with Store.open(path) as store:
        engine = store.engine
        counts = store.counts()
        print(f"store: {counts.decisions:,} decisions on {counts.generations:,} generations")
        base, _ = timed(baseline(path))
        print(f"baseline: raw GROUP BY (model, verdict) over the labels: {base * 1000:.0f} ms")
        total = 0.0
        for name, part in bench_parts(engine, Resolution.LATEST).items():
            seconds, _ = timed(part)
            total += seconds
            print(f"  {name:<36} {seconds * 1000:7.0f} ms  {seconds / base:5.2f}x")
        print(
            f"all statistics (sum of parts): {total * 1000:.0f} ms = {total / base:.2f}x baseline"
        )

        from reviewdesk.stats import compute_overview

        overview_s, _ = timed(lambda: compute_overview(engine, Resolution.LATEST))
        print(
            f"compute_overview (one call): {overview_s * 1000:.0f} ms = {overview_s / base:.2f}x "
            f"baseline (target < 1000 ms)"
        )
        out = args.workdir / "report.html"
        report_s, _ = timed(lambda: write_report(engine, out), runs=1)
        print(
            f"HTML report: {report_s * 1000:.0f} ms, {out.stat().st_size / 1024:.0f} KB "
            f"(target < 3000 ms)"
        )


if __name__ == "__main__":
    main()
