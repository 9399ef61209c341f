"""The flags pane: an item's validator flags, most severe first, filtered and grouped.

An item may carry thousands of flags (a PII scanner on a long output). The pane is a tree view
over a model that holds the flags as a plain list and answers only for the rows on screen (many
flags: one line each, uniform heights), so showing 2,000 flags costs a sort and no per-row
widgets; a few flags show their messages on a second line. Past
`GROUP_OVER` flags they are grouped by validator, with counts, the groups closed; `[` and `]`
still step through every flag, opening its group. Items with more than `FILTER_FROM` flags show
a filter: words that must all appear in a flag's severity, validator, code or message, and a
lowest severity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Flag, Severity
from reviewdesk.ui.style import severity_icon, severity_tint

__all__ = ["FILTER_FROM", "GROUP_OVER", "FlagsModel", "FlagsPanel"]

GROUP_OVER = 50
"""More flags than this (after the filter) are grouped by validator."""

FILTER_FROM = 6
"""An item with this many flags or more shows the filter."""

_ModelIndex = QModelIndex | QPersistentModelIndex
_NO_INDEX = QModelIndex()


def flag_line(flag: Flag, *, two_lines: bool = False) -> str:
    """A flag: severity, validator / code, score, then its message (on a line of its own with
    `two_lines`, else after a dash)."""
    score = "" if flag.score is None else f"  ·  {flag.score:.2f}"
    span = "" if flag.span is not None else "  ·  no span"
    head = f"{flag.severity.value.upper()}  {flag.validator} / {flag.code}{score}{span}"
    if not flag.message:
        return head
    return f"{head}\n{flag.message}" if two_lines else f"{head}  —  {flag.message}"


def _order(flag: Flag) -> tuple[int, int]:
    return (-flag.severity.rank, flag.span[0] if flag.span else -1)


@dataclass(frozen=True)
class _Group:
    validator: str
    flags: list[Flag]
    worst: Severity


class FlagsModel(QAbstractItemModel):
    """Flags as rows, flat or under one row per validator (a two-level tree).

    A top-level index has the internal id 0; a flag under a group has its group's row + 1.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._flat: list[Flag] = []
        self._groups: list[_Group] = []
        self._grouped = False
        self.order: list[Flag] = []
        """Every flag in the order shown (groups opened)."""

    @property
    def grouped(self) -> bool:
        return self._grouped

    def set_flags(self, flags: list[Flag], *, grouped: bool) -> None:
        """Show `flags` (already in their order); grouped by validator when `grouped`."""
        self.beginResetModel()
        self._grouped = grouped
        if grouped:
            by_validator: dict[str, list[Flag]] = {}
            for flag in flags:
                by_validator.setdefault(flag.validator, []).append(flag)
            groups = [
                _Group(name, members, members[0].severity) for name, members in by_validator.items()
            ]
            groups.sort(key=lambda group: (-group.worst.rank, -len(group.flags), group.validator))
            self._groups, self._flat = groups, []
            self.order = [flag for group in groups for flag in group.flags]
        else:
            self._groups, self._flat = [], flags
            self.order = flags
        self.endResetModel()

    def flag(self, index: _ModelIndex) -> Flag | None:
        """The flag at `index` (None for a group's row)."""
        if not index.isValid():
            return None
        if not self._grouped:
            return self._flat[index.row()]
        group = index.internalId()
        return None if group == 0 else self._groups[group - 1].flags[index.row()]

    def group_name(self, index: _ModelIndex) -> tuple[str, int] | None:
        """The validator and flag count of a group's row (None for a flag's)."""
        if not (self._grouped and index.isValid() and index.internalId() == 0):
            return None
        group = self._groups[index.row()]
        return group.validator, len(group.flags)

    def index_of(self, position: int) -> QModelIndex:
        """The index of the `position`-th flag of `order`."""
        if not self._grouped:
            return self.index(position, 0)
        for number, group in enumerate(self._groups):
            if position < len(group.flags):
                return self.index(position, 0, self.index(number, 0))
            position -= len(group.flags)
        return QModelIndex()

    def position_of(self, index: _ModelIndex) -> int:
        """Where the flag at `index` is in `order` (-1 for a group's row or none)."""
        if not index.isValid():
            return -1
        if not self._grouped:
            return index.row()
        group = index.internalId()
        if group == 0:
            return -1
        return sum(len(g.flags) for g in self._groups[: group - 1]) + index.row()

    # -- QAbstractItemModel --------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _ModelIndex = _NO_INDEX) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, 0 if not parent.isValid() else parent.row() + 1)

    def parent(self, index: _ModelIndex = _NO_INDEX) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or not self._grouped or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: _ModelIndex = _NO_INDEX) -> int:
        if not parent.isValid():
            return len(self._groups) if self._grouped else len(self._flat)
        if self._grouped and parent.internalId() == 0:
            return len(self._groups[parent.row()].flags)
        return 0

    def columnCount(self, _parent: _ModelIndex = _NO_INDEX) -> int:
        return 1

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        flag = self.flag(index)
        if flag is None:
            group = self._groups[index.row()]
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return f"{group.validator}  ({len(group.flags):,})  ·  worst: {group.worst.value}"
            if role == Qt.ItemDataRole.DecorationRole:
                return severity_icon(group.worst)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return flag_line(flag, two_lines=not self._grouped)  # a few: each whole
        if role == Qt.ItemDataRole.ToolTipRole:
            return flag_line(flag, two_lines=True)
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(flag.severity)
        if role == Qt.ItemDataRole.BackgroundRole:
            return severity_tint(flag.severity)
        return None


