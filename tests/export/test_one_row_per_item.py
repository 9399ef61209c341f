"""Training exports hold one row per item, its resolved label, checked against a resolution
recomputed here from the fixture (not read from the store)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from reviewdesk.export import ExportFormat, ExportOptions, Filters, Style, export_dataset
from reviewdesk.store import Resolution
from tests.helpers.records import decision, record

SHARED = [{"role": "user", "content": "Which blender should I buy?"}]
ADJUDICATORS = ("lead",)


def d(reviewer: str, verdict: str, minute: int, edited: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"decided_at": f"2026-11-21T09:{minute:02d}:00Z"}
    if edited is not None:
        fields["edited_output"] = edited
    return decision(reviewer, verdict, **fields)


def item(number: int, decisions: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    fields.setdefault("output", f"answer {number}")
    return record(number, flags=[], decisions=decisions, **fields)


def fixture() -> list[dict[str, Any]]:
    """Items with one, two and three reviewers (and an adjudicator), ties and edits."""
    return [
        item(1, [d("alice", "approve", 1)]),
        item(2, [d("alice", "approve", 1), d("bob", "approve", 2)]),
        item(3, [d("alice", "approve", 1), d("bob", "reject", 2)]),  # a tie, left out
        item(4, [d("alice", "approve", 1), d("bob", "reject", 2), d("carol", "reject", 3)]),
        # 2 approve against 2 reject: the adjudicator's decision settles the tie.
        item(5, [d("alice", "approve", 1), d("bob", "reject", 2), d("carol", "approve", 3),
                 d("lead", "reject", 4)]),
        # Two edits with different texts: one row, the latest edit's text.
        item(6, [d("alice", "edit", 1, "edit by alice"), d("bob", "edit", 2, "edit by bob"),
                 d("carol", "approve", 3)]),
        # Three reviewers, three verdicts: a tie, left out.
        item(7, [d("alice", "approve", 1), d("bob", "edit", 2, "edit 7"),
                 d("carol", "reject", 3)]),
        item(8, [d("alice", "reject", 1), d("bob", "reject", 2), d("carol", "approve", 3)]),
        # Approved, but nothing to learn from: never a training row.
        item(9, [d("alice", "approve", 1), d("bob", "approve", 2)], output="  \n\t "),
        # The same prompt and output labelled both ways in two items.
        item(10, [d("alice", "approve", 1), d("bob", "approve", 2)], prompt=SHARED,
             output="the same answer"),
        item(11, [d("alice", "reject", 1)], prompt=SHARED, output="the same answer"),
        item(12, [d("alice", "reject", 1), d("alice", "approve", 2), d("bob", "approve", 3)]),
        # An edit that left the text as it was.
        item(13, [d("alice", "edit", 1, "answer 13"), d("bob", "edit", 2, "answer 13")]),
        item(14, [d("alice", "reject", 1), d("bob", "reject", 2), d("carol", "edit", 3, "x")],
             prompt=SHARED, output="another answer"),
    ]  # fmt: skip


# -- the resolution, recomputed from the fixture ------------------------------------------------


def resolve(
    items: list[dict[str, Any]], adjudicators: tuple[str, ...] = ADJUDICATORS
) -> dict[str, dict[str, Any]]:
    """Each item's resolved label: the majority of its reviewers' latest verdicts (the latest
    decision with that verdict); a tie goes to an adjudicator's latest decision; else none."""
    resolved: dict[str, dict[str, Any]] = {}
    for it in items:
        latest: dict[str, dict[str, Any]] = {}
        for dec in sorted(it["decisions"], key=lambda x: x["decided_at"]):
            latest[dec["reviewer"]] = dec
        current = sorted(latest.values(), key=lambda x: x["decided_at"])
        counts = Counter(dec["verdict"] for dec in current)
        top = max(counts.values())
        leaders = [verdict for verdict, n in counts.items() if n == top]
        if len(leaders) == 1:
            label = [dec for dec in current if dec["verdict"] == leaders[0]][-1]
        else:
            judged = [dec for dec in current if dec["reviewer"] in adjudicators]
            if not judged:
                continue
            label = judged[-1]
        resolved[it["id"]] = {"item": it, "label": label}
    return resolved


def user_turn(prompt: Any) -> str:
    turns = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
    return str(turns[-1]["content"])


def expected_sft(resolved: dict[str, dict[str, Any]]) -> Counter[tuple[str, str]]:
    rows: Counter[tuple[str, str]] = Counter()
    for found in resolved.values():
        it, label = found["item"], found["label"]
        text = {"approve": it["output"], "edit": label.get("edited_output")}.get(label["verdict"])
        if text is not None and text.strip():
            rows[(user_turn(it["prompt"]), text)] += 1
    return rows


