"""reviewdesk's server intake side by side with Label Studio's, on the same machine and data.

    .venv/bin/python tests/benchmarks/bench_label_studio.py [--items 20000] [--rounds 2]
        [--annotations 500] [--label-studio /opt/ls-venv/bin/label-studio]

Label Studio lives in a venv of its own (its dependencies are not the project's):

    uv venv /opt/ls-venv --python python3.11
    uv pip install --python /opt/ls-venv/bin/python "label-studio==1.23.*"

The file is bench_import's canonical JSONL (the records bench_intake pushes), written once under
`--workdir`. Label Studio runs as a pip user runs it, `label-studio start` (Django's threaded
server on its SQLite file), started once to migrate a data directory and create a user with a
known legacy API token; each round then starts it on a fresh copy of that directory. Its project
shows the prompt and the output and asks for one of three verdicts (approve, reject, escalate).

- intake, interleaved for `--rounds`: `reviewdesk import FILE` into a fresh store, `reviewdesk
  push FILE` to a fresh `reviewdesk serve` (SQLite), and the same records as Label Studio tasks
  through its import API (`POST /api/projects/{id}/import`, `--ls-batch` tasks a request): items/s
  each, the server's CPU per item (and the command's own, for import and push), and the ratios
  push/LS and import/LS. The reviewdesk commands read and check the file inside their time;
  Label Studio's tasks (id, prompt as text, output, model, route, risk) are built and serialised
  before its clock starts, which favours it.
- annotate, on the last round's servers: `--annotations` items decided through each API by one
  client in a loop. Label Studio: `POST /api/tasks/{id}/annotations`, one a request, on task ids
  known in advance (no request for the next task, which favours it). reviewdesk: a lease of 10
  and a decision batch for them, as bench_intake's reviewers do.
- export, then: the decided items from each server. Label Studio: `GET
  /api/projects/{id}/export?exportType=JSON` (finished tasks, its default); reviewdesk: `GET
  /v1/export?format=raw`. Rows/s each. Both are a few hundred rows by default, so a fixed cost
  per request weighs in.

The load average is printed beside each row: the machine's other work shows in every figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewdesk.protocol import TokenRole
from tests.benchmarks.bench_import import make_data
from tests.benchmarks.bench_intake import Engine, Server, _import, _load, _push
from tests.benchmarks.bench_server import _cpu_seconds
from tests.server.postgres import free_port

LS_USER = "bench@reviewdesk.example"
LS_PASSWORD = "bench-password-1"
LS_TOKEN = "bench0legacy0token0for0label0studio"  # a legacy token: offline, no refresh dance
LABEL_CONFIG = """<View>
  <Text name="prompt" value="$prompt"/>
  <Text name="output" value="$output"/>
  <Choices name="verdict" toName="output" choice="single" showInline="true">
    <Choice value="approve"/>
    <Choice value="reject"/>
    <Choice value="escalate"/>
  </Choices>
</View>"""
VERDICT = [
    {"from_name": "verdict", "to_name": "output", "type": "choices",
     "value": {"choices": ["approve"]}},
]  # fmt: skip
BATCH = 10
INSTALL = (
    "install it in a venv of its own: uv venv /opt/ls-venv --python python3.11 && "
    'uv pip install --python /opt/ls-venv/bin/python "label-studio==1.23.*", '
    "then pass --label-studio /opt/ls-venv/bin/label-studio"
)


class LabelStudio:
    """`label-studio start` on a data directory, with the benchmark's user and token."""

    def __init__(self, executable: str, data_dir: Path, log: Path) -> None:
        self._executable = executable
        self.data_dir = data_dir
        self._log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LabelStudio:
        command = [self._executable, "start", "--no-browser", "--internal-host", "127.0.0.1"]
        command += ["--port", str(self.port), "--data-dir", str(self.data_dir)]
        command += ["--username", LS_USER, "--password", LS_PASSWORD, "--user-token", LS_TOKEN]
        command += ["--enable-legacy-api-token"]
        # Offline: no look-up of the latest release on start.
        env = {**os.environ, "LATEST_VERSION_CHECK": "false"}
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env
            )
        self._wait_healthy()
        return self

    def _wait_healthy(self, timeout_s: float = 300.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"label-studio start exited; see {self._log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)  # a poll of the server's start, which migrates its database first
        raise TimeoutError(f"Label Studio at {self.url} did not start; see {self._log}")

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Token {LS_TOKEN}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=600)

    @property
    def cpu(self) -> float:
        return _cpu_seconds([None if self._process is None else self._process.pid])

    def version(self) -> str:
        with self.client() as client:
            answer = client.get("/api/version")
            answer.raise_for_status()
            return str(answer.json()["release"])

    def project(self) -> int:
        with self.client() as client:
            answer = client.post(
                "/api/projects", json={"title": "bench", "label_config": LABEL_CONFIG}
            )
            answer.raise_for_status()
            return int(answer.json()["id"])

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=30)
            self._process = None


