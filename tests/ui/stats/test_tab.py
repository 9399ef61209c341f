"""The Statistics tab on the demo store, checked against `compute_overview` on the same store."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewdesk.demo import ensure_demo_store
from reviewdesk.domain import Verdict
from reviewdesk.formatting import interval, percent
from reviewdesk.stats import Overview, compute_overview
from reviewdesk.store import Resolution, Store
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.stats import tab as stats_tab
from reviewdesk.ui.stats.tab import StatsTab
from tests.ui.disputes import JUDGE, _decision, make_three_disputes

OpenDesk = Callable[..., DeskWindow]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return ensure_demo_store(tmp_path / "demo.sqlite")


def expected(path: Path, policy: Resolution = Resolution.RESOLVED) -> Overview:
    with Store.open(path, create=False) as store:
        return compute_overview(store.engine, policy)


def cell(tab: StatsTab, page: str, row: int, column: int) -> str:
    item = getattr(tab, page).table.item(row, column)
    assert item is not None
    return str(item.text())


def show_stats(qtbot: QtBot, window: DeskWindow) -> Overview:
    with qtbot.waitSignal(window.stats.overview_shown) as shown:
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.stats
    overview = shown.args[0]
    assert isinstance(overview, Overview)
    return overview


def test_the_tab_shows_the_demo_stores_numbers(
    qtbot: QtBot, open_desk: OpenDesk, demo: Path
) -> None:
    window = open_desk(demo)
    assert window.stats.overview is None  # nothing computed before the tab is shown
    show_stats(qtbot, window)
    truth = expected(demo)
    tab = window.stats
    for row, group in enumerate(truth.by_prompt_version):
        assert cell(tab, "versions", row, 0) == group.group["prompt_template"]
        assert cell(tab, "versions", row, 1) == group.group["prompt_version"]
        assert cell(tab, "versions", row, 2) == str(group.n)
        assert cell(tab, "versions", row, 6) == percent(group.acceptance)
        assert cell(tab, "versions", row, 7) == interval(
            group.acceptance_low, group.acceptance_high
        )
    model = truth.by_model[0]
    assert cell(tab, "models", 0, 0) == model.group["model"]
    assert cell(tab, "models", 0, 4) == str(model.reject)
    assert tab.versions.note.text().splitlines() == [c.sentence for c in truth.comparisons]
    assert f"{truth.totals.labels:,} labels" in tab.status.text()
    assert "pyqtgraph" in sys.modules


def test_a_decision_refreshes_the_tab_and_the_review_keys_stay_off_it(
    qtbot: QtBot, open_desk: OpenDesk, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats_tab, "REFRESH_INTERVAL_MS", 50)
    window = open_desk(demo)
    before = show_stats(qtbot, window)
    # On the Statistics tab the item keys do nothing.
    assert not window.acts.approve.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.splitter
    assert window.acts.approve.isEnabled()
    with qtbot.waitSignal(window.decision_saved):
        window.acts.approve.trigger()
    after = show_stats(qtbot, window)
    assert after.totals.decisions == before.totals.decisions + 1
    truth = expected(demo)
    assert (after.totals, after.by_model, after.calibration) == (
        truth.totals,
        truth.by_model,
        truth.calibration,
    )
    # While visible, further decisions refresh it again (debounced), without a tab switch.
    window.tabs.setCurrentWidget(window.stats)
    with qtbot.waitSignal(window.stats.overview_shown) as shown:
        window.stats.note_change()
    assert shown.args[0].totals.decisions == after.totals.decisions


def test_switching_the_policy_recomputes(qtbot: QtBot, open_desk: OpenDesk, demo: Path) -> None:
    window = open_desk(demo)
    show_stats(qtbot, window)
    policy = window.stats.policy
    with qtbot.waitSignal(window.stats.overview_shown) as shown:
        policy.setCurrentIndex(policy.findData(Resolution.MAJORITY))
    overview = shown.args[0]
    truth = expected(demo, Resolution.MAJORITY)
    assert overview.policy is Resolution.MAJORITY
    assert overview.totals == truth.totals
    assert cell(window.stats, "routes", 0, 1) == str(truth.by_route[0].n)


def test_items_count_once_and_the_desks_adjudicator_settles_a_tie(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    path = make_three_disputes(tmp_path / "disputes.sqlite")
    with Store.open(path) as store:  # gen-0003: approve, edit, reject, a three-way tie
        store.record_decision(_decision(20, 3, JUDGE, Verdict.REJECT, reasons=["other"]))
        settled = compute_overview(store.engine, Resolution.RESOLVED, (JUDGE,))
        unsettled = compute_overview(store.engine, Resolution.RESOLVED)
    assert (settled.totals.unresolved_items, unsettled.totals.unresolved_items) == (2, 3)
    settings = settings_owner()
    settings.adjudicators = (JUDGE,)
    settings.sync()
    window = open_desk(path)

    overview = show_stats(qtbot, window)
    assert window.stats.policy.currentData() == Resolution.RESOLVED  # the default
    assert overview.policy is Resolution.RESOLVED
    assert overview.totals == settled.totals
    # gen-0004 (two approvals) and gen-0003 (carol's word) count once each; two ties left out.
    assert overview.totals.labels == 2 < overview.totals.decisions == 9
    assert "2 labels on" in window.stats.status.text()
    assert "2 unresolved" in window.stats.status.text()

    # Without the adjudicator, the three-way tie is left out as well.
    with qtbot.waitSignal(window.stats.overview_shown) as shown:
        window.set_adjudicators(())
    assert shown.args[0].totals == unsettled.totals
    assert "3 unresolved" in window.stats.status.text()
