"""Files written whole or not at all (routing tables, reports)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from reviewdesk.files import write_text_atomically


def test_the_text_replaces_the_file_and_nothing_else_is_left(tmp_path: Path) -> None:
    path = tmp_path / "routing.json"
    path.write_text("old", encoding="utf-8")
    write_text_atomically(path, "nouveau ✓\n", prefix=".routing-")
    assert path.read_bytes() == "nouveau ✓\n".encode()
    assert [found.name for found in tmp_path.iterdir()] == ["routing.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_file_is_its_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_text_atomically(path, "<p>", prefix=".report-", suffix=".html")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "routing.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(path, "half \ud800", prefix=".routing-")  # a lone surrogate
    assert path.read_text(encoding="utf-8") == "old"
    assert [found.name for found in tmp_path.iterdir()] == ["routing.json"]


def test_a_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomically(tmp_path / "missing" / "r.html", "<p>", prefix=".report-")
