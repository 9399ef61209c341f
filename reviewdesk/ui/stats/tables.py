"""The Statistics tab's plain tables: read-only cells, numbers right-aligned, a note above."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["Cell", "Table", "TablePage"]

Cell = str | int | float | None


def _text(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


_NUMERIC_START = tuple("0123456789–+-")


class Table(QTableWidget):
    """A read-only table of plain cells; numbers right-aligned."""

    def __init__(self, headers: Sequence[str], parent: QWidget) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def set_rows(self, rows: Sequence[Sequence[Cell]]) -> None:
        self.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(_text(value))
                if isinstance(value, int | float) or _text(value)[:1] in _NUMERIC_START:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.setItem(row, column, item)


class TablePage(QWidget):
    """A table with a note above it (plain text)."""

    def __init__(self, headers: Sequence[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.note = QLabel(self)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.table = Table(headers, self)
        self.table.setAccessibleName(f"Statistics by {headers[0].lower()}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)

    def show_rows(self, rows: Sequence[Sequence[Cell]], note: str = "") -> None:
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.table.set_rows(rows)
