"""The Disagreements filter of the queue list and the count in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from reviewdesk.domain import ItemStatus, QueueFilter
from reviewdesk.store import Store
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.window import DeskWindow
from tests.ui.disputes import ADJUDICATOR, OPEN, make_disputed_store


def test_the_store_selects_open_disagreements(tmp_path: Path) -> None:
    path = make_disputed_store(tmp_path / "disputes.sqlite")
    with Store.open(path) as store:
        unsettled = store.ordered_keys(QueueFilter(status=ItemStatus.DISAGREEMENT))
        open_ = store.ordered_keys(
            QueueFilter(status=ItemStatus.DISAGREEMENT, adjudicators=(ADJUDICATOR,))
        )
        ids = {entry.pk: entry.id for entry in store.entries(unsettled)}
    # Without an adjudicator named, gen-0003 (three reviewers, two verdicts) is still open.
    assert sorted(ids[pk] for pk in unsettled) == ["gen-0001", "gen-0003", "gen-0005"]
    assert sorted(ids[pk] for pk in open_) == list(OPEN)


def test_the_filter_lists_them_and_the_status_bar_counts_them(
    qtbot: QtBot,
    open_desk: Callable[..., DeskWindow],
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    settings = settings_owner()
    settings.adjudicators = (ADJUDICATOR,)
    settings.sync()
    window = open_desk(make_disputed_store(tmp_path / "disputes.sqlite"))
    qtbot.waitUntil(lambda: window.status.disagreements.isVisible())
    assert window.status.disagreements.text() == "2 disagreements"

    with qtbot.waitSignal(window.model.rows_loaded):
        window.queue_panel.show_disagreements()
    shown = [window.model.entry_at(row) for row in range(window.model.rowCount())]
    assert sorted(entry.id for entry in shown if entry is not None) == list(OPEN)
    assert window.queue_panel.count.text() == "2 items"
