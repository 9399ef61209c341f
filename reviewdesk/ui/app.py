"""Starting the desk: the QApplication, the main window, and `--screenshot`."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QPlainTextEdit, QSplitter

from reviewdesk.store import Store


def run_desk(store_path: Path, *, screenshot: Path | None = None) -> int:
    """Open the desk on the store at `store_path`; with `screenshot`, save a PNG and exit."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle(f"reviewdesk — {store_path.name}")
    with Store.open(store_path) as store:
        entry = store.next_pending("me")
        splitter = QSplitter(window)
        if entry is None:
            splitter.addWidget(QLabel("Nothing to review."))
        else:
            generation = store.load(entry.pk)
            for text in (generation.prompt_text(), generation.output):
                view = QPlainTextEdit(text)
                view.setReadOnly(True)
                splitter.addWidget(view)
        window.setCentralWidget(splitter)
    window.resize(1280, 800)
    window.show()
    if screenshot is not None:
        app.processEvents()
        return 0 if window.grab().save(str(screenshot)) else 1
    return app.exec()
