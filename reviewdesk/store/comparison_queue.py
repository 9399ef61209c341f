"""The desk's queue of comparisons: the next one to review, one loaded whole, and undo.

The next pending comparison is the hot query of the comparison loop, so it is plain SQL on a
pooled sqlite3 connection over the partial index `ix_comparison_queue_pending`
(`queue, risk, pk` of the comparisons that need reviews). That index leads with the queue: the
highest risk over every queue is the best of one indexed probe per queue (the desk learns the
queues once, `pending_queues`), each O(log n), instead of a sort over all pending rows.

Writing a decision is `record_comparison_decision` (in `store.comparisons`); undoing one is
here: a decision on a checked-out comparison that is still waiting in the sync outbox leaves it
with the undo, one already sent is not undone (`DecisionAlreadySentError`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewdesk.domain import Comparison, ComparisonDecision
from reviewdesk.errors import StoreError
from reviewdesk.store import outbox
from reviewdesk.store.comparisons import (
    _CANDIDATE_SELECT,
    _COMPARISON_SELECT,
    _DECISION_SELECT,
    _candidate,
    _comparison,
    _decision,
    answers_sqlite,
)
from reviewdesk.store.keys import NO_RISK, PENDING

if TYPE_CHECKING:
    from reviewdesk.store.store import Store

logger = logging.getLogger(__name__)

__all__ = [
    "ComparisonEntry",
    "count_pending_comparisons",
    "has_comparisons",
    "load_comparison",
    "next_pending_comparison",
    "pending_queues",
    "undo_latest_comparison_decision",
]

_PENDING_C = PENDING.replace("review_count", "c.review_count").replace(
    "required_reviews", "c.required_reviews"
)
_NOT_MINE = (
    "NOT EXISTS (SELECT 1 FROM comparison_decision d WHERE d.comparison_pk = c.pk "
    "AND d.reviewer = ?)"
)


@dataclass(frozen=True)
class ComparisonEntry:
    """A comparison's place in the queue: its key, queue and risk (None: none given)."""

    pk: int
    id: str
    queue: str | None
    risk: float | None

    def sort_key(self) -> tuple[float, int]:
        """Risk order, highest first when sorted in reverse (no risk last)."""
        return (NO_RISK if self.risk is None else self.risk, self.pk)


def pending_queues(store: Store) -> list[str | None]:
    """The queues (None: no queue) that hold a comparison needing reviews, found by skipping
    along the pending index (one probe per queue, not a scan)."""
    queues: list[str | None] = []
    with store.reading() as connection:
        if connection.execute(
            f"SELECT 1 FROM comparison c WHERE c.queue IS NULL AND {_PENDING_C} LIMIT 1"
        ).fetchone():
            queues.append(None)
        previous: str | None = None
        while True:
            if previous is None:
                row = connection.execute(
                    f"SELECT min(c.queue) FROM comparison c WHERE {_PENDING_C}"
                ).fetchone()
            else:
                row = connection.execute(
                    f"SELECT min(c.queue) FROM comparison c WHERE c.queue > ? AND {_PENDING_C}",
                    (previous,),
                ).fetchone()
            if row is None or row[0] is None:
                return queues
            previous = row[0]
            queues.append(previous)


def next_pending_comparison(
    store: Store,
    reviewer: str,
    queues: Sequence[str | None],
    *,
    exclude: Sequence[int] = (),
) -> ComparisonEntry | None:
    """The highest-risk comparison of `queues` that needs reviews and that `reviewer` has not
    decided, passing over the pks in `exclude` (the session's skipped ones)."""
    best: ComparisonEntry | None = None
    not_in = f" AND c.pk NOT IN ({', '.join('?' * len(exclude))})" if exclude else ""
    with store.reading() as connection:
        for queue in queues:
            where = "c.queue IS NULL" if queue is None else "c.queue = ?"
            params: list[object] = [] if queue is None else [queue]
            params.extend(exclude)
            params.append(reviewer)
            row = connection.execute(
                f"SELECT c.pk, c.id, c.queue, c.risk FROM comparison c "
                f"WHERE {where} AND {_PENDING_C}{not_in} AND {_NOT_MINE} "
                "ORDER BY c.risk DESC, c.pk DESC LIMIT 1",
                tuple(params),
            ).fetchone()
            if row is None:
                continue
            pk, cid, found_queue, risk = row
            entry = ComparisonEntry(pk, cid, found_queue, None if risk == NO_RISK else risk)
            if best is None or entry.sort_key() > best.sort_key():
                best = entry
    return best


