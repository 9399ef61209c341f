"""What an operator sees: one access-log line a request (id, latency, who) and never a token,
a prompt or an output above DEBUG; `reviewdesk serve` listens on loopback unless told."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest

from tests.e2e.process import ServerProcess
from tests.helpers.records import record
from tests.server.harness import RunningServer, approve

PROBLEM = "application/problem+json"
_ACCESS = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (\S+) (\d{3}) (\d+\.\d)ms rid=(\S+) who=(\S+)$")


def _access_lines(
    caplog: pytest.LogCaptureFixture, *, until_rid: str, within_s: float = 10.0
) -> list[tuple[str, ...]]:
    """The access lines of the API's requests (not the harness's health checks), once the
    line of request `until_rid` is in: the server logs a request as its answer leaves, so the
    line may come a moment after the client has the answer."""
    deadline = time.monotonic() + within_s
    while True:
        lines = [
            match.groups()
            for r in list(caplog.records)
            if r.name == "reviewdesk.server.access"
            and (match := _ACCESS.match(r.getMessage()))
            and match[2] != "/v1/health"
        ]
        if any(line[4] == until_rid for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


def test_each_request_is_logged_once_with_its_id_and_no_secret(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    producer = server.token("producer", "producer")
    reviewer = server.token("alice", "reviewer")
    prompt, output = "PROMPT-MARKER-7c1f: my card is 4111", "OUTPUT-MARKER-93ad: call 555-0100"
    item = record(1, prompt=prompt, output=output, flags=[])
    with server.client(producer) as client:
        pushed = client.post(
            "/v1/items", json={"items": [item]}, headers={"X-Request-ID": "push-1"}
        )
        assert pushed.status_code == 200 and pushed.headers["x-request-id"] == "push-1"
    with server.client(reviewer) as client:
        leased = client.post("/v1/queues/support/leases", json={"max_items": 1})
        body = approve("gen-000001", "d-1", verdict="edit", edited_output=output + " (fixed)")
        decision_id = body.pop("id")
        decided = client.put(f"/v1/decisions/{decision_id}", json=body)
        invalid = client.put("/v1/decisions/d-2", json={"verdict": output})
    with server.client("rdk_not-a-real-token-2b9e") as stranger:
        refused = stranger.get("/v1/leases")
    answers = [pushed, leased, decided, invalid, refused]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 422, 401]

    lines = _access_lines(caplog, until_rid=refused.headers["x-request-id"])
    assert [
        (method, path, int(status), rid, who) for method, path, status, _, rid, who in lines
    ] == [
        ("POST", "/v1/items", 200, "push-1", "producer"),
        ("POST", "/v1/queues/support/leases", 200, leased.headers["x-request-id"], "alice"),
        ("PUT", "/v1/decisions/d-1", 200, decided.headers["x-request-id"], "alice"),
        ("PUT", "/v1/decisions/d-2", 422, invalid.headers["x-request-id"], "alice"),
        ("GET", "/v1/leases", 401, refused.headers["x-request-id"], "-"),
    ]
    assert all(float(ms) > 0 for _, _, _, ms, _, _ in lines)
    secrets = [producer, reviewer, "rdk_not-a-real-token-2b9e", "PROMPT-MARKER", "OUTPUT-MARKER"]
    above_debug = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    assert above_debug  # the access lines at least
    assert [m for m in above_debug if any(secret in m for secret in secrets)] == []


@pytest.mark.slow
def test_serve_listens_on_loopback_unless_told(tmp_path: Path) -> None:
    server = ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path / "server.log")
    server.start()  # no --host
    try:
        port = f"{int(server.url.rsplit(':', 1)[1]):04X}"
        listening = [
            fields[1]
            for table in ("/proc/net/tcp", "/proc/net/tcp6")
            for line in Path(table).read_text().splitlines()[1:]
            if (fields := line.split())[1].endswith(f":{port}") and fields[3] == "0A"  # LISTEN
        ]
        assert listening == [f"0100007F:{port}"]  # 127.0.0.1 only
    finally:
        server.stop()
    assert "serving API v1 on http://127.0.0.1:" in (tmp_path / "server.log").read_text()


def _refuse_new_texts(server: RunningServer) -> None:
    """Make the database fail every new item's text: a real error in the middle of a push."""
    with server.engine.begin() as connection:
        if server.engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_text BEFORE INSERT ON generation_text "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_text() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_text BEFORE INSERT ON generation_text "
                "FOR EACH ROW EXECUTE FUNCTION refuse_text()"
            )