def _task(record: dict[str, Any]) -> dict[str, Any]:
    """What Label Studio needs to show a record: its prompt as text, its output, a few fields."""
    prompt = "\n\n".join(f"{m['role']}: {m['content']}" for m in record["prompt"])
    return {
        "data": {
            "id": record["id"],
            "prompt": prompt,
            "output": record["output"],
            "model": record["model"],
            "route": record["route"],
            "risk": record["risk"],
        }
    }


def _ls_batches(data: Path, size: int) -> list[bytes]:
    """The file's records as Label Studio tasks, `size` a request, serialised."""
    batches: list[bytes] = []
    tasks: list[dict[str, Any]] = []
    with data.open("rb") as file:
        for line in file:
            tasks.append(_task(orjson.loads(line)))
            if len(tasks) == size:
                batches.append(orjson.dumps(tasks))
                tasks = []
    if tasks:
        batches.append(orjson.dumps(tasks))
    return batches


def ls_import(studio: LabelStudio, project: int, batches: list[bytes]) -> tuple[float, list[int]]:
    """The batches through the import API; its wall time (s) and the new tasks' ids."""
    ids: list[int] = []
    headers = {"Content-Type": "application/json"}
    with studio.client() as client:
        started = time.perf_counter()
        for body in batches:
            answer = client.post(
                f"/api/projects/{project}/import",
                params={"return_task_ids": "true"},
                content=body,
                headers=headers,
            )
            answer.raise_for_status()
            ids.extend(answer.json()["task_ids"])
        return time.perf_counter() - started, ids


def ls_annotate(studio: LabelStudio, ids: list[int]) -> float:
    """One annotation (approve) on each task, one request each; the wall time (s)."""
    with studio.client() as client:
        started = time.perf_counter()
        for task in ids:
            body = {"result": VERDICT, "lead_time": 1.0}
            client.post(f"/api/tasks/{task}/annotations", json=body).raise_for_status()
        return time.perf_counter() - started


def ls_export(studio: LabelStudio, project: int) -> tuple[float, int]:
    """The project's finished tasks as JSON; the wall time (s) and the rows."""
    with studio.client() as client:
        started = time.perf_counter()
        answer = client.get(f"/api/projects/{project}/export", params={"exportType": "JSON"})
        answer.raise_for_status()
        rows = len(orjson.loads(answer.content))
        return time.perf_counter() - started, rows


def rd_annotate(server: Server, count: int) -> float:
    """`count` items leased 10 at a time and approved in a batch each; the wall time (s)."""
    secret = server.token("reviewer", TokenRole.REVIEWER)
    headers = {"Authorization": f"Bearer {secret}"}
    decided = 0
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
        client.get("/v1/health").raise_for_status()  # connect before the clock starts
        started = time.perf_counter()
        while decided < count:
            wanted = min(BATCH, count - decided)
            response = client.post("/v1/queues/support/leases", json={"max_items": wanted})
            response.raise_for_status()
            lease = response.json()
            if not lease["items"]:
                raise RuntimeError(f"the queue ran dry after {decided} decisions")
            body = {
                "decisions": [
                    {
                        "id": str(uuid.uuid4()),
                        "generation_id": item["generation"]["id"],
                        "verdict": "approve",
                        "decided_at": "2026-11-21T09:00:00Z",
                        "lease_id": lease["lease_id"],
                    }
                    for item in lease["items"]
                ]
            }
            client.post("/v1/decisions/batch", json=body).raise_for_status()
            decided += len(lease["items"])
        return time.perf_counter() - started


def rd_export(server: Server) -> tuple[float, int]:
    """The server's raw export (decided items), streamed; the wall time (s) and the rows."""
    secret = server.token("admin", TokenRole.ADMIN)
    headers = {"Authorization": f"Bearer {secret}"}
    rows = 0
    with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
        started = time.perf_counter()
        with client.stream("GET", "/v1/export", params={"format": "raw"}) as answer:
            answer.raise_for_status()
            for line in answer.iter_lines():
                rows += bool(line.strip())
        return time.perf_counter() - started, rows


def _row(
    round_: int | str, what: str, rate: float, versus: str, cpu_ms: str, load: str, client: str = ""
) -> None:
    print(f"{round_:>5} {what:<24} {rate:>9,.0f} {versus:>8} {cpu_ms:>15} {client:>15} "
          f"{load:>10}", flush=True)  # fmt: skip


def _header(unit: str) -> None:
    print(f"{'round':>5} {'what':<24} {unit:>9} {'vs LS':>8} {'server ms/item':>15} "
          f"{'client ms/item':>15} {'load 1/5':>10}")  # fmt: skip


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x"


def _fresh(template: Path, where: Path) -> Path:
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(template, where)
    return where