class FlagsPanel(QWidget):
    """The validator flags of an item, most severe first; picking one shows its span.

    Each row carries its severity's icon and the same tint as its span in the output; the
    selected flag's whole message shows under the list.

    Signals:
        flag_picked(object): the reviewer selected a flag (the `Flag`).
    """

    flag_picked = Signal(object)

    _LOWEST: ClassVar[list[tuple[str, Severity]]] = [
        ("Any severity", Severity.INFO),
        ("Warning and worse", Severity.WARNING),
        ("Error and worse", Severity.ERROR),
        ("Critical only", Severity.CRITICAL),
    ]

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.title = QLabel("Flags", self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter: validator, code, words")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter the flags")
        self.severity = QComboBox(self)
        self.severity.setAccessibleName("Lowest severity shown")
        for label, severity in self._LOWEST:
            self.severity.addItem(label, severity.value)
        self.filter_row = QWidget(self)
        row = QHBoxLayout(self.filter_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.filter, 1)
        row.addWidget(self.severity)
        self.filter_row.hide()
        self.model = FlagsModel(self)
        self.list = QTreeView(self)
        self.list.setModel(self.model)
        self.list.setHeaderHidden(True)
        self.list.setUniformRowHeights(True)
        self.list.setRootIsDecorated(False)
        self.list.setIconSize(QSize(16, 16))
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab and F6 reach it
        self.list.setAccessibleName("Flags")
        self.detail = QLabel(self)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.filter_row)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.detail)
        self._all: list[Flag] = []
        selection = self.list.selectionModel()
        selection.currentChanged.connect(self._on_selection_currentChanged)
        self.list.activated.connect(self._on_list_activated)
        self.filter.textChanged.connect(self._refilter)
        self.severity.currentIndexChanged.connect(self._refilter)

    @property
    def flags(self) -> list[Flag]:
        """The flags in the order shown (those the filter leaves, groups opened)."""
        return list(self.model.order)

    @property
    def grouped(self) -> bool:
        """Whether the flags are grouped by validator (more than `GROUP_OVER` shown)."""
        return self.model.grouped

    def show_flags(self, flags: tuple[Flag, ...]) -> None:
        self._all = sorted(flags, key=_order)
        self.filter_row.setVisible(len(flags) >= FILTER_FROM)
        self._refilter()

    def set_filter(self, text: str, lowest: Severity = Severity.INFO) -> None:
        """Show only the flags with every word of `text` and at least `lowest` severity."""
        self.severity.blockSignals(True)
        self.severity.setCurrentIndex(self.severity.findData(lowest.value))
        self.severity.blockSignals(False)
        if self.filter.text() == text:
            self._refilter()
        else:
            self.filter.setText(text)  # refilters

    def _refilter(self, _changed: object = None) -> None:
        words = self.filter.text().casefold().split()
        lowest = Severity(self.severity.currentData() or Severity.INFO.value).rank
        if not words and lowest <= Severity.INFO.rank:
            shown = self._all  # no filter: the usual case, with no pass over the flags
        else:
            shown = [
                flag
                for flag in self._all
                if flag.severity.rank >= lowest
                and all(
                    word
                    in f"{flag.severity} {flag.validator} {flag.code} {flag.message}".casefold()
                    for word in words
                )
            ]
        grouped = len(shown) > GROUP_OVER
        # Many flags: one line each (uniform rows: only those on screen are laid out); a few:
        # the message on a line of its own. Lines too long end in "…" (the tooltip and the
        # line under the list have them whole).
        self.list.setUniformRowHeights(grouped)
        self.model.set_flags(shown, grouped=grouped)
        self.list.setRootIsDecorated(grouped)
        total = len(self._all)
        if total == 0:
            self.title.setText("No flags")
        elif len(shown) == total:
            self.title.setText(f"Flags ({total:,})")
        else:
            self.title.setText(f"Flags ({len(shown):,} of {total:,})")
        if total == 0:
            self.detail.setText("")
        elif not shown:
            self.detail.setText("No flag matches the filter.")
        elif grouped:
            self.detail.setText(
                "Grouped by validator: → or Enter opens a group; [ and ] step through them all."
            )
        else:
            self.detail.setText("Select a flag to show its span in the output.")

    def current_row(self) -> int:
        """Where the selected flag is in `flags` (-1: none, or a group's row)."""
        return self.model.position_of(self.list.currentIndex())

    def pick(self, row: int) -> None:
        """Select the flag shown in `row` of `flags` (as a click would), opening its group."""
        index = self.model.index_of(row)
        if not index.isValid():
            return
        if index.parent().isValid():
            self.list.expand(index.parent())
        self.list.setCurrentIndex(index)

    def step(self, by: int) -> None:
        """Select the next (`by` = 1) or previous (-1) flag, round from the last to the first;
        the first (or last) when none is selected yet."""
        count = len(self.model.order)
        if count == 0:
            return
        row = self.current_row()
        row = (0 if by > 0 else count - 1) if row < 0 else (row + by) % count
        if row == self.current_row():
            self._on_selection_currentChanged(self.list.currentIndex())  # one flag: again
        else:
            self.pick(row)
        self.list.scrollTo(self.list.currentIndex())

    def _on_list_activated(self, index: QModelIndex) -> None:
        if self.model.group_name(index) is not None:
            self.list.setExpanded(index, not self.list.isExpanded(index))

    def _on_selection_currentChanged(
        self, index: QModelIndex, _previous: QModelIndex | None = None
    ) -> None:
        group = self.model.group_name(index)
        if group is not None:
            name, count = group
            self.detail.setText(f"{name}: {count:,} flags (→ or Enter opens them)")
            return
        flag = self.model.flag(index)
        if flag is None:
            return
        where = (
            "This flag has no span in the output."
            if flag.span is None
            else f"Characters {flag.span[0]}–{flag.span[1]} of the output."
        )
        self.detail.setText(f"{flag.message}\n{where}" if flag.message else where)
        self.flag_picked.emit(flag)
