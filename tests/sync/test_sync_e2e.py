"""The desk's sync engine against the real server (uvicorn on loopback, SQLite and PostgreSQL):
checkout, offline review, sync back exactly once, and the faults on the way."""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from reviewdesk.protocol import TokenRole
from reviewdesk.server import open_engine
from reviewdesk.server.access.tokens import create_token, revoke_token
from reviewdesk.server.database import transact
from reviewdesk.store import OutboxState
from tests.e2e.process import ServerProcess
from tests.server.harness import FakeClock, RunningServer, items
from tests.sync.conftest import DeskFactory
from tests.sync.fakes import CuttingProxy, FaultTransport, busy, then, timeout_after_commit

KEPT = {"accepted", "accepted_late", "accepted_extra"}


def _enqueue(url: str, producer: str, count: int, *, start: int = 1) -> None:
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {producer}"}, timeout=60
    ) as client:
        for first in range(start, start + count, 500):
            batch = items(min(500, start + count - first), start=first)
            response = client.post("/v1/items", json={"items": batch})
            assert response.status_code == 200, response.text


def _decisions_on_server(engine: Engine, reviewer: str) -> Counter[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT g.id FROM decision d JOIN generation g ON g.pk = d.generation_pk "
                "WHERE d.reviewer = :reviewer"
            ),
            {"reviewer": reviewer},
        ).all()
    return Counter(row[0] for row in rows)


@pytest.mark.slow  # `reviewdesk serve` started twice as its own process
def test_two_hundred_items_decided_offline_reach_the_server_exactly_once(
    database_url: str, tmp_path: Path, make_desk: DeskFactory
) -> None:
    engine = open_engine(database_url)
    server = ServerProcess(database_url, tmp_path / "server.log")
    server.start()
    try:
        made = {
            role: transact(engine, partial(create_token, name=role, role=TokenRole(role)))
            for role in ("producer", "reviewer")
        }
        _enqueue(server.url, made["producer"].secret, 200)
        desk = make_desk("alice", server.url, made["reviewer"].secret)
        checkout = desk.engine.checkout(200, ttl_s=8 * 3600)
        assert checkout.leased == checkout.added == 200

        server.stop()
        assert desk.decide_all("alice") == 200
        offline = desk.engine.sync()
        assert not offline.online and offline.waiting == 200 and offline.pushed == 0

        server.start()
        report = desk.engine.sync()
        assert report.error is None and report.online
        assert (report.pushed, report.duplicates, report.refused, report.waiting) == (200, 0, 0, 0)
        held = _decisions_on_server(engine, "reviewer")
        assert len(held) == 200 and set(held.values()) == {1}
        assert {e.state for e in desk.engine.ledger.entries()} == {OutboxState.SENT}
        again = desk.engine.sync()
        assert (again.pushed, again.duplicates) == (0, 0)
        assert _decisions_on_server(engine, "reviewer") == held
    finally:
        server.stop()
        engine.dispose()


