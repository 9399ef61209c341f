"""The desk window's File menu and settings: import a file, export a dataset, open the demo,
and the settings dialog. Each runs its store work on the window's store worker; the window is
reached through `FileDeskHost`, what these commands need of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from reviewdesk.store import Store
from reviewdesk.ui.dialogs.preferences import DeskPreferences, SettingsDialog
from reviewdesk.ui.queue_list.panel import FILTER_COLUMNS
from reviewdesk.ui.shell.importing import DeskImport

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from reviewdesk.domain import Reason
    from reviewdesk.errors import UserError
    from reviewdesk.ui.review.view import ReviewView
    from reviewdesk.ui.runner import TaskRunner
    from reviewdesk.ui.settings import DeskSettings
    from reviewdesk.ui.shell.status_line import StatusLine
    from reviewdesk.ui.stats.tab import StatsTab

__all__ = ["FileDesk", "FileDeskHost"]


class FileDeskHost(Protocol):
    """What the File menu and the settings need of the window (the desk window is one): its
    store and store worker, where to say what happened, and how to switch or restart."""

    reasons: list[Reason]
    """The store's reason taxonomy as the desk knows it (the settings dialog edits it)."""

    @property
    def runner(self) -> TaskRunner:
        """The ordered store worker."""

    @property
    def store(self) -> Store | None:
        """The open store (None while opening or switching)."""

    @property
    def closing(self) -> bool: ...

    @property
    def review(self) -> ReviewView: ...

    @property
    def status(self) -> StatusLine: ...

    @property
    def stats(self) -> StatsTab: ...

    @property
    def settings(self) -> DeskSettings: ...

    @property
    def reviewer(self) -> str: ...

    @property
    def adjudicators(self) -> tuple[str, ...]: ...

    def set_adjudicators(self, names: tuple[str, ...]) -> None: ...

    def open_dialog(self, dialog: QDialog) -> None: ...

    def restart_session(self) -> None: ...

    def switch_store(self, open_store: Callable[[], Store], *, close_old: bool = True) -> None: ...

    def change_reviewer(self, name: str) -> None: ...

    def apply_appearance(self) -> None: ...


ChooseFiles = Callable[[QWidget], list[Path]]
"""Asks the person for the files to import (an empty list: they chose none)."""


def choose_files_to_import(parent: QWidget) -> list[Path]:
    """The open-files dialog of the File → Import command."""
    files, _ = QFileDialog.getOpenFileNames(
        parent,
        "Import generations",
        "",
        "Generations (*.jsonl *.json *.csv *.tsv *.parquet *.gz);;All files (*)",
    )
    return [Path(name) for name in files]


class FileDesk(QObject):
    """The File menu's commands and the settings dialog of `window`.

    Args:
        window: the window the commands work on.
        parent: this object's parent, and the widget the file and settings dialogs open over.

    Attributes:
        choose_import_files: how File → Import asks for files (tests put a stand-in here).
        importing: the Import preview and the import.
    """

    def __init__(self, window: FileDeskHost, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = window
        self._dialog_parent = parent
        self.choose_import_files: ChooseFiles = choose_files_to_import
        self.importing = DeskImport(window, parent)

    def _on_failed(self, error: UserError) -> None:
        window = self._window
        window.review.show_problem(f"{error}")
        window.status.show_message(str(error), 8000)

    # -- import, demo -------------------------------------------------------------------------

    def _on_import_action_triggered(self) -> None:
        if self._window.store is None:
            return
        files = self.choose_import_files(self._dialog_parent)
        if files:
            self.preview_import(files)

    def preview_import(self, paths: Sequence[Path]) -> None:
        """Open the Import preview of `paths` (see `reviewdesk.ui.shell.importing`)."""
        self.importing.preview(paths)

    def _on_demo_action_triggered(self) -> None:
        def open_demo() -> Store:
            from reviewdesk.demo import ensure_demo_store

            return Store.open(ensure_demo_store())

        self._window.switch_store(open_demo)

    # -- export -------------------------------------------------------------------------------

    def _on_export_action_triggered(self) -> None:
        store = self._window.store
        if store is None:
            return
        self._window.runner.submit(
            lambda: {column: store.distinct(column) for column in FILTER_COLUMNS},
            lambda choices: self._open_export_dialog(store, choices),
            self._on_failed,
        )

    def _open_export_dialog(self, store: Store, choices: dict[str, list[str]]) -> None:
        from reviewdesk.ui.dialogs.export import ExportDialog  # it loads the export code

        window = self._window
        if store is not window.store or window.closing:
            return
        choices["reviewer"] = window.stats.reviewers()
        dialog = ExportDialog(
            store.engine,
            choices,
            self._dialog_parent,
            source=store.path.name,
            adjudicators=window.adjudicators,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.open_dialog(dialog)

    # -- settings -----------------------------------------------------------------------------

    def _on_settings_action_triggered(self) -> None:
        window = self._window
        current = DeskPreferences(
            theme=window.settings.theme,
            font_size=window.settings.font_size,
            reviewer=window.reviewer,
            reasons=tuple(window.reasons),
            adjudicators=window.adjudicators,
            hide_models=window.settings.hide_models,
        )
        dialog = SettingsDialog(current, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._apply_preferences(dialog.preferences()))
        window.open_dialog(dialog)

    def _apply_preferences(self, preferences: DeskPreferences | None) -> None:
        if preferences is None:
            return
        window = self._window
        window.settings.theme = preferences.theme
        window.settings.font_size = preferences.font_size
        window.settings.reviewer = preferences.reviewer
        window.settings.hide_models = preferences.hide_models
        window.apply_appearance()
        window.set_adjudicators(preferences.adjudicators)
        store = window.store
        if preferences.reasons != tuple(window.reasons) and store is not None:
            reasons = list(preferences.reasons)
            window.reasons = reasons
            window.runner.submit(lambda: store.set_reasons(reasons), None, self._on_failed)
        if preferences.reviewer != window.reviewer:
            window.change_reviewer(preferences.reviewer)
