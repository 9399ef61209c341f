"""The Import preview dialog: what importing the chosen files would store, before anything is.

The dialog opens at once in a reading state (a progress bar over the files' bytes) while the
File menu runs a dry run of the import on the store worker; `show_report` then fills in the
first records as they would be stored, the counts and the first error lines. The reviewer may
choose the format and a column mapping (each change reads the files again), then chooses to
import all or nothing, to import the valid records and skip the rest (written to a rejects file
beside the first file), or to cancel. The import itself runs with the dialog open, with its
progress, and Cancel still works: the import is one transaction, so a cancelled one stores
nothing. The dialog does no store work itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.ingest import ImportReport, OnError
from reviewdesk.ui.dialogs.import_options import ImportOptions, ImportOptionsRow

__all__ = ["PREVIEW_RECORDS", "ImportPreviewDialog", "rejects_path"]

PREVIEW_RECORDS = 20
"""How many records the preview shows."""

_EXCERPT = 80
_COLUMNS = ("Id", "Model", "Prompt", "Output", "Flags", "Decisions")


def rejects_path(paths: Sequence[Path]) -> Path:
    """Where a skipping import writes the records it refuses: beside the first file."""
    first = paths[0]
    return first.with_name(first.name + ".rejects.jsonl")


class ImportPreviewDialog(QDialog):
    """Preview an import of `paths` and choose how to import.

    Args:
        paths: the chosen files.
        rejects: where "skip the rest" writes the refused records.
        parent: the window.

    Signals:
        import_chosen(object): the reviewer chose to import, with this `OnError` (`abort`: all
            or nothing; `skip`: the valid records). The dialog stays open, waiting for
            `show_importing`, until `import_done` closes it.
        options_changed(object): the reviewer changed the format or the mapping (the new
            `ImportOptions`); the preview shown is out of date.
        preview_shown(object): the dry run's `ImportReport` was put on screen.
    """

    import_chosen = Signal(object)
    options_changed = Signal(object)
    preview_shown = Signal(object)

    def __init__(self, paths: Sequence[Path], rejects: Path, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import preview")
        self.setMinimumSize(900, 600)
        self._rejects = rejects
        self._names = names = ", ".join(path.name for path in paths)

        self.choices = ImportOptionsRow(self)
        self.heading = QLabel(f"Reading {names}…", self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.counts = QLabel(self)
        self.counts.setTextFormat(Qt.TextFormat.PlainText)
        self.counts.setWordWrap(True)
        font = self.counts.font()
        font.setBold(True)
        self.counts.setFont(font)
        self.notes = QLabel(self)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setWordWrap(True)

        self.records = QTableWidget(0, len(_COLUMNS), self)
        self.records.setHorizontalHeaderLabels(list(_COLUMNS))
        self.records.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.records.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.records.setWordWrap(False)
        self.records.verticalHeader().hide()
        header = self.records.horizontalHeader()
        for column, mode in enumerate(
            (
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.Stretch,
                QHeaderView.ResizeMode.Stretch,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.ResizeToContents,
            )
        ):
            header.setSectionResizeMode(column, mode)
        self.records_label = QLabel("Records as they would be stored", self)

        self.errors_label = QLabel("Problems", self)
        self.errors = QPlainTextEdit(self)  # plain text: file names and data shown as they are
        self.errors.setReadOnly(True)
        self.errors.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.errors.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.errors.setMaximumHeight(150)

        self.explanation = QLabel(self)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setWordWrap(True)

        self.buttons = QDialogButtonBox(self)
        self.import_button = QPushButton("&Import", self)
        self.skip_button = QPushButton("Import valid records, &skip the rest", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.setEnabled(False)
        self.skip_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.choices)
        layout.addSpacing(6)
        layout.addWidget(self.heading)
        layout.addWidget(self.progress)
        layout.addWidget(self.counts)
        layout.addWidget(self.notes)
        layout.addWidget(self.records_label)
        layout.addWidget(self.records, 1)
        layout.addWidget(self.errors_label)
        layout.addWidget(self.errors)
        layout.addStretch(1)  # keeps the reading state at the top; no room taken after it
        self._stretch = layout.count() - 1
        layout.addWidget(self.explanation)
        layout.addWidget(self.buttons)
        for widget in (
            self.counts,
            self.notes,
            self.records_label,
            self.records,
            self.errors_label,
            self.errors,
        ):
            widget.hide()

        self.choices.options_changed.connect(self._on_choices_options_changed)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.skip_button.clicked.connect(self._on_skip_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def options(self) -> ImportOptions:
        """The format and mapping chosen (the last preview was made with them)."""
        return self.choices.options()

    # -- reading ------------------------------------------------------------------------------

    def show_reading(self) -> None:
        """The files are read again (other options): back to the reading state."""
        self.heading.setText(f"Reading {self._names}…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.counts.clear()
        self.counts.hide()
        self.explanation.clear()
        self.records.setRowCount(0)
        self.errors.clear()
        for widget in (
            self.notes,
            self.records_label,
            self.records,
            self.errors_label,
            self.errors,
        ):
            widget.hide()
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            layout.setStretch(self._stretch, 1)
        for button in (self.import_button, self.skip_button):
            button.setEnabled(False)
            button.setDefault(False)
            button.setToolTip("")
        # No default button while reading: Enter in the mapping's field only reads it.
        self.cancel_button.setDefault(False)
        self.cancel_button.setText("Cancel")

    def show_progress(self, done: int, total: int) -> None:
        """The dry run, or the import, has read `done` of the files' `total` bytes."""
        if total <= 0:
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(min(1000, done * 1000 // total))

    def show_failure(self, message: str) -> None:
        """The files cannot be read as chosen: say why. Only Cancel is left, and the format
        and mapping, which may be what to change."""
        self.progress.hide()
        self.heading.setText("The files cannot be imported as chosen:")
        self.notes.setText(message)
        self.notes.show()
        self.cancel_button.setText("Close")
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_choices_options_changed(self, options: ImportOptions) -> None:
        self.show_reading()
        self.options_changed.emit(options)

    # -- the preview --------------------------------------------------------------------------

    def show_report(self, report: ImportReport) -> None:
        """Show what the import would do, and offer the choices that make sense for it."""
        self.progress.hide()
        layout = self.layout()
        if isinstance(layout, QVBoxLayout) and report.preview:
            layout.setStretch(self._stretch, 0)
        self.heading.setText("Nothing is stored until you choose Import.")
        self.counts.setText(_counts_text(report))
        self.counts.show()
        notes = list(report.notes)
        if report.undated_decisions:
            notes.append(
                f"{report.undated_decisions:,} decision"
                f"{' has' if report.undated_decisions == 1 else 's have'} no time "
                "(decided_at): they get the time of the import."
            )
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self._show_records(report.preview)
        if report.errors:
            lines = [str(error) for error in report.errors]
            shown = len({(error.path, error.line) for error in report.errors})
            if report.refused > shown:
                lines.append(f"… and {report.refused - shown} more")
            self.errors.setPlainText("\n".join(lines))
            self.errors_label.setText(
                f"Records that cannot be stored ({report.refused:,}), first problems:"
            )
            self.errors_label.show()
            self.errors.show()

        stores_something = report.imported > 0 or report.decisions > 0
        explanation: list[str] = []
        if report.refused:
            self.import_button.setEnabled(False)
            self.import_button.setToolTip("Some records are invalid or conflict with stored ones")
            explanation.append(
                f"Import is off: it stores all or nothing, and {_refused_text(report)} "
                "cannot be stored."
            )
            self.skip_button.setEnabled(stores_something)
            if stores_something:
                explanation.append(
                    f"“Import valid records, skip the rest” stores the others and writes the "
                    f"refused records, with their errors, to {self._rejects} "
                    "(replacing that file if it exists)."
                )
            else:
                explanation.append("No valid record would add anything to the store.")
            default = self.skip_button if stores_something else self.cancel_button
        else:
            self.import_button.setEnabled(True)
            self.skip_button.setEnabled(False)
            self.skip_button.setToolTip("Every record is valid: there is nothing to skip")
            if not stores_something:
                explanation.append("Every record is stored already: importing adds nothing.")
            default = self.import_button
        self.explanation.setText("\n".join(explanation))
        default.setDefault(True)
        default.setFocus(Qt.FocusReason.OtherFocusReason)
        self.preview_shown.emit(report)

    def _show_records(self, shown: list[dict[str, Any]]) -> None:
        if not shown:
            return
        self.records.setRowCount(len(shown))
        for row, record in enumerate(shown):
            decisions = record.get("decisions", [])
            cells = (
                str(record.get("id", "")),
                str(record.get("model", "")),
                _excerpt(_prompt_text(record.get("prompt"))),
                _excerpt(str(record.get("output", ""))),
                _flags_text(record.get("flags", [])),
                str(len(decisions)) if isinstance(decisions, list) else "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (2, 3):
                    full = _prompt_text(record.get("prompt")) if column == 2 else record["output"]
                    item.setToolTip(str(full)[:2000])
                self.records.setItem(row, column, item)
        self.records_label.setText(
            f"The first {len(shown)} record{'s' if len(shown) != 1 else ''} as they would be stored"
        )
        self.records_label.show()
        self.records.show()

    # -- choices ------------------------------------------------------------------------------

    def _on_import_button_clicked(self) -> None:
        self._choose(OnError.ABORT)

    def _on_skip_button_clicked(self) -> None:
        self._choose(OnError.SKIP)

    def _choose(self, on_error: OnError) -> None:
        self.import_chosen.emit(on_error)

    # -- importing ----------------------------------------------------------------------------

    def show_importing(self, options: ImportOptions) -> None:
        """The chosen import runs, with `options` (those the preview was read with): its
        progress, and Cancel (which stores nothing)."""
        self.choices.freeze(options)
        for button in (self.import_button, self.skip_button):
            button.setEnabled(False)
            button.setDefault(False)
        self.heading.setText(
            f"Importing {self._names}… Cancel stops it and stores nothing (it is all stored "
            "at once, at the end)."
        )
        self.progress.setRange(0, 0)
        self.progress.show()
        self.explanation.clear()
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def import_done(self) -> None:
        """The import is stored: the dialog closes."""
        self.accept()


def _counts_text(report: ImportReport) -> str:
    parts = [
        f"{report.imported:,} new",
        f"{report.duplicates:,} duplicate{'s' if report.duplicates != 1 else ''}",
        f"{report.conflicts:,} conflict{'s' if report.conflicts != 1 else ''}",
        f"{report.invalid:,} invalid",
    ]
    text = " · ".join(parts)
    if report.decisions:
        text += f" — {report.decisions:,} new decision{'s' if report.decisions != 1 else ''}"
    return text


def _refused_text(report: ImportReport) -> str:
    parts = []
    if report.invalid:
        parts.append(f"{report.invalid:,} invalid record{'s' if report.invalid != 1 else ''}")
    if report.conflicts:
        parts.append(f"{report.conflicts:,} conflict{'s' if report.conflicts != 1 else ''}")
    return " and ".join(parts)


def _prompt_text(prompt: Any) -> str:
    """A stored prompt as one line: a chat's last user turn (or last turn), or the text."""
    if isinstance(prompt, list) and prompt:
        turns = [turn for turn in prompt if isinstance(turn, dict)]
        users = [turn for turn in turns if turn.get("role") == "user"]
        chosen = (users or turns or [{}])[-1]
        return str(chosen.get("content", ""))
    return "" if prompt is None else str(prompt)


def _excerpt(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _EXCERPT else line[: _EXCERPT - 1] + "…"


def _flags_text(flags: Any) -> str:
    if not isinstance(flags, list) or not flags:
        return ""
    codes = [f"{flag.get('validator', '')}.{flag.get('code', '')}" for flag in flags]
    return ", ".join(codes)
