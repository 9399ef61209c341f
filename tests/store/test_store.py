from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain import (
    Decision,
    DecisionDraft,
    Generation,
    ItemStatus,
    QueueFilter,
    QueueSort,
    Reason,
    Severity,
    Verdict,
    new_decision_id,
)
from reviewdesk.errors import StoreError
from reviewdesk.store import DecisionConflictError, Store, UnknownItemError
from tests.helpers.records import decision, record

T0 = datetime(2026, 11, 21, 9, tzinfo=UTC)


def add(store: Store, *generations: Generation, drafts: tuple[DecisionDraft, ...] = ()) -> None:
    with store.bulk_writer() as writer:
        writer.add([(generation, drafts) for generation in generations])


def gen(number: int, **fields: object) -> Generation:
    return Generation.model_validate(record(number, **fields))


def decide(
    generation_id: str,
    reviewer: str = "alice",
    verdict: Verdict = Verdict.APPROVE,
    **fields: object,
) -> Decision:
    base: dict[str, object] = {
        "id": new_decision_id(),
        "generation_id": generation_id,
        "reviewer": reviewer,
        "verdict": verdict,
        "decided_at": T0,
        "session_id": "s1",
    }
    if verdict is Verdict.REJECT:
        base["reasons"] = ("pii_leak",)
    if verdict is Verdict.EDIT:
        base["edited_output"] = "fixed"
    base.update(fields)
    return Decision.model_validate(base)


def test_a_new_store_uses_wal_full_sync_and_foreign_keys(store: Store, store_path: Path) -> None:
    pragmas = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    with store.writing() as connection:  # the pragmas are per connection: the desk's own
        values = [connection.execute(f"PRAGMA {name}").fetchone()[0] for name in pragmas]
    with store.engine.connect() as connection:  # and SQLAlchemy's, for stats and exports
        assert [connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in pragmas] == values
    assert values[:3] == ["wal", 2, 1]  # WAL, synchronous FULL, foreign keys on
    assert values[3] >= 1000
    assert store.counts().generations == 0
    assert [reason.code for reason in store.reasons()][:3] == [
        "factual_error",
        "unsafe",
        "pii_leak",
    ]


def test_generations_round_trip_through_a_real_file(store_path: Path) -> None:
    original = gen(1, metadata={"tenant": "acme"}, extra_key=[1, 2])
    plain = gen(
        2, prompt="Summarise the refund policy.", flags=[], usage=None, risk=None, created_at=None
    )
    with Store.open(store_path) as store:
        add(store, original, plain)
    with Store.open(store_path) as reopened:
        assert reopened.get("gen-000001") == original
        assert reopened.get("gen-000002") == plain
        assert reopened.get("missing") is None


def _next_id(store: Store, reviewer: str, **where: Any) -> str | None:
    """The id of the item `reviewer` would get next, None when there is none."""
    entry = store.next_pending(reviewer, **where)
    return entry.id if entry is not None else None


def test_next_pending_goes_by_risk_and_skips_what_the_reviewer_decided(store: Store) -> None:
    add(store, gen(1, risk=0.2), gen(2, risk=0.9), gen(3, risk=0.5), gen(4, risk=None))
    first = store.next_pending("alice")
    assert first is not None and first.id == "gen-000002"
    store.record_decision(decide("gen-000002"))
    assert _next_id(store, "alice") == "gen-000003"
    # Skipping: continue below an entry, or pass over chosen items.
    nxt = store.next_pending("alice", after=store.next_pending("alice"))
    assert nxt is not None and nxt.id == "gen-000001"
    assert _next_id(store, "alice", exclude=[nxt.pk, 3]) == "gen-000004"
    # An item needing one review is done for everyone once decided.
    assert _next_id(store, "bob") == "gen-000003"


def test_next_pending_in_one_queue(store: Store) -> None:
    add(store, gen(1, risk=0.9, queue="support"), gen(2, risk=0.8, queue="clinical"))
    assert _next_id(store, "alice", queue="clinical") == "gen-000002"
    assert store.next_pending("alice", queue="nothing") is None


def test_an_item_needing_two_reviews_stays_pending_for_the_second_reviewer(store: Store) -> None:
    add(store, gen(1))
    with store.writing() as connection:
        connection.execute("UPDATE generation SET required_reviews = 2")
    store.record_decision(decide("gen-000001", "alice"))
    assert store.next_pending("alice") is None
    assert _next_id(store, "bob") == "gen-000001"
    store.record_decision(decide("gen-000001", "bob", Verdict.REJECT))
    assert store.next_pending("carol") is None
    assert store.counts().decided == 1


