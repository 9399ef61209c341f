"""Intake at production volume: `reviewdesk push` to `reviewdesk serve` against `reviewdesk
import` into a local store, on the same generated file, and the reviewers' latency meanwhile.

    .venv/bin/python tests/benchmarks/bench_intake.py [--items 20000] [--rounds 2]
        [--engines sqlite,postgres] [--parts intake,busy,idle]

The file is bench_import's canonical JSONL (about 3.4 KB a record: a two-message prompt, a
~1 KB output, one flag, usage, risk), written once under `--workdir`. Each part starts its own
`reviewdesk serve` on a fresh database (an SQLite file, or a fresh database of a PostgreSQL the
script starts with fsync on). Both commands run as the `reviewdesk` console script in a process
of their own, as a user runs them; the load average is printed beside each row, since the
machine's other work shows in every figure.

- intake: `reviewdesk import FILE` into a fresh store and `reviewdesk push FILE` to a fresh
  server, interleaved (import, push on each engine, then again for `--rounds`), each with its
  items/s, and the push's ratio to the import of the same round (goal >= 0.8x). CPU: the
  server process's own per item, PostgreSQL's backends' per item, and the client's (push reads
  and checks the file before sending it, as import does).
- busy: 8 closed-loop reviewers (processes of their own, no think time) lease 10 items and
  decide them while the file is pushed; every lease and decision request's latency is kept:
  p50, p99 and max (goal p99 < 250 ms, max < 1 s). The queue holds `--seed` items before the
  push starts, so the reviewers have work from the first request.
- idle: 20 closed-loop reviewers, no producer, on a queue of `--idle-items`: lease p50/p99
  (goal p99 < 250 ms on SQLite, < 100 ms on PostgreSQL). bench_server measures PostgreSQL
  only and at 8 and 32 clients, so this part is here. Beside them, the CPU a lease + decide
  cycle takes in the server, in PostgreSQL and in the reviewers' own clients, how busy the
  machine was, and what that CPU allows: on C cores at S seconds of CPU a cycle, at most C / S
  cycles a second, so N closed-loop reviewers wait at least N * S / C a cycle (Little's law) —
  the floor no server change below S can beat.

With `--compare DIR`, every push and reviewer run is made twice in a row, with the reviewdesk
of the checkout at DIR ("before") and with this one ("after"): a change's effect measured in one
run (the import row uses this checkout).

With 2 cores, 8 or 20 closed-loop clients plus the push saturate the machine: a latency is
mostly waiting for a core, an upper bound for a server with cores of its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewdesk.protocol import TokenRole
from reviewdesk.server import open_engine
from reviewdesk.server.access.tokens import create_token
from reviewdesk.server.database import transact
from tests.benchmarks.bench_import import make_data
from tests.benchmarks.bench_server import _children_cpu, _cpu_seconds, _spent
from tests.e2e.process import ServerProcess
from tests.server.postgres import PostgresServer, postgres_server

BATCH = 10
REVIEWDESK = "from reviewdesk.cli.launcher import main; main()"
HERE = Path(__file__).resolve().parents[2]


@contextmanager
def _tree(root: Path) -> Iterator[None]:
    """Processes started inside run the reviewdesk of the checkout at `root` (`python -m` and
    `python -c` put the working directory first on the path)."""
    before = Path.cwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(before)


Trees = list[tuple[str, Path]]
"""The checkouts whose reviewdesk runs the server and the commands: (label, root)."""
Timings = tuple[list[float], list[float]]
"""A reviewer's lease latencies and decision latencies (s)."""


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def _pct(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share) - 1))] if ordered else 0.0


def _reviewdesk(*args: str, stored: tuple[str, int]) -> tuple[float, float]:
    """Run the console script with `--json`; its wall time and CPU time (s). `stored`: the
    count its JSON must report (("imported", 20000)), so that a run which stored nothing new
    (duplicates in a store that held the file already) fails instead of passing for speed."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", REVIEWDESK, *args, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"reviewdesk {' '.join(args)} failed: {error[-2000:]}")
    report = orjson.loads(process.stdout.read() if process.stdout else b"{}")
    key, wanted = stored
    if report.get(key) != wanted:
        raise RuntimeError(f"reviewdesk {' '.join(args)}: {key} {report.get(key)}, not {wanted}")
    return elapsed, usage.ru_utime + usage.ru_stime


def _import(data: Path, store: Path, items: int) -> tuple[float, float]:
    return _reviewdesk("import", str(data), "--store", str(store), stored=("imported", items))


class Engine:
    """Where a server's database lives: a fresh SQLite file or PostgreSQL database each time."""

    def __init__(self, name: str, workdir: Path, postgres: PostgresServer | None) -> None:
        self.name = name
        self._workdir = workdir
        self._postgres = postgres
        self._count = 0

    def fresh(self) -> str:
        if self._postgres is not None:
            return self._postgres.database()
        self._count += 1
        path = self._workdir / f"server-{self._count}.sqlite"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def backends_cpu(self) -> dict[int, float]:
        if self._postgres is None:
            return {}
        pid = int((self._postgres.data_dir / "postmaster.pid").read_text().split()[0])
        return _children_cpu(pid)


