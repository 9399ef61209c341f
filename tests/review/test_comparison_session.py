"""The comparison review session against a real store file: order, recording, undo, skip."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from reviewdesk.domain import ComparisonDecisionDraft, Preference, ShownOrder
from reviewdesk.review.comparisons import (
    LEFT,
    RIGHT,
    ComparisonSession,
    shown_order,
)
from reviewdesk.store import Store
from reviewdesk.store.comparisons import load_comparison_decisions
from tests.review.comparison_builders import comparison, fill_comparisons


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "cmp.sqlite")
    yield opened
    opened.close()


def _stored(store: Store, comparison_id: str) -> list[tuple[str, str, Preference, ShownOrder]]:
    with store.engine.connect() as connection:
        return [
            (d.reviewer, d.session_id or "", d.preference, d.shown_order or ShownOrder.AB)
            for d in load_comparison_decisions(connection, comparison_id)
        ]


def test_pending_comparisons_come_highest_risk_first_over_every_queue(store: Store) -> None:
    fill_comparisons(
        store,
        [
            comparison(1, risk=0.2, queue="prefs"),
            comparison(2, risk=0.9, queue="other"),
            comparison(3, risk=0.5, queue=None),
            comparison(4, risk=None, queue="prefs"),
            comparison(5, risk=0.7, queue="prefs"),
        ],
    )
    session = ComparisonSession(store, "ann")
    shown = [session.start().item]
    while shown[-1] is not None:
        shown.append(session.skip().item)
    assert [item.id for item in shown if item is not None] == [
        "cmp-0002",
        "cmp-0005",
        "cmp-0003",
        "cmp-0001",
        "cmp-0004",
    ]
    only_prefs = ComparisonSession(store, "ann", queue="prefs")
    first = only_prefs.start().item
    assert first is not None and first.id == "cmp-0005"


def test_a_side_is_stored_as_the_record_position_with_the_order_shown(store: Store) -> None:
    fill_comparisons(store, [comparison(number) for number in range(1, 9)])
    session = ComparisonSession(store, "ann", session_id="s1")
    step = session.start()
    orders: set[ShownOrder] = set()
    for number in range(8):
        item = step.item
        assert item is not None
        side = LEFT if number % 2 == 0 else RIGHT
        shown = item.shown(side)
        orders.add(item.order)
        step = session.decide_side(side, duration_ms=1500, comment=f"note {number}")
        saved = step.saved
        assert saved is not None and step.decided is item
        assert saved.shown_order is item.order
        # The preferred candidate is the one that was on screen at `side`.
        position = saved.preference.position
        assert position is not None
        assert item.comparison.candidates[position].output == shown.output
        expected = {
            (ShownOrder.AB, LEFT): Preference.A,
            (ShownOrder.AB, RIGHT): Preference.B,
            (ShownOrder.BA, LEFT): Preference.B,
            (ShownOrder.BA, RIGHT): Preference.A,
        }[(item.order, side)]
        assert _stored(store, item.id) == [("ann", "s1", expected, item.order)]
        assert saved.duration_ms == 1500 and saved.comment == f"note {number}"
    assert orders == {ShownOrder.AB, ShownOrder.BA}  # both orders met in 8 comparisons
    assert step.item is None
    assert step.progress.done == 8


def test_an_edit_ties_and_both_bad_are_stored_whole(store: Store) -> None:
    fill_comparisons(store, [comparison(number) for number in range(1, 4)])
    session = ComparisonSession(store, "ann")
    first = session.start().item
    assert first is not None
    edited = session.decide_side(RIGHT, duration_ms=10, edited_output="A corrected answer.").saved
    assert edited is not None
    assert edited.preference is first.preference_for(RIGHT)
    assert edited.edited_output == "A corrected answer."
    tie = session.decide(Preference.TIE, duration_ms=20).saved
    assert tie is not None and tie.preference is Preference.TIE
    with pytest.raises(ValidationError, match="both_bad needs at least one reason"):
        session.decide(Preference.BOTH_BAD, duration_ms=30)
    third = session.current
    assert third is not None and _stored(store, third.id) == []  # nothing half-written
    bad = session.decide(Preference.BOTH_BAD, duration_ms=30, reasons=["factual_error"]).saved
    assert bad is not None and bad.reasons == ("factual_error",)
    with store.engine.connect() as connection:
        [again] = load_comparison_decisions(connection, first.id)
    assert again.edited_output == "A corrected answer." and again.duration_ms == 10


def test_undo_takes_the_latest_decision_back_and_shows_its_comparison(store: Store) -> None:
    fill_comparisons(store, [comparison(number) for number in range(1, 4)])
    session = ComparisonSession(store, "ann")
    assert session.undo().note == "Nothing to undo in this session."
    first = session.start().item
    assert first is not None
    session.decide_side(LEFT, duration_ms=5)
    second = session.decide_side(LEFT, duration_ms=5).decided
    assert second is not None
    step = session.undo()
    assert step.undone is not None and step.undone.comparison_id == second.id
    assert step.item is not None and step.item.id == second.id
    assert _stored(store, second.id) == []
    assert step.progress.done == 1
    # Pending again for everybody: a new session of another reviewer is offered it.
    other = ComparisonSession(store, "bob").start().item
    assert other is not None and other.id == second.id
    step = session.undo()
    assert step.item is not None and step.item.id == first.id
    assert session.undo().undone is None


def test_a_comparison_decided_by_enough_reviewers_or_by_me_is_not_offered(store: Store) -> None:
    label = ComparisonDecisionDraft(
        reviewer="bob", preference=Preference.A, decided_at=datetime(2026, 11, 21, tzinfo=UTC)
    )
    fill_comparisons(store, [comparison(1), comparison(2)], [[label]])
    first = ComparisonSession(store, "ann").start().item
    assert first is not None and first.id == "cmp-0002"


def test_a_skipped_comparison_is_set_aside_for_the_session_only(store: Store) -> None:
    fill_comparisons(store, [comparison(number) for number in range(1, 4)])
    session = ComparisonSession(store, "ann")
    session.start()
    step = session.count_pending()
    assert step.progress.left == 3
    step = session.skip()
    assert step.item is not None and step.item.id == "cmp-0002"
    assert step.progress.skipped == 1 and step.progress.left == 2
    step = session.decide_side(LEFT, duration_ms=1)
    assert step.progress.left == 1
    step = session.decide_side(LEFT, duration_ms=1)
    assert step.item is None
    fresh = ComparisonSession(store, "ann").start().item
    assert fresh is not None and fresh.id == "cmp-0001"


def test_the_prefetched_comparison_is_not_shown_once_it_is_decided_elsewhere(
    store: Store,
) -> None:
    fill_comparisons(store, [comparison(number) for number in range(1, 4)])
    session = ComparisonSession(store, "ann")
    session.start()
    session.prefetch()
    # Another desk decides the comparison this one prefetched.
    other = ComparisonSession(store, "bob")
    other.start()
    other.skip()
    other.decide_side(LEFT, duration_ms=1)
    step = session.decide_side(RIGHT, duration_ms=1)
    assert step.item is not None and step.item.id == "cmp-0003"


def test_the_shown_order_is_stable_and_differs_between_reviewers() -> None:
    ids = [f"cmp-{number:04d}" for number in range(200)]
    ann = [shown_order("ann", cid) for cid in ids]
    assert ann == [shown_order("ann", cid) for cid in ids]
    bob = [shown_order("bob", cid) for cid in ids]
    assert sum(a != b for a, b in zip(ann, bob, strict=True)) > 50
    assert 70 < ann.count(ShownOrder.BA) < 130