def test_a_503_with_retry_after_is_waited_out(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _enqueue(server.url, server.token("producer", "producer"), 20)
    transport = FaultTransport({"/v1/decisions/batch": [busy(7), busy(3)]})
    desk = make_desk("alice", server.url, server.token("reviewer", "reviewer"), transport=transport)
    desk.engine.checkout(20)
    desk.decide_all("alice")

    report = desk.engine.sync()

    assert report.error is None and report.pushed == 20
    assert desk.waits[:2] == [7.0, 3.0]
    assert transport.seen.count("POST /v1/decisions/batch") == 3


def test_a_connection_reset_in_the_middle_of_a_batch_is_retried(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _enqueue(server.url, server.token("producer", "producer"), 30)
    proxy = CuttingProxy(int(server.url.rsplit(":", 1)[1]))
    try:
        desk = make_desk("alice", proxy.url, server.token("reviewer", "reviewer"))
        desk.engine.checkout(30)
        desk.decide_all("alice")
        proxy.cut_next(b"POST /v1/decisions/batch")

        report = desk.engine.sync()

        assert proxy.cuts == 1
        assert report.error is None and (report.pushed, report.duplicates) == (30, 0)
        assert len(desk.waits) >= 1
        assert set(_decisions_on_server(server.engine, "reviewer").values()) == {1}
    finally:
        proxy.close()


def test_a_timeout_after_the_server_committed_yields_duplicates_not_second_decisions(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _enqueue(server.url, server.token("producer", "producer"), 25)
    transport = FaultTransport({"/v1/decisions/batch": [timeout_after_commit]})
    desk = make_desk("alice", server.url, server.token("reviewer", "reviewer"), transport=transport)
    desk.engine.checkout(25)
    desk.decide_all("alice")

    report = desk.engine.sync()

    assert report.error is None
    assert (report.pushed, report.duplicates) == (0, 25)
    held = _decisions_on_server(server.engine, "reviewer")
    assert len(held) == 25 and set(held.values()) == {1}
    assert {e.server_status for e in desk.engine.ledger.entries()} == {"duplicate"}


def test_a_token_revoked_in_the_middle_of_a_sync_keeps_the_outbox_and_asks_for_a_token(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _enqueue(server.url, server.token("producer", "producer"), 250)
    made = transact(server.engine, lambda c: create_token(c, "reviewer", TokenRole.REVIEWER))
    revoke = then(lambda: transact(server.engine, lambda c: revoke_token(c, made.info.id)))
    transport = FaultTransport({"/v1/decisions/batch": [revoke]})
    desk = make_desk("alice", server.url, made.secret, transport=transport)
    assert desk.engine.checkout(200).leased + desk.engine.checkout(50).leased == 250
    desk.decide_all("alice")

    report = desk.engine.sync()

    assert report.token_needed and report.online
    assert report.pushed == 200 and report.waiting == 50
    counts = desk.engine.ledger.counts()
    assert counts[OutboxState.PENDING] == 50 and counts[OutboxState.SENDING] == 0

    desk.token = server.token("reviewer", "reviewer")  # the reviewer logs in again
    report = desk.engine.sync()
    assert report.error is None and report.pushed == 50 and report.waiting == 0
    held = _decisions_on_server(server.engine, "reviewer")
    assert len(held) == 250 and set(held.values()) == {1}


def test_an_expired_lease_taken_by_another_reviewer_keeps_both_decisions(
    server: RunningServer, clock: FakeClock, make_desk: DeskFactory
) -> None:
    _enqueue(server.url, server.token("producer", "producer"), 5)
    alice = make_desk("alice", server.url, server.token("alice", "reviewer"))
    bob = make_desk("bob", server.url, server.token("bob", "reviewer"))
    assert alice.engine.checkout(5, ttl_s=3600).leased == 5
    clock.advance(2 * 3600)  # alice is offline; her lease runs out
    assert bob.engine.checkout(5, ttl_s=3600).leased == 5
    assert bob.decide_all("bob") == 5
    assert bob.engine.sync().statuses == Counter(accepted=5)

    assert alice.decide_all("alice") == 5
    report = alice.engine.sync()

    assert report.error is None and report.refused == 0
    assert report.statuses == Counter(accepted_extra=5)
    assert {e.server_status for e in alice.engine.ledger.entries()} == {"accepted_extra"}
    assert len(_decisions_on_server(server.engine, "alice")) == 5
    assert len(_decisions_on_server(server.engine, "bob")) == 5


def test_two_desks_never_hold_the_same_single_review_item(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    _enqueue(server.url, server.token("producer", "producer"), 50)
    alice = make_desk("alice", server.url, server.token("alice", "reviewer"))
    bob = make_desk("bob", server.url, server.token("bob", "reviewer"))

    assert alice.engine.checkout(30).leased == 30
    assert bob.engine.checkout(30).leased == 20
    assert alice.engine.sync().error is None  # a top-up finds nothing left
    held_a = {item.generation_id for item in alice.engine.ledger.held()}
    held_b = {item.generation_id for item in bob.engine.ledger.held()}
    assert len(held_a) == 30 and len(held_b) == 20 and not held_a & held_b
    assert alice.store.counts().generations == 30 and bob.store.counts().generations == 20


def test_an_item_withdrawn_while_offline_leaves_the_local_queue(
    server: RunningServer, make_desk: DeskFactory
) -> None:
    producer = server.token("producer", "producer")
    _enqueue(server.url, producer, 3)
    desk = make_desk("alice", server.url, server.token("reviewer", "reviewer"))
    desk.engine.checkout(3)
    with server.client(producer) as client:
        assert client.delete("/v1/items/gen-000002").status_code == 200

    report = desk.engine.sync()

    assert report.removed == ["gen-000002"]
    assert desk.store.get("gen-000002") is None
    assert desk.store.counts().pending == 2
