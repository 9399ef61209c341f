"""The HTML report: escaped, self-contained, printable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewdesk.demo import ensure_demo_store
from reviewdesk.stats import compute_overview, render_report, write_report
from reviewdesk.store import Store
from tests.helpers.answers import AnswerStore, answered
from tests.stats.conftest import StoreBuilder, d

HOSTILE = '<script>alert("x")</script>'


def test_user_data_is_escaped(builder: StoreBuilder, store: Store) -> None:
    builder.add(
        [
            builder.item(d("alice", "approve"), d(HOSTILE, "reject"), model=HOSTILE, route=HOSTILE),
            builder.item(d("alice", "edit", edited_output="fine"), prompt_version=HOSTILE),
        ]
    )
    page = render_report(compute_overview(store.engine))
    assert "<script" not in page
    assert "&lt;script&gt;alert(" in page
    assert HOSTILE not in page


def test_the_report_is_self_contained_and_printable(tmp_path: Path) -> None:
    demo = ensure_demo_store(tmp_path / "demo.sqlite")
    out = tmp_path / "report.html"
    with Store.open(demo) as store:
        overview = write_report(store.engine, out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for external in ("http:", "https:", "src=", "<link", "@import", "url(", "<script", "<img"):
        assert external not in page.lower(), external
    assert "@media print" in page
    assert page.count("<svg") == 5  # acceptance by version, model, week; reasons; precision
    for comparison in overview.comparisons:
        assert comparison.sentence in page
    assert "gpt-4o" in page and "Krippendorff" in page
    assert not list(tmp_path.glob(".report-*"))  # written atomically


def test_an_empty_store_renders(store: Store) -> None:
    page = render_report(compute_overview(store.engine))
    assert "no labels yet" in page and "No rejects yet." in page
    assert re.search(r"generations<b>0</b>", page)


def test_a_missing_folder_is_an_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No such file"):
        write_report(store.engine, tmp_path / "missing" / "r.html")


def test_each_form_question_has_a_section(store: Store, tmp_path: Path) -> None:
    answers = AnswerStore(store, tmp_path)
    answers.add(
        (
            [
                answered(HOSTILE, {"behaviour": "full_refusal", "helpfulness": 2}),
                answered("bob", {"behaviour": "full_refusal", "helpfulness": 4}, minute=1),
            ],
            {},
        ),
        ([answered("ann", {"behaviour": "partial_refusal", "helpfulness": 5})], {}),
    )
    out = tmp_path / "report.html"
    write_report(store.engine, out)
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page  # a reviewer's name, escaped
    section = page[page.index('<section id="questions">') :]
    section = section[: section.index("</section>")]
    for key in ("behaviour", "helpfulness", "topics", "note", "hallucination"):
        assert f'id="question-{key}"' in section
    # behaviour: both items resolve (the two reviewers agree); one full, one partial refusal.
    assert "2 answers on 2 items, each item's resolved answer." in section
    assert "Krippendorff's alpha (nominal)" in section
    # helpfulness: 2 against 4 is a tie, left out and said so; the other item's 5 is the mean.
    assert "Left out: 1 answered items (ties no adjudicator settled)." in section
    assert "Mean 5.00." in section
    assert section.count("<svg") == 2  # a chart for each question with answers


def test_comparisons_get_a_section_with_names_escaped(store: Store, tmp_path: Path) -> None:
    import json

    from reviewdesk.ingest import import_files

    assert 'id="comparisons"' not in render_report(compute_overview(store.engine))
    pairs = [
        {
            "id": f"cmp-{n}",
            "prompt": "p",
            "candidates": [
                {"output": f"a{n}", "model": HOSTILE},
                {"output": f"b{n}", "model": "m2"},
            ],
            "decisions": [
                {
                    "reviewer": "ann1",
                    "preference": "a" if n % 3 else "b",
                    "decided_at": "2026-11-21T09:00:00Z",
                    "shown_order": "ab",
                },
                {"reviewer": "ann2", "preference": "a", "decided_at": "2026-11-21T09:01:00Z"},
            ],
        }
        for n in range(6)
    ]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(pair) + "\n" for pair in pairs))
    import_files(store, [data])
    out = tmp_path / "report.html"
    write_report(store.engine, out)
    page = out.read_text(encoding="utf-8")
    section = page[page.index('<section id="comparisons">') :]
    section = section[: section.index("</section>")]
    assert "6 comparisons, 6 decided" in section
    assert "Left out: 2 comparisons whose reviewers split" in section
    assert "Bradley–Terry with ties (Davidson)" in section
    assert "of 6 a/b decisions with a recorded order" in section
    assert "Agreement on 6 comparisons" in section
    assert HOSTILE not in page and "&lt;script&gt;" in section
