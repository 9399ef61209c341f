from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_the_self_test_approves_an_item_and_reads_it_back(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("QT_QPA_PLATFORM", None)  # the self-test chooses offscreen itself
    env.pop("DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("self-test passed: approved gen-")
    assert done.stderr == ""
    # Nothing is written to the user's data or settings.
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "config").exists()
