"""Export speed and memory, against a baseline measured in the same run.

    .venv/bin/python tests/benchmarks/bench_export.py [--decisions 1000000] [--workdir /tmp/rd-bench]

Builds (once) a store of N generations of ~2 KB, each with a PII flag and one decision
(60% approve, 25% edit with an edited output, 15% reject), written straight with sqlite3.

Baseline: the simplest honest exporter, a plain sqlite3 cursor over the same join (decision,
generation, generation_text, decision_text) writing each row as a dict with orjson.
reviewdesk: `export_dataset(..., format=raw)`, which also resolves labels, reads each item's
flags, parses prompts and reasons and writes through a temporary file. Each runs in its own
process, so peak memory (ru_maxrss) is its own. Target: >= 0.5x the baseline's rate, peak
memory under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson

WORDS = (
    "refund policy order blender customer warranty receipt shipping days store credit account "
    "replacement damaged parcel courier invoice manager support request tracking delivery label "
    "exchange voucher return window original packaging photo serial number purchase"
).split()

BASELINE_SQL = (
    "SELECT d.pk, d.id, d.reviewer, d.verdict, d.reasons, d.duration_ms, d.decided_at, "
    "d.supersedes, d.session_id, d.lease_id, d.lease_epoch, d.device_id, d.current, "
    "dt.edited_output, dt.comment, g.pk, g.id, g.queue, g.model, g.prompt_template, "
    "g.prompt_version, g.route, g.risk, g.top_severity, g.flag_count, g.latency_ms, "
    "g.input_tokens, g.output_tokens, g.cost_usd, g.created_at, t.prompt, t.output, t.usage, "
    "t.trace_id, t.extra FROM decision d JOIN generation g ON g.pk = d.generation_pk "
    "JOIN generation_text t ON t.pk = g.pk LEFT JOIN decision_text dt ON dt.pk = d.pk "
    "ORDER BY d.pk"
)
BASELINE_KEYS = (
    "decision_pk decision_id reviewer verdict reasons duration_ms decided_at supersedes "
    "session_id lease_id lease_epoch device_id current edited_output comment generation_pk "
    "generation_id queue model prompt_template prompt_version route risk top_severity "
    "flag_count latency_ms input_tokens output_tokens cost_usd created_at prompt output usage "
    "trace_id extra"
).split()


def make_store(path: Path, count: int) -> None:
    from reviewdesk.store import Store

    Store.open(path).close()  # the schema, through the migrations
    rng = random.Random(7)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("BEGIN")
    batch: dict[str, list[tuple[object, ...]]] = {
        "generation": [],
        "generation_text": [],
        "flag": [],
        "decision": [],
        "decision_text": [],
    }
    sql = {
        "generation": "INSERT INTO generation (pk, id, queue, model, prompt_template, "
        "prompt_version, route, risk, top_severity, flag_count, latency_ms, input_tokens, "
        "output_tokens, cost_usd, created_at, imported_at, required_reviews, review_count) "
        "VALUES (?, ?, 'support', ?, 'refund-policy', ?, 'support.refund', ?, 3, 1, ?, 812, "
        "240, 0.0031, '2026-11-20T10:00:00.000000Z', '2026-11-20T11:00:00.000000Z', 1, 1)",
        "generation_text": "INSERT INTO generation_text (pk, prompt, output, usage, trace_id, "
        "extra) VALUES (?, ?, ?, ?, ?, NULL)",
        "flag": "INSERT INTO flag (generation_pk, position, validator, code, severity, message, "
        "score, span_start, span_end) VALUES (?, 0, 'pii', 'email', 3, "
        "'e-mail address in output', 0.97, ?, ?)",
        "decision": "INSERT INTO decision (pk, id, generation_pk, reviewer, verdict, reasons, "
        "duration_ms, decided_at, current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
        "decision_text": "INSERT INTO decision_text (pk, edited_output, comment) VALUES (?, ?, ?)",
    }

    def flush() -> None:
        for table, rows in batch.items():
            connection.executemany(sql[table], rows)
            rows.clear()

    for pk in range(1, count + 1):
        output = " ".join(rng.choices(WORDS, k=160))
        email = f"agent{pk}@shop.example"
        output = f"{output[:500]} Contact {email} for help. {output[500:]}"
        start = output.index(email)
        prompt = [
            {"role": "system", "content": " ".join(rng.choices(WORDS, k=90))},
            {"role": "user", "content": " ".join(rng.choices(WORDS, k=45))},
        ]
        batch["generation"].append(
            (pk, f"gen-{pk:08d}", rng.choice(["gpt-4o-mini", "gpt-4o"]),
             rng.choice(["v6", "v7"]), round(rng.random(), 4), rng.randint(300, 9000))
        )  # fmt: skip
        batch["generation_text"].append(
            (pk, orjson.dumps(prompt).decode(), output, '{"input_tokens": 812}', f"trc_{pk}")
        )
        batch["flag"].append((pk, start, start + len(email)))
        roll = rng.random()
        verdict = "approve" if roll < 0.6 else "edit" if roll < 0.85 else "reject"
        reasons = '["pii_leak"]' if verdict == "reject" else "[]"
        batch["decision"].append(
            (pk, str(uuid.UUID(int=rng.getrandbits(128))), pk, rng.choice(["alice", "bob"]),
             verdict, reasons, rng.randint(2000, 90000), "2026-11-21T09:00:00.000000Z")
        )  # fmt: skip
        if verdict == "edit":
            batch["decision_text"].append((pk, output.replace(email, "our help desk"), None))
        if pk % 5000 == 0:
            flush()
    flush()
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def baseline_export(store: Path, out: Path) -> int:
    """A plain sqlite3 cursor over the join, each row a dict written with orjson."""
    connection = sqlite3.connect(store)
    count = 0
    with out.open("wb") as file:
        cursor = connection.execute(BASELINE_SQL)
        while rows := cursor.fetchmany(1000):
            file.write(
                b"".join(
                    orjson.dumps(dict(zip(BASELINE_KEYS, row, strict=True))) + b"\n" for row in rows
                )
            )
            count += len(rows)
    connection.close()
    return count


def child(mode: str, store: Path, out: Path) -> None:
    """Run one exporter in this process and print its figures as JSON."""
    started = time.perf_counter()
    if mode == "baseline":
        count = baseline_export(store, out)
    else:
        from reviewdesk.export import ExportFormat, ExportOptions, export_dataset
        from reviewdesk.store import Store

        with Store.open(store, create=False) as opened:
            summary = export_dataset(
                opened.engine, out, ExportOptions(format=ExportFormat.RAW), card=False
            )
        count = summary.records
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"records": count, "seconds": elapsed, "peak_mb": peak_mb, "bytes": out.stat().st_size}
        )
    )


def run_child(mode: str, store: Path, out: Path) -> dict[str, float]:
    out.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--store", str(store), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rd-bench"))
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs of each; best kept")
    parser.add_argument("--child", choices=["baseline", "reviewdesk"])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.store, args.out)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    store = args.workdir / f"export-{args.decisions}.sqlite"
    if not store.exists():
        print(f"building a store of {args.decisions:,} decisions at {store} ...", flush=True)
        building = store.with_suffix(".building")
        make_store(building, args.decisions)
        building.replace(store)
    print(f"store: {store.stat().st_size / 1e6:,.0f} MB")
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.rounds):  # alternate, so both see the same page cache conditions
        for mode in ("baseline", "reviewdesk"):
            figures = run_child(mode, store, args.workdir / f"{mode}.jsonl")
            if mode not in best or figures["seconds"] < best[mode]["seconds"]:
                best[mode] = figures
    for name, mode in (
        ("baseline (sqlite3 + orjson)", "baseline"),
        ("reviewdesk raw", "reviewdesk"),
    ):
        figures = best[mode]
        rate = figures["records"] / figures["seconds"]
        print(
            f"{name:28} {rate:10,.0f} records/s  {figures['seconds']:7.1f} s  "
            f"{figures['bytes'] / 1e6:7,.0f} MB out  peak {figures['peak_mb']:6.0f} MB"
        )
    ours, baseline = best["reviewdesk"], best["baseline"]
    ratio = (ours["records"] / ours["seconds"]) / (baseline["records"] / baseline["seconds"])
    print(
        f"export ratio: {ratio:.2f}x the baseline (target >= 0.5x); "
        f"peak {ours['peak_mb']:.0f} MB (target < 300 MB)"
    )


if __name__ == "__main__":
    main()