def run(args: argparse.Namespace, executable: str, data: Path) -> None:
    log = args.workdir / "servers.log"
    engine = Engine("sqlite", args.workdir, None)
    store = args.workdir / "import.sqlite"
    batches = _ls_batches(data, args.ls_batch)
    items, wanted = args.items, min(args.annotations, args.items)
    with tempfile.TemporaryDirectory(dir=args.workdir, prefix="ls-") as scratch:
        template = Path(scratch) / "template"
        print("Label Studio: migrating a data directory and creating the user ...", flush=True)
        with LabelStudio(executable, template, log) as studio:
            version = studio.version()
        print(f"Label Studio {version} ({executable}), `label-studio start`, SQLite")
        print(f"\nintake: {items:,} items; import, push, LS import; {args.rounds} rounds, "
              f"LS {args.ls_batch} tasks a request")  # fmt: skip
        _header("items/s")
        ratios: dict[str, list[float]] = {"push": [], "import": []}
        for round_ in range(1, args.rounds + 1):
            for leftover in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
                leftover.unlink(missing_ok=True)
            load = _load()
            seconds, import_cpu = _import(data, store, items)
            imported = items / seconds
            with (
                Server(engine, log) as server,
                LabelStudio(executable, _fresh(template, Path(scratch) / "data"), log) as studio,
            ):
                push_load = _load()
                before = server.cpu
                seconds, client_cpu = _push(server, data, items)
                pushed, push_cpu = items / seconds, server.cpu - before
                project = studio.project()
                ls_load = _load()
                before = studio.cpu
                seconds, ids = ls_import(studio, project, batches)
                theirs, ls_cpu = items / seconds, studio.cpu - before
                if len(ids) != items:
                    raise RuntimeError(f"Label Studio made {len(ids)} tasks of {items}")
                ratios["push"].append(pushed / theirs)
                ratios["import"].append(imported / theirs)
                _row(round_, "reviewdesk import", imported, _ratio(imported, theirs), "", load,
                     f"{import_cpu / items * 1000:.3f}")  # fmt: skip
                _row(round_, "reviewdesk push (serve)", pushed, _ratio(pushed, theirs),
                     f"{push_cpu / items * 1000:.3f}", push_load,
                     f"{client_cpu / items * 1000:.3f}")  # fmt: skip
                _row(round_, "Label Studio import API", theirs, "", f"{ls_cpu / items * 1000:.3f}",
                     ls_load)  # fmt: skip
                if round_ == args.rounds and wanted > 0:
                    after_intake(server, studio, project, ids[:wanted])
        for name, found in ratios.items():
            print(f"{name}/LS import: median {statistics.median(found):.2f}x over {len(found)} "
                  f"rounds ({', '.join(f'{r:.2f}' for r in found)})")  # fmt: skip


def after_intake(server: Server, studio: LabelStudio, project: int, ids: list[int]) -> None:
    """Annotations through each API, then each server's export of them."""
    count = len(ids)
    print(f"\nannotate: {count:,} items through the API, one client; then export them")
    _header("items/s")
    load = _load()
    before = studio.cpu
    theirs = count / ls_annotate(studio, ids)
    ls_cpu = studio.cpu - before
    rd_load = _load()
    before = server.cpu
    ours = count / rd_annotate(server, count)
    rd_cpu = server.cpu - before
    _row("", "reviewdesk lease+decide", ours, _ratio(ours, theirs),
         f"{rd_cpu / count * 1000:.3f}", rd_load)  # fmt: skip
    _row("", "Label Studio annotations", theirs, "", f"{ls_cpu / count * 1000:.3f}", load)
    load = _load()
    ls_seconds, ls_rows = ls_export(studio, project)
    rd_load = _load()
    rd_seconds, rd_rows = rd_export(server)
    if ls_rows != count or rd_rows != count:
        print(f"warning: exported {rd_rows} rows from reviewdesk, {ls_rows} from Label Studio, "
              f"of {count} decided")  # fmt: skip
    theirs, ours = ls_rows / ls_seconds, rd_rows / rd_seconds
    _row("", "reviewdesk GET /v1/export", ours, _ratio(ours, theirs), "", rd_load)
    _row("", "Label Studio export JSON", theirs, "", "", load)
    print(f"(export: rows/s; {rd_rows} rows in {rd_seconds * 1000:.0f} ms, {ls_rows} rows in "
          f"{ls_seconds * 1000:.0f} ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--annotations", type=int, default=500, help="0: no annotate or export")
    parser.add_argument("--ls-batch", type=int, default=1000, help="tasks an import request")
    parser.add_argument(
        "--label-studio", help="its executable (default: `label-studio` on the PATH)"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rd-bench-intake"))
    args = parser.parse_args()
    executable = shutil.which(args.label_studio or "label-studio")
    if executable is None and args.label_studio is None:
        # `./dev bench` runs every benchmark: this one says why it did not run and lets the
        # others go on.
        print(f"Label Studio is not installed, so it was not measured: {INSTALL}")
        return
    if executable is None:
        sys.exit(f"Label Studio not found ({args.label_studio}): {INSTALL}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = args.workdir / f"intake-{args.items}.jsonl"
    if not data.exists():
        print(f"writing {args.items:,} records to {data} ...", flush=True)
        make_data(data, args.items)
    print(f"{os.cpu_count()} cores; load average (1/5 min) at start {_load()}; "
          f"{data.stat().st_size / args.items:,.0f} bytes a record", flush=True)  # fmt: skip
    run(args, executable, data)


if __name__ == "__main__":
    main()
