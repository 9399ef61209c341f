"""Resources are found the same way from a source tree and from an installed wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reviewdesk.resources import resource, resources_dir

ROOT = Path(__file__).resolve().parents[1]


def test_resources_are_found_from_the_source_tree() -> None:
    assert resources_dir() == ROOT / "resources"
    assert resource("demo", "generations.jsonl").is_file()


@pytest.mark.slow
def test_a_wheel_carries_the_resources_and_finds_them_once_installed(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv is not None, "uv is installed by ./dev"
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("reviewdesk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "reviewdesk/_resources/demo/generations.jsonl" in names
    assert "reviewdesk/_resources/demo/templates.jsonl" in names
    assert "reviewdesk/store/migrations/versions/0001_generations_and_decisions.py" in names
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    # The lookup itself needs nothing but the package, so the wheel goes in without its dependencies.
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--no-deps", "--python", str(python), str(wheel)],
        check=True,
    )
    found = subprocess.run(
        [
            str(python),
            "-c",
            "from reviewdesk.resources import resource; print(resource('demo', 'generations.jsonl'))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert found.startswith(str(venv))
    assert Path(found).read_bytes() == resource("demo", "generations.jsonl").read_bytes()
