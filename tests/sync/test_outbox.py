"""The outbox in the local store: written with the decision, undone with it while unsent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reviewdesk.domain import Decision, Generation, Verdict, new_decision_id, utc_now
from reviewdesk.protocol import DecisionStatus, ProblemCode
from reviewdesk.review import ReviewSession
from reviewdesk.store import (
    DecisionAlreadySentError,
    LeasedGeneration,
    OutboxState,
    Settled,
    Store,
    SyncLedger,
)
from tests.helpers.records import record


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "desk.sqlite") as opened:
        ledger = SyncLedger(opened)
        ledger.connect("http://server", queue="support")
        ledger.add_leased(
            server_url="http://server",
            queue="support",
            lease_id="lease-1",
            mode="offline",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            items=[
                LeasedGeneration(Generation.model_validate(record(n)), slot=0, epoch=3)
                for n in (1, 2)
            ],
        )
        yield opened


def test_a_decision_on_a_leased_item_is_queued_with_its_lease(store: Store) -> None:
    session = ReviewSession(store, "alice")
    session.start()
    saved = session.decide(Verdict.APPROVE, duration_ms=10).saved
    assert saved is not None and (saved.lease_id, saved.lease_epoch) == ("lease-1", 3)
    (entry,) = SyncLedger(store).entries()
    assert entry.decision == saved and entry.state is OutboxState.PENDING
    assert (
        store.record_decision(saved.model_copy(update={"lease_id": None, "lease_epoch": None}))
        == saved
    )


def test_a_decision_on_a_local_item_is_not_queued(store: Store) -> None:
    with store.bulk_writer() as writer:
        writer.add([(Generation.model_validate(record(9, risk=0.99)), ())])
    decision = Decision(
        id=new_decision_id(),
        generation_id="gen-000009",
        reviewer="alice",
        verdict=Verdict.APPROVE,
        decided_at=utc_now(),
    )
    assert store.record_decision(decision).lease_id is None
    assert SyncLedger(store).entries() == []


def test_undo_of_an_unsent_decision_takes_its_outbox_row_along(store: Store) -> None:
    session = ReviewSession(store, "alice")
    session.start()
    session.decide(Verdict.APPROVE, duration_ms=10)
    assert session.undo().undone is not None
    assert SyncLedger(store).entries() == []
    assert store.counts().pending == 2


def test_undo_of_a_sent_decision_is_refused_and_changes_nothing(store: Store) -> None:
    session = ReviewSession(store, "alice")
    session.start()
    saved = session.decide(Verdict.APPROVE, duration_ms=10).saved
    assert saved is not None
    ledger = SyncLedger(store)
    assert ledger.take_batch(200) == [saved]
    with pytest.raises(DecisionAlreadySentError, match="already been sent"):
        session.undo()
    ledger.settle([Settled(saved.id, OutboxState.SENT, DecisionStatus.ACCEPTED, None, None)])
    with pytest.raises(DecisionAlreadySentError):
        session.undo()
    assert store.decisions_of(saved.generation_id) == [saved]


def test_a_refused_decision_is_kept_until_retried(store: Store) -> None:
    session = ReviewSession(store, "alice")
    session.start()
    saved = session.decide(Verdict.APPROVE, duration_ms=10).saved
    assert saved is not None
    ledger = SyncLedger(store)
    ledger.take_batch(200)
    ledger.settle(
        [
            Settled(
                saved.id,
                OutboxState.REFUSED,
                DecisionStatus.INVALID,
                ProblemCode.REVIEWER_MISMATCH,
                "not your token",
            )
        ]
    )
    (entry,) = ledger.entries(OutboxState.REFUSED)
    assert (entry.code, entry.last_error) == ("reviewer_mismatch", "not your token")
    assert ledger.take_batch(200) == []
    assert ledger.retry_refused() == 1
    assert ledger.take_batch(200) == [saved]
