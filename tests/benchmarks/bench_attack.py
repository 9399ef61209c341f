"""Load and faults together: 20 reviewers, a producer pushing, a webhook receiver, and the
server killed with SIGKILL twice mid-run — on SQLite, then on PostgreSQL.

Run: `.venv/bin/python tests/benchmarks/bench_attack.py [--items N] [--engines sqlite,postgresql]`.

What it prints, per engine:

- items and decisions acknowledged (a 200 answer reached the client) against stored (in the
  database at the end): `lost` must be 0. Stored but never acknowledged is fine (an answer lost
  to a kill; the client's retry then saw a duplicate).
- doubled: a reviewer with two decisions on one item, or a decision id stored twice: must be 0.
- deliveries per verdict revision (from the receiver): each revision once, except that a process
  killed in the middle of a POST may repeat one (receivers de-duplicate by delivery id).
- 5xx answers seen by the clients: must be 0 (refused connections while the server is down are
  not answers, and are counted apart).
- p50 / p99 latency per endpoint (the clients are threads of one process sharing two cores with
  the server: latency under load belongs to the server-volume benchmark, `bench_server.py`).

Reviewers are threads of this process; each retries a request whose answer it did not get with
the same body (decisions are idempotent by id), as the desk's sync does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewdesk.protocol import TokenRole
from reviewdesk.server import open_engine
from reviewdesk.server.access.tokens import create_token
from reviewdesk.server.database import transact
from tests.e2e.process import ServerProcess
from tests.helpers.records import record
from tests.server.postgres import postgres_server
from tests.server.receiver import Receiver

REVIEWERS = 20
PUSH_BATCH = 50
LEASE = 5
KEPT = {"accepted", "accepted_late", "accepted_extra", "duplicate"}


class Tally:
    """What the clients saw: latencies per endpoint, 5xx answers, refused connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.server_errors: Counter[str] = Counter()
        self.unreachable = 0

    def call(self, client: httpx.Client, endpoint: str, method: str, path: str, **kw: Any) -> Any:
        """The JSON answer, retrying (same body) until one comes that is not 5xx or a network
        error; 4xx raises."""
        while True:
            started = time.perf_counter()
            try:
                answer = client.request(method, path, **kw)
            except httpx.TransportError:
                with self.lock:
                    self.unreachable += 1
                time.sleep(0.1)  # the server is down: look again shortly
                continue
            with self.lock:
                self.latency[endpoint].append(time.perf_counter() - started)
                if answer.status_code >= 500:
                    self.server_errors[f"{endpoint} {answer.status_code}"] += 1
            if answer.status_code in (429, 503) or answer.status_code >= 500:
                time.sleep(float(answer.headers.get("retry-after", "0.2")))
                continue
            answer.raise_for_status()
            return answer.json()


@contextmanager
def _database(engine: str) -> Iterator[str]:
    if engine == "sqlite":
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/server.sqlite"
        return
    with postgres_server() as server:
        if server is None:
            raise SystemExit("PostgreSQL is not installed")
        yield server.database()


def _token(url: str, name: str, role: TokenRole) -> str:
    engine = open_engine(url)
    try:
        return transact(engine, lambda c: create_token(c, name, role)).secret
    finally:
        engine.dispose()


