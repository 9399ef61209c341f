"""The desk's main window: the queue list, the review view, the keys, menus and status bar.

The window drives a `ReviewSession` that lives on the store worker. A key press submits one
session call; the call returns a `Step` (what to show next), and only then does the window move on,
so a decision is durable before the next item appears. While a step is in flight further
decision keys are ignored, so a quick double press never decides an item nobody has seen.
The deciding commands (approve, edit, reject, comment) are in `ui.review.decision_desk`, and
submit their step through `submit_step` like every other move.

The window's helpers (its actions, and the desks for deciding, the File menu and syncing) do not
know this class: each states what it needs of the window as a `Protocol` (`WindowCommands`,
`DecisionHost`, `FileDeskHost`, `SyncHost`) and the window has what they ask for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import ItemStatus, QueueFilter, Reason
from reviewdesk.errors import UserError
from reviewdesk.review import ReviewItem, ReviewSession, SessionProgress, Step, Stopwatch
from reviewdesk.store import Store
from reviewdesk.store.engine import upgrade_notice
from reviewdesk.ui.dialogs.template import TemplateViewer
from reviewdesk.ui.queue_list.model import QueueModel
from reviewdesk.ui.queue_list.panel import FILTER_COLUMNS, QueuePanel
from reviewdesk.ui.review.adjudicate import disputed
from reviewdesk.ui.review.compare_desk import CompareDesk
from reviewdesk.ui.review.decision_desk import DecisionDesk
from reviewdesk.ui.review.guidelines import GuidelinesDialog, KeysDialog
from reviewdesk.ui.review.view import ReviewView
from reviewdesk.ui.runner import TaskRunner
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.actions import DeskActions
from reviewdesk.ui.shell.file_desk import FileDesk
from reviewdesk.ui.shell.help import PANE_HELP, FirstRunPanel, loop_keys_text, set_whats_this
from reviewdesk.ui.shell.pages import DeskPages, DeskTabs
from reviewdesk.ui.shell.saved_views import SavedViewsMenu
from reviewdesk.ui.shell.status_line import StatusLine
from reviewdesk.ui.stats.tab import StatsTab
from reviewdesk.ui.style import Theme, app_icon, apply_theme
from reviewdesk.ui.sync.control import SyncController
from reviewdesk.ui.sync.desk import SyncDesk

logger = logging.getLogger(__name__)

__all__ = ["DeskWindow"]

StoreOpener = Callable[[], Store]

_LET_GO_S = 120.0
"""How long a store switch waits for the statistics and the sync to finish with the old store
(a sync's requests time out well before: 3 tries of at most 20 s)."""


@dataclass(frozen=True)
class _Opened:
    store: Store
    session: ReviewSession
    step: Step
    reasons: list[Reason]
    empty: bool


class DeskWindow(QMainWindow):
    """The review desk on one store.

    Args:
        open_store: opens the store (called on the worker; the window closes it at the end).
        store_label: how the status bar names the store.
        settings: the preferences (default: the user's).
        sync: the link to a queue server (default: one with the user's keychain).
        size: open at this size, whatever the saved layout (which is then left as it is):
            for screenshots of a stated size.

    Signals:
        item_shown(int): an item (its pk) was put on screen.
        item_painted(int): the output view painted the item on screen.
        decision_saved(object): a `Decision` is durably in the store.
        decision_failed(str): a decision could not be written; the item stays, with the reason.
        decision_undone(object): the `Decision` undo removed.
        queue_finished(): there is nothing left to review in this session.
        store_empty(): the store holds no item at all.
    """

    item_shown = Signal(int)
    item_painted = Signal(int)
    decision_saved = Signal(object)
    decision_failed = Signal(str)
    decision_undone = Signal(object)
    queue_finished = Signal()
    store_empty = Signal()
    store_upgrading = Signal(str, str)

    def __init__(
        self,
        open_store: StoreOpener,
        *,
        store_label: str,
        settings: DeskSettings | None = None,
        sync: Callable[[DeskWindow], SyncController] | None = None,
        size: QSize | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(f"reviewdesk — {store_label}")
        self.setWindowIcon(app_icon())
        self.settings = settings or DeskSettings(self)
        self.runner = TaskRunner(self)
        self._store: Store | None = None
        self._session: ReviewSession | None = None
        self._reviewer = self.settings.reviewer
        self._reasons: list[Reason] = []
        self._item: ReviewItem | None = None
        self._in_flight = False
        self._skipped: set[int] = set()
        self._progress = SessionProgress()
        self._stopwatch = Stopwatch()
        self._closing = False
        self._focus_settled = False
        self._editing = False
        self._dialog: QDialog | None = None
        self._fixed_size = size
        self._placed = size is not None

        self.sync = sync(self) if sync is not None else SyncController(self, self.runner)
        self.model = QueueModel(self.runner, self)
        self.model.set_reviewer(self._reviewer)
        self.queue_panel = QueuePanel(self.model, self)
        self.review = ReviewView(self)
        self.file_desk = FileDesk(self, self)
        self.decisions = DecisionDesk(self, self)
        self.pages = DeskPages(
            self.review,
            self,
            on_import=self.file_desk._on_import_action_triggered,
            on_demo=self.file_desk._on_demo_action_triggered,
            on_back=self._on_previous_action_triggered,
            on_clear_filters=self._on_clear_filters_action_triggered,
        )
        self.loading, self.empty, self.finished = (
            self.pages.loading,
            self.pages.empty,
            self.pages.finished,
        )
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.queue_panel)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setSizes([430, 1010])
        self.stats = StatsTab(self)
        self.tabs = DeskTabs(self)
        self.tabs.addTab(self.splitter, "Review")
        self.tabs.addTab(self.stats, "Statistics")
        self.compare = CompareDesk(self, self, hide_models=self.settings.hide_models)
        self._compare_tab = self.tabs.addTab(self.compare, "Comparisons")
        self.tabs.tabBar().setTabVisible(self._compare_tab, False)  # until the store has some
        central = QWidget(self)
        self._central = QVBoxLayout(central)
        self._central.setContentsMargins(0, 0, 0, 0)
        self._central.setSpacing(0)
        self._central.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.sync_desk = SyncDesk(self, self)
        self.acts = DeskActions(self, self)
        self.status = StatusLine(self, store_label, self.acts.sync_now, self.acts.new_token)
        self.sync_status = self.status.sync
        self.saved_label, self.progress_label = self.status.saved, self.status.progress
        self.first_run: FirstRunPanel | None = None
        if not self.settings.reviewer_confirmed:
            self._show_first_run()
        self._describe_panes()
        if size is None:
            self.settings.restore_layout(self, self._splitters(), self._available())
        else:
            self.resize(size)
        self.apply_appearance()
        self.set_editing(False)

        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.decision_saved.connect(self.stats.note_change)
        self.decision_undone.connect(self.stats.note_change)
        self.decision_saved.connect(self.count_disagreements)
        self.decision_undone.connect(self.count_disagreements)
        self.decision_saved.connect(self._refresh_disputes_list)
        self.decision_undone.connect(self._refresh_disputes_list)
        self.decision_saved.connect(self.review.form.forget_draft)
        self.decision_undone.connect(self.review.form.restore_answers)
        self.queue_panel.set_adjudicators(self.settings.adjudicators)
        self.stats.set_adjudicators(self.settings.adjudicators)
        self.review.painted.connect(self._on_review_painted)
        self.templates = TemplateViewer(self, self.runner, lambda: self._store)
        self.review.header.template_requested.connect(self.templates.show_template)
        self.queue_panel.item_activated.connect(self._on_queue_panel_item_activated)
        self.queue_panel.search_left.connect(self._on_queue_panel_search_left)
        self.queue_panel.view_changed.connect(self._on_queue_panel_view_changed)
        self.queue_panel.set_hidden_columns(self.settings.hidden_columns)
        self.saved_views = SavedViewsMenu(self, self.acts.views_menu, self)
        self.queue_panel.columns_changed.connect(self._on_queue_panel_columns_changed)
        self.model.load_failed.connect(self._on_model_load_failed)
        self.store_upgrading.connect(self.pages.show_upgrading)
        self.compare.opened.connect(self._on_compare_opened)
        self._empty_texts = (self.empty.title.text(), self.empty.text.text())
        self.runner.submit(
            lambda: self._open(open_store), self._on_store_opened, self._on_open_failed
        )

    def set_editing(self, editing: bool) -> None:
        """Enter or leave editing the output: only the edit keys work while editing."""
        self._editing = editing
        for action in self.acts.desk_actions:
            action.setEnabled(not editing)
        for action in self.acts.edit_actions:
            action.setEnabled(editing)
        self.tabs.tabBar().setEnabled(not editing)
        self._enable_item_actions()

    def _enable_item_actions(self) -> None:
        on = not self._editing and self.tabs.currentWidget() is self.splitter
        for action in self.acts.item_actions:
            action.setEnabled(on)
        item = self._item
        self.acts.adjudicate.setEnabled(on and item is not None and disputed(item.decisions))
        self.queue_panel.setEnabled(on)

    # -- opening ------------------------------------------------------------------------------

    def _open(self, open_store: StoreOpener) -> _Opened:
        """On the worker: open the store and start a session."""
        with upgrade_notice(self.store_upgrading.emit):  # to the GUI thread, queued
            store = open_store()
        try:
            session = ReviewSession(store, self._reviewer)
            step = session.start()
            empty = step.item is None and store.counts().generations == 0
            return _Opened(store, session, step, store.reasons(), empty)
        except BaseException:
            store.close()
            raise

    def _on_store_opened(self, opened: _Opened) -> None:
        if self._closing:
            opened.store.close()
            return
        self._store, self._session, self._reasons = opened.store, opened.session, opened.reasons
        self._skipped.clear()
        self.status.store.setText(str(opened.store.path))
        self.status.store.setToolTip(str(opened.store.path))
        self._on_step(opened.step)
        if opened.empty:
            self.pages.show_empty()
            self.store_empty.emit()
        session, store = opened.session, opened.store
        self.model.set_store(store)
        self.stats.set_store(store)
        self.sync.set_store(store)
        self.compare.set_store(store, self._reviewer)
        self.runner.submit(session.count_pending, self._on_progress_step)
        self._on_queue_panel_view_changed(self.queue_panel.current_filter())
        self.count_disagreements()
        self.runner.submit(
            lambda: {column: store.distinct(column) for column in FILTER_COLUMNS},
            self._on_choices_loaded,
        )

    def _on_compare_opened(self, any_comparisons: bool) -> None:
        # The Comparisons tab shows when the store holds comparisons; a store of comparisons
        # alone opens on it rather than on "This store is empty".
        self.tabs.tabBar().setTabVisible(self._compare_tab, any_comparisons)
        title, text = self._empty_texts
        if any_comparisons:
            title = "No generations to review here"
            text = "This store holds comparisons: see the Comparisons tab (Ctrl+3)."
        self.empty.title.setText(title)
        self.empty.text.setText(text)
        if any_comparisons and self.pages.currentWidget() is self.empty:
            self.tabs.setCurrentWidget(self.compare)

    def _on_open_failed(self, error: UserError) -> None:
        self.pages.show_open_failed(str(error))

    def _on_choices_loaded(self, choices: dict[str, list[str]]) -> None:
        for column, values in choices.items():
            self.queue_panel.set_choices(column, values)

    def _on_model_load_failed(self, message: str) -> None:
        self.status.show_message(f"The queue list cannot be read: {message}", 8000)

    # -- steps --------------------------------------------------------------------------------

    def submit_step(
        self,
        work: Callable[[ReviewSession], Step],
        on_error: Callable[[UserError], None] | None = None,
    ) -> bool:
        """Run `work(session)` on the worker and show the `Step` it returns; False (and nothing
        runs) while another step is in flight. A failed step leaves the screen as it is and
        goes to `on_error` (by default: the reason, above the item)."""
        session = self._session
        if session is None or self._in_flight:
            return False
        self._in_flight = True
        show_failure = on_error or self._on_step_failed

        def failed(error: UserError) -> None:
            self._in_flight = False
            show_failure(error)

        self.runner.submit(lambda: work(session), self._on_step, failed)
        return True

    def _on_step(self, step: Step) -> None:
        self._in_flight = False
        if step.saved is not None:
            self.status.show_saved()
        if step.undone is not None:
            self.status.show_message(
                f"Undid {step.undone.verdict} on {step.undone.generation_id}", 4000
            )
        if step.touched is not None:
            if step.saved is not None:
                self._skipped.discard(step.touched.pk)
            elif step.undone is None:  # a skip
                self._skipped.add(step.touched.pk)
            self.model.mark_skipped(sorted(self._skipped))
            self.model.update_entry(step.touched)
            self._show_mine(step)
        if step.note:
            self.status.show_message(step.note, 4000)
        self._on_progress_step(step)
        if step.item is None:
            self._show_finished(step.progress)
        elif self._item is None or step.item is not self._item:
            self._show_item(step.item)
        if step.saved is not None:
            self.decision_saved.emit(step.saved)
        if step.undone is not None:
            self.decision_undone.emit(step.undone)
        session = self._session
        if session is not None and step.item is not None:
            # Once the item is painted: the prefetch's Python work would slow the paint down.
            self.runner.submit(session.prefetch, after_events=True)

    def _show_mine(self, step: Step) -> None:
        """The list's Mine column after a decision or an undo."""
        touched = step.touched
        if touched is None:
            return
        if step.saved is not None:
            self.model.set_mine(touched.pk, step.saved.verdict)
        elif step.undone is not None and step.item is not None and step.item.pk == touched.pk:
            earlier = step.item.latest_by(self._reviewer)
            self.model.set_mine(touched.pk, None if earlier is None else earlier.verdict)

    def _on_step_failed(self, error: UserError) -> None:
        self.review.show_problem(f"{error}")
        self.status.show_message(str(error), 8000)

    def _on_progress_step(self, step: Step) -> None:
        self._progress = step.progress
        self.status.show_progress(step.progress)

    def count_pending(self) -> None:
        """Count the pending items again (after items arrived) and show the figure."""
        session = self._session
        if session is not None:
            self.runner.submit(session.count_pending, self._on_progress_step)

    def count_disagreements(self, _changed: object = None) -> None:
        """Count the open disagreements again and show the figure in the status bar."""
        store = self._store
        if store is None:
            return
        filters = QueueFilter(status=ItemStatus.DISAGREEMENT, adjudicators=self.adjudicators)
        self.runner.submit(lambda: len(store.ordered_keys(filters)), self.status.show_disagreements)

    def disputes_filter(self) -> QueueFilter:
        """The open disagreements, narrowed as the queue list is when it shows them."""
        shown = self.queue_panel.current_filter()
        if shown.status is ItemStatus.DISAGREEMENT:
            return shown
        return QueueFilter(status=ItemStatus.DISAGREEMENT, adjudicators=self.adjudicators)

    def _refresh_disputes_list(self, _changed: object = None) -> None:
        # A decision can settle a disagreement (or an undo reopen it): the list shows it.
        if self.queue_panel.current_filter().status is ItemStatus.DISAGREEMENT:
            self.queue_panel.apply_filter()

    def set_adjudicators(self, names: tuple[str, ...]) -> None:
        """Keep `names` as the adjudicators; the list, the count and the statistics follow."""
        names = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
        if names == self.settings.adjudicators:
            return
        self.settings.adjudicators = names
        self.settings.sync()
        self.queue_panel.set_adjudicators(names)
        self.stats.set_adjudicators(names)
        self.count_disagreements()
        if self._item is not None:
            self.review.decisions.show_decisions(
                self._item.decisions,
                self._item.generation.output,
                reviewer=self._reviewer,
                reasons=self._reasons,
                adjudicators=names,
            )

    def _show_item(self, item: ReviewItem) -> None:
        self._item = item
        if self._editing:
            self.set_editing(False)
        else:
            self._enable_item_actions()
        self.pages.show_review()
        self.review.show_item(
            item, self._reviewer, reasons=self._reasons, adjudicators=self.adjudicators
        )
        self.review.output.set_markdown(self.acts.markdown.isChecked())
        if comment := self.decisions.comment_for(item):  # written before a skip
            self.review.header.set_comment(comment)
        self.model.set_current(item.pk)
        if not self._focus_settled:
            # Qt gives the first focusable widget (the search box) the focus when the window
            # opens; the keys are for the item, so the first item takes the focus.
            self._focus_settled = True
            self.review.output.text.setFocus(Qt.FocusReason.OtherFocusReason)
        self._stopwatch.restart()
        self.item_shown.emit(item.pk)

    def _show_finished(self, progress: SessionProgress) -> None:
        self._item = None
        self.set_editing(False)  # and the adjudicate key off
        self.model.set_current(None)
        self.pages.show_finished(progress)
        self.queue_finished.emit()

    def _on_review_painted(self) -> None:
        if self._item is not None:
            self.item_painted.emit(self._item.pk)

    # -- dialogs ------------------------------------------------------------------------------

    def open_dialog(self, dialog: QDialog) -> None:
        """Open `dialog` (window-modal); the keys go back to the item when it closes."""
        self._dialog = dialog
        dialog.finished.connect(self._on_dialog_finished)
        _fit_dialog(dialog, self._available(), self.frameGeometry().size() - self.size())
        dialog.open()

    def _on_dialog_finished(self, _result: int) -> None:
        self._dialog = None
        # Back to the item: the keys go on working where the reviewer left off.
        self.activateWindow()
        self.review.output.text.setFocus(Qt.FocusReason.PopupFocusReason)

    @property
    def dialog(self) -> QDialog | None:
        """The dialog open on the window, if any."""
        return self._dialog

    # -- moving -------------------------------------------------------------------------------

    def _on_skip_action_triggered(self) -> None:
        if self._item is not None:
            self.submit_step(ReviewSession.skip)

    def _on_undo_action_triggered(self) -> None:
        self.submit_step(ReviewSession.undo)

    def _on_next_action_triggered(self) -> None:
        self.submit_step(ReviewSession.forward)

    def _on_previous_action_triggered(self) -> None:
        self.submit_step(ReviewSession.back)

    def _on_queue_panel_item_activated(self, pk: int) -> None:
        if self._item is not None and self._item.pk == pk:
            return
        self.submit_step(lambda session: session.open(pk))

    def _on_queue_panel_search_left(self) -> None:
        self.review.output.text.setFocus()

    def _on_queue_panel_view_changed(self, view: QueueFilter) -> None:
        # The list's view is the review's queue: the next item, skip, J and K stay inside it.
        session = self._session
        if session is not None:
            self.runner.submit(
                lambda: session.set_scope(view), lambda step: self._on_scope_step(session, step)
            )

    def _on_scope_step(self, session: ReviewSession, step: Step | None) -> None:
        if step is None or session is not self._session:  # unchanged, or another store now
            return
        if self._in_flight:
            # A step submitted after the scope's is on its way; it shows the item.
            self._on_progress_step(step)
        else:
            self._on_step(step)

    def _on_save_view_action_triggered(self) -> None:
        self.saved_views.ask_to_save()

    def show_message(self, text: str) -> None:
        """A passing message in the status bar."""
        self.status.show_message(text, 4000)

    def _on_columns_action_triggered(self) -> None:
        self.queue_panel.show_columns_menu()

    def _on_queue_panel_columns_changed(self, hidden: tuple[str, ...]) -> None:
        self.settings.hidden_columns = hidden
        self.settings.sync()

    def _on_clear_filters_action_triggered(self) -> None:
        self.queue_panel.clear_filters()

    def _on_next_flag_action_triggered(self) -> None:
        self.review.flags.step(1)

    def _on_previous_flag_action_triggered(self) -> None:
        self.review.flags.step(-1)

    def _on_prompt_action_triggered(self) -> None:
        self.review.show_last_user_turn()

    def _on_template_action_triggered(self) -> None:
        self.review.header.request_template()

    def _on_next_pane_action_triggered(self) -> None:
        self._focus_pane(1)

    def _on_previous_pane_action_triggered(self) -> None:
        self._focus_pane(-1)

    def _focus_pane(self, by: int) -> None:
        # F6 / Shift+F6 go round the panes: the queue list, the prompt, the output, the flags.
        panes = [self.queue_panel.table, *self.review.panes()]
        panes = [pane for pane in panes if pane.isVisible()]
        if not panes:
            return
        focused = QApplication.focusWidget()
        at = next((n for n, pane in enumerate(panes) if pane is focused), -1)
        start = at if at >= 0 else (-1 if by > 0 else len(panes))
        panes[(start + by) % len(panes)].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_review_tab_action_triggered(self) -> None:
        self.tabs.setCurrentWidget(self.splitter)

    def _on_stats_tab_action_triggered(self) -> None:
        self.tabs.setCurrentWidget(self.stats)

    def _on_compare_tab_action_triggered(self) -> None:
        if self.tabs.tabBar().isTabVisible(self._compare_tab):
            self.tabs.setCurrentWidget(self.compare)

    def _on_tabs_current_changed(self, _index: int) -> None:
        self._enable_item_actions()
        # The Comparisons tab has its own toolbar and counts (the items' would mislead there).
        items = self.tabs.currentWidget() is not self.compare
        for widget in (self.acts.toolbar, self.status.progress, self.status.rate):
            widget.setVisible(items)
        if self.first_run is not None:
            self.first_run.set_keys(self._loop_keys())
        if self.tabs.currentWidget() is self.splitter:
            self.review.output.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_quit_action_triggered(self) -> None:
        self.close()

    def _on_search_action_triggered(self) -> None:
        self.queue_panel.focus_search()

    def _on_disagreements_action_triggered(self) -> None:
        # The Disagreements filter on, and the first open disagreement on screen.
        store = self._store
        if store is None:
            return
        self.queue_panel.show_disagreements()
        disputes = self.disputes_filter()
        self.runner.submit(
            lambda: next(iter(store.ordered_keys(disputes)), None), self._on_first_dispute_found
        )

    def _on_first_dispute_found(self, pk: int | None) -> None:
        if pk is None:
            self.status.show_message("No open disagreements.", 4000)
        elif self._item is None or self._item.pk != pk:
            self.submit_step(lambda session: session.open(pk))

    def _on_markdown_action_triggered(self) -> None:
        on = self.acts.markdown.isChecked()
        self.settings.markdown = on
        self.review.output.set_markdown(on)

    def _on_guidelines_action_triggered(self) -> None:
        self.review.set_guidelines_on(self.acts.guidelines.isChecked())
        if not self.review.guidelines_text:
            self.status.show_message("This item's queue has no guidelines.", 4000)

    def _on_guidelines_dialog_action_triggered(self) -> None:
        text = self.review.guidelines_text
        if not text:
            self.status.show_message("This item's queue has no guidelines.", 4000)
            return
        queue = self._item.generation.queue if self._item is not None else None
        dialog = GuidelinesDialog(text, f"Guidelines — {queue or 'this queue'}", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialog(dialog)

    def _on_keys_action_triggered(self) -> None:
        form_rows = self.review.form.key_rows()
        sections = [("This queue's form", form_rows)] if form_rows else []
        sections.append(("The desk", self.acts.key_rows()))
        if self.tabs.tabBar().isTabVisible(self._compare_tab):
            sections.append(("The Comparisons tab (Ctrl+3)", self.compare.key_rows()))
        guidelines = self._on_guidelines_dialog_action_triggered
        dialog = KeysDialog(sections, self, guidelines if self.review.guidelines_text else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialog(dialog)

    # -- help ---------------------------------------------------------------------------------

    def _show_first_run(self) -> None:
        self.first_run = FirstRunPanel(self._reviewer, self._loop_keys(), self)
        self.first_run.confirmed.connect(self._on_first_run_confirmed)
        self._central.insertWidget(0, self.first_run)

    def _loop_keys(self) -> str:
        """The keys of the loop on the tab shown: the items' or the comparisons'."""
        if self.tabs.currentWidget() is self.compare:
            desk = self.compare
            return loop_keys_text([desk.left, desk.right, desk.tie, desk.both_bad, desk.undo])
        acts = self.acts
        return loop_keys_text([acts.approve, acts.edit, acts.reject, acts.skip, acts.undo])

    def _on_first_run_confirmed(self, name: str) -> None:
        self.settings.reviewer = name
        self.settings.sync()
        self._close_first_run()
        if name != self._reviewer:
            self.change_reviewer(name)
        self.review.output.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _close_first_run(self) -> None:
        if self.first_run is not None:
            self.first_run.hide()
            self.first_run.deleteLater()
            self.first_run = None

    def _describe_panes(self) -> None:
        review = self.review
        set_whats_this(
            {
                self.queue_panel: PANE_HELP["queue"],
                review.prompt: PANE_HELP["prompt"],
                review.output: PANE_HELP["output"],
                review.output.text: PANE_HELP["output"],
                review.flags: PANE_HELP["flags"],
                review.header: PANE_HELP["header"],
            }
        )

    # -- store and settings -------------------------------------------------------------------

    def switch_store(self, open_store: StoreOpener, *, close_old: bool = True) -> None:
        """Close the store (unless `close_old` is False) and open the one `open_store` opens."""
        old, self._store, self._session, self._item = self._store, None, None, None
        self.model.set_store(None)
        self.compare.set_store(None, self._reviewer)
        released = (self.stats.let_go(), self.sync.let_go())
        self.pages.show_loading()

        def work() -> _Opened:
            if old is not None and close_old:
                # An overview being computed and a sync in flight (which writes the server's
                # answers to the store) finish with the old store before it closes.
                for done in released:
                    if not done.wait(_LET_GO_S):
                        logger.warning("closing the store while a worker still uses it")
                old.close()
            return self._open(open_store)

        self.runner.submit(work, self._on_store_opened, self._on_open_failed)

    def restart_session(self) -> None:
        """Start a new session on the same store (the queue changed under the current one)."""
        store = self._store
        if store is None:
            return
        self.switch_store(lambda: store, close_old=False)

    def change_reviewer(self, name: str) -> None:
        """Decide under another name from now on (in a new session)."""
        self._reviewer = name
        self.model.set_reviewer(name)
        self.restart_session()

    def apply_appearance(self) -> None:
        """Apply the theme and font size of the settings (a reviewer name set in them closes
        the first-run panel)."""
        if self.settings.reviewer_confirmed:
            self._close_first_run()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.settings.theme)
        font = self.review.font()
        font.setPointSize(self.settings.font_size)
        self.review.setFont(font)
        self.compare.setFont(font)
        self.compare.set_hide_models(self.settings.hide_models)

    def desk_key_rows(self) -> list[tuple[str, str]]:
        """The window's keys that work on every tab (the Comparisons tab lists them beside its
        own): not the Review tab's keys for the item on screen, which are off there."""
        acts = self.acts
        return acts.key_rows(leave_out=[*acts.item_actions, *acts.edit_actions, acts.adjudicate])

    @property
    def theme(self) -> Theme:
        return self.settings.theme

    # -- state and closing --------------------------------------------------------------------

    def _available(self) -> QRect:
        """The room for windows on the window's screen."""
        return self.screen().availableGeometry()

    def _splitters(self) -> dict[str, QSplitter]:
        return {
            "main-splitter": self.splitter,
            "review-splitter": self.review.splitter,
            "output-splitter": self.review.output.splitter,
            "decisions-splitter": self.review.columns,
            "form-splitter": self.review.upper,
            "guidelines-splitter": self.review.aside,
        }

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            self._keep_frame_on_screen()

    def _keep_frame_on_screen(self) -> None:
        # The size fitted before the window had a frame: its title bar and borders may
        # overhang the screen's room by a few pixels.
        available, frame = self._available(), self.frameGeometry()
        if available.contains(frame):
            return
        extra = frame.size() - self.size()
        self.resize(self.size().boundedTo(available.size() - extra))
        frame = self.frameGeometry()
        left = min(max(frame.left(), available.left()), available.right() - frame.width() + 1)
        top = min(max(frame.top(), available.top()), available.bottom() - frame.height() + 1)
        self.move(left, top)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self._closing = True
            if self._fixed_size is None:
                self.settings.save_layout(self, self._splitters(), self._available())
            store = self._store
            self._store = self._session = None
            self.stats.shutdown()  # before the store closes: it may be reading it
            self.sync.shutdown()  # likewise; a retry wait is cut short
            if store is not None:
                self.runner.submit(store.close)
            self.runner.shutdown()  # waits for queued decisions to reach the disk
        event.accept()

    @property
    def current_item(self) -> ReviewItem | None:
        return self._item

    @property
    def store(self) -> Store | None:
        """The open store (None while opening or switching)."""
        return self._store

    @property
    def stopwatch(self) -> Stopwatch:
        """Time on the item on screen (restarted when an item is shown)."""
        return self._stopwatch

    @property
    def editing(self) -> bool:
        return self._editing

    @property
    def session(self) -> ReviewSession | None:
        """The session (lives on the worker: read it only when the worker is idle)."""
        return self._session

    @property
    def in_flight(self) -> bool:
        return self._in_flight

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def reviewer(self) -> str:
        return self._reviewer

    @property
    def adjudicators(self) -> tuple[str, ...]:
        """Reviewers whose decision settles a disagreement (from the settings)."""
        return self.settings.adjudicators

    @property
    def reasons(self) -> list[Reason]:
        """The store's reason taxonomy as the desk knows it."""
        return self._reasons

    @reasons.setter
    def reasons(self, reasons: list[Reason]) -> None:
        self._reasons = reasons


def _fit_dialog(dialog: QDialog, available: QRect, frame: QSize) -> None:
    """Cut `dialog` to the room on the screen, so its buttons are never off it; `frame` is
    what a window's frame adds to its size (the main window's, as the dialog has none yet)."""
    wanted = (
        dialog.size() if dialog.testAttribute(Qt.WidgetAttribute.WA_Resized) else dialog.sizeHint()
    )
    room = available.size() - frame
    if room.width() >= wanted.width() and room.height() >= wanted.height():
        return
    dialog.resize(wanted.boundedTo(room))
    dialog.move(available.topLeft())
