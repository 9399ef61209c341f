"""How the Import preview reads the chosen files: their format and a column mapping (TOML).

A row of the Import preview: the format (automatic, or one the reviewer names) and a mapping
file (the same TOML `reviewdesk import --mapping` reads), chosen with a file dialog or typed as a
path. Each change is announced once, so the preview runs again with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from reviewdesk.ingest import SourceFormat

__all__ = ["FORMAT_CHOICES", "ChooseMapping", "ImportOptions", "ImportOptionsRow"]

FORMAT_CHOICES: tuple[tuple[str, SourceFormat | None], ...] = (
    ("Automatic", None),
    ("JSON Lines", SourceFormat.JSONL),
    ("JSON array", SourceFormat.JSON),
    ("CSV", SourceFormat.CSV),
    ("TSV", SourceFormat.TSV),
    ("OpenAI chat log", SourceFormat.OPENAI),
    ("Parquet", SourceFormat.PARQUET),
)
"""The Format choices, as shown, with the format each reads (None: from each file's name and
first byte)."""


@dataclass(frozen=True)
class ImportOptions:
    """How to read the files: `source_format` None guesses it for each file; `mapping` None
    takes the records' keys as the canonical fields."""

    source_format: SourceFormat | None = None
    mapping: Path | None = None


ChooseMapping = Callable[[QWidget], Path | None]
"""Asks the person for a mapping file (None: they chose none)."""


def choose_mapping_file(parent: QWidget) -> Path | None:
    """The open-file dialog of the Mapping's Choose… button."""
    name, _ = QFileDialog.getOpenFileName(
        parent, "Choose a column mapping", "", "Mappings (*.toml);;All files (*)"
    )
    return Path(name) if name else None


class ImportOptionsRow(QWidget):
    """The Format choice and the Mapping file of an import.

    Attributes:
        choose_mapping: how Choose… asks for the file (tests put a stand-in here).

    Signals:
        options_changed(object): the reviewer changed the format or the mapping; the new
            `ImportOptions`.
    """

    options_changed = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.choose_mapping: ChooseMapping = choose_mapping_file
        self.format_choice = QComboBox(self)
        for label, _format in FORMAT_CHOICES:
            self.format_choice.addItem(label)
        self.format_choice.setToolTip(
            "How to read the files. Automatic: CSV, TSV or Parquet by the file name, a JSON "
            "array when the file starts with [, else JSON Lines (one record a line)."
        )
        format_label = QLabel("&Format:", self)
        format_label.setBuddy(self.format_choice)
        self.mapping_path = QLineEdit(self)
        self.mapping_path.setPlaceholderText(
            "none: the columns are named id, prompt, output, model, …"
        )
        self.mapping_path.setClearButtonEnabled(True)
        self.mapping_path.setToolTip(
            "A TOML file naming the columns of each field ([columns]), value maps ([values]), "
            "computed fields, decisions per reviewer and id_from / id_prefix."
        )
        mapping_label = QLabel("&Mapping:", self)
        mapping_label.setBuddy(self.mapping_path)
        self.mapping_button = QPushButton("C&hoose…", self)
        self.mapping_button.setAutoDefault(False)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(format_label)
        layout.addWidget(self.format_choice)
        layout.addSpacing(16)
        layout.addWidget(mapping_label)
        layout.addWidget(self.mapping_path, 1)
        layout.addWidget(self.mapping_button)

        self._announced = self.options()
        self._frozen = False
        self.format_choice.currentIndexChanged.connect(self._on_format_choice_changed)
        self.mapping_path.editingFinished.connect(self._on_mapping_path_editing_finished)
        # The clear button empties the field without finishing an edit: that is a change too.
        self.mapping_path.textChanged.connect(self._on_mapping_path_text_changed)
        self.mapping_button.clicked.connect(self._on_mapping_button_clicked)

    def options(self) -> ImportOptions:
        """The options as the row shows them."""
        text = self.mapping_path.text().strip()
        # By position: Qt hands item data back as a plain str, not the enum.
        _label, chosen = FORMAT_CHOICES[max(0, self.format_choice.currentIndex())]
        return ImportOptions(chosen, Path(text).expanduser() if text else None)

    def freeze(self, options: ImportOptions) -> None:
        """Show `options` (what the files are being imported with) and take no more changes."""
        self._frozen = True
        self.format_choice.setCurrentIndex(
            next(i for i, (_, fmt) in enumerate(FORMAT_CHOICES) if fmt is options.source_format)
        )
        self.mapping_path.setText("" if options.mapping is None else str(options.mapping))
        self.setEnabled(False)

    def _announce(self) -> None:
        options = self.options()
        if self._frozen:
            return
        if options != self._announced:
            self._announced = options
            self.options_changed.emit(options)

    def _on_format_choice_changed(self, _index: int) -> None:
        self._announce()

    def _on_mapping_path_editing_finished(self) -> None:
        self._announce()

    def _on_mapping_path_text_changed(self, text: str) -> None:
        if not text:
            self._announce()

    def _on_mapping_button_clicked(self) -> None:
        chosen = self.choose_mapping(self)
        if chosen is not None:
            self.mapping_path.setText(str(chosen))
            self._announce()
