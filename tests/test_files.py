"""Files written whole or not at all (routing tables, reports)."""

from __future__ import annotations

import os
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
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_file_gets_the_mode_the_umask_gives(tmp_path: Path, umask: int, mode: int) -> None:
    path = tmp_path / "report.html"
    before = os.umask(umask)
    try:
        write_text_atomically(path, "<p>", prefix=".report-", suffix=".html")
    finally:
        os.umask(before)
    assert stat.S_IMODE(path.stat().st_mode) == mode


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
