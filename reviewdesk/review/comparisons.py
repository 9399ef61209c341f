"""One reviewer's pass through the comparisons of a store (pairwise review), without Qt.

Like `ReviewSession` for items: the session shows the highest-risk comparison the reviewer has
not decided (in its queue, or in every queue), records a decision durably before it moves on,
sets skipped comparisons aside for the rest of the session, undoes its own latest decision and
keeps the next comparison loaded (`prefetch`). Every call returns a `ComparisonStep`.

Which candidate a reviewer sees on the left is decided by `shown_order`: a hash of the reviewer
and the comparison id, so it is the same every time that reviewer opens that comparison and
differs between reviewers (position bias averages out). The desk names the preferred side by
screen position; `ComparisonItem.preference_for` turns it into the record position (`a`/`b`)
that is stored, with the order shown.

When the comparison's queue has a review form, `ComparisonItem.form` holds the questions it
asks on a comparison (`comparison_form`: the form without its spans questions) and `decide`
checks the answers against it (`check_comparison_answers`: `both_bad` counts as a reject,
a correction as an edit, the rest as an approve) before anything is written; the decision
records the form's version.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.domain import (
    Candidate,
    Comparison,
    ComparisonDecision,
    ComparisonDecisionId,
    Form,
    Preference,
    ShownOrder,
    check_comparison_answers,
    comparison_form,
    utc_now,
)
from reviewdesk.errors import AnswerError
from reviewdesk.store import Store
from reviewdesk.store.comparison_queue import (
    ComparisonEntry,
    count_pending_comparisons,
    has_comparisons,
    load_comparison,
    next_pending_comparison,
    pending_queues,
    undo_latest_comparison_decision,
)
from reviewdesk.store.comparisons import record_comparison_decision

logger = logging.getLogger(__name__)

__all__ = [
    "LEFT",
    "RIGHT",
    "ComparisonItem",
    "ComparisonProgress",
    "ComparisonSession",
    "ComparisonStep",
    "shown_order",
]

LEFT, RIGHT = 0, 1
"""Screen sides, as the desk names them (key 1 is the left, key 2 the right)."""


def shown_order(reviewer: str, comparison_id: str) -> ShownOrder:
    """Which candidate `reviewer` sees on the left of `comparison_id`: stable across sessions
    and machines (a hash, not a random draw), and about half `ba` over many comparisons."""
    digest = hashlib.blake2b(
        f"{reviewer}\x1f{comparison_id}".encode(), digest_size=8, person=b"rd-shown-order"
    ).digest()
    return ShownOrder.BA if digest[0] & 1 else ShownOrder.AB


@dataclass(frozen=True)
class ComparisonItem:
    """A comparison as the desk shows it to one reviewer: the comparison, its decisions, the
    order its candidates are shown in, and the questions its queue's form asks on a comparison
    (None: no form, or one with only spans questions)."""

    pk: int
    comparison: Comparison
    decisions: tuple[ComparisonDecision, ...]
    order: ShownOrder
    form: Form | None = None
    guidelines: str = ""
    """The guidelines of the queue's form (Markdown; "" for none), also of a form that asks
    nothing on a comparison."""

    @property
    def id(self) -> str:
        return self.comparison.id

    def position_of(self, side: int) -> int:
        """The record position (0 is `a`) of the candidate shown on `side`."""
        return side if self.order is ShownOrder.AB else 1 - side

    def shown(self, side: int) -> Candidate:
        """The candidate shown on `side` (LEFT or RIGHT)."""
        return self.comparison.candidates[self.position_of(side)]

    def preference_for(self, side: int) -> Preference:
        """The stored preference when the candidate on `side` is the better one."""
        return (Preference.A, Preference.B)[self.position_of(side)]

    def side_of(self, preference: Preference) -> int | None:
        """Where the preferred candidate was shown (None for a tie or both bad)."""
        position = preference.position
        if position is None:
            return None
        return position if self.order is ShownOrder.AB else 1 - position

    def latest_by(self, reviewer: str) -> ComparisonDecision | None:
        for decision in reversed(self.decisions):
            if decision.reviewer == reviewer:
                return decision
        return None


@dataclass(frozen=True)
class ComparisonProgress:
    """What the session has done so far; `left` is None until counted (`count_pending`)."""

    decided: dict[Preference, int] = field(default_factory=dict)
    skipped: int = 0
    left: int | None = None
    elapsed_s: float = 0.0

    @property
    def done(self) -> int:
        return sum(self.decided.values())

    @property
    def per_hour(self) -> float | None:
        if self.done == 0:
            return None
        return self.done * 3600.0 / max(self.elapsed_s, 1.0)


@dataclass(frozen=True)
class ComparisonStep:
    """The outcome of a session call.

    Attributes:
        item: what to show now; None when nothing is left to compare.
        progress: the session's counts after the call.
        saved: the decision the call recorded (durable in the store), and `decided` the
            comparison it was made on, as shown (for "left was m-large").
        undone: the decision the call removed.
        note: a short message for the reviewer, or "".
    """

    item: ComparisonItem | None
    progress: ComparisonProgress
    saved: ComparisonDecision | None = None
    decided: ComparisonItem | None = None
    undone: ComparisonDecision | None = None
    note: str = ""


class ComparisonSession:
    """A reviewer's pass through the pending comparisons of `store` (optionally of one queue).

    Not thread-safe: the desk confines it to its one store worker.

    Args:
        store: the open store.
        reviewer: the name decisions are recorded under (and the shown order is drawn for).
        queue: review only this queue's comparisons.
        session_id: stamped on every decision (undo works within it); new by default.
        clock: a monotonic clock in seconds, for the per-hour figure.
    """

    def __init__(
        self,
        store: Store,
        reviewer: str,
        *,
        queue: str | None = None,
        session_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.reviewer = reviewer
        self.queue = queue
        self.session_id = session_id or f"desk-cmp-{uuid.uuid4()}"
        self._clock = clock
        self._started = clock()
        self._queues: list[str | None] | None = None
        self._current: ComparisonItem | None = None
        self._prefetched: ComparisonItem | None = None
        self._skipped: set[int] = set()
        self._decisions: list[tuple[ComparisonDecision, int]] = []
        self._pending_at_count: int | None = None
        self._set_aside_at_count = 0

    @property
    def current(self) -> ComparisonItem | None:
        return self._current

    def holds_comparisons(self) -> bool:
        """Whether the store holds any comparison (decided or not)."""
        return has_comparisons(self.store)

    def progress(self) -> ComparisonProgress:
        latest: dict[int, Preference] = {}
        for decision, pk in self._decisions:
            latest[pk] = decision.preference
        decided = dict.fromkeys(Preference, 0)
        for preference in latest.values():
            decided[preference] += 1
        left = None
        if self._pending_at_count is not None:
            left = max(0, self._pending_at_count - (self._set_aside() - self._set_aside_at_count))
        return ComparisonProgress(
            decided=decided,
            skipped=len(self._skipped - latest.keys()),
            left=left,
            elapsed_s=self._clock() - self._started,
        )

    def _set_aside(self) -> int:
        decided = {pk for _, pk in self._decisions}
        return len(decided | self._skipped)

    # -- moving ------------------------------------------------------------------------------

    def start(self) -> ComparisonStep:
        """Show the first pending comparison."""
        self._current = self._next_item()
        return self._step()

    def count_pending(self) -> ComparisonStep:
        """Count the comparisons left (a scan: not part of `start`)."""
        counted = count_pending_comparisons(self.store, self.reviewer, self._queue_list())
        # The count holds the skipped ones (not decided): they are set aside already.
        self._pending_at_count = counted - len(self._skipped - {pk for _, pk in self._decisions})
        self._set_aside_at_count = self._set_aside()
        return self._step()

    def prefetch(self) -> None:
        """Load the comparison that follows the current one, so moving on loads no text."""
        current = self._current
        if current is None:
            return
        entry = next_pending_comparison(
            self.store,
            self.reviewer,
            self._queue_list(),
            exclude=sorted(self._skipped | {current.pk}),
        )
        if entry is None:
            self._prefetched = None
        elif self._prefetched is None or self._prefetched.pk != entry.pk:
            self._prefetched = self._load(entry.pk)

    def skip(self) -> ComparisonStep:
        """Set the current comparison aside for the rest of the session; show the next one."""
        if self._current is None:
            return self._step(note="Nothing left to compare.")
        self._skipped.add(self._current.pk)
        self._current = self._next_item()
        return self._step()

    # -- deciding ----------------------------------------------------------------------------

    def decide_side(
        self,
        side: int,
        *,
        duration_ms: int | None,
        edited_output: str | None = None,
        comment: str | None = None,
        answers: Mapping[str, Any] | None = None,
    ) -> ComparisonStep:
        """The candidate shown on `side` (LEFT or RIGHT) is the better one (`edited_output`:
        corrected into that answer). See `decide`."""
        item = self._require_current()
        return self.decide(
            item.preference_for(side),
            duration_ms=duration_ms,
            edited_output=edited_output,
            comment=comment,
            answers=answers,
        )

    def decide(
        self,
        preference: Preference,
        *,
        duration_ms: int | None,
        edited_output: str | None = None,
        reasons: Sequence[str] = (),
        comment: str | None = None,
        answers: Mapping[str, Any] | None = None,
    ) -> ComparisonStep:
        """Record a decision on the current comparison, durably, then show the next one.

        `answers` answer the questions of the comparison's form (`ComparisonItem.form`); the
        decision records the form's version.

        Raises:
            AnswerError: the answers do not fit the form (a required one missing, a spans
                question answered, or answers on a comparison whose queue has no form);
                nothing is stored.
            pydantic.ValidationError: the decision breaks a rule (both bad with no reason, an
                edit of a tie); nothing is stored.
            StoreError: the decision could not be written; the session is unchanged.
            ValueError: there is no current comparison.
        """
        item = self._require_current()
        typed: dict[str, Any] = {}
        if item.form is not None:
            typed = check_comparison_answers(
                item.form, answers or {}, preference, edited=edited_output is not None
            )
        elif answers:
            raise AnswerError([(key, "the comparison's queue has no form") for key in answers])
        decision = ComparisonDecision(
            id=ComparisonDecisionId(str(uuid.uuid4())),
            comparison_id=item.comparison.id,
            reviewer=self.reviewer,
            preference=preference,
            edited_output=edited_output,
            reasons=tuple(reasons),
            comment=comment or None,
            duration_ms=duration_ms,
            decided_at=utc_now(),
            shown_order=item.order,
            session_id=self.session_id,
            answers=typed,
            form_version=None if item.form is None else item.form.version,
        )
        saved = record_comparison_decision(self.store, decision)
        self._decisions.append((saved, item.pk))
        self._skipped.discard(item.pk)
        logger.debug("session %s preferred %s on %s", self.session_id, saved.preference, item.id)
        self._current = self._next_item()
        return self._step(saved=saved, decided=item)

    def undo(self) -> ComparisonStep:
        """Remove the session's latest decision and show its comparison again."""
        undone = undo_latest_comparison_decision(self.store, self.session_id)
        if undone is None:
            return self._step(note="Nothing to undo in this session.")
        decision, pk = undone
        for index in range(len(self._decisions) - 1, -1, -1):
            if self._decisions[index][0].id == decision.id:
                del self._decisions[index]
                break
        self._current = self._load(pk)
        return self._step(undone=decision)

    # -- helpers -----------------------------------------------------------------------------

    def _require_current(self) -> ComparisonItem:
        if self._current is None:
            raise ValueError("there is no comparison to decide")
        return self._current

    def _step(
        self,
        *,
        saved: ComparisonDecision | None = None,
        decided: ComparisonItem | None = None,
        undone: ComparisonDecision | None = None,
        note: str = "",
    ) -> ComparisonStep:
        return ComparisonStep(
            item=self._current,
            progress=self.progress(),
            saved=saved,
            decided=decided,
            undone=undone,
            note=note,
        )

    def _queue_list(self) -> list[str | None]:
        if self.queue is not None:
            return [self.queue]
        if self._queues is None:
            self._queues = pending_queues(self.store)
        return self._queues

    def _next_item(self) -> ComparisonItem | None:
        entry: ComparisonEntry | None = next_pending_comparison(
            self.store, self.reviewer, self._queue_list(), exclude=sorted(self._skipped)
        )
        prefetched, self._prefetched = self._prefetched, None
        if entry is None:
            return None
        if prefetched is not None and prefetched.pk == entry.pk:
            return prefetched
        return self._load(entry.pk)

    def _load(self, pk: int) -> ComparisonItem:
        comparison, decisions = load_comparison(self.store, pk)
        form = None if comparison.queue is None else self.store.form(comparison.queue)
        asked = None if form is None else comparison_form(form)
        return ComparisonItem(
            pk,
            comparison,
            tuple(decisions),
            shown_order(self.reviewer, comparison.id),
            asked if asked is not None and asked.questions else None,
            "" if form is None else form.guidelines.strip(),
        )
