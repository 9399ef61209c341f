"""The desk window's File menu and settings: import a file, export a dataset, open the demo,
and the settings dialog. Each runs its store work on the window's store worker; the window is
reached through `FileDeskHost`, what these commands need of it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from reviewdesk.errors import ImportFailedError, ReviewdeskError
from reviewdesk.store import Store
from reviewdesk.ui.dialogs.preferences import DeskPreferences, SettingsDialog
from reviewdesk.ui.queue_list.panel import FILTER_COLUMNS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from reviewdesk.domain import Reason
    from reviewdesk.errors import UserError
    from reviewdesk.ingest import ImportReport, OnError
    from reviewdesk.ui.dialogs.import_preview import ImportPreviewDialog
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
        "Generations (*.jsonl *.json *.csv *.tsv *.gz);;All files (*)",
    )
    return [Path(name) for name in files]


class _PreviewCancelled(ReviewdeskError):
    """Raised in a dry run's progress callback once its preview is closed, to stop it."""


class FileDesk(QObject):
    """The File menu's commands and the settings dialog of `window`.

    Args:
        window: the window the commands work on.
        parent: this object's parent, and the widget the file and settings dialogs open over.

    Attributes:
        choose_import_files: how File → Import asks for files (tests put a stand-in here).

    Signals:
        _import_progressed(int, int): internal, a dry run's progress from the store worker.
    """

    _import_progressed = Signal(int, int)

    def __init__(self, window: FileDeskHost, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = window
        self._dialog_parent = parent
        self.choose_import_files: ChooseFiles = choose_files_to_import
        self._preview: ImportPreviewDialog | None = None
        self._import_progressed.connect(self._on_self_import_progressed)

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
        """Open the Import preview of `paths`: a dry run on the store worker fills it in, and
        the reviewer's choice there starts the import."""
        window = self._window
        store = window.store
        if store is None or not paths:
            return
        # Loaded on first use, as the importer is: the desk starts without them.
        from reviewdesk.ui.dialogs.import_preview import (
            PREVIEW_RECORDS,
            ImportPreviewDialog,
            rejects_path,
        )

        paths = list(paths)
        rejects = rejects_path(paths)
        dialog = ImportPreviewDialog(paths, rejects, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        cancelled = threading.Event()
        self._preview = dialog
        dialog.finished.connect(lambda _result: self._on_preview_finished(dialog, cancelled))
        dialog.import_chosen.connect(
            lambda on_error: self._start_import(store, paths, on_error, rejects)
        )
        progress = self._progress_reporter(cancelled)

        def dry_run() -> ImportReport | None:
            from reviewdesk.ingest import import_files

            try:
                return import_files(
                    store, paths, dry_run=True, preview=PREVIEW_RECORDS, progress=progress
                )
            except _PreviewCancelled:
                return None

        window.runner.submit(
            dry_run,
            lambda report: self._on_dry_run_done(dialog, report),
            lambda error: self._on_dry_run_failed(dialog, error),
        )
        window.open_dialog(dialog)

    def _progress_reporter(self, cancelled: threading.Event) -> Callable[[int, int], None]:
        """A progress callback for the worker: reports every 1% to the GUI thread, and stops
        the dry run (its transaction rolls back) once the preview is closed."""
        last = [-1]

        def report(done: int, total: int) -> None:
            if cancelled.is_set():
                raise _PreviewCancelled
            step = done * 100 // total if total > 0 else 0
            if step != last[0]:
                last[0] = step
                self._import_progressed.emit(done, total)

        return report

    def _on_self_import_progressed(self, done: int, total: int) -> None:
        if self._preview is not None:
            self._preview.show_progress(done, total)

    def _on_dry_run_done(self, dialog: ImportPreviewDialog, report: ImportReport | None) -> None:
        if report is not None and dialog is self._preview:
            dialog.show_report(report)

    def _on_dry_run_failed(self, dialog: ImportPreviewDialog, error: UserError) -> None:
        if dialog is self._preview:
            dialog.show_failure(str(error))

    def _on_preview_finished(self, dialog: ImportPreviewDialog, cancelled: threading.Event) -> None:
        cancelled.set()
        if dialog is self._preview:
            self._preview = None

    def _start_import(
        self, store: Store, paths: list[Path], on_error: OnError, rejects: Path
    ) -> None:
        window = self._window
        if store is not window.store or window.closing:
            return
        names = ", ".join(path.name for path in paths)
        window.status.show_message(f"Importing {names}…")

        def work() -> ImportReport:
            from reviewdesk.ingest import import_files

            return import_files(store, paths, on_error=on_error, rejects=rejects)

        window.runner.submit(work, self._on_import_done, self._on_import_failed)

    def _on_import_done(self, report: ImportReport) -> None:
        message = _import_summary(report)
        # A rejects file stays named until the next message: the reviewer has to find it.
        self._window.status.show_message(message, 0 if report.rejects else 15000)
        self._window.restart_session()

    def _on_import_failed(self, error: UserError) -> None:
        if isinstance(error, ImportFailedError):
            # The file or the store changed since the preview (the preview said it was clean);
            # the importer's own message names a command-line option, so it is not shown.
            first = str(error).splitlines()[0]
            message = (
                "Nothing was imported: records became invalid or conflicting since the preview "
                f"({first}). Import the file again to see them."
            )
            self._window.review.show_problem(message)
            self._window.status.show_message(message, 15000)
            return
        self._on_failed(error)

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
        window.apply_appearance()
        window.set_adjudicators(preferences.adjudicators)
        store = window.store
        if preferences.reasons != tuple(window.reasons) and store is not None:
            reasons = list(preferences.reasons)
            window.reasons = reasons
            window.runner.submit(lambda: store.set_reasons(reasons), None, self._on_failed)
        if preferences.reviewer != window.reviewer:
            window.change_reviewer(preferences.reviewer)


def _import_summary(report: ImportReport) -> str:
    """What an import stored, in one line for the status bar."""
    text = (
        f"Imported {report.imported:,} new item{'s' if report.imported != 1 else ''}"
        f" and {report.decisions:,} decision{'s' if report.decisions != 1 else ''}"
    )
    if report.duplicates:
        text += f"; {report.duplicates:,} stored already"
    if report.rejects is not None:
        text += (
            f"; skipped {report.refused:,} record{'s' if report.refused != 1 else ''}, "
            f"written with their errors to {report.rejects}"
        )
    return text + "."
