"""Numbers as people read them, alike in the command line, the report and the desk."""

from __future__ import annotations

__all__ = ["MISSING", "interval", "percent"]

MISSING = "–"
"""What a figure that cannot be computed (no labels, no interval) shows as."""


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage: 0.123 → "12.3%"; None → "–"."""
    return MISSING if value is None else f"{value * 100:.{digits}f}%"


def interval(low: float | None, high: float | None, digits: int = 1) -> str:
    """An interval of shares: (0.1, 0.25) → "10.0–25.0%"; either end None → "–"."""
    if low is None or high is None:
        return MISSING
    return f"{low * 100:.{digits}f}–{high * 100:.{digits}f}%"
