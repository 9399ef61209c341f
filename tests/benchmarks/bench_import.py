"""Import speed and the next-pending query, against baselines measured in the same run.

    .venv/bin/python tests/benchmarks/bench_import.py [--records 1000000] [--workdir /tmp/rd-bench]

Import: `reviewdesk import` (validation, duplicate and conflict checks, decisions) against the
simplest honest importer: the json module and sqlite3 executemany into the same tables (same
schema, indexes and pragmas), no validation. Each runs in its own process, so peak memory is its
own. Then the same file through a mapping with a value map and a computed field on every record
(`MAPPED`). Target: both >= 0.6x the baseline's rate, peak memory under 300 MB.

Next pending: `Store.next_pending` on the imported store (every item pending), median and p99,
against the same SQL through raw sqlite3. Target: median < 1 ms, p99 < 5 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

WORDS = (
    "refund policy order blender customer warranty receipt shipping days store credit account "
    "replacement damaged parcel courier invoice manager support request tracking delivery label "
    "exchange voucher return window original packaging photo serial number purchase"
).split()


def make_data(path: Path, records: int) -> None:
    rng = random.Random(7)
    with path.open("wb") as file:
        for number in range(records):
            words = rng.choices(WORDS, k=160)
            output = " ".join(words)
            email = f"agent{number}@shop.example"
            output = f"{output[:500]} Contact {email} for help. {output[500:]}"
            start = output.index(email)
            record = {
                "id": f"gen-{number:08d}",
                "prompt": [
                    {"role": "system", "content": " ".join(rng.choices(WORDS, k=90))},
                    {"role": "user", "content": " ".join(rng.choices(WORDS, k=45))},
                ],
                "output": output,
                "model": rng.choice(["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku"]),
                "prompt_template": "refund-policy",
                "prompt_version": rng.choice(["v6", "v7"]),
                "route": "support.refund",
                "risk": round(rng.random(), 4),
                "flags": [
                    {
                        "validator": "pii",
                        "code": "email",
                        "severity": "error",
                        "message": "e-mail address in output",
                        "score": 0.97,
                        "span": [start, start + len(email)],
                    },
                ],
                "usage": {"input_tokens": 812, "output_tokens": 240, "cost_usd": 0.0031},
                "latency_ms": rng.randint(300, 9000),
                "trace_id": f"trc_{number}",
                "queue": "support",
                "created_at": "2026-11-20T10:00:00Z",
            }
            file.write(orjson.dumps(record) + b"\n")


def baseline_import(data: Path, store: Path) -> int:
    """json + sqlite3 executemany into the same tables, no validation."""
    connection = sqlite3.connect(store, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("BEGIN IMMEDIATE")
    generations: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []
    flags: list[tuple[Any, ...]] = []
    count = 0

    def flush() -> None:
        connection.executemany(
            "INSERT INTO generation (pk, id, queue, model, prompt_template, prompt_version, route, "
            "risk, top_severity, flag_count, latency_ms, input_tokens, output_tokens, cost_usd, "
            "created_at, imported_at, required_reviews, review_count) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)",
            generations,
        )
        connection.executemany(
            "INSERT INTO generation_text (pk, prompt, output, usage, trace_id, extra) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            texts,
        )
        connection.executemany(
            "INSERT INTO flag (generation_pk, position, validator, code, severity, message, score, "
            "span_start, span_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            flags,
        )
        generations.clear()
        texts.clear()
        flags.clear()

    with data.open("rb") as file:
        for line in file:
            record = json.loads(line)
            count += 1
            usage = record["usage"]
            generations.append(
                (
                    count,
                    record["id"],
                    record["queue"],
                    record["model"],
                    record["prompt_template"],
                    record["prompt_version"],
                    record["route"],
                    record["risk"],
                    3,
                    len(record["flags"]),
                    record["latency_ms"],
                    usage["input_tokens"],
                    usage["output_tokens"],
                    usage["cost_usd"],
                    record["created_at"],
                    "now",
                )
            )
            texts.append(
                (
                    count,
                    json.dumps(record["prompt"]),
                    record["output"],
                    json.dumps(usage),
                    record["trace_id"],
                    None,
                )
            )
            for position, flag in enumerate(record["flags"]):
                flags.append(
                    (
                        count,
                        position,
                        flag["validator"],
                        flag["code"],
                        3,
                        flag["message"],
                        flag["score"],
                        *flag["span"],
                    )
                )
            if len(generations) >= 1000:
                flush()
    flush()
    connection.execute("COMMIT")
    connection.close()
    return count


MAPPED = {
    "values": {"prompt_version": {"v6": "six", "v7": "seven"}},
    "computed": {"route": "route ~ '.' ~ model"},
}
"""What the mapped run adds to every record: a value map and a computed field."""


def child(mode: str, data: Path, store: Path) -> None:
    """Run one importer in this process and print its figures as JSON."""
    from reviewdesk.ingest import Mapping, import_files
    from reviewdesk.store import Store

    with Store.open(store):
        pass  # the schema, made before the clock starts for both
    started = time.perf_counter()
    if mode == "baseline":
        count = baseline_import(data, store)
    else:
        mapping = Mapping(**MAPPED) if mode == "mapped" else Mapping()  # type: ignore[arg-type]
        with Store.open(store) as opened:
            count = import_files(opened, [data], mapping=mapping).imported
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": count, "seconds": elapsed, "peak_mb": peak_mb}))


def run_child(mode: str, data: Path, store: Path) -> dict[str, float]:
    for leftover in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
        leftover.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--data", str(data), "--store", str(store)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_next_pending(store_path: Path, rounds: int = 2000) -> None:
    from reviewdesk.store import Store

    rng = random.Random(3)
    with Store.open(store_path) as store:
        keys = store.page(limit=rounds)  # cursors spread over the top of the queue
        store.next_pending("warm-up")
        ours: list[float] = []
        for _ in range(rounds):
            after = rng.choice(keys) if rng.random() < 0.5 else None
            started = time.perf_counter()
            entry = store.next_pending("alice", after=after)
            assert entry is not None
            store.load(entry.pk)
            ours.append(time.perf_counter() - started)
    raw = sqlite3.connect(store_path)
    sql = (
        "SELECT g.pk FROM generation g WHERE g.review_count < g.required_reviews "
        "AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.generation_pk = g.pk AND d.reviewer = ?) "
        "ORDER BY g.risk DESC, g.pk DESC LIMIT 1"
    )
    baseline: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        raw.execute(sql, ("alice",)).fetchone()
        baseline.append(time.perf_counter() - started)
    raw.close()
    print(
        f"next pending + load item: median {statistics.median(ours) * 1e3:.3f} ms, "
        f"p99 {percentile(ours, 0.99) * 1e3:.3f} ms "
        f"(raw sqlite3 query alone: median {statistics.median(baseline) * 1e3:.3f} ms, "
        f"p99 {percentile(baseline, 0.99) * 1e3:.3f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rd-bench"))
    parser.add_argument("--child", choices=["baseline", "reviewdesk", "mapped"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--store", type=Path)
    parser.add_argument(
        "--next-only", action="store_true", help="only the next-pending figures, on the last store"
    )
    args = parser.parse_args()
    if args.next_only:
        bench_next_pending(args.workdir / "reviewdesk.sqlite")
        return
    if args.child:
        child(args.child, args.data, args.store)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = args.workdir / f"import-{args.records}.jsonl"
    if not data.exists():
        print(f"writing {args.records:,} records to {data} ...", flush=True)
        make_data(data, args.records)
    size_mb = data.stat().st_size / 1e6
    print(
        f"{args.records:,} records, {size_mb:,.0f} MB ({data.stat().st_size / args.records:,.0f} bytes a record)"
    )
    baseline = run_child("baseline", data, args.workdir / "baseline.sqlite")
    mapped = run_child("mapped", data, args.workdir / "mapped.sqlite")
    ours = run_child("reviewdesk", data, args.workdir / "reviewdesk.sqlite")
    for name, figures in (
        ("baseline (json + sqlite3, no validation)", baseline),
        ("reviewdesk import", ours),
        ("reviewdesk import, value map + computed", mapped),
    ):
        rate = figures["records"] / figures["seconds"]
        print(
            f"{name:42} {rate:10,.0f} records/s  {figures['seconds']:7.1f} s  peak {figures['peak_mb']:6.0f} MB"
        )
    base_rate = baseline["records"] / baseline["seconds"]
    for name, figures in (("import", ours), ("mapped import", mapped)):
        ratio = (figures["records"] / figures["seconds"]) / base_rate
        print(
            f"{name} ratio: {ratio:.2f}x the baseline (target >= 0.6x); "
            f"peak {figures['peak_mb']:.0f} MB (target < 300 MB)"
        )
    (args.workdir / "baseline.sqlite").unlink(missing_ok=True)
    (args.workdir / "mapped.sqlite").unlink(missing_ok=True)
    bench_next_pending(args.workdir / "reviewdesk.sqlite")


if __name__ == "__main__":
    main()