class Server:
    """`reviewdesk serve` on a fresh database, with a producer token."""

    def __init__(self, engine: Engine, log: Path) -> None:
        self.url_db = engine.fresh()
        self.process = ServerProcess(self.url_db, log)

    def __enter__(self) -> Server:
        self.process.start()
        self.engine = open_engine(self.url_db)
        self.producer = self.token("producer", TokenRole.PRODUCER)
        return self

    def token(self, name: str, role: TokenRole) -> str:
        return transact(self.engine, lambda c: create_token(c, name, role)).secret

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def cpu(self) -> float:
        return _cpu_seconds([self.process.pid])

    def post_items(self, items: list[dict[str, Any]]) -> None:
        headers = {"Authorization": f"Bearer {self.producer}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=120) as client:
            for start in range(0, len(items), 500):
                answer = client.post("/v1/items", json={"items": items[start : start + 500]})
                answer.raise_for_status()

    def __exit__(self, *exc: object) -> None:
        self.process.stop()
        self.engine.dispose()


def _push(server: Server, data: Path, items: int) -> tuple[float, float]:
    return _reviewdesk(
        "push", str(data), "--server", server.url, "--token", server.producer,
        stored=("created", items),
    )  # fmt: skip


def intake(
    engines: list[Engine], trees: Trees, data: Path, items: int, rounds: int, log: Path
) -> None:
    print(f"\nintake: {items:,} items, import then push on each engine, {rounds} rounds")
    print(f"{'round':>5} {'what':<16} {'items/s':>8} {'vs import':>9} {'server ms/item':>14} "
          f"{'pg ms/item':>10} {'client ms/item':>14} {'load 1/5':>10}")  # fmt: skip
    ratios: dict[str, list[float]] = {}
    store = data.parent / "import.sqlite"
    for round_ in range(1, rounds + 1):
        for leftover in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
            leftover.unlink(missing_ok=True)
        load = _load()
        with _tree(trees[-1][1]):
            seconds, client = _import(data, store, items)
        imported = items / seconds
        print(f"{round_:>5} {'import':<16} {imported:>8,.0f} {'':>9} {'':>14} {'':>10} "
              f"{client / items * 1000:>14.3f} {load:>10}", flush=True)  # fmt: skip
        for engine, (label, root) in ((e, t) for e in engines for t in trees):
            with _tree(root), Server(engine, log) as server:
                load = _load()
                server_before, pg_before = server.cpu, engine.backends_cpu()
                seconds, client = _push(server, data, items)
                server_cpu = server.cpu - server_before
                pg_cpu = _spent(pg_before, engine.backends_cpu())
            rate = items / seconds
            name = f"{label}{engine.name}"
            ratios.setdefault(name, []).append(rate / imported)
            print(f"{round_:>5} {'push ' + name:<16} {rate:>8,.0f} {rate / imported:>8.2f}x "
                  f"{server_cpu / items * 1000:>14.3f} {pg_cpu / items * 1000:>10.3f} "
                  f"{client / items * 1000:>14.3f} {load:>10}", flush=True)  # fmt: skip
    for name, found in ratios.items():
        ratio = statistics.median(found)
        verdict = "meets" if ratio >= 0.8 else "misses"
        print(f"push/import on {name}: median {ratio:.2f}x (goal >= 0.8x), {verdict} it")


def _reviewer(
    url: str, secret: str, gate: Barrier, stop: Event, results: Queue[Timings | str]
) -> None:
    try:
        results.put(_review(url, secret, gate, stop))
    except Exception as error:  # the parent reports it; a silent death would hang the run
        results.put(f"reviewer failed: {error!r}")


def _review(url: str, secret: str, gate: Barrier, stop: Event) -> Timings:
    """Lease 10, decide them, at once again, until `stop` (or the queue is empty after it)."""
    leases: list[float] = []
    decisions: list[float] = []
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        client.get("/v1/health").raise_for_status()  # connect before the clock starts
        gate.wait(timeout=120)
        while not stop.is_set():
            started = time.perf_counter()
            response = client.post("/v1/queues/support/leases", json={"max_items": BATCH})
            response.raise_for_status()
            lease = response.json()
            leases.append(time.perf_counter() - started)
            if not lease["items"]:
                continue
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
            started = time.perf_counter()
            client.post("/v1/decisions/batch", json=body).raise_for_status()
            decisions.append(time.perf_counter() - started)
    return leases, decisions


class Reviewers:
    """`count` closed-loop reviewer processes, released together, stopped by `stop()`."""

    def __init__(self, server: Server, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._gate = context.Barrier(count + 1)
        self._stop = context.Event()
        self._results: Queue[Timings | str] = context.Queue()
        secrets = [server.token(f"r{n}", TokenRole.REVIEWER) for n in range(count)]
        self._workers = [
            context.Process(
                target=_reviewer, args=(server.url, secret, self._gate, self._stop, self._results)
            )
            for secret in secrets
        ]

    def start(self) -> None:
        for worker in self._workers:
            worker.start()
        self._gate.wait(timeout=120)

    def stop(self) -> Timings:
        self._stop.set()
        outcomes = [self._results.get(timeout=300) for _ in self._workers]
        for worker in self._workers:
            worker.join(timeout=60)
        failed = [outcome for outcome in outcomes if isinstance(outcome, str)]
        if failed:
            raise RuntimeError("; ".join(failed))
        done = [outcome for outcome in outcomes if not isinstance(outcome, str)]
        return (
            sorted(t for leases, _ in done for t in leases),
            sorted(t for _, decided in done for t in decided),
        )


def _seed_items(data: Path, count: int, prefix: str) -> list[dict[str, Any]]:
    """`count` records of the file under other ids (so the push still creates every item)."""
    found: list[dict[str, Any]] = []
    with data.open("rb") as file:
        for line in file:
            if len(found) == count:
                break
            record = orjson.loads(line)
            record["id"] = f"{prefix}-{record['id']}"
            found.append(record)
    return found


def _latencies(name: str, ordered: list[float]) -> str:
    return (f"{name} n={len(ordered):>5} p50 {statistics.median(ordered or [0]) * 1000:>6.1f} "
            f"p99 {_pct(ordered, 0.99) * 1000:>7.1f} max {(ordered or [0])[-1] * 1000:>7.1f} ms")  # fmt: skip


def busy(
    engines: list[Engine], trees: Trees, data: Path, items: int, count: int, seed: int, log: Path
) -> None:
    print(f"\nbusy: {count} closed-loop reviewers while {items:,} items are pushed "
          f"({seed:,} queued before)")  # fmt: skip
    seeded = _seed_items(data, seed, "seed")
    for engine, (label, root) in ((e, t) for e in engines for t in trees):
        with _tree(root), Server(engine, log) as server:
            server.post_items(seeded)
            reviewers = Reviewers(server, count)
            load = _load()
            reviewers.start()
            seconds, _ = _push(server, data, items)
            leases, decisions = reviewers.stop()
        both = sorted(leases + decisions)
        print(
            f"{label}{engine.name}: push {items / seconds:,.0f} items/s, load {load} -> {_load()}"
        )
        for name, found in (("lease   ", leases), ("decision", decisions), ("either  ", both)):
            print(f"  {_latencies(name, found)}")
        p99, worst = _pct(both, 0.99) * 1000, (both or [0])[-1] * 1000
        verdict = "meets" if p99 < 250 and worst < 1000 else "misses"
        print(f"  goal p99 < 250 ms, max < 1000 ms: {p99:.0f} / {worst:.0f} ms, {verdict} it",
              flush=True)  # fmt: skip


def idle(
    engines: list[Engine], trees: Trees, data: Path, queued: int, count: int, log: Path
) -> None:
    print(f"\nidle: {count} closed-loop reviewers, no producer, {queued:,} items queued")
    seeded = _seed_items(data, queued, "idle")
    for engine, (label, root) in ((e, t) for e in engines for t in trees):
        with _tree(root), Server(engine, log) as server:
            server.post_items(seeded)
            reviewers = Reviewers(server, count)
            load = _load()
            pg_before = engine.backends_cpu()
            before, clients_before, busy_before = server.cpu, _clients_cpu(), _machine_busy()
            started = time.perf_counter()
            reviewers.start()
            # The reviewers stop once most of the queue is decided: no run ends on an empty
            # queue's fast answers.
            _wait_decided(server, int(queued * 0.9))
            leases, decisions = reviewers.stop()
            elapsed = time.perf_counter() - started
            cpu = server.cpu - before
            pg_cpu = _spent(pg_before, engine.backends_cpu())
            clients = _clients_cpu() - clients_before
            machine = _machine_busy() - busy_before
        goal = 250 if engine.name == "sqlite" else 100
        p99 = _pct(leases, 0.99) * 1000
        verdict = "meets" if p99 < goal else "misses"
        decided = len(decisions) * BATCH
        print(f"{label}{engine.name}: {decided / elapsed:,.0f} decisions/s, server "
              f"{cpu / max(1, len(decisions)) * 1000:.1f} ms CPU a lease+decide of {BATCH}, "
              f"load {load} -> {_load()}")  # fmt: skip
        cycles = max(1, len(decisions))
        print(f"  CPU a cycle: server {cpu / cycles * 1000:.1f} ms, PostgreSQL "
              f"{pg_cpu / cycles * 1000:.1f} ms, the reviewers' clients "
              f"{clients / cycles * 1000:.1f} ms; the machine busy "
              f"{machine / elapsed / (os.cpu_count() or 1):.0%} of its "
              f"{os.cpu_count()} cores")  # fmt: skip
        # Little's law: `count` reviewers in a closed loop wait count / throughput a cycle, and
        # the cores give at most cores / (CPU a cycle) cycles a second.
        spent = (cpu + pg_cpu + clients) / cycles
        floor = count * spent / (os.cpu_count() or 1)
        print(f"  the cores allow at most {(os.cpu_count() or 1) / spent:,.0f} cycles/s at that "
              f"CPU: {count} reviewers wait at least {floor * 1000:.0f} ms a cycle (lease + "
              f"decision), measured {count * elapsed / cycles * 1000:.0f} ms")  # fmt: skip
        print(f"  {_latencies('lease   ', leases)}")
        print(f"  {_latencies('decision', decisions)}")
        print(f"  goal lease p99 < {goal} ms: {p99:.0f} ms, {verdict} it", flush=True)


def _clients_cpu() -> float:
    """The CPU time of this process's children that ended (the reviewers, once joined)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine_busy() -> float:
    """Seconds of CPU the whole machine spent busy so far (all cores, from /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _wait_decided(server: Server, target: int) -> None:
    """Until `target` items are decided (the server's own count), checked every half second."""
    from sqlalchemy import text

    while True:
        with server.engine.connect() as connection:
            done = connection.execute(
                text("SELECT count(*) FROM server_item WHERE state <> 'open'")
            ).scalar_one()
        if done >= target:
            return
        time.sleep(0.5)  # a poll of the server's progress, not a wait standing in for an event


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--parts", default="intake,busy,idle")
    parser.add_argument("--reviewers", type=int, default=8, help="reviewers during the push")
    parser.add_argument("--seed", type=int, default=3000, help="items queued before the push")
    parser.add_argument("--idle-reviewers", type=int, default=20)
    parser.add_argument("--idle-items", type=int, default=6000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rd-bench-intake"))
    parser.add_argument(
        "--compare",
        type=Path,
        help="another checkout (e.g. the main branch): each push and reviewer run is made with "
        "its reviewdesk too, interleaved with this one's, labelled 'before'",
    )
    args = parser.parse_args()
    trees: Trees = [("", HERE)]
    if args.compare is not None:
        trees = [("before ", args.compare.resolve()), ("after ", HERE)]
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = args.workdir / f"intake-{args.items}.jsonl"
    if not data.exists():
        print(f"writing {args.items:,} records to {data} ...", flush=True)
        make_data(data, args.items)
    log = args.workdir / "servers.log"
    names = args.engines.split(",")
    parts = args.parts.split(",")
    print(f"{os.cpu_count()} cores; load average (1/5 min) at start {_load()}; "
          f"{data.stat().st_size / args.items:,.0f} bytes a record", flush=True)  # fmt: skip
    with postgres_server(fsync=True) as postgres:
        engines = [Engine("sqlite", args.workdir, None)] if "sqlite" in names else []
        if "postgres" in names:
            if postgres is None:
                print("PostgreSQL is not installed: its rows are skipped")
            else:
                engines.append(Engine("postgres", args.workdir, postgres))
        if "intake" in parts:
            intake(engines, trees, data, args.items, args.rounds, log)
        if "busy" in parts:
            busy(engines, trees, data, args.items, args.reviewers, args.seed, log)
        if "idle" in parts:
            idle(engines, trees, data, args.idle_items, args.idle_reviewers, log)


if __name__ == "__main__":
    main()
