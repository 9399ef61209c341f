"""Colours, palettes and icons of the desk, for the light and the dark theme."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from reviewdesk.domain import Severity
from reviewdesk.resources import resource

__all__ = [
    "PROBLEM_BANNER",
    "Theme",
    "accent_text",
    "apply_theme",
    "contrast_ratio",
    "diff_colors",
    "diff_delete_tint",
    "diff_insert_tint",
    "icon",
    "is_dark",
    "over",
    "severity_color",
    "severity_icon",
    "severity_tint",
]


class Theme(StrEnum):
    """The desk's colour theme."""

    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


# Strong colours for icons and text; they read on a light and on a dark background.
_SEVERITY_COLORS = {
    Severity.INFO: "#2f80ed",
    Severity.WARNING: "#e8a200",
    Severity.ERROR: "#e5484d",
    Severity.CRITICAL: "#c2187a",
}


def severity_color(severity: Severity) -> QColor:
    return QColor(_SEVERITY_COLORS[severity])


def severity_tint(severity: Severity) -> QColor:
    """A translucent background for flagged text; the more severe, the stronger."""
    color = severity_color(severity)
    color.setAlpha({1: 60, 2: 80, 3: 90, 4: 110}[severity.rank])
    return color


def diff_insert_tint() -> QColor:
    """The background of words a diff adds, for the current theme (stronger on dark)."""
    return QColor(46, 160, 67, 110 if is_dark() else 70)


def diff_delete_tint() -> QColor:
    """The background of words a diff removes, for the current theme (stronger on dark)."""
    return QColor(229, 72, 77, 120 if is_dark() else 70)


@cache
def icon(name: str) -> QIcon:
    """An icon drawn in resources/icons (SVG)."""
    return QIcon(str(resource("icons", f"{name}.svg")))


def app_icon() -> QIcon:
    """reviewdesk's own icon, at every size the desktop may ask for."""
    folder = resource("icons", "app")
    result = QIcon(str(folder / "reviewdesk.svg"))
    for png in sorted(folder.glob("reviewdesk-*.png")):
        result.addFile(str(png))
    return result


def severity_icon(severity: Severity) -> QIcon:
    return icon(f"severity-{severity}")


# Text in an accent colour (a severity, a role, a verdict), per theme: (light, dark). Each reads
# at WCAG AA (4.5:1) on its theme's Base, AlternateBase and Window (tests/ui/test_contrast.py).
_ACCENT_TEXT = {
    "info": ("#1a5fb4", "#7ab0ff"),
    "warning": ("#8a5a00", "#f0b429"),
    "error": ("#c01c28", "#ff7b7b"),
    "critical": ("#a3155f", "#ff7ac0"),
    "system": ("#6a3fb5", "#b79cf0"),
    "user": ("#1a5fb4", "#7ab0ff"),
    "assistant": ("#17753f", "#5fd38d"),
    "tool": ("#8a5a00", "#f0b429"),
    "approve": ("#17753f", "#5fd38d"),
    "edit": ("#8a5a00", "#f0b429"),
    "reject": ("#c01c28", "#ff7b7b"),
}

PROBLEM_BANNER = ("#c01c28", "#ffffff")
"""The problem banner's background and text (6.1:1 in both themes)."""


def accent_text(name: str, dark: bool | None = None) -> QColor:
    """The colour of text marked `name` (a severity, a prompt role or a verdict) on the dark
    or light theme (default: the current one)."""
    light, on_dark = _ACCENT_TEXT[name]
    return QColor(on_dark if (is_dark() if dark is None else dark) else light)


def _luminance(color: QColor) -> float:
    """WCAG 2.x relative luminance."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(color.redF())
        + 0.7152 * linear(color.greenF())
        + 0.0722 * linear(color.blueF())
    )


def contrast_ratio(first: QColor, second: QColor) -> float:
    """The WCAG 2.x contrast ratio of two opaque colours (1 to 21; AA text needs 4.5)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(color: QColor, background: QColor) -> QColor:
    """`color` (translucent) painted over the opaque `background`."""
    alpha = color.alphaF()
    return QColor.fromRgbF(
        color.redF() * alpha + background.redF() * (1 - alpha),
        color.greenF() * alpha + background.greenF() * (1 - alpha),
        color.blueF() * alpha + background.blueF() * (1 - alpha),
    )


_DIFF_COLORS = {
    # (inserted, removed) backgrounds: the theme's text reads on them at WCAG AA.
    False: ("#c8f0d1", "#ffd6d3"),
    True: ("#1e5631", "#6b2228"),
}


def diff_colors(dark: bool | None = None) -> tuple[QColor, QColor]:
    """The backgrounds of inserted and of removed words in the edit's diff, for the dark or
    light theme (default: the current one)."""
    inserted, removed = _DIFF_COLORS[is_dark() if dark is None else dark]
    return QColor(inserted), QColor(removed)


def is_dark() -> bool:
    """Whether the current palette is a dark one."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Switch the whole application to `theme` (Fusion style, so both look the same everywhere)."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    dark = theme is Theme.DARK or (
        theme is Theme.SYSTEM and app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    )
    app.setPalette(_dark_palette() if dark else _light_palette())


def _palette(colors: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    palette = QPalette()
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return palette


def _light_palette() -> QPalette:
    role = QPalette.ColorRole
    return _palette(
        {
            role.Window: "#f4f5f7",
            role.WindowText: "#1d2127",
            role.Base: "#ffffff",
            role.AlternateBase: "#f0f2f5",
            role.ToolTipBase: "#ffffff",
            role.ToolTipText: "#1d2127",
            role.PlaceholderText: "#656b75",
            role.Text: "#1d2127",
            role.Button: "#eceef1",
            role.ButtonText: "#1d2127",
            role.BrightText: "#d93025",
            role.Link: "#1a5fb4",
            role.Highlight: "#2f6fd6",
            role.HighlightedText: "#ffffff",
            role.Mid: "#c4c8ce",
            role.Midlight: "#e2e5e9",
            role.Dark: "#9aa0a8",
            role.Shadow: "#6b7079",
        },
        "#a0a5ad",
    )


def _dark_palette() -> QPalette:
    role = QPalette.ColorRole
    return _palette(
        {
            role.Window: "#23262b",
            role.WindowText: "#e3e5e8",
            role.Base: "#1a1c20",
            role.AlternateBase: "#212429",
            role.ToolTipBase: "#2c3036",
            role.ToolTipText: "#e3e5e8",
            role.PlaceholderText: "#8b919a",
            role.Text: "#e3e5e8",
            role.Button: "#2c3036",
            role.ButtonText: "#e3e5e8",
            role.BrightText: "#ff6b6b",
            role.Link: "#6ea8ff",
            role.Highlight: "#2f6bd0",
            role.HighlightedText: "#ffffff",
            role.Mid: "#3a3f46",
            role.Midlight: "#30343a",
            role.Dark: "#15171a",
            role.Shadow: "#0b0c0e",
        },
        "#6b7079",
    )
