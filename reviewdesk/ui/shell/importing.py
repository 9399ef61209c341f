"""File → Import: the preview of the chosen files (a dry run), read again whenever the format or
mapping changes, then the import itself with its progress and Cancel.

All store work runs on the window's store worker. The import is one transaction: Cancel makes
its next progress report raise, which rolls it back, so a cancelled import stores nothing (and
writes no rejects file).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from reviewdesk.errors import ImportFailedError, ReviewdeskError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from reviewdesk.errors import UserError
    from reviewdesk.ingest import ImportReport, OnError
    from reviewdesk.ingest.hints import Hints
    from reviewdesk.store import Store
    from reviewdesk.ui.dialogs.import_options import ImportOptions
    from reviewdesk.ui.dialogs.import_preview import ImportPreviewDialog
    from reviewdesk.ui.review.view import ReviewView
    from reviewdesk.ui.runner import TaskRunner
    from reviewdesk.ui.shell.status_line import StatusLine

__all__ = ["DeskImport", "ImportHost", "desk_hints", "import_summary"]


class ImportHost(Protocol):
    """What File → Import needs of the window (the desk window is one)."""

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

    def open_dialog(self, dialog: QDialog) -> None: ...

    def restart_session(self) -> None: ...


def desk_hints() -> Hints:
    """Import messages in the desk's words: its controls, never a command-line option."""
    from reviewdesk.ingest.hints import Hints

    return Hints(
        unique_ids="give them unique ids with a mapping's id_from or id_prefix",
        json_format="the Format “JSON array”",
        json_note="",  # the preview shows what it read, and Format can say otherwise
    )


class _ImportCancelled(ReviewdeskError):
    """Raised in a dry run's or an import's progress callback once it is cancelled."""


@dataclass
class _Run:
    """One dry run or import on the worker; `cancelled` stops it at its next progress report."""

    dialog: ImportPreviewDialog
    serial: int
    options: ImportOptions
    cancelled: threading.Event = field(default_factory=threading.Event)


