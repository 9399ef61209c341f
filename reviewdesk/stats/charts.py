"""Inline SVG charts for the HTML report: plain markup, no scripts, fonts or external references.

Labels are escaped here, and the charts come back as `Markup` so the template's autoescaping
leaves the (already safe) SVG alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart", "interval_chart"]

_ROW = 22
_LABEL_WIDTH = 220
_PLOT_WIDTH = 420
_VALUE_WIDTH = 150


def _frame(rows: int, body: list[str], title: str) -> Markup:
    height = rows * _ROW + 30
    width = _LABEL_WIDTH + _PLOT_WIDTH + _VALUE_WIDTH
    return Markup(
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _axis(rows: int, ticks: Sequence[float], maximum: float, percent: bool) -> list[str]:
    parts = []
    bottom = rows * _ROW + 4
    for tick in ticks:
        x = _LABEL_WIDTH + _PLOT_WIDTH * tick / maximum
        label = f"{tick * 100:.0f}%" if percent else f"{tick:g}"
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{bottom}"/>'
            f'<text class="tick" x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{label}</text>'
        )
    return parts


def _label(index: int, text: str) -> str:
    y = index * _ROW + 15
    shown = text if len(text) <= 32 else text[:31] + "…"
    return (
        f'<text class="label" x="{_LABEL_WIDTH - 8}" y="{y}" text-anchor="end">'
        f"{escape(shown)}</text>"
    )


def interval_chart(
    rows: Sequence[tuple[str, float | None, float | None, float | None, int]], title: str
) -> Markup:
    """Shares (0..1) as dots with their 95% interval as a bar: rows of (label, value, low,
    high, n). Rows without a value show "no labels"."""
    body = _axis(len(rows), (0, 0.25, 0.5, 0.75, 1.0), 1.0, True)
    for index, (label, value, low, high, n) in enumerate(rows):
        y = index * _ROW + 11
        body.append(_label(index, label))
        if value is None or low is None or high is None:
            body.append(f'<text class="value" x="{_LABEL_WIDTH + 4}" y="{y + 4}">no labels</text>')
            continue
        x_low = _LABEL_WIDTH + _PLOT_WIDTH * low
        x_high = _LABEL_WIDTH + _PLOT_WIDTH * high
        x = _LABEL_WIDTH + _PLOT_WIDTH * value
        body.append(
            f'<line class="interval" x1="{x_low:.1f}" y1="{y}" x2="{x_high:.1f}" y2="{y}"/>'
            f'<circle class="point" cx="{x:.1f}" cy="{y}" r="4"/>'
            f'<text class="value" x="{_LABEL_WIDTH + _PLOT_WIDTH + 8}" y="{y + 4}">'
            f"{value * 100:.1f}% (n={n:,})</text>"
        )
    return _frame(len(rows), body, title)


def bar_chart(
    rows: Sequence[tuple[str, float, str]], title: str, *, percent: bool = True
) -> Markup:
    """Horizontal bars: rows of (label, value, text shown beside the bar)."""
    maximum = 1.0 if percent else max((value for _, value, _ in rows), default=1.0) or 1.0
    ticks = (0, 0.25, 0.5, 0.75, 1.0) if percent else (0, maximum / 2, maximum)
    body = _axis(len(rows), ticks, maximum, percent)
    for index, (label, value, shown) in enumerate(rows):
        y = index * _ROW + 3
        body.append(_label(index, label))
        width = _PLOT_WIDTH * max(0.0, value) / maximum
        body.append(
            f'<rect class="bar" x="{_LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
            f'height="{_ROW - 8}"/>'
            f'<text class="value" x="{_LABEL_WIDTH + _PLOT_WIDTH + 8}" y="{y + 12}">'
            f"{escape(shown)}</text>"
        )
    return _frame(len(rows), body, title)
