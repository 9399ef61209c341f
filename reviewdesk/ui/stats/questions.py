"""The Statistics tab's Questions page: one review form question at a time, picked from a list.

Shows what `reviewdesk stats --question KEY` prints: each option's count and share with its 95%
interval, a rating's mean, and for choice and multi questions the verdicts given with each
option; a note says how the answers count, what the policy left out and the agreement on the
question. The reports come computed with the overview (on the tab's worker); picking another
question only redraws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from reviewdesk.formatting import interval, percent
from reviewdesk.ui.stats.tables import Cell, Table

if TYPE_CHECKING:
    from reviewdesk.stats.question_models import QuestionReport

__all__ = ["QuestionsPage"]

_COLUMNS = ("Option", "Count", "Share", "95% interval", "Approve", "Edit", "Reject")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


class QuestionsPage(QWidget):
    """A question picker over the open store's form questions, and the picked one's answers.

    Args:
        parent: the tab's table area.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._reports: dict[str, QuestionReport] = {}
        self.picker = QComboBox(self)
        self.picker.setToolTip("The review form question to show")
        self.note = QLabel(self)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.table = Table(_COLUMNS, self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Question", self))
        top.addWidget(self.picker, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.picker.currentIndexChanged.connect(self._on_picker_current_index_changed)

    def show_reports(self, reports: Sequence[QuestionReport]) -> None:
        """Offer these questions; keep the one picked when it is still among them."""
        picked = self.picker.currentData()
        self._reports = {report.stats.question: report for report in reports}
        self.picker.blockSignals(True)
        self.picker.clear()
        for report in reports:
            stats = report.stats
            shown = stats.question if stats.label == stats.question else f"{stats.label}"
            self.picker.addItem(f"{shown} ({stats.question}, {stats.kind})", stats.question)
        index = self.picker.findData(picked)
        self.picker.setCurrentIndex(index if index >= 0 else 0 if reports else -1)
        self.picker.blockSignals(False)
        self.picker.setEnabled(bool(reports))
        self._show_picked()

    def _on_picker_current_index_changed(self, _index: int) -> None:
        self._show_picked()

    def _show_picked(self) -> None:
        report = self._reports.get(self.picker.currentData())
        if report is None:
            self.note.setText("No queue has a review form with questions yet.")
            self.table.set_rows([])
            return
        stats, calibration = report.stats, report.calibration
        verdicts = {row.value: row for row in calibration.options} if calibration else {}
        rows: list[list[Cell]] = []
        for option in stats.overall.options:
            row: list[Cell] = [
                option.label,
                option.count,
                percent(option.share),
                interval(option.low, option.high),
            ]
            given = verdicts.get(option.value)
            if given is not None:
                row += [
                    percent(given.approve_share),
                    percent(given.edit_share),
                    percent(given.reject_share),
                ]
            else:
                row += ["", "", ""]
            rows.append(row)
        self.table.set_rows(rows)
        self.note.setText(self._note(report))

    @staticmethod
    def _note(report: QuestionReport) -> str:
        stats, agreement = report.stats, report.agreement
        counted = (
            "each item's resolved answer"
            if str(stats.unit) == "items"
            else "each reviewer's latest answer (intervals clustered by item)"
        )
        parts = [f"{stats.overall.n:,} answers on {stats.overall.items:,} items, {counted}"]
        if stats.overall.mean is not None:
            mean = f"mean {stats.overall.mean:.2f}"
            if stats.overall.mean_low is not None and stats.overall.mean_high is not None:
                mean += f" ({stats.overall.mean_low:.2f}–{stats.overall.mean_high:.2f})"
            parts.append(mean)
        if stats.left_out.items:
            parts.append(f"{stats.left_out.items:,} left out ({stats.left_out.reason})")
        if stats.comparisons:
            parts.append(f"{stats.comparisons:,} comparisons answered it (not counted here)")
        if str(stats.kind) == "multi":
            parts.append("an answer may tick several options")
        lines = [" · ".join(parts)]
        if agreement.items:
            if str(agreement.kind) == "spans":
                measure = (
                    f"span F1 {_num(agreement.char_f1)} by character, "
                    f"{_num(agreement.exact_f1)} by exact span"
                )
            else:
                measure = f"Krippendorff's α ({agreement.metric}) {_num(agreement.alpha)}"
            kappas = ", ".join(
                f"{pair.first}–{pair.second} κ {_num(pair.kappa)}"
                for pair in agreement.pairs
                if str(agreement.kind) != "spans"
            )
            lines.append(
                f"Agreement on {agreement.items:,} items with two or more answers: "
                f"{percent(agreement.all_agree)} agree · {measure}"
                + (f" · {kappas}" if kappas else "")
            )
        return "\n".join(lines)