def run(engine_name: str, items: int, folder: Path) -> None:
    with _database(engine_name) as url:
        server = ServerProcess(url, folder / f"{engine_name}.log")
        server.start()
        receiver = Receiver().start()
        tally = Tally()
        acknowledged_items: set[str] = set()
        acknowledged_decisions: dict[str, tuple[str, str]] = {}
        lock = threading.Lock()
        pushed = threading.Event()
        stop = threading.Event()
        admin = _token(url, "root", TokenRole.ADMIN)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}) as c:
            made = c.post("/v1/webhooks", json={"queue": "support", "url": receiver.url})
            made.raise_for_status()

        def producer() -> None:
            secret = _token(url, "producer", TokenRole.PRODUCER)
            headers = {"Authorization": f"Bearer {secret}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                for start in range(1, items + 1, PUSH_BATCH):
                    batch = [
                        record(n, required_reviews=2 if n % 10 == 0 else 1)
                        for n in range(start, min(start + PUSH_BATCH, items + 1))
                    ]
                    answer = tally.call(client, "POST /v1/items", "POST", "/v1/items",
                                        json={"items": batch})  # fmt: skip
                    with lock:
                        acknowledged_items.update(
                            r["id"] for r in answer["results"] if r["status"] != "invalid"
                        )
            pushed.set()

        def reviewer(name: str) -> None:
            secret = _token(url, name, TokenRole.REVIEWER)
            headers = {"Authorization": f"Bearer {secret}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                while not stop.is_set():
                    lease = tally.call(client, "POST /v1/queues/{queue}/leases", "POST",
                                       "/v1/queues/support/leases",
                                       json={"max_items": LEASE, "ttl_s": 30})  # fmt: skip
                    if not lease["items"]:
                        if pushed.is_set():
                            return
                        time.sleep(0.05)
                        continue
                    decisions = [
                        {
                            "id": str(uuid.uuid4()),
                            "generation_id": leased["generation"]["id"],
                            "verdict": "approve",
                            "decided_at": "2026-12-03T09:00:00Z",
                            "duration_ms": 900,
                            "lease_id": lease["lease_id"],
                            "lease_epoch": leased["epoch"],
                        }
                        for leased in lease["items"]
                    ]
                    answer = tally.call(client, "POST /v1/decisions/batch", "POST",
                                        "/v1/decisions/batch",
                                        json={"decisions": decisions})  # fmt: skip
                    with lock:
                        for decision, result in zip(decisions, answer["results"], strict=True):
                            if result["status"] in KEPT:
                                acknowledged_decisions[decision["id"]] = (
                                    name, decision["generation_id"])  # fmt: skip

        def follower() -> None:
            secret = _token(url, "watcher", TokenRole.PRODUCER)
            headers = {"Authorization": f"Bearer {secret}"}
            since = 0
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                while not stop.is_set():
                    answer = tally.call(client, "GET /v1/verdicts", "GET", "/v1/verdicts",
                                        params={"since": since, "wait": 2})  # fmt: skip
                    since = answer["next"]

        threads = [threading.Thread(target=producer), threading.Thread(target=follower)]
        threads += [
            threading.Thread(target=reviewer, args=(f"r{n:02d}",)) for n in range(REVIEWERS)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        kills = 0
        while kills < 2:  # kill -9 a third and two thirds through the push
            with lock:
                done = len(acknowledged_items)
            if done >= items * (kills + 1) / 3:
                server.kill()
                kills += 1
                server.start()
            time.sleep(0.05)
        for thread in threads[2:]:
            thread.join()
        threads[0].join()
        elapsed = time.monotonic() - started
        stop.set()
        threads[1].join()
        engine = open_engine(url)
        deadline = time.monotonic() + 120  # a delivery claimed by a killed process waits 60 s
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                pending = connection.execute(
                    text("SELECT count(*) FROM webhook_delivery WHERE state = 'pending'")
                ).scalar_one()
            if not pending:
                break
            receiver.wait_for(len(receiver.received) + 1, timeout_s=1)
        server.stop()
        receiver.stop()
        with engine.connect() as connection:
            stored_items = {row[0] for row in connection.execute(text("SELECT id FROM generation"))}
            stored_decisions = {
                row[0]: (row[1], row[2])
                for row in connection.execute(
                    text(
                        "SELECT d.id, d.reviewer, g.id FROM decision d "
                        "JOIN generation g ON g.pk = d.generation_pk"
                    )
                )
            }
            doubled = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT generation_pk, reviewer FROM decision "
                    "GROUP BY generation_pk, reviewer HAVING count(*) > 1) t"
                )
            ).scalar_one()
            revisions = connection.execute(text("SELECT count(*) FROM server_verdict")).scalar_one()
        engine.dispose()
        delivered = Counter(
            (body["verdict"]["id"], body["verdict"]["revision"])
            for body in (orjson.loads(got.body) for got in receiver.received)
        )
        print(f"== {engine_name}: {items} items, {REVIEWERS} reviewers, 2 x kill -9, "
              f"{elapsed:.0f} s")  # fmt: skip
        print(f"items      acknowledged {len(acknowledged_items)}  stored {len(stored_items)}  "
              f"lost {len(acknowledged_items - stored_items)}")  # fmt: skip
        print(f"decisions  acknowledged {len(acknowledged_decisions)}  stored "
              f"{len(stored_decisions)}  lost {len(acknowledged_decisions.keys() - stored_decisions.keys())}  "
              f"doubled {doubled}")  # fmt: skip
        per_verdict = Counter(delivered.values())
        print(f"verdict revisions {revisions}  delivered {len(delivered)}  deliveries per "
              f"revision {dict(sorted(per_verdict.items()))}  pending {pending}")  # fmt: skip
        print(f"5xx {sum(tally.server_errors.values())} {dict(tally.server_errors)}  "
              f"refused while down {tally.unreachable}")  # fmt: skip
        for endpoint, seconds in sorted(tally.latency.items()):
            ordered = sorted(seconds)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            print(f"  {endpoint:34s} n={len(ordered):6d}  p50 "
                  f"{statistics.median(ordered) * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this folder")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        logs = args.logs or Path(folder)
        logs.mkdir(parents=True, exist_ok=True)
        for engine in args.engines.split(","):
            run(engine, args.items, logs)


if __name__ == "__main__":
    main()