class DeskImport(QObject):
    """The Import preview and the import of one window.

    Args:
        window: the window whose store is imported into.
        parent: this object's parent, and the widget the preview opens over.

    Signals:
        _progressed(int, int, int): internal, a run's progress from the store worker (its
            serial, bytes read, bytes in all).
    """

    _progressed = Signal(int, int, int)

    def __init__(self, window: ImportHost, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = window
        self._dialog_parent = parent
        self._run: _Run | None = None
        """The run whose progress and answer the preview shows (older answers are dropped)."""
        self._serial = 0
        self._progressed.connect(self._on_self_progressed)

    def preview(self, paths: Sequence[Path]) -> None:
        """Open the Import preview of `paths`: a dry run on the store worker fills it in, and
        the reviewer's choice there starts the import."""
        window = self._window
        store = window.store
        if store is None or not paths:
            return
        # Loaded on first use, as the importer is: the desk starts without them.
        from reviewdesk.ui.dialogs.import_preview import ImportPreviewDialog, rejects_path

        paths = list(paths)
        rejects = rejects_path(paths)
        dialog = ImportPreviewDialog(paths, rejects, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        dialog.options_changed.connect(lambda options: self._read(store, dialog, paths, options))
        dialog.import_chosen.connect(
            lambda on_error: self._start_import(store, dialog, paths, on_error, rejects)
        )
        self._read(store, dialog, paths, dialog.options())
        window.open_dialog(dialog)

    # -- the preview --------------------------------------------------------------------------

    def _begin(self, dialog: ImportPreviewDialog, options: ImportOptions) -> _Run:
        if self._run is not None:
            self._run.cancelled.set()
        self._serial += 1
        self._run = run = _Run(dialog, self._serial, options)
        return run

    def _read(
        self, store: Store, dialog: ImportPreviewDialog, paths: list[Path], options: ImportOptions
    ) -> None:
        from reviewdesk.ui.dialogs.import_preview import PREVIEW_RECORDS

        run = self._begin(dialog, options)
        progress = self._progress_reporter(run)
        hints = desk_hints()

        def dry_run() -> ImportReport | None:
            from reviewdesk.ingest import Mapping, import_files

            mapping = Mapping() if options.mapping is None else Mapping.from_toml(options.mapping)
            try:
                return import_files(
                    store,
                    paths,
                    source_format=options.source_format,
                    mapping=mapping,
                    dry_run=True,
                    preview=PREVIEW_RECORDS,
                    progress=progress,
                    hints=hints,
                )
            except _ImportCancelled:
                return None

        self._window.runner.submit(
            dry_run,
            lambda report: self._on_dry_run_done(run, report),
            lambda error: self._on_dry_run_failed(run, error),
        )

    def _progress_reporter(self, run: _Run) -> Callable[[int, int], None]:
        """A progress callback for the worker: reports every 1% to the GUI thread, and stops
        the run (its transaction rolls back) once it is cancelled."""
        last = [-1]
        cancelled, serial = run.cancelled, run.serial

        def report(done: int, total: int) -> None:
            if cancelled.is_set():
                raise _ImportCancelled
            step = done * 100 // total if total > 0 else 0
            if step != last[0]:
                last[0] = step
                self._progressed.emit(serial, done, total)

        return report

    def _on_self_progressed(self, serial: int, done: int, total: int) -> None:
        run = self._run
        if run is not None and run.serial == serial:  # not a reading given up since
            run.dialog.show_progress(done, total)

    def _on_dry_run_done(self, run: _Run, report: ImportReport | None) -> None:
        if report is not None and run is self._run:
            run.dialog.show_report(report)

    def _on_dry_run_failed(self, run: _Run, error: UserError) -> None:
        if run is self._run:
            run.dialog.show_failure(str(error))

    def _on_dialog_finished(self, dialog: ImportPreviewDialog) -> None:
        run = self._run
        if run is not None and run.dialog is dialog:
            run.cancelled.set()  # Cancel, Esc or closing the window: whatever runs stops
            self._run = None

    # -- the import ---------------------------------------------------------------------------

    def _start_import(
        self,
        store: Store,
        dialog: ImportPreviewDialog,
        paths: list[Path],
        on_error: OnError,
        rejects: Path,
    ) -> None:
        window = self._window
        if store is not window.store or window.closing:
            return
        if self._run is None or self._run.dialog is not dialog:
            return
        # What the preview shown was read with (a path typed since, not yet read, is not).
        options = self._run.options
        run = self._begin(dialog, options)
        progress = self._progress_reporter(run)
        hints = desk_hints()
        dialog.show_importing(options)
        names = ", ".join(path.name for path in paths)
        window.status.show_message(f"Importing {names}…")

        def work() -> ImportReport | None:
            from reviewdesk.ingest import Mapping, import_files

            mapping = Mapping() if options.mapping is None else Mapping.from_toml(options.mapping)
            try:
                return import_files(
                    store,
                    paths,
                    source_format=options.source_format,
                    mapping=mapping,
                    on_error=on_error,
                    rejects=rejects,
                    progress=progress,
                    hints=hints,
                )
            except _ImportCancelled:
                return None

        window.runner.submit(
            work,
            lambda report: self._on_import_done(run, report),
            lambda error: self._on_import_failed(run, error),
        )

    def _on_import_done(self, run: _Run, report: ImportReport | None) -> None:
        if run is self._run:
            self._run = None
            run.dialog.import_done()
        window = self._window
        if report is None:
            window.status.show_message("Import cancelled: nothing was stored.", 15000)
            return
        message = import_summary(report)
        # A rejects file stays named until the next message: the reviewer has to find it.
        window.status.show_message(message, 0 if report.rejects else 15000)
        window.restart_session()

    def _on_import_failed(self, run: _Run, error: UserError) -> None:
        if run is self._run:
            self._run = None
            run.dialog.import_done()
        window = self._window
        if isinstance(error, ImportFailedError):
            # The file or the store changed since the preview (the preview said it was clean);
            # the importer's own message names a command-line option, so it is not shown.
            first = str(error).splitlines()[0]
            message = (
                "Nothing was imported: records became invalid or conflicting since the preview "
                f"({first}). Import the file again to see them."
            )
        else:
            message = str(error)
        window.review.show_problem(message)
        window.status.show_message(message, 15000)


def import_summary(report: ImportReport) -> str:
    """What an import stored, in one line for the status bar."""
    text = (
        f"Imported {report.imported:,} new item{'s' if report.imported != 1 else ''}"
        f" and {report.decisions:,} decision{'s' if report.decisions != 1 else ''}"
    )
    if report.undated_decisions:
        text += f" ({report.undated_decisions:,} without a time: given the time of the import)"
    if report.duplicates:
        text += f"; {report.duplicates:,} stored already"
    if report.rejects is not None:
        text += (
            f"; skipped {report.refused:,} record{'s' if report.refused != 1 else ''}, "
            f"written with their errors to {report.rejects}"
        )
    return text + "."
