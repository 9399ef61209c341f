"""The queue list with its search box and filters."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import ItemStatus, QueueFilter, QueueSort, Severity
from reviewdesk.ui.queue_list.model import COLUMNS, PK_ROLE, SORT_OF_COLUMN, QueueModel
from reviewdesk.ui.queue_list.views import SavedView

__all__ = ["FILTER_COLUMNS", "QueuePanel"]

FILTER_COLUMNS = ("queue", "model", "prompt_template", "prompt_version", "route")
_FILTER_LABELS = ("Queue", "Model", "Template", "Version", "Route")
_SEARCH_DELAY_MS = 300
_ANY = ""


def _arrow(descending: bool) -> Qt.SortOrder:
    """The sort indicator that draws ▼ for a descending list (highest first) and ▲ for an
    ascending one. Qt's header draws the opposite of the order it is given (Descending: ▲),
    which reads as the wrong way round next to a list whose values fall down the page."""
    return Qt.SortOrder.AscendingOrder if descending else Qt.SortOrder.DescendingOrder


class QueuePanel(QWidget):
    """Search box, filters and the virtualised queue list.

    Signals:
        item_activated(int): the reviewer opened an item of the list (its pk).
        search_left(): the reviewer pressed Esc in the search box (back to the item).
        view_changed(object): the filters or the search changed (the new `QueueFilter`): the
            review follows them.
        columns_changed(object): the reviewer hid or showed a column (the names of the
            hidden ones, a tuple).
    """

    item_activated = Signal(int)
    search_left = Signal()
    view_changed = Signal(object)
    columns_changed = Signal(object)

    def __init__(self, model: QueueModel, parent: QWidget) -> None:
        super().__init__(parent)
        self.model = model
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search id or text  (/)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the queue by id or text")
        self.views = QComboBox(self)
        self.views.setAccessibleName("Saved views")
        self.views.setToolTip("Saved views: filters, search and sort (Alt+1 … Alt+9)")
        self.views.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.views.setMinimumContentsLength(10)
        self._saved: list[SavedView] = []
        self.set_saved_views([])
        self.views.activated.connect(self._on_views_activated)
        self.combos: dict[str, QComboBox] = {}
        self._adjudicators: tuple[str, ...] = ()
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for number, (column, label) in enumerate(zip(FILTER_COLUMNS, _FILTER_LABELS, strict=True)):
            combo = self._combo([("Any", _ANY)])
            self.combos[column] = combo
            title = QLabel(label, self)
            title.setBuddy(combo)
            combo.setAccessibleName(f"Filter: {label.lower()}")
            grid.addWidget(title, number // 2, (number % 2) * 2)
            grid.addWidget(combo, number // 2, (number % 2) * 2 + 1)
        self.severity = self._combo(
            [("Any", _ANY)] + [(f"≥ {severity}", severity.value) for severity in Severity]
        )
        self.status = self._combo(
            [
                ("Any", _ANY),
                ("Undecided", ItemStatus.PENDING.value),
                ("Decided", ItemStatus.DECIDED.value),
                ("Disagreements", ItemStatus.DISAGREEMENT.value),
            ]
        )
        self.status.setMinimumContentsLength(len("Disagreements"))  # its longest choice, whole
        for row, place, text, combo in (
            (2, 2, "Severity", self.severity),
            (3, 0, "Status", self.status),
        ):
            title = QLabel(text, self)
            title.setBuddy(combo)
            combo.setAccessibleName(f"Filter: {text.lower()}")
            grid.addWidget(title, row, place)
            grid.addWidget(combo, row, place + 1)
        self.count = QLabel(self)
        grid.addWidget(self.count, 3, 2, 1, 2)

        self.table = QTableView(self)
        self.table.setAccessibleName("Queue list")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list, not cell by cell
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, _arrow(descending=True))
        for number, width in enumerate((52, 92, 100, 64, 120, 150, 120, 120)):
            self.table.setColumnWidth(number, width)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        top.addWidget(self.views)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(_SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search.textChanged.connect(self._on_search_textChanged)
        self.search.returnPressed.connect(self._on_search_returnPressed)
        leave = QShortcut(QKeySequence("Esc"), self.search)
        leave.setContext(Qt.ShortcutContext.WidgetShortcut)
        leave.activated.connect(self.search_left)
        header.sectionClicked.connect(self._on_header_sectionClicked)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_customContextMenuRequested)
        self.columns_menu: QMenu | None = None
        self.table.clicked.connect(self._on_table_clicked)
        self.table.activated.connect(self._on_table_activated)
        model.rows_loaded.connect(self._on_model_rows_loaded)

    def _combo(self, choices: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        for label, value in choices:
            combo.addItem(label, value)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        combo.currentIndexChanged.connect(self._on_combo_currentIndexChanged)
        return combo

    def set_choices(self, column: str, values: list[str]) -> None:
        """The values a filter offers (from the store)."""
        combo = self.combos[column]
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("Any", _ANY)
        for value in values:
            combo.addItem(value, value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def current_filter(self) -> QueueFilter:
        values = {column: combo.currentData() or None for column, combo in self.combos.items()}
        severity = self.severity.currentData()
        status = self.status.currentData()
        return QueueFilter(
            **values,
            min_severity=Severity(severity) if severity else None,
            status=ItemStatus(status) if status else None,
            text=self.search.text().strip() or None,
            adjudicators=self._adjudicators,
        )

    def set_adjudicators(self, names: tuple[str, ...]) -> None:
        """Whose decisions settle a disagreement (the Disagreements filter leaves those out)."""
        if names != self._adjudicators:
            self._adjudicators = names
            if self.status.currentData() == ItemStatus.DISAGREEMENT.value:
                self.apply_filter()

    def show_disagreements(self) -> None:
        """Filter the list down to the open disagreements."""
        self.status.setCurrentIndex(self.status.findData(ItemStatus.DISAGREEMENT.value))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def apply_filter(self) -> None:
        self.count.setText("loading…")
        view = self.current_filter()
        self.model.set_view(view)
        self.view_changed.emit(view)

    def clear_filters(self) -> None:
        """Every filter back to Any and the search box empty (one reload)."""
        self._search_timer.stop()
        for combo in (*self.combos.values(), self.severity, self.status):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filter()

    # -- columns ------------------------------------------------------------------------------

    def hidden_columns(self) -> tuple[str, ...]:
        """The names of the columns the reviewer hid."""
        table = self.table
        return tuple(name for number, name in enumerate(COLUMNS) if table.isColumnHidden(number))

    def set_hidden_columns(self, names: Iterable[str]) -> None:
        """Hide the columns named (unknown names are left out; one column always shows)."""
        hidden = set(names) & set(COLUMNS)
        if hidden >= set(COLUMNS):
            hidden.discard(COLUMNS[0])
        for number, name in enumerate(COLUMNS):
            self.table.setColumnHidden(number, name in hidden)

    def show_columns_menu(self, at: QPoint | None = None) -> QMenu:
        """Open the column chooser at `at` (global; default: under the list's header)."""
        if self.columns_menu is not None:
            self.columns_menu.close()
            self.columns_menu.deleteLater()
        menu = QMenu("Columns", self)
        menu.setAccessibleName("Columns of the queue list")
        hidden = self.hidden_columns()
        shown = len(COLUMNS) - len(hidden)
        for number, name in enumerate(COLUMNS):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name not in hidden)
            action.setEnabled(name in hidden or shown > 1)  # the last one shown stays
            action.toggled.connect(
                lambda on, column=number: self._on_column_action_toggled(column, on)
            )
        self.columns_menu = menu
        header = self.table.horizontalHeader()
        menu.popup(at if at is not None else header.mapToGlobal(QPoint(0, header.height())))
        return menu

    def _on_header_customContextMenuRequested(self, position: QPoint) -> None:
        self.show_columns_menu(self.table.horizontalHeader().mapToGlobal(position))

    def _on_column_action_toggled(self, column: int, on: bool) -> None:
        self.table.setColumnHidden(column, not on)
        self.columns_changed.emit(self.hidden_columns())
        if self.columns_menu is not None:  # the last column shown cannot go
            shown = [a for a in self.columns_menu.actions() if a.isChecked()]
            for action in self.columns_menu.actions():
                action.setEnabled(not action.isChecked() or len(shown) > 1)

    # -- saved views --------------------------------------------------------------------------

    def set_saved_views(self, views: list[SavedView]) -> None:
        """The saved views the sidebar's list offers."""
        self._saved = list(views)
        self.views.blockSignals(True)
        self.views.clear()
        self.views.addItem("Saved views" if views else "No saved views", "")
        for number, view in enumerate(views, start=1):
            key = f"  (Alt+{number})" if number <= 9 else ""
            self.views.addItem(f"{view.name}{key}", view.name)
        self.views.blockSignals(False)

    def current_view(self, name: str) -> SavedView:
        """The filters, search and sort on show, as a view called `name`."""
        filters = {column: combo.currentData() for column, combo in self.combos.items()}
        filters["severity"] = self.severity.currentData()
        filters["status"] = self.status.currentData()
        filters["search"] = self.search.text().strip()
        return SavedView(
            name=name,
            filters={key: value for key, value in filters.items() if value},
            sort=self.model.sort_key.value,
            descending=self.model.descending,
        )

    def apply_view(self, view: SavedView) -> None:
        """Show `view`: its filters, search and sort (the other filters back to Any), in one
        reload; the review follows it."""
        self._search_timer.stop()
        combos = {**self.combos, "severity": self.severity, "status": self.status}
        for key, combo in combos.items():
            value = view.filters.get(key, _ANY)
            combo.blockSignals(True)
            found = combo.findData(value)
            if found < 0:  # a value the store no longer has: the view shows no item then
                combo.addItem(value, value)
                found = combo.count() - 1
            combo.setCurrentIndex(found)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.setText(view.filters.get("search", ""))
        self.search.blockSignals(False)
        try:
            sort = QueueSort(view.sort)
        except ValueError:
            sort = QueueSort.RISK
        column = next(key for key, value in SORT_OF_COLUMN.items() if value == sort)
        self.table.horizontalHeader().setSortIndicator(column, _arrow(view.descending))
        self.count.setText("loading…")
        filters = self.current_filter()
        self.model.set_view(filters, sort, view.descending)
        self.view_changed.emit(filters)
        self.views.blockSignals(True)
        self.views.setCurrentIndex(max(0, self.views.findData(view.name)))
        self.views.blockSignals(False)

    def _on_views_activated(self, index: int) -> None:
        if 1 <= index <= len(self._saved):
            self.apply_view(self._saved[index - 1])

    def _forget_view(self) -> None:
        # The reviewer changed a filter: the list no longer shows the saved view picked.
        if self.views.currentIndex() != 0:
            self.views.blockSignals(True)
            self.views.setCurrentIndex(0)
            self.views.blockSignals(False)

    def _on_combo_currentIndexChanged(self, _index: int) -> None:
        self._forget_view()
        self.apply_filter()

    def _on_search_textChanged(self, _text: str) -> None:
        self._forget_view()
        self._search_timer.start()

    def _on_search_timer_timeout(self) -> None:
        self.apply_filter()

    def _on_search_returnPressed(self) -> None:
        if self._search_timer.isActive():
            self._search_timer.stop()
            self.apply_filter()
        self.table.setFocus()

    def _on_header_sectionClicked(self, column: int) -> None:
        header = self.table.horizontalHeader()
        sort = SORT_OF_COLUMN.get(column)
        if sort is None:  # Mine and Lease are not in the store's rows: keep the indicator
            current = next(
                key for key, value in SORT_OF_COLUMN.items() if value == self.model.sort_key
            )
            header.setSortIndicator(current, _arrow(self.model.descending))
            return
        descending = not self.model.descending if sort == self.model.sort_key else True
        self._forget_view()
        header.setSortIndicator(column, _arrow(descending))
        self.count.setText("loading…")
        self.model.set_view(self.current_filter(), sort, descending)

    def _on_table_clicked(self, index: QModelIndex) -> None:
        self._on_table_activated(index)

    def _on_table_activated(self, index: QModelIndex) -> None:
        pk = index.data(PK_ROLE)
        if isinstance(pk, int):
            self.item_activated.emit(pk)

    def _on_model_rows_loaded(self, rows: int) -> None:
        self.count.setText(f"{rows:,} item{'s' if rows != 1 else ''}")
