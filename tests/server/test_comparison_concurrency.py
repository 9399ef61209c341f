"""Twenty reviewers lease and decide comparisons at once, over real HTTP against the real
server (SQLite, then PostgreSQL): nobody gets a comparison twice, every comparison collects
exactly its `required_reviews` distinct reviewers, and no request fails."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tests.server.harness import RunningServer
from tests.server.test_comparisons import pair, prefer

COMPARISONS = 60
REVIEWERS = 20


@dataclass
class Reviewer:
    name: str
    secret: str
    received: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


class _Traffic:
    """Who is between asking for a lease and having decided it, and how much has been decided.

    A lease can come back empty while work is left: the comparison's next slot may open only
    when another reviewer's decision lands, and on PostgreSQL the claim skips rows another
    claim holds at that moment (SKIP LOCKED). So a reviewer stops only on an empty lease when
    nobody else was mid-cycle and nothing was decided since it asked; otherwise it waits until
    something is decided or everyone else is idle, and asks again."""

    def __init__(self) -> None:
        self._busy = 0
        self._decided = 0
        self._changed = threading.Condition()

    def begin(self) -> int:
        with self._changed:
            self._busy += 1
            return self._decided

    def end(self, *, decided: bool) -> None:
        with self._changed:
            self._busy -= 1
            self._decided += decided
            self._changed.notify_all()

    def after_empty_lease(self, seen: int) -> bool:
        """End an empty cycle; True to ask again (after waiting for a change), False to stop."""
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()
            if self._busy == 0 and self._decided == seen:
                return False
            self._changed.wait_for(lambda: self._decided != seen or self._busy == 0, timeout=60)
            return True


def _work(
    server: RunningServer, reviewer: Reviewer, start: threading.Barrier, traffic: _Traffic
) -> None:
    with server.client(reviewer.secret) as client:
        start.wait()
        while True:
            seen = traffic.begin()
            response = client.post(
                "/v1/queues/prefs/leases", json={"max_items": 3, "kinds": ["comparison"]}
            )
            if response.status_code != 200:
                reviewer.failures.append(f"lease {response.status_code}: {response.text}")
                traffic.end(decided=False)
                return
            lease = response.json()
            if not lease["comparisons"]:
                if traffic.after_empty_lease(seen):
                    continue
                return
            decisions = []
            for entry in lease["comparisons"]:
                cid = entry["comparison"]["id"]
                reviewer.received.append(cid)
                decisions.append(
                    prefer(
                        cid,
                        f"{reviewer.name}/{cid}",
                        "a" if len(cid) % 2 else "b",
                        lease_id=lease["lease_id"],
                        lease_epoch=entry["epoch"],
                    )
                )
            answer = client.post("/v1/decisions/batch", json={"decisions": decisions})
            traffic.end(decided=True)
            if answer.status_code != 200:
                reviewer.failures.append(f"batch {answer.status_code}: {answer.text}")
                return
            reviewer.statuses.update(result["status"] for result in answer.json()["results"])


@pytest.mark.slow
def test_twenty_reviewers_never_get_a_comparison_twice(server: RunningServer) -> None:
    required = {f"cmp-{n:04d}": 1 + n % 3 for n in range(1, COMPARISONS + 1)}
    with server.client(server.token("producer", "producer")) as producer:
        pushed = producer.post(
            "/v1/items",
            json={
                "items": [
                    pair(n, required_reviews=required[f"cmp-{n:04d}"])
                    for n in range(1, COMPARISONS + 1)
                ]
            },
        )
        assert pushed.json()["created"] == COMPARISONS
    reviewers = [
        Reviewer(f"rev{n:02d}", server.token(f"rev{n:02d}", "reviewer")) for n in range(REVIEWERS)
    ]
    start = threading.Barrier(REVIEWERS)
    traffic = _Traffic()
    threads = [
        threading.Thread(target=_work, args=(server, reviewer, start, traffic))
        for reviewer in reviewers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert [failure for r in reviewers for failure in r.failures] == []
    for reviewer in reviewers:
        assert len(reviewer.received) == len(set(reviewer.received)), reviewer.name
    statuses = sum((reviewer.statuses for reviewer in reviewers), Counter[str]())
    assert statuses == Counter({"accepted": sum(required.values())})
    assert sum(len(reviewer.received) for reviewer in reviewers) == sum(required.values())
    assert sum(1 for reviewer in reviewers if reviewer.received) > 1  # the work was shared
    with server.client(server.token("watcher", "producer")) as producer:
        for cid, wanted in required.items():
            state = producer.get(f"/v1/items/{cid}").json()
            reviewers_of = [decision["reviewer"] for decision in state["decisions"]]
            assert len(set(reviewers_of)) == len(reviewers_of) == wanted, cid
            assert (state["state"], state["reviews"]) == ("decided", wanted), cid


def test_the_same_comparisons_pushed_at_once_are_stored_once(server: RunningServer) -> None:
    records = [pair(n, required_reviews=2) for n in range(1, 41)]
    secret = server.token("producer", "producer")
    answers: list[list[str]] = []

    def push(start: threading.Barrier) -> None:
        with server.client(secret) as client:
            start.wait()
            response = client.post("/v1/items", json={"items": records})
            answers.append(
                [r["status"] for r in response.json()["results"]]
                if response.status_code == 200
                else [f"http {response.status_code}"]
            )

    start = threading.Barrier(4)
    threads = [threading.Thread(target=push, args=(start,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 4
    for position in range(len(records)):
        column = sorted(answer[position] for answer in answers)
        assert column == ["created", "duplicate", "duplicate", "duplicate"], column
    with server.client(server.token("ann", "reviewer")) as ann:
        leased = ann.post(
            "/v1/queues/prefs/leases", json={"max_items": 100, "kinds": ["comparison"]}
        ).json()
    assert len(leased["comparisons"]) == len(records)  # one slot each for one reviewer