def test_recording_is_idempotent_and_a_reused_id_with_other_content_is_refused(
    store: Store,
) -> None:
    add(store, gen(1))
    decision_ = decide("gen-000001")
    assert store.record_decision(decision_) == decision_
    assert store.record_decision(decision_) == decision_
    assert store.counts().decisions == 1
    with pytest.raises(DecisionConflictError):
        store.record_decision(
            decision_.model_copy(update={"verdict": Verdict.REJECT, "reasons": ("tone",)})
        )
    with pytest.raises(UnknownItemError):
        store.record_decision(decide("nope"))


def test_a_change_of_mind_supersedes_and_keeps_both(store: Store) -> None:
    add(store, gen(1))
    first = store.record_decision(decide("gen-000001"))
    second = store.record_decision(
        decide("gen-000001", verdict=Verdict.EDIT, decided_at=T0 + timedelta(minutes=1))
    )
    assert second.supersedes == first.id
    stored = store.decisions_of("gen-000001")
    assert [d.id for d in stored] == [first.id, second.id]
    assert stored[1].edited_output == "fixed"
    assert store.counts().decisions == 2


def test_undo_removes_only_the_latest_decisions_of_the_session(store: Store) -> None:
    add(store, gen(1, risk=0.9), gen(2, risk=0.8), gen(3, risk=0.7))
    other = store.record_decision(decide("gen-000003", session_id="other"))
    a = store.record_decision(decide("gen-000001"))
    b = store.record_decision(decide("gen-000002", comment="looks fine"))
    assert store.undo_latest("s1") == b
    assert _next_id(store, "alice") == "gen-000002"
    assert store.undo_latest("s1") == a
    assert store.undo_latest("s1") is None
    assert [d.id for d in store.decisions_of("gen-000003")] == [other.id]
    assert store.counts().decisions == 1


def test_pages_are_keyset_ordered_and_filtered(store: Store) -> None:
    generations = [
        gen(
            n,
            risk=n / 100,
            model="gpt-4o" if n % 2 else "llama",
            created_at=f"2026-11-{n % 28 + 1:02d}T00:00:00Z",
        )
        for n in range(1, 51)
    ]
    add(store, *generations)
    first = store.page(limit=20)
    second = store.page(after=first[-1], limit=20)
    third = store.page(after=second[-1], limit=20)
    ids = [e.id for e in first + second + third]
    assert ids == [f"gen-{n:06d}" for n in range(50, 0, -1)]
    llama = store.page(QueueFilter(model="llama"), limit=100)
    assert {e.model for e in llama} == {"llama"} and len(llama) == 25
    by_time = store.page(sort=QueueSort.TIME, limit=100)
    times = [e.created_at for e in by_time if e.created_at is not None]
    assert len(times) == len(by_time)
    assert times == sorted(times, reverse=True)
    assert store.ordered_keys(QueueFilter(model="llama")) == [e.pk for e in llama]
    assert [e.id for e in store.entries([llama[3].pk, llama[0].pk])] == [llama[3].id, llama[0].id]


def test_time_order_puts_items_without_a_time_last_and_pages_through_them(store: Store) -> None:
    add(
        store,
        gen(1, created_at=None),
        gen(2, created_at="2026-11-01T00:00:00Z"),
        gen(3, created_at=None),
    )
    first = store.page(sort=QueueSort.TIME, limit=2)
    rest = store.page(sort=QueueSort.TIME, after=first[-1], limit=2)
    assert [e.id for e in first + rest] == ["gen-000002", "gen-000003", "gen-000001"]


def test_filters_by_severity_status_and_text(store: Store) -> None:
    add(
        store,
        gen(1, flags=[]),
        gen(2, flags=[{"validator": "tox", "code": "insult", "severity": "warning"}]),
        gen(
            3,
            flags=[{"validator": "pii", "code": "phone", "severity": "critical"}],
            output="Call 555-0100 now",
        ),
    )
    store.record_decision(decide("gen-000002"))
    assert {e.id for e in store.page(QueueFilter(min_severity=Severity.WARNING))} == {
        "gen-000002",
        "gen-000003",
    }
    assert {e.id for e in store.page(QueueFilter(status=ItemStatus.DECIDED))} == {"gen-000002"}
    assert {e.id for e in store.page(QueueFilter(status=ItemStatus.PENDING))} == {
        "gen-000001",
        "gen-000003",
    }
    assert [e.id for e in store.page(QueueFilter(text="555-0100"))] == ["gen-000003"]
    assert [e.id for e in store.page(QueueFilter(text="gen-000001"))] == ["gen-000001"]
    # An id matches by its start: the first characters are enough.
    assert {e.id for e in store.page(QueueFilter(text="gen-00000"))} == {
        "gen-000001",
        "gen-000002",
        "gen-000003",
    }
    assert store.page(QueueFilter(text="en-000001")) == []
    assert store.page(QueueFilter(text="100%_")) == []
    by_severity = store.page(sort=QueueSort.SEVERITY)
    assert [e.top_severity for e in by_severity] == [Severity.CRITICAL, Severity.WARNING, None]


