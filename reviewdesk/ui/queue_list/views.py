"""Saved views of the queue list: a name, the filters and search, and the sort.

A reviewer who works on the same slice every day (one model, errors and worse, undecided)
saves it once and gets it back with one key (Alt+1 … Alt+9, in the order saved), from the
sidebar's list or from View → Saved views. The views are kept in the desk's settings as JSON.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

logger = logging.getLogger(__name__)

__all__ = ["MAX_VIEW_NAME", "SaveViewDialog", "SavedView", "dump_views", "load_views"]

MAX_VIEW_NAME = 60


@dataclass(frozen=True)
class SavedView:
    """One saved view.

    Attributes:
        name: what the reviewer called it.
        filters: each filter that is set (its name, as `QueuePanel` names them, and value),
            and "search" for the search box's text.
        sort: the `QueueSort` value.
        descending: highest first.
    """

    name: str
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "risk"
    descending: bool = True


def load_views(text: str) -> list[SavedView]:
    """The views kept as `text` (JSON); views that cannot be read are left out (logged)."""
    if not text:
        return []
    try:
        data: Any = json.loads(text)
    except ValueError:
        logger.warning("the saved views in the settings are not JSON; none are shown")
        return []
    views: list[SavedView] = []
    for entry in data if isinstance(data, list) else []:
        try:
            name, filters = str(entry["name"]).strip(), dict(entry.get("filters", {}))
            views.append(
                SavedView(
                    name=name,
                    filters={str(key): str(value) for key, value in filters.items()},
                    sort=str(entry.get("sort", "risk")),
                    descending=bool(entry.get("descending", True)),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("a saved view in the settings cannot be read; it is left out")
    return [view for view in views if view.name]


def dump_views(views: list[SavedView]) -> str:
    return json.dumps(
        [
            {
                "name": view.name,
                "filters": view.filters,
                "sort": view.sort,
                "descending": view.descending,
            }
            for view in views
        ]
    )


class SaveViewDialog(QDialog):
    """Asks the name of the view to save (a view of the same name is replaced)."""

    def __init__(self, names: list[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save the view")
        layout = QVBoxLayout(self)
        label = QLabel("&Name of this view (filters, search and sort):", self)
        self.name = QLineEdit(self)
        self.name.setMaxLength(MAX_VIEW_NAME)
        self.name.setAccessibleName("Name of the view")
        label.setBuddy(self.name)
        self._names = names
        self.note = QLabel(self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(label)
        layout.addWidget(self.name)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.name.textChanged.connect(self._on_name_textChanged)
        self._on_name_textChanged(self.name.text())

    def view_name(self) -> str:
        return self.name.text().strip()

    def accept(self) -> None:
        if self.view_name():
            super().accept()

    def _on_name_textChanged(self, _text: str) -> None:
        name = self.view_name()
        self.save_button.setEnabled(bool(name))
        self.note.setText(f"Replaces the view “{name}”." if name in self._names else "")
