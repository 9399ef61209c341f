"""Which labels become which records: the SFT / DPO / KTO rules, policies and filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from reviewdesk.domain import Verdict
from reviewdesk.export import (
    ExportFormat,
    ExportOptions,
    Filters,
    Style,
    export_dataset,
    parse_time_bound,
    preview,
)
from reviewdesk.store import Resolution, Store
from tests.helpers.records import decision, record

EDITED = "Yes, you can return the blender within 30 days."


def rows(store: Store, tmp_path: Path, **options: Any) -> list[dict[str, Any]]:
    out = tmp_path / "out" / "data.jsonl"
    out.parent.mkdir(exist_ok=True)
    export_dataset(store.engine, out, ExportOptions(**options), card=False, overwrite=True)
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def three_verdicts() -> list[dict[str, Any]]:
    return [
        record(1, output="approved answer", flags=[], decisions=[decision("alice", "approve")]),
        record(2, output="original answer", flags=[], decisions=[decision("alice", "edit")]),
        record(3, output="rejected answer", flags=[], decisions=[decision("alice", "reject")]),
    ]


def completions(records: list[dict[str, Any]], key: str = "completion") -> list[Any]:
    return [r[key][0]["content"] if isinstance(r[key], list) else r[key] for r in records]


def test_sft_takes_approved_outputs_and_edited_texts_never_an_edits_original(
    make_store: Any, tmp_path: Path
) -> None:
    store = make_store(three_verdicts())
    sft = rows(store, tmp_path, format=ExportFormat.SFT)
    assert [r["messages"][-1]["content"] for r in sft] == ["approved answer", EDITED]
    assert sft[0]["messages"][:-1] == record(1)["prompt"]
    text = rows(store, tmp_path, format=ExportFormat.SFT_TEXT)
    assert [r["completion"] for r in text] == ["approved answer", EDITED]
    assert text[0]["prompt"] == (
        "[system]\nYou answer refund questions for Shop.\n\n"
        "[user]\nCan I return the blender I bought 1 days ago?\n\n[assistant]\n"
    )


def test_kto_labels_approve_true_reject_false_and_both_sides_of_an_edit(
    make_store: Any, tmp_path: Path
) -> None:
    kto = rows(make_store(three_verdicts()), tmp_path, format=ExportFormat.KTO)
    assert [(c, r["label"]) for c, r in zip(completions(kto), kto, strict=True)] == [
        ("approved answer", True),
        (EDITED, True),
        ("original answer", False),
        ("rejected answer", False),
    ]


def test_dpo_pairs_edits_and_approved_with_rejected_outputs_of_the_same_prompt(
    make_store: Any, tmp_path: Path
) -> None:
    same = [{"role": "user", "content": "Which blender should I buy?"}]
    store = make_store(
        [
            record(1, output="edited away", flags=[], decisions=[decision("alice", "edit")]),
            record(2, prompt=same, output="good", flags=[], decisions=[decision("alice")]),
            record(3, prompt=same, output="bad", flags=[], decisions=[decision("bob", "reject")]),
            # The same prompt under another version is another prompt: nothing to pair with.
            record(
                4,
                prompt=same,
                output="other",
                prompt_version="v8",
                flags=[],
                decisions=[decision("bob", "reject")],
            ),
            # Approved alone: no counterpart.
            record(5, output="alone", flags=[], decisions=[decision("bob")]),
        ]
    )
    dpo = rows(store, tmp_path, format=ExportFormat.DPO)
    pairs = sorted(zip(completions(dpo, "chosen"), completions(dpo, "rejected"), strict=True))
    assert pairs == [(EDITED, "edited away"), ("good", "bad")]
    paired = next(r for r in dpo if r["chosen"][0]["content"] == "good")
    assert paired["prompt"] == same
    text = rows(store, tmp_path, format=ExportFormat.DPO, style=Style.TEXT)
    assert sorted((r["chosen"], r["rejected"]) for r in text) == [
        (EDITED, "edited away"),
        ("good", "bad"),
    ]
    assert {r["prompt"] for r in text if r["chosen"] == "good"} == {
        "[user]\nWhich blender should I buy?\n\n[assistant]\n"
    }


def disagreement() -> list[dict[str, Any]]:
    return [
        record(1, flags=[], decisions=[decision("alice"), decision("bob", "reject")]),
        record(2, flags=[], decisions=[decision("alice"), decision("bob"), decision("carol", "reject")]),
    ]  # fmt: skip


def test_the_policy_resolves_several_decisions_and_counts_ties(
    make_store: Any, tmp_path: Path
) -> None:
    store = make_store(disagreement())
    out = tmp_path / "raw.jsonl"
    latest = export_dataset(
        store.engine, out, ExportOptions(format=ExportFormat.RAW), card=False, overwrite=True
    )
    assert latest.tally.labels == 5 and latest.unresolved == 0
    majority = export_dataset(
        store.engine,
        out,
        ExportOptions(format=ExportFormat.RAW, policy=Resolution.MAJORITY),
        card=False,
        overwrite=True,
    )
    assert majority.tally.labels == 1 and majority.unresolved == 1  # item 1 is a tie
    assert majority.tally.verdicts == {"approve": 1}
    adjudicated = export_dataset(
        store.engine,
        out,
        ExportOptions(
            format=ExportFormat.KTO, policy=Resolution.ADJUDICATED, adjudicators=("carol",)
        ),
        card=False,
        overwrite=True,
    )
    assert adjudicated.tally.verdicts == {"reject": 1} and adjudicated.unresolved == 1


def test_a_change_of_mind_counts_once_unless_every_decision_is_asked_for(
    make_store: Any, tmp_path: Path
) -> None:
    store = make_store(
        [
            record(1, flags=[], decisions=[
                decision("alice", "reject", decided_at="2026-11-21T09:00:00Z"),
                decision("alice", "approve", decided_at="2026-11-21T10:00:00Z"),
            ]),
        ]
    )  # fmt: skip
    labels = rows(store, tmp_path, format=ExportFormat.RAW)
    assert [(r["verdict"], r["current"]) for r in labels] == [("approve", True)]
    log = rows(store, tmp_path, format=ExportFormat.RAW, all_decisions=True)
    assert [(r["verdict"], r["current"]) for r in log] == [("reject", False), ("approve", True)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), {"gen-000001", "gen-000002", "gen-000003"}),
        (Filters(models=("claude",)), {"gen-000002"}),
        (Filters(verdicts=(Verdict.REJECT,)), {"gen-000003"}),
        (Filters(reviewers=("bob",)), {"gen-000003"}),
        (Filters(queues=("billing",)), {"gen-000001"}),
        (Filters(templates=("refund-policy",), versions=("v8",)), {"gen-000002"}),
        (Filters(routes=("support.other",)), {"gen-000003"}),
        (Filters(since=parse_time_bound("2026-11-22", "--since")), {"gen-000002", "gen-000003"}),
        (Filters(until=parse_time_bound("2026-11-23", "--until")), {"gen-000001", "gen-000002"}),
    ],
)
def test_filters_select_labels(
    make_store: Any, tmp_path: Path, filters: Filters, expected: set[str]
) -> None:
    store = make_store(
        [
            record(1, queue="billing", decisions=[decision(decided_at="2026-11-21T09:00:00Z")]),
            record(2, model="claude", prompt_version="v8",
                   decisions=[decision(decided_at="2026-11-22T09:00:00Z")]),
            record(3, route="support.other",
                   decisions=[decision("bob", "reject", decided_at="2026-11-23T00:00:00Z")]),
        ]
    )  # fmt: skip
    found = rows(store, tmp_path, format=ExportFormat.RAW, filters=filters)
    assert {r["generation_id"] for r in found} == expected


def test_minimum_agreement_keeps_labels_most_reviewers_share(
    make_store: Any, tmp_path: Path
) -> None:
    store = make_store(disagreement())
    found = rows(store, tmp_path, format=ExportFormat.RAW, filters=Filters(min_agreement=0.6))
    assert sorted((r["generation_id"], r["reviewer"]) for r in found) == [
        ("gen-000002", "alice"),
        ("gen-000002", "bob"),
    ]


def test_redaction_replaces_flagged_spans_and_the_same_text_elsewhere(
    make_store: Any, tmp_path: Path
) -> None:
    email = "help1@shop.example"
    leaky = [{"role": "user", "content": f"My agent was {email}, can I return it?"}]
    store = make_store(
        [
            record(1, prompt=leaky, decisions=[decision("alice", "edit", edited_output=f"Write to {email}.",
                                                        comment=f"leaks {email}")]),
        ]
    )  # fmt: skip
    [raw] = rows(store, tmp_path, format=ExportFormat.RAW, redact=True)
    assert raw["output"] == (
        "Yes, you can return the blender within 30 days. Write to [REDACTED:email]."
    )
    assert raw["prompt"][0]["content"] == "My agent was [REDACTED:email], can I return it?"
    assert raw["edited_output"] == "Write to [REDACTED:email]."
    assert raw["comment"] == "leaks [REDACTED:email]"
    assert email not in orjson.dumps(raw).decode()
    kept = rows(store, tmp_path, format=ExportFormat.KTO)
    assert email in kept[1]["completion"][0]["content"]  # without --redact, as written


def test_redaction_only_touches_the_chosen_validators(make_store: Any, tmp_path: Path) -> None:
    store = make_store([record(1, decisions=[decision()])])
    [sft] = rows(store, tmp_path, format=ExportFormat.SFT, redact=True, redact_validators=("tox",))
    assert "help1@shop.example" in sft["messages"][-1]["content"]


def test_limit_and_preview(demo_store: Store, tmp_path: Path) -> None:
    assert len(rows(demo_store, tmp_path, format=ExportFormat.SFT, limit=5)) == 5
    first = preview(demo_store.engine, ExportOptions(format=ExportFormat.SFT))
    assert first == rows(demo_store, tmp_path, format=ExportFormat.SFT, limit=3)
    [row] = preview(demo_store.engine, ExportOptions(format=ExportFormat.CSV), n=1)
    assert row["verdict"] in {"approve", "edit", "reject"} and "prompt" in row
