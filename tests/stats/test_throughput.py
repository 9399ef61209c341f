"""Reviewer throughput, by hand."""

from __future__ import annotations

import pytest

from reviewdesk.stats import throughput_stats
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d


def test_throughput_by_hand(builder: StoreBuilder, store: Store) -> None:
    builder.add(
        [
            builder.item(d("alice", "approve", 1, duration_ms=10_000)),
            builder.item(d("alice", "approve", 2, duration_ms=20_400)),
            # A change of mind is work too: both decisions count.
            builder.item(
                d("alice", "approve", 3, duration_ms=30_100),
                d("alice", "reject", 4, duration_ms=None),
            ),
            builder.item(d("bob", "approve", decided_at="2026-11-22T10:00:00Z", duration_ms=4_000)),
            builder.item(d("bob", "edit", decided_at="2026-11-22T11:00:00Z", duration_ms=6_999)),
        ]
    )
    result = throughput_stats(store.engine)
    alice, bob = result.by_reviewer
    assert (alice.reviewer, alice.decisions, alice.median_seconds) == ("alice", 4, 20.0)
    # Decisions per hour on screen: 3 timed decisions in 60.5 s.
    assert alice.per_hour == pytest.approx(3 * 3600 / 60.5)
    assert (bob.decisions, bob.median_seconds) == (2, 5.0)  # (4 + 6) / 2, whole seconds
    assert [(t.day, t.decisions) for t in result.by_day] == [("2026-11-21", 4), ("2026-11-22", 2)]
    assert [(t.reviewer, t.day) for t in result.by_reviewer_day] == [
        ("alice", "2026-11-21"),
        ("bob", "2026-11-22"),
    ]
    assert result.overall.decisions == 6 and result.overall.median_seconds == 10.0


def test_no_decisions(store: Store) -> None:
    result = throughput_stats(store.engine)
    assert result.by_reviewer == () and result.overall.decisions == 0
    assert result.overall.median_seconds is None and result.overall.per_hour is None
