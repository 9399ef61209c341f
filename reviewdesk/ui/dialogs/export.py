"""The Export dialog: a dataset export with its options, a preview, progress and cancel.

Like the command line, the training formats hold one label an item by default (its resolved
label: the majority, a tie settled by an adjudicator), and "one row per reviewer" keeps every
reviewer's label. A folder that holds an earlier export is replaced only when the reviewer says
so; an export with no records writes nothing and says what the filters left.

The preview and the export run on the dialog's own worker thread, not on the desk's store
worker: a long export must never hold back a reviewer's decision. `export_dataset` writes to
temporary files and renames them into place only when everything succeeded, so a cancelled or
failed export leaves nothing at the destination.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Verdict
from reviewdesk.errors import UserError
from reviewdesk.export import (
    ExportError,
    ExportFormat,
    ExportInTheWayError,
    ExportOptions,
    ExportSummary,
    Filters,
    NothingToExportError,
    Split,
    export_dataset,
    parse_time_bound,
    preview,
)
from reviewdesk.store import Resolution
from reviewdesk.ui.runner import TaskRunner

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

__all__ = ["ExportDialog", "default_export_folder"]

PREVIEW_DELAY_MS = 250

_FORMATS = {
    ExportFormat.RAW: "raw — every decision joined with its generation (JSONL)",
    ExportFormat.SFT: "sft — chat messages (TRL SFTTrainer)",
    ExportFormat.SFT_TEXT: "sft-text — prompt / completion",
    ExportFormat.DPO: "dpo — prompt / chosen / rejected (TRL DPOTrainer)",
    ExportFormat.KTO: "kto — prompt / completion / label (TRL KTOTrainer)",
    ExportFormat.OPENAI: "openai — chat fine-tuning JSONL",
    ExportFormat.CSV: "csv — one row per decision, for spreadsheets",
}
_POLICIES: dict[Resolution | None, str] = {
    None: "one label per item (majority, a tie to an adjudicator)",
    Resolution.LATEST: "one row per reviewer (each reviewer's latest label)",
    Resolution.MAJORITY: "majority of reviewers (ties left out)",
    Resolution.ADJUDICATED: "adjudicated (disagreements an adjudicator settled)",
}
_FILTERS = (
    ("queue", "Queue"),
    ("model", "Model"),
    ("prompt_template", "Template"),
    ("prompt_version", "Version"),
    ("route", "Route"),
    ("reviewer", "Reviewer"),
)


def default_export_folder() -> Path:
    """Where exports go unless the user picks another place: a folder in their documents."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents or Path.home()) / "reviewdesk exports"


def _default_name(format_: ExportFormat) -> str:
    return f"feedback-{format_}.{'csv' if format_ is ExportFormat.CSV else 'jsonl'}"


