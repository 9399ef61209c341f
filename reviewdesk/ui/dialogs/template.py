"""The prompt template behind an item: the header's template@version opens its text.

The text comes from the store's prompt-template registry (`reviewdesk template add`, items'
`prompt_template_text`, or a sync from the server), read on the window's store worker. A
version the registry has no text for gets a message saying how to add one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.templates import PromptTemplate
from reviewdesk.errors import UserError
from reviewdesk.store import Store
from reviewdesk.ui.runner import TaskRunner

__all__ = ["TemplateDialog", "TemplateViewer"]


class TemplateDialog(QDialog):
    """The text of one prompt template version, read-only (or why there is none)."""

    def __init__(
        self, parent: QWidget, name: str, version: str, template: PromptTemplate | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Prompt template {name}@{version}")
        self.about = QLabel(self)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        if template is None:
            self.about.setText(
                f"The store has no text for the prompt template {name}@{version}.\n"
                f"Add it with: reviewdesk template add {name} {version} FILE\n"
                "(or sync with a server that has it)."
            )
            self.text.hide()
        else:
            lines = template.text.count("\n") + (not template.text.endswith("\n"))
            self.about.setText(
                f"{name}@{version} · {lines} line{'s' if lines != 1 else ''} · added "
                f"{template.added_at:%Y-%m-%d %H:%M} UTC from {template.source}"
                + (
                    f" · {template.mismatches} later item(s) carried another text"
                    if template.mismatches
                    else ""
                )
            )
            self.text.setPlainText(template.text)
        self.resize(640, 420 if template is not None else 160)


class TemplateViewer(QObject):
    """Opens an item's prompt template text: reads it on the store worker, then shows a
    `TemplateDialog` (non-modal, one at a time).

    Signals:
        dialog_shown(object): a `TemplateDialog` was opened.
    """

    dialog_shown = Signal(object)

    def __init__(
        self, parent: QWidget, runner: TaskRunner, store: Callable[[], Store | None]
    ) -> None:
        super().__init__(parent)
        self._window = parent
        self._runner = runner
        self._store = store
        self.dialog: TemplateDialog | None = None

    def show_template(self, name: str, version: str) -> None:
        store = self._store()
        if store is None:
            return
        self._runner.submit(
            lambda: store.template(name, version),
            lambda found: self._on_template_read(name, version, found),
            self._on_template_failed,
        )

    def _on_template_read(self, name: str, version: str, found: PromptTemplate | None) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = TemplateDialog(self._window, name, version, found)
        self.dialog.show()
        self.dialog_shown.emit(self.dialog)

    def _on_template_failed(self, error: UserError) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = TemplateDialog(self._window, "?", "?", None)
        self.dialog.about.setText(f"The template text cannot be read: {error}")
        self.dialog.show()
        self.dialog_shown.emit(self.dialog)