def count_pending_comparisons(store: Store, reviewer: str, queues: Sequence[str | None]) -> int:
    """How many comparisons of `queues` need reviews and are not decided by `reviewer`
    (a scan of the pending index: for the progress figure, off the hot path)."""
    total = 0
    with store.reading() as connection:
        for queue in queues:
            where = "c.queue IS NULL" if queue is None else "c.queue = ?"
            params: tuple[object, ...] = (reviewer,) if queue is None else (queue, reviewer)
            (count,) = connection.execute(
                f"SELECT count(*) FROM comparison c WHERE {where} AND {_PENDING_C} AND {_NOT_MINE}",
                params,
            ).fetchone()
            total += int(count)
    return total


def load_comparison(store: Store, pk: int) -> tuple[Comparison, list[ComparisonDecision]]:
    """One comparison whole (prompt, candidates with their outputs and flags) and its decisions
    in the order they were stored.

    Raises:
        StoreError: the comparison is no longer in the store.
    """
    with store.reading() as connection:
        row = connection.execute(f"{_COMPARISON_SELECT} WHERE c.pk = ?", (pk,)).fetchone()
        if row is None:
            raise StoreError(f"comparison {pk} is no longer in the store {store.path}")
        candidates = connection.execute(
            f"{_CANDIDATE_SELECT} WHERE c.comparison_pk = ? ORDER BY c.position", (pk,)
        ).fetchall()
        decisions = connection.execute(
            f"{_DECISION_SELECT} WHERE d.comparison_pk = ? ORDER BY d.pk", (pk,)
        ).fetchall()
        answers = answers_sqlite(connection, [decision[-1] for decision in decisions])
    comparison = _comparison(row, [_candidate(candidate) for candidate in candidates])
    return comparison, [_decision(decision, answers.get(decision[-1])) for decision in decisions]


def undo_latest_comparison_decision(
    store: Store, session_id: str
) -> tuple[ComparisonDecision, int] | None:
    """Remove the latest comparison decision of a review session, with its comparison's pk;
    None when the session has none left. The reviewer's earlier decision (if any) is their
    current one again, and the comparison's review count follows.

    Raises:
        DecisionAlreadySentError: the decision is on its way to (or at) the queue server; the
            store is unchanged.
    """
    with store.writing() as connection:
        row = connection.execute(
            f"{_DECISION_SELECT} WHERE d.session_id = ? ORDER BY d.pk DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        if row is None:
            return None
        comparison_pk, decision_pk = row[0], row[-1]
        decision = _decision(row, answers_sqlite(connection, [decision_pk]).get(decision_pk))
        outbox.forget_comparison(connection, decision)
        connection.execute(
            "DELETE FROM comparison_decision_answer WHERE decision_pk = ?", (decision_pk,)
        )
        connection.execute("DELETE FROM comparison_decision_text WHERE pk = ?", (decision_pk,))
        connection.execute("DELETE FROM comparison_decision WHERE pk = ?", (decision_pk,))
        connection.execute(
            "UPDATE comparison_decision SET current = true WHERE pk = (SELECT max(pk) FROM "
            "comparison_decision WHERE comparison_pk = ? AND reviewer = ?)",
            (comparison_pk, decision.reviewer),
        )
        connection.execute(
            "UPDATE comparison SET review_count = (SELECT count(DISTINCT reviewer) FROM "
            "comparison_decision WHERE comparison_pk = ?) WHERE pk = ?",
            (comparison_pk, comparison_pk),
        )
    logger.debug("undid comparison decision %s on %s", decision.id, decision.comparison_id)
    return decision, int(comparison_pk)


def has_comparisons(store: Store) -> bool:
    """Whether the store holds any comparison at all."""
    with store.reading() as connection:
        return connection.execute("SELECT 1 FROM comparison LIMIT 1").fetchone() is not None
