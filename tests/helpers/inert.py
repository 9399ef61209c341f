"""For tests that guidelines load nothing: a loopback HTTP server that counts the requests it
gets, a local image file, and checks that a rendered document holds no link and no image."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PySide6.QtGui import QColor, QImage, QTextDocument


@dataclass
class CountingServer:
    """A real HTTP server on a loopback port; `requests` lists the paths it was asked for."""

    url: str
    requests: list[str] = field(default_factory=list)


@contextmanager
def counting_server() -> Iterator[CountingServer]:
    found = CountingServer("")

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found.requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def red_png(path: Path) -> Path:
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("#ff0000"))
    assert image.save(str(path))
    return path


def has_red(image: QImage) -> bool:
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            color = image.pixelColor(x, y)
            if color.red() > 240 and color.green() < 30 and color.blue() < 30:
                return True
    return False


def hostile_guidelines(server_url: str, image: Path) -> str:
    """Guidelines with a link, a local and a remote image, and a script."""
    return (
        "# Refunds\n\nRead [the policy](" + server_url + "/policy) first.\n\n"
        f"![red](file://{image})\n\n![remote]({server_url}/remote.png)\n\n"
        "<script>alert(1)</script>\n"
    )


def assert_inert(document: QTextDocument) -> None:
    html = document.toHtml()
    assert "href" not in html and "<img" not in html
    text = document.toPlainText()
    assert "the policy" in text and "[image]" in text and "<script>" in text
