"""The Statistics tab's Comparisons page: shown only when the store holds comparisons, with each
model's rating, wins, ties and losses, position bias and agreement."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewdesk.formatting import interval
from reviewdesk.ingest import import_files
from reviewdesk.stats.comparisons import comparison_stats
from reviewdesk.stats.inference import wilson
from reviewdesk.store import Store
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.stats.tab import StatsTab
from tests.helpers.records import record, write_jsonl

OpenDesk = Callable[..., DeskWindow]

# (model a, model b, [(reviewer, preference, shown order)], how many such comparisons)
_PLAN: list[tuple[str, str, list[tuple[str, str, str]], int]] = [
    ("big", "small", [("r1", "a", "ab"), ("r2", "a", "ba")], 2),  # big wins, two agree
    ("big", "small", [("r1", "a", "ba")], 5),  # big wins, picked on the right
    ("small", "big", [("r1", "tie", "ab")], 1),
    ("big", "mid", [("r1", "a", "ab")], 4),
    ("mid", "big", [("r1", "a", "ab")], 2),  # mid wins
    ("mid", "small", [("r1", "a", "ab")], 5),
    ("small", "mid", [("r1", "a", "ab")], 1),  # small wins
    ("mid", "small", [("r1", "both_bad", "ab")], 1),
]


def _records(route: str | None = None) -> list[dict[str, Any]]:
    records, n = [], 0
    for model_a, model_b, decisions, count in _PLAN:
        for _ in range(count):
            n += 1
            records.append(
                {
                    "id": f"cmp-{n}",
                    "prompt": f"prompt {n}",
                    "candidates": [
                        {"output": f"A{n}", "model": model_a, "route": route},
                        {"output": f"B{n}", "model": model_b, "route": route},
                    ],
                    "decisions": [
                        {
                            "reviewer": reviewer,
                            "preference": preference,
                            "shown_order": shown,
                            "decided_at": f"2026-11-21T09:{i:02d}:00Z",
                            **({"reasons": ["unsafe"]} if preference == "both_bad" else {}),
                        }
                        for i, (reviewer, preference, shown) in enumerate(decisions)
                    ],
                }
            )
    return records


def _store(tmp_path: Path, *, comparisons: bool, route: str | None = None) -> Path:
    path = tmp_path / "store.sqlite"
    items = write_jsonl(tmp_path / "items.jsonl", [record(1, flags=[]), record(2, flags=[])])
    files = [items]
    if comparisons:
        pairs = tmp_path / "pairs.jsonl"
        pairs.write_text("".join(json.dumps(r) + "\n" for r in _records(route)))
        files.append(pairs)
    with Store.open(path) as store:
        import_files(store, files)
    return path


def _show_stats(qtbot: QtBot, window: DeskWindow) -> StatsTab:
    with qtbot.waitSignal(window.stats.overview_shown):
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    return window.stats


def _rows(tab: StatsTab) -> list[list[str]]:
    table = tab.comparisons.table
    rows: list[list[str]] = []
    for row in range(table.rowCount()):
        cells = [table.item(row, column) for column in range(table.columnCount())]
        rows.append([str(cell.text()) if cell is not None else "" for cell in cells])
    return rows


def test_a_store_with_comparisons_shows_each_models_rating_and_tallies(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = _store(tmp_path, comparisons=True)
    window = open_desk(path)
    tab = _show_stats(qtbot, window)
    titles = [tab.tables.tabText(i) for i in range(tab.tables.count())]
    assert titles.index("Comparisons") == titles.index("Routing") + 1
    tab.tables.setCurrentWidget(tab.comparisons)
    rows = _rows(tab)
    # best first; big: 7 + 4 wins, 1 tie, 2 losses; mid: 2 + 5, 0, 4 + 1 (+1 both bad)
    assert [row[0] for row in rows] == ["big", "mid", "small"]
    assert [row[3:] for row in rows] == [
        ["11", "1", "2", "0"],
        ["7", "0", "5", "1"],
        ["1", "1", "12", "1"],
    ]
    with Store.open(path, create=False) as store, store.engine.connect() as connection:
        truth = comparison_stats(connection)
    for row, rating in zip(rows, truth.ratings, strict=True):
        assert row[1] == f"{rating.log_strength:+.2f}"
        assert row[2] == f"{rating.low:+.2f} – {rating.high:+.2f}"
    assert float(rows[0][1]) > float(rows[1][1]) > float(rows[2][1])
    note = tab.comparisons.note.text()
    assert "21 of 21 comparisons decided" in note
    # a/b picks with the side shown: 19 by r1 (5 of them on the right), 2 by r2 (right)
    low, high = wilson(14, 21)
    assert f"the left one picked in 66.7% of 21 decisions ({interval(low, high)};" in note
    assert "Agreement over 2 comparisons with two or more reviewers: 100.0% all agree" in note
    tab.resize(1400, 700)
    assert tab.grab().save("/tmp/cmpstats.png")


def test_a_store_without_comparisons_has_no_comparisons_page(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(_store(tmp_path, comparisons=False))
    tab = _show_stats(qtbot, window)
    titles = [tab.tables.tabText(i) for i in range(tab.tables.count())]
    assert "Comparisons" not in titles and "Routing" in titles
    assert tab.comparison_stats is None


def test_the_routing_page_says_which_evidence_left_a_route_without_advice(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    # On "chat" big leads, but with 21 comparisons of three models mid's interval reaches
    # above big's lower end: no clear winner, and no labels either.
    window = open_desk(_store(tmp_path, comparisons=True, route="chat"))
    tab = _show_stats(qtbot, window)
    assert tab.overview is not None
    chat = [route for route in tab.overview.routing.routes if route.route == "chat"]
    assert [(route.model, route.evidence) for route in chat] == [(None, "both")]
    table = tab.routing.table
    advice: dict[tuple[str, str], str] = {}
    for row in range(table.rowCount()):
        route, model, said = (table.item(row, column) for column in (0, 1, 9))
        assert route is not None and model is not None and said is not None
        advice[(route.text(), model.text())] = said.text()
    assert [advice[("chat", model)] for model in ("big", "mid", "small")] == [
        "not enough data (by acceptance and preference)"
    ] * 3
    # the items' route, without comparisons, stands on acceptance alone
    assert advice[("support.refund", "gpt-4o-mini")] == "not enough data"
    assert "(by preference)" in tab.routing.note.text()


def test_the_routing_page_says_a_route_was_advised_by_preference(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in _records("chat")
            if {c["model"] for c in r["candidates"]} == {"big", "small"}
        )
    )  # big against small only: 7 wins, 1 tie, no loss
    path = _store(tmp_path, comparisons=False)
    with Store.open(path, create=False) as store:
        import_files(store, [pairs])
    window = open_desk(path)
    tab = _show_stats(qtbot, window)
    table = tab.routing.table
    advice: dict[tuple[str, str], str] = {}
    for row in range(table.rowCount()):
        route, model, said = (table.item(row, column) for column in (0, 1, 9))
        assert route is not None and model is not None and said is not None
        advice[(route.text(), model.text())] = said.text()
    assert advice[("chat", "big")] == "advised (by preference)"
    assert advice[("chat", "small")] == "→ big (by preference)"
    titles = [tab.tables.tabText(i) for i in range(tab.tables.count())]
    assert "Comparisons" in titles
