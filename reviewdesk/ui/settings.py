"""The desk's preferences, kept between runs in QSettings (an ini file in the user's config)."""

from __future__ import annotations

import getpass
import logging

from PySide6.QtCore import QByteArray, QObject, QRect, QSettings, QSize
from PySide6.QtWidgets import QSplitter, QWidget

from reviewdesk.ui.queue_list.views import SavedView, dump_views, load_views
from reviewdesk.ui.style import Theme

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_WINDOW_SIZE", "DeskSettings", "fit_within"]

MIN_FONT_SIZE = 7
MAX_FONT_SIZE = 32
DEFAULT_WINDOW_SIZE = QSize(1440, 860)


def _screen_key(available: QRect) -> str:
    """The name a window geometry is kept under: one per screen setup (its available size)."""
    return f"window-{available.width()}x{available.height()}"


def fit_within(widget: QWidget, available: QRect, size: QSize | None = None) -> None:
    """Give `widget` `size` (default: its present size) cut to fit `available`, and centre it
    there."""
    wanted = (size or widget.size()).boundedTo(available.size())
    wanted = wanted.expandedTo(widget.minimumSize()).boundedTo(available.size())
    widget.resize(wanted)
    left = available.x() + (available.width() - wanted.width()) // 2
    top = available.y() + (available.height() - wanted.height()) // 2
    widget.move(left, top)


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or password database
        return "reviewer"


class DeskSettings:
    """Typed access to the desk's QSettings.

    Args:
        parent: the QObject that owns the underlying QSettings.
    """

    def __init__(self, parent: QObject) -> None:
        self._settings = QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "reviewdesk", "desk", parent
        )

    @property
    def file_name(self) -> str:
        return self._settings.fileName()

    def sync(self) -> None:
        self._settings.sync()

    @property
    def theme(self) -> Theme:
        value = str(self._settings.value("appearance/theme", Theme.SYSTEM.value))
        try:
            return Theme(value)
        except ValueError:
            return Theme.SYSTEM

    @theme.setter
    def theme(self, theme: Theme) -> None:
        self._settings.setValue("appearance/theme", theme.value)

    @property
    def font_size(self) -> int:
        try:
            size = int(str(self._settings.value("appearance/font_size", 10)))
        except ValueError:
            size = 10
        return min(MAX_FONT_SIZE, max(MIN_FONT_SIZE, size))

    @font_size.setter
    def font_size(self, size: int) -> None:
        self._settings.setValue("appearance/font_size", size)

    @property
    def reviewer(self) -> str:
        name = str(self._settings.value("review/reviewer", "")).strip()
        return name or _default_reviewer()

    @reviewer.setter
    def reviewer(self, name: str) -> None:
        self._settings.setValue("review/reviewer", name.strip())

    @property
    def reviewer_confirmed(self) -> bool:
        """Whether a reviewer name was ever set (the first-run panel, or the settings dialog);
        until then `reviewer` is the OS user's name."""
        return bool(str(self._settings.value("review/reviewer", "")).strip())

    @property
    def adjudicators(self) -> tuple[str, ...]:
        """Reviewers whose decision settles a disagreement (the `--adjudicator` names of the
        command line): the desk's Disagreements filter, statistics and exports use them."""
        text = str(self._settings.value("review/adjudicators", ""))
        return tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))

    @adjudicators.setter
    def adjudicators(self, names: tuple[str, ...]) -> None:
        self._settings.setValue("review/adjudicators", ",".join(names))

    @property
    def markdown(self) -> bool:
        return str(self._settings.value("review/markdown", "false")).lower() == "true"

    @markdown.setter
    def markdown(self, on: bool) -> None:
        self._settings.setValue("review/markdown", on)

    @property
    def hidden_columns(self) -> tuple[str, ...]:
        """The queue list's columns the reviewer hid (by name)."""
        text = str(self._settings.value("list/hidden_columns", ""))
        return tuple(name for name in text.split(",") if name)

    @hidden_columns.setter
    def hidden_columns(self, names: tuple[str, ...]) -> None:
        self._settings.setValue("list/hidden_columns", ",".join(names))

    @property
    def saved_views(self) -> list[SavedView]:
        """The queue list's saved views, in the order saved."""
        return load_views(str(self._settings.value("list/saved_views", "")))

    @saved_views.setter
    def saved_views(self, views: list[SavedView]) -> None:
        self._settings.setValue("list/saved_views", dump_views(views))

    @property
    def hide_models(self) -> bool:
        """Whether comparisons hide the candidates' model names until decided (default on)."""
        return str(self._settings.value("compare/hide_models", "true")).lower() == "true"

    @hide_models.setter
    def hide_models(self, on: bool) -> None:
        self._settings.setValue("compare/hide_models", on)

    def state(self, key: str) -> QByteArray | None:
        """A saved widget state (splitter sizes, window geometry), or None."""
        value = self._settings.value(f"state/{key}")
        return value if isinstance(value, QByteArray) else None

    def set_state(self, key: str, state: QByteArray) -> None:
        self._settings.setValue(f"state/{key}", state)

    def restore_layout(
        self, window: QWidget, splitters: dict[str, QSplitter], available: QRect
    ) -> None:
        """Give `window` and its `splitters` (by key) the geometry they were left with on this
        screen setup (`available`: the screen's room for windows); the first time, a default
        size that fits the screen."""
        geometry = self.state(_screen_key(available))
        restored = geometry is not None and window.restoreGeometry(geometry)
        if not restored or not available.contains(window.geometry()):
            fit_within(window, available, DEFAULT_WINDOW_SIZE)
        for key, splitter in splitters.items():
            state = self.state(key)
            if state is not None:
                splitter.restoreState(state)

    def save_layout(
        self, window: QWidget, splitters: dict[str, QSplitter], available: QRect
    ) -> None:
        """Keep the geometry of `window` (for this screen setup) and its `splitters` for the
        next run."""
        self.set_state(_screen_key(available), window.saveGeometry())
        for key, splitter in splitters.items():
            self.set_state(key, splitter.saveState())
        self.sync()