class ExportDialog(QDialog):
    """Export the store's labels as a dataset.

    Args:
        engine: the store's engine (read on the dialog's own worker).
        choices: the values each filter offers (`queue`, `model`, `prompt_template`,
            `prompt_version`, `route`, `reviewer`).
        parent: the window.
        source: the store's name, for the dataset card.
        folder: the default destination folder (default: `default_export_folder()`).
        adjudicators: the reviewers whose word settles a disagreement (the desk's setting).

    Attributes:
        question: the question open on the dialog (replace an earlier export?), if any.

    Signals:
        preview_shown(str): the preview text was put on screen.
        export_finished(object): the `ExportSummary` of a finished (or cancelled) export.
        export_failed(str): the export failed or had nothing to write; the message is shown in
            the dialog.
        overwrite_asked(): the dialog asks whether to replace an earlier export (`question`).
    """

    preview_shown = Signal(str)
    export_finished = Signal(object)
    export_failed = Signal(str)
    overwrite_asked = Signal()
    _progressed = Signal(int, int)

    def __init__(
        self,
        engine: Engine,
        choices: Mapping[str, Sequence[str]],
        parent: QWidget,
        *,
        source: str | None = None,
        folder: Path | None = None,
        adjudicators: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export dataset")
        self.setMinimumWidth(760)
        self.runner = TaskRunner(self, name="reviewdesk-export")
        self._engine = engine
        self._source = source
        self._folder = folder or default_export_folder()
        self._adjudicators = tuple(adjudicators)
        self.question: QMessageBox | None = None
        self._cancel = threading.Event()
        self._exporting = False
        self._preview_token = 0

        self.format = QComboBox(self)
        for format_, text in _FORMATS.items():
            self.format.addItem(text, format_)
        self.format.setCurrentIndex(1)  # sft: the common case
        self.policy = QComboBox(self)
        for policy, text in _POLICIES.items():
            self.policy.addItem(text, None if policy is None else policy.value)
        self.policy.setToolTip(
            "How an item several reviewers decided becomes rows. One label per item is what "
            "training wants; raw and csv then keep each reviewer's label."
        )
        self.since = QLineEdit(self)
        self.since.setPlaceholderText("from (2026-11-01)")
        self.until = QLineEdit(self)
        self.until.setPlaceholderText("until, not included")
        self.filters: dict[str, QComboBox] = {}
        for column, _label in _FILTERS:
            combo = QComboBox(self)
            combo.addItem("any", None)
            for value in choices.get(column, ()):
                combo.addItem(value, value)
            self.filters[column] = combo
        self.verdict = QComboBox(self)
        self.verdict.addItem("any", None)
        for verdict in Verdict:
            self.verdict.addItem(str(verdict), verdict)
        self.test_share = QDoubleSpinBox(self)
        self.test_share.setRange(0.0, 0.5)
        self.test_share.setSingleStep(0.05)
        self.test_share.setDecimals(2)
        self.test_share.setSpecialValueText("no split")
        self.test_share.setToolTip("Share of prompts held out as a test split (by prompt hash)")
        self.redact = QCheckBox("Replace flagged PII spans with [REDACTED:<code>]", self)
        self.destination = QLineEdit(str(self._folder / _default_name(self._format())), self)
        self.choose = QPushButton("Choose…", self)

        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setPlaceholderText("Preview of the first three records…")
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(
            "Cancel export", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        self.cancel_button.setEnabled(False)
        self._name_default_policy()
        self._layout()

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._on_preview_timer_timeout)
        for combo in (self.format, self.policy, self.verdict, *self.filters.values()):
            combo.currentIndexChanged.connect(self._on_option_changed)
        self.format.currentIndexChanged.connect(self._on_format_current_index_changed)
        for edit in (self.since, self.until):
            edit.textChanged.connect(self._on_option_changed)
        self.test_share.valueChanged.connect(self._on_option_changed)
        self.redact.toggled.connect(self._on_option_changed)
        self.choose.clicked.connect(self._on_choose_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self._progressed.connect(self._on_self_progressed)
        self._refresh_preview()

    def _layout(self) -> None:
        self._what = what = QGroupBox("What", self)
        form = QFormLayout(what)
        form.addRow("Format", self.format)
        form.addRow("Labels by", self.policy)
        times = QHBoxLayout()
        times.addWidget(self.since)
        times.addWidget(self.until)
        form.addRow("Decided", times)
        form.addRow("Verdict", self.verdict)
        for column, label in _FILTERS:
            form.addRow(label, self.filters[column])
        form.addRow("Test split", self.test_share)
        form.addRow("", self.redact)
        where = QHBoxLayout()
        where.addWidget(self.destination, 1)
        where.addWidget(self.choose)
        form.addRow("Save to", where)
        shown = QGroupBox("Preview", self)
        shown_layout = QVBoxLayout(shown)
        shown_layout.addWidget(self.preview)
        columns = QHBoxLayout()
        columns.addWidget(what, 1)
        columns.addWidget(shown, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(1100, 640)

    # -- options ------------------------------------------------------------------------------

    def _format(self) -> ExportFormat:
        return ExportFormat(self.format.currentData())

    def options(self) -> ExportOptions:
        """The export the dialog asks for.

        Raises:
            ExportError: a date cannot be read.
        """

        def chosen(column: str) -> tuple[str, ...]:
            combo = self.filters[column]
            text = combo.currentText().strip() if combo.isEditable() else ""
            value = combo.currentData() if not text or text == "any" else text
            return () if value is None else (str(value),)

        since, until = self.since.text().strip(), self.until.text().strip()
        verdict = self.verdict.currentData()
        policy = self.policy.currentData()
        share = round(self.test_share.value(), 2)
        return ExportOptions(
            format=self._format(),
            filters=Filters(
                since=parse_time_bound(since, "From") if since else None,
                until=parse_time_bound(until, "Until") if until else None,
                queues=chosen("queue"),
                models=chosen("model"),
                templates=chosen("prompt_template"),
                versions=chosen("prompt_version"),
                routes=chosen("route"),
                verdicts=() if verdict is None else (Verdict(verdict),),
                reviewers=chosen("reviewer"),
            ),
            policy=None if policy is None else Resolution(policy),
            adjudicators=self._adjudicators,
            splits=(Split(name="test", share=share),) if share > 0 else (),
            redact=self.redact.isChecked(),
        )

    def _on_option_changed(self, *_args: object) -> None:
        if not self._exporting:
            self._preview_timer.start()

    def _on_format_current_index_changed(self, _index: int) -> None:
        self._name_default_policy()
        path = Path(self.destination.text())
        if path.name.startswith("feedback-") and path.suffix in (".jsonl", ".csv"):
            self.destination.setText(str(path.with_name(_default_name(self._format()))))

    def _on_choose_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.destination.text(),
            "JSON lines (*.jsonl *.jsonl.gz);;CSV (*.csv *.csv.gz);;All files (*)",
        )
        if name:
            self.destination.setText(name)

    def _name_default_policy(self) -> None:
        # The default is the format's: raw and csv keep each reviewer's label, as the CLI does.
        text = (
            _POLICIES[None]
            if self._format().uses_labels_only
            else "each reviewer's latest label (the default of raw and csv)"
        )
        self.policy.setItemText(self.policy.findData(None), text)

    # -- preview ------------------------------------------------------------------------------

    def _on_preview_timer_timeout(self) -> None:
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        try:
            options = self.options()
        except ExportError as error:
            self._show_message(str(error), problem=True)
            return
        self._preview_token += 1
        token = self._preview_token
        engine = self._engine
        self.preview.setPlainText("")
        self.preview.setPlaceholderText("Reading the first three records…")

        def work() -> str:
            records = preview(engine, options, n=3)
            if not records:
                return ""
            return "\n\n".join(
                json.dumps(record, indent=2, ensure_ascii=False, default=str) for record in records
            )

        self.runner.submit(
            work,
            lambda text: self._on_preview_done(token, text),
            lambda error: self._on_preview_failed(token, error),
        )

    def _on_preview_done(self, token: int, text: str) -> None:
        if token != self._preview_token:
            return
        self.preview.setPlaceholderText("No records match these options.")
        self.preview.setPlainText(text)
        if not self._exporting:
            self._show_message("")
        self.preview_shown.emit(text)

    def _on_preview_failed(self, token: int, error: UserError) -> None:
        if token == self._preview_token:
            self.preview.setPlaceholderText("")
            self._show_message(f"No preview: {error}", problem=True)

    # -- exporting ----------------------------------------------------------------------------

    def _on_export_button_clicked(self) -> None:
        self._export()

    def _export(self, *, overwrite: bool = False) -> None:
        if self._exporting:
            return
        text = self.destination.text().strip()
        try:
            options = self.options()
            if not text:
                raise ExportError("choose where to save the export")
        except ExportError as error:
            self._show_message(str(error), problem=True)
            return
        destination = Path(text).expanduser()
        folder, engine, source, cancel = self._folder, self._engine, self._source, self._cancel
        cancel.clear()
        self._set_exporting(True)
        self.progress.setRange(0, 0)  # busy until the first chunk says how many
        self._show_message(f"Exporting to {destination}…")

        def work() -> ExportSummary:
            if destination.parent == folder:
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise ExportError(f"cannot make the folder {folder}: {error}") from error
            return export_dataset(
                engine,
                destination,
                options,
                progress=self._progressed.emit,
                cancelled=cancel.is_set,
                source=source,
                overwrite=overwrite,
            )

        self.runner.submit(work, self._on_export_done, self._on_export_failed)

    def _on_self_progressed(self, done: int, total: int) -> None:
        if self._exporting:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)

    def _on_cancel_button_clicked(self) -> None:
        self._cancel.set()
        self._show_message("Cancelling…")

    def _on_export_done(self, summary: ExportSummary) -> None:
        self._set_exporting(False)
        self.progress.setRange(0, 1)
        if summary.cancelled:
            self.progress.setValue(0)
            self._show_message("Export cancelled: nothing was written.")
        else:
            self.progress.setValue(1)
            files = ", ".join(str(path) for path in summary.files.values())
            self._show_message(f"Wrote {summary.records:,} records to {files}.")
        self.export_finished.emit(summary)

    def _on_export_failed(self, error: UserError) -> None:
        self._set_exporting(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        if isinstance(error, ExportInTheWayError):
            self._ask_to_overwrite(error)
            return
        if isinstance(error, NothingToExportError):
            text = f"Nothing to export: {error.why}. Nothing was written."
            self._show_message(text)
            self.export_failed.emit(text)
            return
        self._show_message(f"Export failed: {error}", problem=True)
        self.export_failed.emit(str(error))

    def _ask_to_overwrite(self, error: ExportInTheWayError) -> None:
        question = QMessageBox(
            QMessageBox.Icon.Question,
            "Replace the earlier export?",
            "The folder holds an earlier export. Replace it with this one?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        question.setTextFormat(Qt.TextFormat.PlainText)
        question.setInformativeText(
            f"{error}\n\nYes removes the earlier export's files and its card; "
            "No writes nothing (choose another folder with Choose…)."
        )
        question.setDefaultButton(QMessageBox.StandardButton.No)
        question.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        question.finished.connect(lambda _result: self._on_question_finished(question))
        self.question = question
        self._show_message("The folder holds an earlier export: replace it?")
        question.open()
        self.overwrite_asked.emit()

    def _on_question_finished(self, question: QMessageBox) -> None:
        self.question = None
        if question.standardButton(question.clickedButton()) == QMessageBox.StandardButton.Yes:
            self._export(overwrite=True)
            return
        text = "Nothing was written: the earlier export stays. Choose another folder to keep both."
        self._show_message(text)
        self.export_failed.emit(text)

    def _set_exporting(self, exporting: bool) -> None:
        self._exporting = exporting
        self.export_button.setEnabled(not exporting)
        self.cancel_button.setEnabled(exporting)
        self._what.setEnabled(not exporting)

    def _show_message(self, text: str, *, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #e5484d; font-weight: bold" if problem else "")

    def done(self, result: int) -> None:
        # Closing stops a running export (it removes what it wrote) and waits for the worker.
        self._cancel.set()
        self._preview_timer.stop()
        self.runner.shutdown()
        super().done(result)

    @property
    def exporting(self) -> bool:
        return self._exporting
