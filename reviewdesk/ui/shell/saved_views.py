"""The window's saved views: View → Saved views (each with Alt+1 … Alt+9), saving the view on
show (Ctrl+Shift+V) and deleting one; the sidebar's list follows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from reviewdesk.ui.queue_list.views import SavedView, SaveViewDialog

if TYPE_CHECKING:
    from reviewdesk.ui.queue_list.panel import QueuePanel
    from reviewdesk.ui.settings import DeskSettings

__all__ = ["SavedViewsHost", "SavedViewsMenu"]


class SavedViewsHost(Protocol):
    """What the saved views need of the window."""

    @property
    def settings(self) -> DeskSettings: ...

    @property
    def queue_panel(self) -> QueuePanel: ...

    def open_dialog(self, dialog: QDialog) -> None: ...

    def show_message(self, text: str) -> None: ...


class SavedViewsMenu(QObject):
    """Keeps View → Saved views, the sidebar's list and the settings in step.

    Args:
        host: the window.
        menu: the submenu to fill.
        window: the widget the views' keys work in (the window).
    """

    def __init__(self, host: SavedViewsHost, menu: QMenu, window: QWidget) -> None:
        super().__init__(window)
        self._host = host
        self._menu = menu
        self._window = window
        self._actions: list[QAction] = []
        self.delete_menu = QMenu("&Delete a saved view", menu)
        self.refresh()

    @property
    def views(self) -> list[SavedView]:
        return self._host.settings.saved_views

    def refresh(self) -> None:
        """Rebuild the menu and the sidebar's list from the settings."""
        for action in self._actions:
            self._window.removeAction(action)
            action.deleteLater()
        self._actions = []
        self._menu.clear()
        self.delete_menu.clear()
        views = self.views
        for number, view in enumerate(views, start=1):
            action = QAction(view.name.replace("&", "&&"), self._window)
            if number <= 9:
                action.setShortcut(QKeySequence(f"Alt+{number}"))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"Show the saved view “{view.name}”")
            action.triggered.connect(lambda _on=False, name=view.name: self.apply(name))
            self._window.addAction(action)  # its key works wherever the focus is
            self._menu.addAction(action)
            self._actions.append(action)
            gone = self.delete_menu.addAction(view.name.replace("&", "&&"))
            gone.triggered.connect(lambda _on=False, name=view.name: self.delete(name))
        if not views:
            empty = self._menu.addAction("No saved views yet")
            empty.setEnabled(False)
        self._menu.addSeparator()
        self.delete_menu.setEnabled(bool(views))
        self._menu.addMenu(self.delete_menu)
        self._host.queue_panel.set_saved_views(views)

    def apply(self, name: str) -> None:
        for view in self.views:
            if view.name == name:
                self._host.queue_panel.apply_view(view)
                self._host.show_message(f"The view “{name}”.")
                return

    def ask_to_save(self) -> None:
        """Ask a name, then keep the view on show under it."""
        dialog = SaveViewDialog([view.name for view in self.views], self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.save(dialog.view_name()))
        self._host.open_dialog(dialog)

    def save(self, name: str) -> None:
        view = self._host.queue_panel.current_view(name)
        views = [kept for kept in self.views if kept.name != name]
        replaced = len(views) < len(self.views)
        at = next((n for n, kept in enumerate(self.views) if kept.name == name), len(views))
        views.insert(at, view)  # a replaced view keeps its place (and its key)
        self._store(views)
        self._host.show_message(f"{'Replaced' if replaced else 'Saved'} the view “{name}”.")

    def delete(self, name: str) -> None:
        self._store([view for view in self.views if view.name != name])
        self._host.show_message(f"Deleted the view “{name}”.")

    def _store(self, views: list[SavedView]) -> None:
        settings = self._host.settings
        settings.saved_views = views
        settings.sync()
        self.refresh()