def test_a_database_error_is_a_problem_500_and_the_log_keeps_no_data(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _refuse_new_texts(server)
    producer = server.token("producer", "producer")
    prompt, output = "PROMPT-MARKER-5d2e my card is 4111", "OUTPUT-MARKER-81aa call 555-0100"
    item = record(1, prompt=prompt, output=output, flags=[], metadata={"note": "META-MARKER"})
    with server.client(producer) as client:
        failed = client.post("/v1/items", json={"items": [item]})
        after = client.get("/v1/health")  # the client opens a new connection and goes on
    assert failed.status_code == 500
    assert failed.headers["content-type"] == PROBLEM
    assert failed.headers["connection"] == "close"
    problem = failed.json()
    assert problem["code"] == "internal_error"
    assert problem["request_id"] == failed.headers["x-request-id"]
    assert after.status_code == 200
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and problem["request_id"] in errors[0].getMessage()
    logged = caplog.text
    for secret in (producer, "PROMPT-MARKER", "OUTPUT-MARKER", "META-MARKER", "4111"):
        assert secret not in logged


def _access_messages(
    caplog: pytest.LogCaptureFixture, containing: str, within_s: float = 10.0
) -> list[str]:
    """The access-log messages that contain `containing`, once there is one: a request is
    logged as its answer leaves, so its line may come a moment after the client has it."""
    deadline = time.monotonic() + within_s
    while True:
        found = [
            message
            for r in list(caplog.records)
            if r.name == "reviewdesk.server.access" and containing in (message := r.getMessage())
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def test_control_characters_in_a_path_cannot_forge_a_log_line(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with server.client(server.token("root", "admin")) as admin:
        answer = admin.get("/v1/items/x%0D%0AGET%20/v1/forged%20200%201.0ms%20rid=f%20who=root")
    assert answer.status_code == 404
    access = _access_messages(caplog, "/v1/items")
    assert len(access) == 1
    assert "\n" not in access[0] and "\r" not in access[0]
    assert access[0].startswith("GET /v1/items/x\\r\\nGET /v1/forged 200")
    assert all("\n" not in r.getMessage() for r in caplog.records)


def _series(server: RunningServer, token: str) -> list[str]:
    with server.client(token) as prometheus:
        answer = prometheus.get("/metrics")
    assert answer.status_code == 200
    return [line for line in answer.text.splitlines() if line and not line.startswith("#")]


def test_made_up_methods_and_paths_do_not_grow_the_metrics(server: RunningServer) -> None:
    watcher = server.token("prom", "producer")

    def attack(start: int, count: int) -> None:
        with server.client() as stranger:
            for n in range(start, start + count):
                stranger.request(f"M{n}X", f"/v1/items/{n}")
                stranger.get(f"/random/{n}/path")
                stranger.request("PROPFIND", f"/v1/verdicts?n={n}")
                stranger.get(f"/v1/items/gen-{n}")

    attack(0, 5)
    _series(server, watcher)  # a scrape is itself a series: count it in before comparing
    before = _series(server, watcher)
    attack(5, 300)
    after = _series(server, watcher)
    labels = {line.split(" ")[0].split("_bucket")[0] for line in after}
    assert len(after) == len(before)  # the same series, only their counts moved
    assert any('method="other"' in line for line in labels)
    assert not any("M1" in line or "PROPFIND" in line or "random" in line for line in after)