def expected_kto(resolved: dict[str, dict[str, Any]]) -> Counter[tuple[str, str, bool]]:
    rows: Counter[tuple[str, str, bool]] = Counter()
    for found in resolved.values():
        it, label = found["item"], found["label"]
        prompt = user_turn(it["prompt"])
        if label["verdict"] == "edit":
            labelled = [(label["edited_output"], True)]
            if label["edited_output"] != it["output"]:
                labelled.append((it["output"], False))
        else:
            labelled = [(it["output"], label["verdict"] == "approve")]
        for text, good in labelled:
            if text.strip():
                rows[(prompt, text, good)] += 1
    both = {(p, t) for p, t, good in rows if good and (p, t, False) in rows}
    return Counter({row: n for row, n in rows.items() if row[:2] not in both})


def expected_dpo(resolved: dict[str, dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    rows: Counter[tuple[str, str, str]] = Counter()
    approved: dict[str, set[str]] = {}
    rejected: dict[str, set[str]] = {}
    for found in resolved.values():
        it, label = found["item"], found["label"]
        prompt = user_turn(it["prompt"])
        if label["verdict"] == "edit":
            edited = label["edited_output"]
            if edited.strip() and it["output"].strip() and edited != it["output"]:
                rows[(prompt, edited, it["output"])] += 1
        elif it["output"].strip():
            bucket = approved if label["verdict"] == "approve" else rejected
            bucket.setdefault(prompt, set()).add(it["output"])
    for prompt, goods in approved.items():
        for good in goods:
            for bad in rejected.get(prompt, ()):
                if good != bad:
                    rows[(prompt, good, bad)] += 1
    return rows


# -- the exports ---------------------------------------------------------------------------------


def export_rows(store: Any, folder: Path, **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    folder.mkdir()
    out = folder / "data.jsonl"
    summary = export_dataset(store.engine, out, ExportOptions(adjudicators=ADJUDICATORS, **options))
    return summary, [orjson.loads(line) for line in out.read_bytes().splitlines()]


def content(value: Any) -> str:
    return str(value[0]["content"] if isinstance(value, list) else value)


def test_the_recomputed_resolution_is_the_one_expected() -> None:
    # The check below is only worth something if the recomputation is right: by hand.
    verdicts = {key[-2:]: found["label"]["verdict"] for key, found in resolve(fixture()).items()}
    assert verdicts == {
        "01": "approve", "02": "approve", "04": "reject", "05": "reject", "06": "edit",
        "08": "reject", "09": "approve", "10": "approve", "11": "reject", "12": "approve",
        "13": "edit", "14": "reject",
    }  # fmt: skip
    assert resolve(fixture())["gen-000006"]["label"]["edited_output"] == "edit by bob"
    assert "gen-000005" not in resolve(fixture(), adjudicators=())


@pytest.mark.parametrize("format_", [ExportFormat.SFT, ExportFormat.OPENAI])
def test_sft_and_openai_hold_each_resolved_item_once(
    make_store: Any, tmp_path: Path, format_: ExportFormat
) -> None:
    summary, rows = export_rows(make_store(fixture()), tmp_path / "out", format=format_)
    found = Counter((user_turn(r["messages"][:-1]), r["messages"][-1]["content"]) for r in rows)
    assert found == expected_sft(resolve(fixture()))
    assert max(found.values()) == 1  # never a row twice for one item and text
    assert summary.unresolved == 2  # items 3 and 7: ties no adjudicator settled
    assert summary.tally.skipped["empty or whitespace-only answers"] == 1  # item 9


def test_sft_text_holds_each_resolved_item_once(make_store: Any, tmp_path: Path) -> None:
    _, rows = export_rows(make_store(fixture()), tmp_path / "out", format=ExportFormat.SFT_TEXT)
    found = Counter(
        (r["prompt"].rsplit("]\n", 2)[-2].removesuffix("\n\n[assistant"), r["completion"])
        for r in rows
    )
    assert found == expected_sft(resolve(fixture()))


@pytest.mark.parametrize("style", [Style.CHAT, Style.TEXT])
def test_kto_rows_are_the_resolved_labels_and_never_contradict(
    make_store: Any, tmp_path: Path, style: Style
) -> None:
    summary, rows = export_rows(
        make_store(fixture()), tmp_path / "out", format=ExportFormat.KTO, style=style
    )
    prompts = {row["prompt"] if style is Style.TEXT else None for row in rows}
    assert prompts  # text prompts are checked through their last turn below
    found = Counter(
        (
            user_turn(r["prompt"])
            if style is Style.CHAT
            else r["prompt"].rsplit("]\n", 2)[-2].removesuffix("\n\n[assistant"),
            content(r["completion"]),
            r["label"],
        )
        for r in rows
    )
    assert found == expected_kto(resolve(fixture()))
    labels: dict[tuple[str, str], set[bool]] = {}
    for prompt, completion, label in found:
        labels.setdefault((prompt, completion), set()).add(label)
    assert all(len(seen) == 1 for seen in labels.values())
    assert summary.tally.skipped == {
        "completions labelled both desirable and undesirable for one prompt": 1,  # 10 and 11
        "edits that left the output as it was (kept as desirable)": 1,  # item 13
        "empty or whitespace-only answers": 1,  # item 9
    }


def test_dpo_pairs_come_from_the_resolved_labels(make_store: Any, tmp_path: Path) -> None:
    _, rows = export_rows(make_store(fixture()), tmp_path / "out", format=ExportFormat.DPO)
    found = Counter(
        (user_turn(r["prompt"]), content(r["chosen"]), content(r["rejected"])) for r in rows
    )
    assert found == expected_dpo(resolve(fixture()))
    assert ("Which blender should I buy?", "the same answer", "another answer") in found


def test_per_reviewer_keeps_every_reviewers_label(make_store: Any, tmp_path: Path) -> None:
    summary, rows = export_rows(
        make_store(fixture()), tmp_path / "out", format=ExportFormat.SFT, policy=Resolution.LATEST
    )
    latest = {
        (it["id"], dec["reviewer"]): (it, dec)
        for it in fixture()
        for dec in sorted(it["decisions"], key=lambda x: x["decided_at"])
    }
    expected = Counter(
        (user_turn(it["prompt"]), it["output"] if dec["verdict"] == "approve" else dec["edited_output"])
        for it, dec in latest.values()
        if dec["verdict"] != "reject"
        and (it["output"] if dec["verdict"] == "approve" else dec["edited_output"]).strip()
    )  # fmt: skip
    assert Counter((user_turn(r["messages"][:-1]), r["messages"][-1]["content"]) for r in rows) == (
        expected
    )
    assert summary.unresolved == 0 and summary.as_dict()["rows"] == "one per label"


def test_the_card_and_the_summary_count_what_was_left_out(make_store: Any, tmp_path: Path) -> None:
    summary, _ = export_rows(make_store(fixture()), tmp_path / "out", format=ExportFormat.KTO)
    data = summary.as_dict()
    assert data["policy"] == "resolved" and data["rows"] == "one per item"
    assert data["unresolved_items"] == 2
    assert data["unresolved_reason"] == "ties no adjudicator settled"
    assert data["skipped"]["empty or whitespace-only answers"] == 1
    card = (tmp_path / "out" / "README.md").read_text()
    assert "Items left out by the policy (ties no adjudicator settled): 2." in card
    assert "- empty or whitespace-only answers: 1" in card
    assert "Resolution policy: `resolved` (adjudicators: lead)" in card


def test_raw_and_csv_keep_each_reviewers_label_by_default(make_store: Any, tmp_path: Path) -> None:
    summary, rows = export_rows(make_store(fixture()), tmp_path / "out", format=ExportFormat.RAW)
    assert summary.options.resolution is Resolution.LATEST
    assert summary.as_dict()["rows"] == "one per label"
    assert len(rows) == sum(len({dec["reviewer"] for dec in it["decisions"]}) for it in fixture())
    log, rows = export_rows(
        make_store(fixture()), tmp_path / "log", format=ExportFormat.RAW, all_decisions=True
    )
    assert log.as_dict()["rows"] == "one per decision"
    assert len(rows) == sum(len(it["decisions"]) for it in fixture())


def test_a_time_window_counts_only_the_ties_decided_in_it(make_store: Any, tmp_path: Path) -> None:
    since = "2026-11-21T09:03:00Z"
    resolved = resolve(fixture())
    expected = sum(
        1
        for it in fixture()
        if it["id"] not in resolved and any(dec["decided_at"] >= since for dec in it["decisions"])
    )
    assert expected == 1  # item 7; item 3's tie was decided before the window
    summary, _ = export_rows(
        make_store(fixture()),
        tmp_path / "out",
        format=ExportFormat.SFT,
        filters=Filters(since=datetime.fromisoformat(since)),
    )
    assert summary.as_dict()["unresolved_items"] == expected
