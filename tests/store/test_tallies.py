"""The running tallies agree with the rows they count, whatever wrote the rows.

Each test drives the store through its real write paths (bulk import, decisions, changes of
mind, undo, items leaving the store, flags added or removed late, an item's columns changing)
and then compares every tally table with the same counts computed here in Python from the
decisions, items and flags themselves.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain import Decision
from reviewdesk.store import Store
from reviewdesk.store.bulk import BulkWriter
from tests.helpers.random_store import (
    FLAGS,
    REVIEWERS,
    fill_random_store,
    random_draft,
    random_items,
)


def _expected(path: Path) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every tally, counted from the decisions, items and flags."""
    db = sqlite3.connect(path)
    generations = {
        row[0]: row
        for row in db.execute(
            "SELECT pk, coalesce(prompt_template, ''), coalesce(prompt_version, ''), model, "
            "coalesce(route, ''), coalesce(queue, ''), flag_count > 0, latency_ms, "
            "input_tokens, output_tokens, cost_usd, review_count FROM generation"
        )
    }
    flags: dict[int, list[tuple[str, str, int]]] = {}
    for pk, validator, code, severity in db.execute(
        "SELECT generation_pk, validator, code, severity FROM flag"
    ):
        flags.setdefault(pk, []).append((validator, code, severity))
    decisions = db.execute(
        "SELECT generation_pk, reviewer, verdict, reasons, duration_ms, decided_at, current, pk "
        "FROM decision"
    ).fetchall()
    db.close()
    found: dict[str, Counter[tuple[Any, ...]]] = {
        name: Counter()
        for name in (
            "label",
            "flag_label",
            "flagged",
            "pace",
            "pace_reviewer",
            "pace_day",
            "usage_items",
            "usage_sums",
            "agreement",
            "item_labels",
            "reject_reasons",
        )
    }
    labelled: dict[int, list[tuple[str, str, int]]] = {}
    for pk, reviewer, verdict, reasons, duration, decided_at, current, decision_pk in decisions:
        if current:
            labelled.setdefault(pk, []).append((reviewer, verdict, decision_pk))
        seconds = -1 if duration is None else min(duration // 1000, 3600)
        pace_key = (reviewer, decided_at[:10])
        found["pace"][(*pace_key, "decisions")] += 1
        found["pace"][(*pace_key, "total_ms")] += duration or 0
        if duration is not None:
            found["pace"][(*pace_key, "timed")] += 1
            found["pace"][(*pace_key, "seconds", seconds)] += 1
        if duration is not None:
            found["pace_reviewer"][(reviewer, seconds)] += 1
            found["pace_day"][(decided_at[:10], seconds)] += 1
        if not current:
            continue
        found["pace"][(*pace_key, verdict)] += 1
        reason = reasons if verdict == "reject" else ""
        if verdict == "reject":
            for code in json.loads(reasons):
                found["reject_reasons"][(reviewer, decided_at[:10], code)] += 1
        found["label"][(*generations[pk][1:7], verdict, reason)] += 1
        highest: dict[tuple[str, str], int] = {}
        for validator, code, severity in flags.get(pk, []):
            highest[(validator, code)] = max(severity, highest.get((validator, code), 0))
        for (validator, code), severity in highest.items() or {("", ""): -1}.items():
            found["flag_label"][(validator, code, severity, verdict, reason)] += 1
    for pk, labels in labelled.items():
        if len(labels) < 2:
            continue
        pattern = tuple(sorted((reviewer, verdict) for reviewer, verdict, _ in labels))
        found["agreement"][pattern] += 1
        disputed = len({verdict for _, verdict, _ in labels}) > 1
        found["item_labels"][(pk, pattern, max(p for _, _, p in labels), disputed)] += 1
    for item_flags in flags.values():
        for validator, code, severity in set(item_flags):
            found["flagged"][(validator, code, severity)] += 1
        for validator, code in {(v, c) for v, c, _ in item_flags}:
            found["flagged"][(validator, code, -1)] += 1
    for (
        _,
        _,
        _,
        model,
        route,
        _,
        _,
        latency,
        tokens_in,
        tokens_out,
        cost,
        reviews,
    ) in generations.values():
        key = (route, model, -1 if latency is None else latency // 10)
        found["usage_items"][key] += 1
        with_tokens = tokens_in is not None and tokens_out is not None
        found["usage_sums"][(*key, "with_tokens")] += with_tokens
        found["usage_sums"][(*key, "tokens")] += (tokens_in + tokens_out) if with_tokens else 0
        found["usage_sums"][(*key, "cost")] += round((cost or 0) * 1e6)
        found["usage_sums"][(*key, "decided")] += reviews > 0
    return {name: +counter for name, counter in found.items()}


def _tallied(path: Path) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every tally, as the tally tables hold it."""
    db = sqlite3.connect(path)
    found: dict[str, Counter[tuple[Any, ...]]] = {}
    found["label"] = Counter(
        {tuple(row[:-1]): row[-1] for row in db.execute("SELECT * FROM tally_label")}
    )
    found["flag_label"] = Counter(
        {tuple(row[:-1]): row[-1] for row in db.execute("SELECT * FROM tally_flag_label")}
    )
    found["flagged"] = Counter(
        {tuple(row[:-1]): row[-1] for row in db.execute("SELECT * FROM tally_flagged")}
    )
    pace: Counter[tuple[Any, ...]] = Counter()
    for reviewer, day, histogram, *counts in db.execute(
        "SELECT reviewer, day, seconds, decisions, timed, total_ms, approve, edit, reject "
        "FROM tally_pace"
    ):
        names = ("decisions", "timed", "total_ms", "approve", "edit", "reject")
        for name, count in zip(names, counts, strict=True):
            pace[(reviewer, day, name)] = count
        for seconds, count in json.loads(histogram).items():
            pace[(reviewer, day, "seconds", int(seconds))] = count
    found["pace"] = pace
    for name in ("pace_reviewer", "pace_day"):
        found[name] = Counter(
            {tuple(row[:-1]): row[-1] for row in db.execute(f"SELECT * FROM tally_{name}")}
        )
    items: Counter[tuple[Any, ...]] = Counter()
    sums: Counter[tuple[Any, ...]] = Counter()
    for route, model, tens, count, with_tokens, tokens_in, tokens_out, cost, decided in db.execute(
        "SELECT route, model, tens, items, with_tokens, input_tokens, output_tokens, cost_usd, "
        "decided FROM tally_usage"
    ):
        key = (route, model, tens)
        items[key] = count
        sums[(*key, "with_tokens")] = with_tokens
        sums[(*key, "tokens")] = tokens_in + tokens_out
        sums[(*key, "cost")] = round(cost * 1e6)
        sums[(*key, "decided")] = decided
    found["usage_items"] = items
    found["reject_reasons"] = Counter(
        {tuple(row[:-1]): row[-1] for row in db.execute("SELECT * FROM tally_reject_reasons")}
    )
    patterns: Counter[tuple[Any, ...]] = Counter()
    for labels, count in db.execute("SELECT labels, items FROM tally_agreement"):
        patterns[_pattern(labels)] += count
    found["agreement"] = patterns
    found["item_labels"] = Counter(
        (pk, _pattern(labels), latest, bool(disputed))
        for pk, labels, latest, disputed in db.execute(
            "SELECT generation_pk, labels, latest_pk, disputed FROM tally_item_labels"
        )
    )
    found["usage_sums"] = sums
    db.close()
    return {name: +counter for name, counter in found.items()}


def _pattern(labels: str) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted(tuple(label.split("\x1f")) for label in labels.split("\x1e")))


def _assert_tallies(path: Path) -> None:
    expected, tallied = _expected(path), _tallied(path)
    for name in expected:
        assert tallied[name] == expected[name], name
    assert expected["label"], "the scenario made no labels: it tests nothing"
    assert expected["agreement"], "no item has two reviewers: agreement is not tested"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_tallies_follow_every_write_path(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "store.sqlite"
    start = datetime(2026, 11, 20, 8, tzinfo=UTC)
    with Store.open(path) as store:
        fill_random_store(store, rng, start)  # an import with labels, changes of mind included
        _assert_tallies(path)
        for step in range(150):  # the desk: decisions, changes of mind and undo
            item = f"gen-{rng.randint(1, 60):06d}"
            if rng.random() < 0.2:
                store.undo_latest(f"session-{rng.choice(REVIEWERS)}")
                continue
            reviewer = rng.choice(REVIEWERS)
            draft = random_draft(
                rng, reviewer, start + timedelta(days=rng.randint(0, 3), minutes=step)
            )
            store.record_decision(
                Decision.model_validate(
                    {
                        **draft.model_dump(exclude={"id"}),
                        "id": f"d-{seed}-{step}",
                        "generation_id": item,
                        "session_id": f"session-{reviewer}",
                    }
                )
            )
        _assert_tallies(path)
    # What other code paths (sync returning items, late flags, a corrected item) do in SQL.
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    for pk in rng.sample(range(1, 61), 5):
        db.execute("DELETE FROM generation WHERE pk = ?", (pk,))
    remaining = [pk for (pk,) in db.execute("SELECT pk FROM generation")]
    for pk in rng.sample(remaining, 10):
        validator, code = rng.choice(FLAGS)
        db.execute(
            "INSERT INTO flag (generation_pk, position, validator, code, severity, message) "
            "VALUES (?, 9, ?, ?, ?, '')",
            (pk, validator, code, rng.randint(1, 4)),
        )
        db.execute("UPDATE generation SET flag_count = flag_count + 1 WHERE pk = ?", (pk,))
    for (flag_pk,) in db.execute("SELECT pk FROM flag ORDER BY random() LIMIT 10").fetchall():
        db.execute(
            "UPDATE generation SET flag_count = flag_count - 1 "
            "WHERE pk = (SELECT generation_pk FROM flag WHERE pk = ?)",
            (flag_pk,),
        )
        db.execute("DELETE FROM flag WHERE pk = ?", (flag_pk,))
    for pk in rng.sample(remaining, 5):
        db.execute(
            "UPDATE generation SET model = 'corrected', prompt_version = 'v9', latency_ms = 70, "
            "review_count = review_count + 1 WHERE pk = ?",
            (pk,),
        )
    db.close()
    _assert_tallies(path)


def test_upgrading_a_store_counts_what_it_holds(tmp_path: Path) -> None:
    """A store written before the tallies existed gets them counted when it is opened."""
    from reviewdesk.store.engine import make_engine, migrate

    rng = random.Random(7)
    path = tmp_path / "old.sqlite"
    engine = make_engine(path)
    migrate(engine, to="0012")
    engine.dispose()
    start = datetime(2026, 11, 20, 8, tzinfo=UTC)
    rows = random_items(rng, start, 80)
    old_engine = make_engine(path)
    # the 0012 store written with today's importer, before it is upgraded; the importer names
    # `decision.form_version` (0016), so that column is there only while it writes
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE decision ADD COLUMN form_version INTEGER")
    with old_engine.connect().execution_options(immediate=True) as connection:
        writer = BulkWriter(connection)
        writer.add(rows)
        connection.commit()
    old_engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE decision DROP COLUMN form_version")
        assert (
            db.execute("SELECT name FROM sqlite_master WHERE name = 'tally_label'").fetchall() == []
        )
    Store.open(path).close()
    _assert_tallies(path)
