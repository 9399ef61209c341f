"""The Statistics tab's charts (pyqtgraph), imported only when the tab is first shown.

Four horizontal bar charts, one row per group so long names read on the left axis: acceptance
by prompt version and by model with their Wilson 95% intervals as error bars, the reject-reason
mix, and each validator code's precision and recall.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QGridLayout, QMenu, QWidget

from reviewdesk.stats import GroupStats, Overview

__all__ = ["ChartPanel"]

_BLUE = "#3b82f6"
_GREEN = "#16a34a"
_RED = "#e5484d"
_AMBER = "#d97706"
_BAR = 0.6


class _Chart(pg.PlotWidget):  # type: ignore[misc]
    """One horizontal bar chart; row 0 at the top."""

    def __init__(self, title: str, x_label: str, parent: QWidget) -> None:
        palette = parent.palette()
        background = palette.color(QPalette.ColorRole.Base)
        super().__init__(parent, background=background)
        text = palette.color(QPalette.ColorRole.Text)
        self.text_color = text
        self.setTitle(title, color=text.name(), size="11pt")
        self.setLabel("bottom", x_label, color=text.name())
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setTextPen(pg.mkPen(text))
            axis.setPen(pg.mkPen(text))
            axis.enableAutoSIPrefix(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.showGrid(x=True, y=False, alpha=0.25)
        self.getPlotItem().invertY(True)
        self.setMinimumSize(320, 200)

    def set_rows(self, labels: Sequence[str], x_max: float) -> None:
        self.clear()
        self.getAxis("left").setTicks([list(enumerate(labels))])
        self.setXRange(0, x_max, padding=0.02)
        self.setYRange(-0.5, max(len(labels), 1) - 0.5, padding=0.02)

    def add_bars(
        self, values: Sequence[float], color: str, *, offset: float = 0.0, height: float = _BAR
    ) -> None:
        if not values:
            return
        rows = np.arange(len(values), dtype=float) + offset
        self.addItem(
            pg.BarGraphItem(
                x0=np.zeros(len(values)),
                y=rows,
                width=np.asarray(values, dtype=float),
                height=height,
                brush=QColor(color),
                pen=pg.mkPen(None),
            )
        )

    def add_intervals(
        self, values: Sequence[float], lows: Sequence[float], highs: Sequence[float]
    ) -> None:
        if not values:
            return
        x = np.asarray(values, dtype=float)
        self.addItem(
            pg.ErrorBarItem(
                x=x,
                y=np.arange(len(values), dtype=float),
                left=x - np.asarray(lows, dtype=float),
                right=np.asarray(highs, dtype=float) - x,
                beam=0.25,
                pen=pg.mkPen(self.text_color, width=1.5),
            )
        )


class ChartPanel(QWidget):
    """The four charts in a 2 × 2 grid."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        before = set(map(id, QApplication.topLevelWidgets()))
        self.versions = _Chart(
            "Acceptance by prompt version", "acceptance, with 95% interval", self
        )
        self.models = _Chart("Acceptance by model", "acceptance, with 95% interval", self)
        self.reasons = _Chart("Reject reasons", "share of rejects", self)
        self.validators = _Chart("Validator calibration", "share", self)
        self.legend = self.validators.addLegend(
            offset=(-10, 10), labelTextColor=self.validators.text_color
        )
        # pyqtgraph makes its context menus (off here) without a parent; parented, they are
        # deleted with the charts instead of lingering as windows of their own.
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMenu) and id(widget) not in before:
                widget.setParent(self, widget.windowFlags())
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.versions, 0, 0)
        layout.addWidget(self.models, 0, 1)
        layout.addWidget(self.reasons, 1, 0)
        layout.addWidget(self.validators, 1, 1)

    def show_overview(self, overview: Overview) -> None:
        versions = [g for g in overview.by_prompt_version if g.n]
        self._acceptance(
            self.versions,
            versions,
            [f"{g.group.get('prompt_template')} {g.group.get('prompt_version')}" for g in versions],
        )
        models = [g for g in overview.by_model if g.n]
        self._acceptance(self.models, models, [str(g.group.get("model")) for g in models])
        reasons = overview.reasons
        self.reasons.set_rows(
            [r.reason for r in reasons], max([r.share for r in reasons], default=1.0)
        )
        self.reasons.add_bars([r.share for r in reasons], _RED)
        validators = overview.calibration.validators
        # Room on the right for the legend.
        self.validators.set_rows([f"{v.validator}/{v.code}" for v in validators], 1.35)
        self.legend.clear()
        half = _BAR / 2
        self.validators.add_bars(
            [v.precision or 0.0 for v in validators], _AMBER, offset=-half / 2, height=half
        )
        self.validators.add_bars(
            [v.recall or 0.0 for v in validators], _BLUE, offset=half / 2, height=half
        )
        items = self.validators.getPlotItem().items
        if len(items) >= 2:
            self.legend.addItem(items[-2], "precision")
            self.legend.addItem(items[-1], "recall")

    def _acceptance(
        self, chart: _Chart, groups: Sequence[GroupStats], labels: Sequence[str]
    ) -> None:
        chart.set_rows(labels, 1.0)
        values = [g.acceptance or 0.0 for g in groups]
        chart.add_bars(values, _GREEN)
        chart.add_intervals(
            values,
            [
                g.acceptance_low if g.acceptance_low is not None else v
                for g, v in zip(groups, values, strict=True)
            ],
            [
                g.acceptance_high if g.acceptance_high is not None else v
                for g, v in zip(groups, values, strict=True)
            ],
        )
