"""Outputs cannot reach out: inert Markdown, no network, no files; huge outputs stay responsive."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import generation

OpenDesk = Callable[..., DeskWindow]


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets."""
    requests: list[str] = []
    handler = type("Recorder", (_Recorder,), {"requests": requests})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def store_with(path: Path, output: str) -> Path:
    with Store.open(path) as store, store.bulk_writer() as writer:
        writer.add([(generation(1, output=output, flags=()), ())])
    return path


def test_markdown_renders_inertly(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    base, requests = server
    image = tmp_path / "local.png"
    picture = QImage(4, 4, QImage.Format.Format_RGB32)
    picture.fill(Qt.GlobalColor.red)
    assert picture.save(str(image))
    nested = "- " * 3000 + "deep list\n\n" + ">" * 3000 + " deep quote\n\n" + "<div>" * 3000
    output = (
        f'# Title\n\n<img src="{base}/html.png">\n\n![remote]({base}/md.png)\n\n'
        f"![local]({image.as_uri()})\n\n<script>fetch('{base}/script')</script>\n\n"
        f"[passwd](file:///etc/passwd) and [site]({base}/link)\n\n{nested}\n"
    )
    window = open_desk(store_with(tmp_path / "md.sqlite", output))
    view = window.review.output.markdown_view
    with qtbot.waitSignal(window.review.output.markdown_view.document().contentsChanged):
        window.acts.markdown.trigger()
    assert window.review.output.stack.currentWidget() is view
    view.repaint()
    document = view.document()
    assert "passwd" in document.toPlainText()
    assert "<script>" in document.toPlainText()  # shown as text, not run
    for url in (QUrl(f"{base}/md.png"), QUrl(f"{base}/html.png"), QUrl.fromLocalFile(str(image))):
        loaded = document.resource(QTextDocument.ResourceType.ImageResource, url)
        assert not loaded or loaded.size().width() == 1  # the blank stand-in, not the file
    # Following a link does nothing either.
    view.anchorClicked.emit(QUrl("file:///etc/passwd"))
    view.anchorClicked.emit(QUrl(f"{base}/link"))
    assert view.source() == QUrl()
    assert requests == []
    # The server does answer: the test would see a request if the desk had made one.
    import urllib.request

    with urllib.request.urlopen(f"{base}/control") as response:
        assert response.status == 200
    assert requests == ["/control"]


def test_a_ten_megabyte_output_opens_cut_and_shows_all_on_request(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    output = ("A long answer line with words. " * 4 + "\n") * 80_000 + "z" * 300_000
    assert len(output) > 10_000_000
    window = open_desk(store_with(tmp_path / "big.sqlite", output))
    pane = window.review.output
    assert pane.display.truncated
    assert len(pane.text.toPlainText()) <= 200_100
    assert not pane.show_all_button.isHidden()
    pane.show_all_button.click()
    assert not pane.display.truncated
    shown = pane.text.toPlainText()
    assert shown.startswith("A long answer") and shown.rstrip().endswith("z")
    assert max(len(line) for line in shown.split("\n")) <= 10_001  # no paragraph Qt chokes on
