"""Comparisons checked out into the local store: their lease cache, the outbox row written with
each decision, undo while unsent, and a store from before comparisons synced upgraded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain import Comparison, Generation, Preference, Verdict
from reviewdesk.protocol import DecisionStatus, ProblemCode
from reviewdesk.review import ReviewSession
from reviewdesk.review.comparisons import LEFT, ComparisonSession
from reviewdesk.store import (
    DecisionAlreadySentError,
    LeasedComparisonEntry,
    LeasedGeneration,
    OutboxState,
    Settled,
    Store,
    SyncLedger,
)
from reviewdesk.store.engine import make_engine, migrate
from tests.helpers.records import record

EXPIRES = datetime.now(UTC) + timedelta(hours=1)


def pair(number: int, **fields: Any) -> Comparison:
    return Comparison.model_validate(
        {
            "id": f"cmp-{number:04d}",
            "prompt": f"Rewrite politely, take {number}",
            "queue": "support",
            "risk": number / 10,
            "candidates": [
                {"output": f"Please send it ({number})", "model": "m-small"},
                {"output": f"Kindly send it ({number})", "model": "m-large"},
            ],
            **fields,
        }
    )


def _lease(store: Store, *comparisons: Comparison, lease_id: str = "lease-1") -> int:
    return SyncLedger(store).comparisons.add_leased(
        server_url="http://server",
        queue="support",
        lease_id=lease_id,
        mode="offline",
        expires_at=EXPIRES,
        comparisons=[LeasedComparisonEntry(c, slot=0, epoch=2) for c in comparisons],
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "desk.sqlite") as opened:
        SyncLedger(opened).connect("http://server", queue="support")
        assert _lease(opened, pair(1), pair(2)) == 2
        yield opened


def test_a_decision_on_a_leased_comparison_is_queued_with_its_lease(store: Store) -> None:
    session = ComparisonSession(store, "alice")
    shown = session.start().item
    assert shown is not None and shown.id == "cmp-0002"  # the higher risk first
    saved = session.decide_side(LEFT, duration_ms=900).saved
    assert saved is not None and (saved.lease_id, saved.lease_epoch) == ("lease-1", 2)
    assert saved.preference is shown.preference_for(LEFT)
    (entry,) = SyncLedger(store).entries()
    assert entry.decision == saved and entry.state is OutboxState.PENDING
    assert entry.subject == "cmp-0002" and entry.choice == f"prefers {saved.preference}"
    assert SyncLedger(store).take_batch(200) == []  # the items' batch holds no comparison
    assert SyncLedger(store).comparisons.take_batch(200) == [saved]


def test_a_decision_on_a_local_comparison_is_not_queued(store: Store) -> None:
    with store.writing() as connection:
        from reviewdesk.store.comparisons import add_comparisons

        add_comparisons(connection, [(pair(9, risk=0.99), ())], imported_at="2026-12-01")
    session = ComparisonSession(store, "alice")
    assert session.start().item is not None
    saved = session.decide(Preference.TIE, duration_ms=10).saved
    assert saved is not None and saved.comparison_id == "cmp-0009" and saved.lease_id is None
    assert SyncLedger(store).entries() == []


def test_undo_of_an_unsent_comparison_decision_takes_its_outbox_row_along(store: Store) -> None:
    session = ComparisonSession(store, "alice")
    session.start()
    session.decide(Preference.A, duration_ms=10)
    step = session.undo()
    assert step.undone is not None and step.item is not None and step.item.id == "cmp-0002"
    assert SyncLedger(store).entries() == []
    assert [h.decided for h in SyncLedger(store).comparisons.held()] == [False, False]


def test_undo_of_a_sent_comparison_decision_is_refused_and_changes_nothing(store: Store) -> None:
    session = ComparisonSession(store, "alice")
    session.start()
    saved = session.decide(Preference.B, duration_ms=10).saved
    assert saved is not None
    ledger = SyncLedger(store)
    assert ledger.comparisons.take_batch(200) == [saved]
    with pytest.raises(DecisionAlreadySentError, match="cmp-0002 has already been sent"):
        session.undo()
    ledger.settle([Settled(saved.id, OutboxState.SENT, DecisionStatus.ACCEPTED, None, None)])
    with pytest.raises(DecisionAlreadySentError):
        session.undo()
    (entry,) = ledger.entries()
    assert entry.state is OutboxState.SENT and entry.decision == saved


def test_items_and_comparisons_share_the_outbox_oldest_first(store: Store) -> None:
    ledger = SyncLedger(store)
    ledger.add_leased(
        server_url="http://server",
        queue="support",
        lease_id="lease-1",
        mode="offline",
        expires_at=EXPIRES,
        items=[LeasedGeneration(Generation.model_validate(record(1)), slot=0, epoch=1)],
    )
    compare = ComparisonSession(store, "alice")
    compare.start()
    first = compare.decide(Preference.A, duration_ms=10).saved
    review = ReviewSession(store, "alice")
    review.start()
    second = review.decide(Verdict.REJECT, duration_ms=10, reasons=["factual_error"]).saved
    third = compare.decide(Preference.BOTH_BAD, duration_ms=10, reasons=["unsafe"]).saved
    assert [e.decision for e in ledger.entries()] == [first, second, third]
    assert [e.subject for e in ledger.entries()] == ["cmp-0002", "gen-000001", "cmp-0001"]
    assert ledger.counts()[OutboxState.PENDING] == 3
    assert ledger.comparisons.take_batch(200) == [first, third]
    assert ledger.take_batch(200) == [second]
    assert ledger.counts()[OutboxState.SENDING] == 3


def test_a_refused_comparison_decision_is_kept_until_retried(store: Store) -> None:
    session = ComparisonSession(store, "alice")
    session.start()
    saved = session.decide(Preference.TIE, duration_ms=10).saved
    assert saved is not None
    ledger = SyncLedger(store)
    ledger.comparisons.take_batch(200)
    ledger.settle(
        [
            Settled(
                saved.id,
                OutboxState.REFUSED,
                DecisionStatus.INVALID,
                ProblemCode.INVALID_DECISION,
                "comment: contains a NUL character",
            )
        ]
    )
    (entry,) = ledger.entries(OutboxState.REFUSED)
    assert (entry.subject, entry.choice, entry.code) == ("cmp-0002", "tie", "invalid_decision")
    assert ledger.comparisons.take_batch(200) == []
    assert ledger.retry_refused() == 1
    assert ledger.comparisons.take_batch(200) == [saved]


def test_a_comparison_taken_back_leaves_the_store_unless_decided_here(store: Store) -> None:
    session = ComparisonSession(store, "alice")
    session.start()
    session.decide(Preference.A, duration_ms=10)  # on cmp-0002
    ledger = SyncLedger(store).comparisons
    assert ledger.drop(["cmp-0001"], lease_id="another-lease") == []  # not this lease's
    assert sorted(ledger.drop(["cmp-0001", "cmp-0002"], lease_id="lease-1")) == ["cmp-0001"]
    assert ledger.held() == []
    with store.reading() as connection:
        kept = [row[0] for row in connection.execute("SELECT id FROM comparison")]
        rows = connection.execute(
            "SELECT (SELECT count(*) FROM comparison_text), "
            "(SELECT count(*) FROM comparison_candidate), "
            "(SELECT count(*) FROM comparison_candidate_text)"
        ).fetchone()
    assert kept == ["cmp-0002"]  # kept, with alice's decision still to send
    assert rows == (1, 2, 2)  # the other one's prompt, candidates and outputs went with it
    (entry,) = SyncLedger(store).entries(OutboxState.PENDING)
    assert entry.subject == "cmp-0002"
    assert ComparisonSession(store, "bob").start().item is None  # cmp-0001 left the queue


def test_a_comparison_the_store_holds_already_is_leased_but_never_removed(store: Store) -> None:
    with store.writing() as connection:
        from reviewdesk.store.comparisons import add_comparisons

        add_comparisons(connection, [(pair(5), ())], imported_at="2026-12-01")
    assert _lease(store, pair(5), lease_id="lease-2") == 0
    held = {h.comparison_id: h.lease_id for h in SyncLedger(store).comparisons.held()}
    assert held == {"cmp-0001": "lease-1", "cmp-0002": "lease-1", "cmp-0005": "lease-2"}
    assert SyncLedger(store).comparisons.drop(["cmp-0005"]) == []
    assert ComparisonSession(store, "alice").count_pending().progress.left == 3


def test_a_desk_store_at_0019_with_a_checkout_upgrades_keeping_its_outbox(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(path)
    migrate(engine, to="0019")
    engine.dispose()
    with sqlite3.connect(path) as connection:
        for statement in (
            "INSERT INTO generation (pk, id, model, risk, top_severity, flag_count, "
            "required_reviews, review_count, imported_at, queue) VALUES (1, 'gen-1', 'm', 0.5, "
            "0, 0, 1, 1, '2026-11-01T00:00:00.000000Z', 'support')",
            "INSERT INTO generation_text (pk, prompt, output) VALUES (1, '\"hi\"', 'hello')",
            "INSERT INTO decision (pk, id, generation_pk, reviewer, verdict, reasons, "
            "decided_at, lease_id, lease_epoch) VALUES (1, 'd-1', 1, 'alice', 'approve', '[]', "
            "'2026-11-02T00:00:00.000000Z', 'lease-0', 1)",
            "INSERT INTO sync_state (server_url, queue, target, ttl_s, changes_cursor) "
            "VALUES ('http://server', 'support', 5, 3600, 7)",
            "INSERT INTO sync_lease (generation_id, server_url, queue, lease_id, epoch, slot, "
            "mode, expires_at, inserted) VALUES ('gen-1', 'http://server', 'support', 'lease-0', "
            "1, 0, 'offline', '2026-11-03T00:00:00.000000Z', 1)",
            "INSERT INTO sync_outbox (decision_id, generation_id, state, attempts, queued_at) "
            "VALUES ('d-1', 'gen-1', 'pending', 0, '2026-11-02T00:00:00.000000Z')",
        ):
            connection.execute(statement)
    connection.close()
    with Store.open(path) as upgraded:
        ledger = SyncLedger(upgraded)
        (entry,) = ledger.entries()
        assert (entry.decision.id, entry.subject, entry.choice) == ("d-1", "gen-1", "approve")
        assert [d.id for d in ledger.take_batch(200)] == ["d-1"]
        assert ledger.comparisons.take_batch(200) == []
        assert [h.generation_id for h in ledger.held()] == ["gen-1"]
        settings = ledger.settings()
        assert settings is not None and settings.changes_cursor == 7
        assert _lease(upgraded, pair(1)) == 1  # and it takes comparisons now
        assert [h.comparison_id for h in ledger.comparisons.held()] == ["cmp-0001"]
