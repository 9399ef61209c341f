from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.cli.desk import open_desk
from reviewdesk.cli.launcher import _desk_arguments


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"demo": False, "reset": False}),
        (["--store", "a.sqlite"], {"demo": False, "reset": False, "store": Path("a.sqlite")}),
        (
            ["--store=a.sqlite", "--screenshot", "x.png"],
            {"demo": False, "reset": False, "store": Path("a.sqlite"), "screenshot": Path("x.png")},
        ),
        (["demo", "--reset"], {"demo": True, "reset": True}),
        (
            ["demo", "--screenshot", "x.png"],
            {"demo": True, "reset": False, "screenshot": Path("x.png")},
        ),
    ],
)
def test_desk_invocations_skip_the_command_line_framework(
    argv: list[str], expected: dict[str, object]
) -> None:
    assert _desk_arguments(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["info"],
        ["--store"],
        ["--store", "--screenshot"],
        ["--reset"],
        ["demo", "extra"],
        ["-v"],
        ["--stor", "x"],
    ],
)
def test_everything_else_goes_to_the_command_line(argv: list[str]) -> None:
    assert _desk_arguments(argv) is None


def test_without_a_display_the_desk_says_so_instead_of_aborting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert open_desk(tmp_path / "s.sqlite", screenshot=None) == 1
    assert "no display" in capsys.readouterr().err
    assert not (tmp_path / "s.sqlite").exists()
