"""`reviewdesk push`: a canonical JSONL file to the real server, in batches, with retries."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.cli.app import run
from reviewdesk.cli.push import ATTEMPTS, PushFailedError, push_file
from reviewdesk.client import ReviewdeskClient
from tests.helpers.records import record
from tests.server.harness import FakeClock, RunningServer
from tests.server.postgres import free_port
from tests.sync.fakes import FaultTransport, busy, timeout_after_commit


def _write(path: Path, records: list[dict[str, Any] | str]) -> Path:
    lines = [entry if isinstance(entry, str) else json.dumps(entry) for entry in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stored(server: RunningServer, secret: str, ids: list[str]) -> list[int]:
    with server.client(secret) as client:
        return [client.get(f"/v1/items/{item_id}").status_code for item_id in ids]


@pytest.mark.slow
def test_a_file_goes_in_batches_and_again_as_duplicates(
    server: RunningServer, tmp_path: Path
) -> None:
    secret = server.token("producer", "producer")
    source = _write(tmp_path / "items.jsonl", [record(n) for n in range(1, 1201)])
    seen: list[tuple[int, int]] = []

    report = push_file(
        source, server.url, secret, progress=lambda done, total: seen.append((done, total))
    )

    assert (report.created, report.duplicates, report.invalid, report.batches) == (1200, 0, 0, 3)
    assert _stored(server, secret, ["gen-000001", "gen-000600", "gen-001200"]) == [200, 200, 200]
    assert seen and seen[-1][0] == seen[-1][1] == source.stat().st_size
    again = push_file(source, server.url, secret, batch=100)
    assert (again.created, again.duplicates, again.batches) == (0, 1200, 12)


def test_one_bad_record_pushes_nothing_and_is_named(server: RunningServer, tmp_path: Path) -> None:
    secret = server.token("producer", "producer")
    bad = record(2)
    del bad["output"]
    source = _write(tmp_path / "items.jsonl", [record(1), bad, "{not json", record(4)])

    with pytest.raises(PushFailedError) as refused:
        push_file(source, server.url, secret)

    message = str(refused.value)
    assert "items.jsonl:2: output: is required but missing" in message
    assert "items.jsonl:3: not valid JSON" in message
    assert "2 invalid records: nothing was pushed" in message
    assert _stored(server, secret, ["gen-000001", "gen-000004"]) == [404, 404]


def test_skip_pushes_the_valid_records_and_counts_the_others(
    server: RunningServer, tmp_path: Path
) -> None:
    secret = server.token("producer", "producer")
    bad = record(2, risk=7)
    source = _write(tmp_path / "items.jsonl", [record(1), bad, record(3)])

    report = push_file(source, server.url, secret, skip_invalid=True)

    assert (report.created, report.invalid) == (2, 1)
    assert [line.split(": ")[:2] for line in report.errors] == [["items.jsonl:2", "risk"]]
    assert _stored(server, secret, ["gen-000001", "gen-000002", "gen-000003"]) == [200, 404, 200]


def test_a_busy_server_is_waited_out_as_it_asks(server: RunningServer, tmp_path: Path) -> None:
    secret = server.token("producer", "producer")
    source = _write(tmp_path / "items.jsonl", [record(n) for n in range(1, 4)])
    transport = FaultTransport({"/v1/items": [busy(7), busy(3)]})
    waits: list[float] = []

    report = push_file(source, server.url, secret, transport=transport, sleep=waits.append)

    assert waits == [7.0, 3.0]
    assert (report.created, report.retries) == (3, 2)
    assert transport.seen == ["POST /v1/items"] * 3


def test_an_answer_lost_after_the_commit_is_sent_again_as_duplicates(
    server: RunningServer, tmp_path: Path
) -> None:
    secret = server.token("producer", "producer")
    source = _write(tmp_path / "items.jsonl", [record(n) for n in range(1, 6)])
    transport = FaultTransport({"/v1/items": [timeout_after_commit]})
    waits: list[float] = []

    report = push_file(source, server.url, secret, transport=transport, sleep=waits.append)

    # The first answer was lost: the items went in then, and the retry finds them there.
    assert (report.created, report.duplicates, report.retries) == (0, 5, 1)
    assert len(waits) == 1
    assert _stored(server, secret, [f"gen-00000{n}" for n in range(1, 6)]) == [200] * 5


def test_a_refused_token_is_not_retried(server: RunningServer, tmp_path: Path) -> None:
    reviewer = server.token("alice", "reviewer")
    source = _write(tmp_path / "items.jsonl", [record(1)])
    waits: list[float] = []

    with pytest.raises(PushFailedError, match=r"refused.*403.*wrong_role"):
        push_file(source, server.url, reviewer, sleep=waits.append)
    with pytest.raises(PushFailedError, match=r"refused.*401"):
        push_file(source, server.url, "rdk_nobody", sleep=waits.append)
    assert waits == []


def test_an_unreachable_server_is_tried_then_given_up(tmp_path: Path) -> None:
    source = _write(tmp_path / "items.jsonl", [record(1)])
    waits: list[float] = []

    with pytest.raises(PushFailedError, match=f"gave up after {ATTEMPTS} attempts: ConnectError"):
        push_file(source, f"http://127.0.0.1:{free_port()}", "rdk_x", sleep=waits.append)

    assert len(waits) == ATTEMPTS - 1
    assert all(0 < wait <= 30.0 for wait in waits)


def test_the_command_prints_what_it_did_and_fails_clearly(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = server.token("producer", "producer")
    source = _write(tmp_path / "items.jsonl", [record(n) for n in range(1, 4)])

    assert run(["push", str(source), "--server", server.url, "--token", secret, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary == {
        "created": 3,
        "duplicates": 0,
        "conflicts": 0,
        "invalid": 0,
        "batches": 1,
        "retries": 0,
    }

    missing = tmp_path / "nope.jsonl"
    assert run(["push", str(missing), "--server", server.url, "--token", secret]) == 1
    assert "nope.jsonl: no such file" in capsys.readouterr().err
    assert run(["push", str(source), "--server", server.url, "--token", "rdk_bad"]) == 1
    assert "401" in capsys.readouterr().err


def test_ids_the_server_holds_with_other_content_are_conflicts(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = server.token("producer", "producer")
    push_file(_write(tmp_path / "first.jsonl", [record(1)]), server.url, secret)
    changed = record(1, output="Another answer.", flags=[])
    source = _write(tmp_path / "second.jsonl", [changed, record(2)])

    report = push_file(source, server.url, secret)
    assert (report.created, report.duplicates, report.conflicts) == (1, 0, 1)
    assert report.errors == ["gen-000001: id: stored already with a different output: not stored"]

    assert run(["push", str(source), "--server", server.url, "--token", secret]) == 1
    captured = capsys.readouterr()
    assert "1 id conflict: the server holds those ids" in captured.err
    assert "conflicts 1" in captured.out and "(1 batch, 0 retries)" in captured.out


def test_integer_ids_and_undated_decisions_get_the_servers_time_and_push_again_as_duplicates(
    server: RunningServer, clock: FakeClock, tmp_path: Path
) -> None:
    secret = server.token("producer", "producer")
    clock.advance(86_400)  # the server's day is not the pushing machine's: its time is the one
    undated = {"reviewer": "ann", "verdict": "approve"}
    source = _write(
        tmp_path / "items.jsonl",
        [{**record(1), "id": 47, "decisions": [undated]}, {**record(2), "decisions": [undated]}],
    )

    first = push_file(source, server.url, secret)
    assert (first.created, first.invalid, first.errors) == (2, 0, [])
    with ReviewdeskClient(server.url, secret) as client:
        # The producer client sends an undated decision as it is, too.
        more = client.submit([{**record(3), "decisions": [undated]}])
        assert [(r["id"], r["status"], r["decisions"]) for r in more] == [
            ("gen-000003", "created", 1)
        ]
        assert client.item("47")["id"] == "47"
    with server.engine.connect() as connection:
        times = connection.exec_driver_sql("SELECT decided_at FROM decision").scalars().all()
    server_time = datetime.fromtimestamp(clock.now_ms / 1000, UTC)
    assert [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times] == [server_time] * 3

    again = push_file(source, server.url, secret)
    assert (again.created, again.duplicates, again.conflicts, again.errors) == (0, 2, 0, [])


def test_each_retry_is_said_with_its_wait(tmp_path: Path) -> None:
    from reviewdesk.cli.push import retries_said

    source = _write(tmp_path / "items.jsonl", [record(1)])
    said: list[str] = []
    with retries_said(said.append), pytest.raises(PushFailedError):
        push_file(source, f"http://127.0.0.1:{free_port()}", "rdk_x", sleep=lambda _s: None)
    assert len(said) == ATTEMPTS - 1
    assert said[0].startswith(f"push: attempt 1 of {ATTEMPTS} failed: ")
    assert re.search(r"; retrying in \d+\.\d s$", said[0])


def test_comparisons_are_pushed_beside_items_and_a_bad_one_is_named(
    server: RunningServer, tmp_path: Path
) -> None:
    secret = server.token("producer", "producer")
    comparison = {
        "id": "cmp-1",
        "prompt": "Say hello.",
        "candidates": [
            {"output": "Hello!", "model": "small"},
            {"output": "Good day to you.", "model": "large"},
        ],
        "decisions": [{"reviewer": "ann", "preference": "b"}],
    }
    source = _write(tmp_path / "mixed.jsonl", [record(1), comparison])

    report = push_file(source, server.url, secret)

    assert (report.created, report.invalid) == (2, 0)
    with server.client(secret) as client:
        stored = client.get("/v1/items/cmp-1").json()
    assert stored["kind"] == "comparison"
    assert [d["preference"] for d in stored["decisions"]] == ["b"]
    # A comparison the server would refuse is named by file, line and field before any is sent.
    broken = {**comparison, "id": "cmp-2", "candidates": [{"output": True}, {"output": "x"}]}
    bad = _write(tmp_path / "bad.jsonl", [record(2), broken])
    with pytest.raises(PushFailedError) as refused:
        push_file(bad, server.url, secret)
    assert "bad.jsonl:2: candidates[0].output: expected text, got the boolean true" in str(
        refused.value
    )
    assert _stored(server, secret, ["gen-000002"]) == [404]
