"""Queue server benchmark on PostgreSQL: lease + decide throughput with 1, 8 and 32 reviewer
clients against one and two server processes, and the p99 lease latency at 8 clients.

Run: `./dev bench` or `.venv/bin/python tests/benchmarks/bench_server.py [--items N]`.
Each run starts its own PostgreSQL (initdb + pg_ctl, fsync on) and `reviewdesk serve` processes.
Figures are printed with their ratio to the 1-client, 1-process run of the same invocation.

Each reviewer client is a process of its own (as real desks are), started before the clock and
released together: client threads in one Python process would queue on that process's GIL to
parse their answers, and that wait would be counted as server latency. The load generator still
shares the machine's cores with the server processes and PostgreSQL, so the figures are an upper
bound for a server with cores of its own. A lease's latency is from sending the request to
having parsed the answer. Clients have no think time (each leases again as soon as its
decisions are in), so from 8 clients on the 2-core machine is saturated and the lease latency is
mostly waiting for a core: it measures the server at full load, not 8 people reviewing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
import uuid
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewdesk.server import open_engine
from reviewdesk.server.database import transact
from reviewdesk.server.tokens import TokenRole, create_token
from tests.e2e.process import ServerProcess
from tests.helpers.records import record
from tests.server.postgres import postgres_server

BATCH = 10


Outcome = tuple[list[float], int] | str


def _client(url: str, secret: str, gate: Barrier, results: Queue[Outcome]) -> None:
    """One reviewer in a process of its own: puts its lease latencies and its number of
    decisions on `results` (or what went wrong)."""
    try:
        results.put(_review(url, secret, gate))
    except Exception as error:  # the parent reports it; a silent death would hang the run
        results.put(f"client failed: {error!r}")


def _review(url: str, secret: str, gate: Barrier) -> tuple[list[float], int]:
    """Lease a batch, decide it, until the queue has no work left."""
    latencies: list[float] = []
    decided = 0
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        client.get("/v1/health").raise_for_status()  # connect before the clock starts
        gate.wait(timeout=120)
        while True:
            started = time.perf_counter()
            lease = client.post("/v1/queues/support/leases", json={"max_items": BATCH}).json()
            latencies.append(time.perf_counter() - started)
            if not lease["items"]:
                return latencies, decided
            decisions = [
                {
                    "id": str(uuid.uuid4()),
                    "generation_id": item["generation"]["id"],
                    "verdict": "approve",
                    "decided_at": "2026-11-21T09:00:00Z",
                    "lease_id": lease["lease_id"],
                }
                for item in lease["items"]
            ]
            response = client.post("/v1/decisions/batch", json={"decisions": decisions})
            response.raise_for_status()
            decided += len(decisions)


def run(
    database_url: str, log: Path, *, clients: int, processes: int, items: int
) -> dict[str, float]:
    engine = open_engine(database_url)
    servers = [ServerProcess(database_url, log) for _ in range(processes)]
    for server in servers:
        server.start()
    try:
        producer = transact(engine, lambda c: create_token(c, "producer", TokenRole.PRODUCER))
        with httpx.Client(
            base_url=servers[0].url,
            headers={"Authorization": f"Bearer {producer.secret}"},
            timeout=120,
        ) as client:
            for start in range(1, items + 1, 500):
                count = min(500, items - start + 1)
                batch = [record(n) for n in range(start, start + count)]
                client.post("/v1/items", json={"items": batch}).raise_for_status()
        secrets = [
            transact(engine, lambda c, n=n: create_token(c, f"r{n}", TokenRole.REVIEWER)).secret
            for n in range(clients)
        ]
        # fork: the clients need none of this process's state, and start at once.
        context = multiprocessing.get_context("fork")
        gate = context.Barrier(clients + 1)
        results: Queue[Outcome] = context.Queue()
        workers = [
            context.Process(
                target=_client, args=(servers[n % processes].url, secrets[n], gate, results)
            )
            for n in range(clients)
        ]
        for worker in workers:
            worker.start()
        gate.wait(timeout=120)
        started = time.perf_counter()
        outcomes = [results.get(timeout=600) for _ in workers]
        elapsed = time.perf_counter() - started
        for worker in workers:
            worker.join(timeout=60)
        failed = [outcome for outcome in outcomes if isinstance(outcome, str)]
        if failed:
            raise RuntimeError("; ".join(failed))
        done = [outcome for outcome in outcomes if not isinstance(outcome, str)]
        latencies = [latency for found, _ in done for latency in found]
        decided = sum(count for _, count in done)
    finally:
        for server in servers:
            server.stop()
        engine.dispose()
    latencies.sort()
    return {
        "decisions_per_s": decided / elapsed,
        "lease_p50_ms": statistics.median(latencies) * 1000,
        "lease_p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=3000)
    args = parser.parse_args()
    with postgres_server(fsync=True) as postgres:
        if postgres is None:
            print("PostgreSQL is not installed: skipped")
            return
        log = Path(postgres.data_dir).parent / "servers.log"
        baseline: float | None = None
        print(f"{'processes':>9} {'clients':>7} {'decisions/s':>12} {'ratio':>6} "
              f"{'lease p50 ms':>12} {'lease p99 ms':>12}")  # fmt: skip
        for processes in (1, 2):
            for clients in (1, 8, 32):
                figures = run(
                    postgres.database(), log, clients=clients, processes=processes, items=args.items
                )
                baseline = baseline or figures["decisions_per_s"]
                print(
                    f"{processes:>9} {clients:>7} {figures['decisions_per_s']:>12.0f} "
                    f"{figures['decisions_per_s'] / baseline:>6.2f} "
                    f"{figures['lease_p50_ms']:>12.1f} {figures['lease_p99_ms']:>12.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
