"""`reviewdesk routing` on a store whose route has only comparisons: advised by preference, the
ratings printed, names with brackets printed verbatim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.app import run
from reviewdesk.ingest import import_files
from reviewdesk.store import Store


def test_routing_says_it_used_the_preference_and_prints_the_ratings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    records = [
        {
            "id": f"cmp-{n}",
            "prompt": f"prompt {n}",
            "candidates": [
                {"output": f"A{n}", "model": "[bold]big", "route": "chat"},
                {"output": f"B{n}", "model": "small", "route": "chat"},
            ],
            "decisions": [
                {
                    "reviewer": "r1",
                    "preference": "b" if n % 10 == 0 else "a",
                    "decided_at": "2026-11-21T09:00:00Z",
                }
            ],
        }
        for n in range(40)
    ]
    source = tmp_path / "pairs.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    store = tmp_path / "store.sqlite"
    with Store.open(store) as opened:
        import_files(opened, [source])
    code = run(["routing", "--store", str(store)])
    out = capsys.readouterr().out
    assert code == 0
    assert "chat: use [bold]big, by preference" in out
    assert "40 of 40 comparisons rated, clear winner [bold]big" in out
    # the acceptance table first (no labels), then the ratings: 36 wins, 0 ties, 4 losses
    big_rows = [line for line in out.splitlines() if line.startswith("│ [bold]big")]
    assert len(big_rows) == 2
    assert [cell.strip() for cell in big_rows[1].split("│")[4:7]] == ["36", "0", "4"]
    code = run(["routing", "--json", "--store", str(store)])
    [route] = json.loads(capsys.readouterr().out)["routes"]
    assert (route["evidence"], route["model"]) == ("preference", "[bold]big")