def test_distinct_values_feed_the_filters(store: Store) -> None:
    add(store, gen(1, route="a.b"), gen(2, route="c.d"), gen(3, route=None))
    assert store.distinct("route") == ["a.b", "c.d"]
    with pytest.raises(ValueError, match="not a filter column"):
        store.distinct("output; DROP TABLE generation")


def test_bulk_add_counts_duplicates_and_imports_decisions_of_known_items(store: Store) -> None:
    draft = DecisionDraft.model_validate(decision("alice", "reject"))
    with store.bulk_writer() as writer:
        first = writer.add([(gen(1), ()), (gen(2), ()), (gen(1), ())])
        again = writer.add([(gen(2), (draft,))])
    assert (first.imported, first.duplicates) == (2, 1)
    assert (again.imported, again.duplicates, again.decisions) == (0, 1, 1)
    assert store.counts().model_dump() == {
        "generations": 2,
        "pending": 1,
        "decided": 1,
        "decisions": 1,
        "reviewers": 1,
    }


def test_a_failed_bulk_write_leaves_the_store_as_it_was(store: Store) -> None:
    add(store, gen(1))
    with pytest.raises(RuntimeError), store.bulk_writer() as writer:
        writer.add([(gen(2), ()), (gen(3), ())])
        raise RuntimeError("interrupted")
    assert store.counts().generations == 1


def test_unknown_reasons_from_imports_join_the_taxonomy(store: Store) -> None:
    draft = DecisionDraft.model_validate(decision("alice", "reject", reasons=["hallucination"]))
    with store.bulk_writer() as writer:
        writer.add([(gen(1), (draft,))])
        assert writer.new_reasons == ["hallucination"]
    assert store.reasons()[-1] == Reason(code="hallucination", label="Hallucination")
    store.set_reasons([Reason(code="tone", label="Tone of voice")])
    assert store.reasons() == [Reason(code="tone", label="Tone of voice")]
    with pytest.raises(StoreError, match="at least one reason"):
        store.set_reasons([])


def test_opening_something_that_is_not_a_store_says_so(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a database" * 100)
    with pytest.raises(StoreError, match="not a reviewdesk store"):
        Store.open(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE customers (id)")
    with pytest.raises(StoreError, match="not a reviewdesk store"):
        Store.open(other)
    with pytest.raises(StoreError, match="is a directory"):
        Store.open(tmp_path)
    with pytest.raises(StoreError, match="there is no store"):
        Store.open(tmp_path / "missing.sqlite", create=False)


def _current(store: Store) -> set[str]:
    with store.reading() as connection:
        return {row[0] for row in connection.execute("SELECT id FROM decision WHERE current")}


def test_each_reviewers_latest_decision_is_marked_current(store: Store) -> None:
    drafts = (
        DecisionDraft.model_validate(
            decision("alice", "approve", decided_at="2026-11-21T09:00:00Z")
        ),
        DecisionDraft.model_validate(
            decision("alice", "reject", decided_at="2026-11-21T10:00:00Z")
        ),
        DecisionDraft.model_validate(decision("bob", "approve")),
    )
    add(store, gen(1), drafts=drafts)
    by_reviewer: dict[tuple[str, str], str] = {
        (d.reviewer, d.verdict.value): d.id for d in store.decisions_of("gen-000001")
    }
    assert _current(store) == {by_reviewer["alice", "reject"], by_reviewer["bob", "approve"]}
    edit = store.record_decision(decide("gen-000001", "alice", Verdict.EDIT))
    assert _current(store) == {edit.id, by_reviewer["bob", "approve"]}
    store.undo_latest("s1")
    assert _current(store) == {by_reviewer["alice", "reject"], by_reviewer["bob", "approve"]}
