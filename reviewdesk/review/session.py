"""One reviewer's pass through the queue of a store.

The session is a cursor over the store's pending items: it shows the highest-risk item the
reviewer has not decided, records decisions durably before it moves on, keeps a trail of the
items shown (for back / forward), sets skipped items aside for the rest of the session, and undoes
its own latest decisions. It also keeps the next item loaded (`prefetch`), so moving on after a
decision costs one indexed query and no text load.

A session is not thread-safe: the desk confines it to its one store worker. Every call returns a
`Step`, an immutable picture of what to show, so the caller never reads the session's state.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reviewdesk.domain import (
    Decision,
    Form,
    Generation,
    ItemStatus,
    QueueEntry,
    QueueFilter,
    Verdict,
    new_decision_id,
    utc_now,
)
from reviewdesk.errors import AnswerError
from reviewdesk.store import Store

logger = logging.getLogger(__name__)

__all__ = ["ReviewItem", "ReviewSession", "SessionProgress", "Step"]


@dataclass(frozen=True)
class ReviewItem:
    """An item as the desk shows it: its queue entry, its text and flags, its decisions, and
    its queue's review form (None when the queue has none)."""

    entry: QueueEntry
    generation: Generation
    decisions: tuple[Decision, ...]
    form: Form | None = None

    @property
    def pk(self) -> int:
        return self.entry.pk

    def latest_by(self, reviewer: str) -> Decision | None:
        """The reviewer's latest decision on the item, if any."""
        for decision in reversed(self.decisions):
            if decision.reviewer == reviewer:
                return decision
        return None


@dataclass(frozen=True)
class SessionProgress:
    """What the session has done so far.

    `left` is None until the pending count is known (it is counted after the first item shows).
    `scoped` says the session reviews only the items of a view (`ReviewSession.set_scope`), and
    `left` counts that view's items.
    """

    approved: int = 0
    edited: int = 0
    rejected: int = 0
    skipped: int = 0
    left: int | None = None
    elapsed_s: float = 0.0
    scoped: bool = False

    @property
    def decided(self) -> int:
        return self.approved + self.edited + self.rejected

    @property
    def per_hour(self) -> float | None:
        """Decisions per hour of session time, or None before the first decision."""
        if self.decided == 0:
            return None
        return self.decided * 3600.0 / max(self.elapsed_s, 1.0)


@dataclass(frozen=True)
class Step:
    """The outcome of a session call.

    Attributes:
        item: what to show now; None when the queue is finished.
        progress: the session's counts after the call.
        saved: the decision the call recorded (already durable in the store).
        undone: the decision the call removed.
        touched: the fresh queue entry of an item the call decided, undid or skipped.
        note: a short message for the reviewer ("This is the first item."), or "".
    """

    item: ReviewItem | None
    progress: SessionProgress
    saved: Decision | None = None
    undone: Decision | None = None
    touched: QueueEntry | None = None
    note: str = ""


class ReviewSession:
    """A reviewer's pass through the pending items of `store` (optionally of one queue).

    Args:
        store: the open store.
        reviewer: the name decisions are recorded under.
        queue: review only this queue.
        session_id: the id stamped on every decision (undo works within it); new by default.
        clock: a monotonic clock in seconds, for the decisions-per-hour figure.
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
        self.session_id = session_id or f"desk-{uuid.uuid4()}"
        self._clock = clock
        self._started = clock()
        self._current: ReviewItem | None = None
        self._prefetched: ReviewItem | None = None
        self._trail: list[int] = []
        self._position = -1
        self._skipped: set[int] = set()
        # Decisions of this session, oldest first, with their item pk (undo pops from the end).
        self._decisions: list[tuple[Decision, int]] = []
        self._latest: dict[int, Verdict] = {}
        self._pending_at_start: int | None = None
        self._set_aside_at_count = 0
        self._scope: QueueFilter | None = None

    # -- reading the state (for tests and the worker; the desk uses the Steps) ----------------

    @property
    def current(self) -> ReviewItem | None:
        return self._current

    @property
    def skipped(self) -> frozenset[int]:
        return frozenset(self._skipped)

    @property
    def scope(self) -> QueueFilter | None:
        """The view the session reviews (None: every item of its queue)."""
        return self._scope

    def progress(self) -> SessionProgress:
        counts = dict.fromkeys(Verdict, 0)
        for verdict in self._latest.values():
            counts[verdict] += 1
        left: int | None = None
        if self._pending_at_start is not None:
            since_count = self._set_aside() - self._set_aside_at_count
            left = max(0, self._pending_at_start - since_count)
        return SessionProgress(
            approved=counts[Verdict.APPROVE],
            edited=counts[Verdict.EDIT],
            rejected=counts[Verdict.REJECT],
            skipped=len(self._skipped - self._latest.keys()),
            left=left,
            elapsed_s=self._clock() - self._started,
            scoped=self._scope is not None,
        )

    def _set_aside(self) -> int:
        return len(self._latest) + len(self._skipped - self._latest.keys())

    # -- moving ------------------------------------------------------------------------------

    def start(self) -> Step:
        """Show the first pending item (the queue's highest risk the reviewer has not decided)."""
        item = self._next_pending_item()
        self._show(item)
        return self._step()

    def count_pending(self) -> Step:
        """Count the pending items once (slow on a huge store, so not part of `start`)."""
        if self._scope is not None:
            counted = self.store.count_pending(self.reviewer, self._scope)
            skipped = self._skipped - self._latest.keys()
            counted -= sum(self.store.selects(self._scope, pk) for pk in skipped)
            self._pending_at_start = counted
            self._set_aside_at_count = self._set_aside()
            return self._step()
        if self.queue is None:
            self._pending_at_start = self.store.counts().pending
        else:
            keys = self.store.ordered_keys(QueueFilter(queue=self.queue, status=ItemStatus.PENDING))
            self._pending_at_start = len(keys)
        self._set_aside_at_count = 0
        return self._step()

    def set_scope(self, view: QueueFilter | None) -> Step | None:
        """Review only the items `view` selects (the queue list's filters and search): the next
        item, skip, forward and back stay inside it. The item on screen stays when the view
        holds it; else the view's first pending item comes on screen. None (or a filter that
        selects everything) reviews every item again. None when the scope is unchanged."""
        scope = view if view is not None and _narrows(view) else None
        if scope == self._scope:
            return None
        self._scope = scope
        self._prefetched = None
        current = self._current
        # The trail (for back) keeps only the item on screen: earlier ones may be outside.
        self._trail, self._position = [], -1
        if current is not None and (scope is None or self.store.selects(scope, current.pk)):
            self._show(current)
        else:
            self._current = None
            self._show(self._next_pending_item())
        return self.count_pending()

    def prefetch(self) -> None:
        """Load the item that will follow the current one, so moving on needs no text load."""
        if self._current is None:
            return
        entry = self.store.next_pending(
            self.reviewer,
            queue=self.queue,
            exclude=sorted(self._skipped | {self._current.pk}),
            within=self._scope,
        )
        if entry is None:
            self._prefetched = None
        elif self._prefetched is None or self._prefetched.pk != entry.pk:
            self._prefetched = self._load(entry)

    def forward(self) -> Step:
        """Next: forward along the trail, or at its end the next item below in risk order.

        Unlike `skip`, the item passed over stays in the queue of this session.
        """
        if self._position < len(self._trail) - 1:
            self._position += 1
            self._current = self._reload(self._trail[self._position])
            return self._step()
        if self._current is None:
            return self._step(note="The queue is finished.")
        entry = self.store.next_pending(
            self.reviewer,
            queue=self.queue,
            after=self._current.entry,
            exclude=sorted(self._skipped),
            within=self._scope,
        )
        if entry is None:
            further = " in this view" if self._scope is not None else ""
            return self._step(note=f"There is no pending item further down{further}.")
        self._show(self._load(entry))
        return self._step()

    def back(self) -> Step:
        """Previous: the item shown before this one in the session."""
        target = self._position - 1 if self._current is not None else len(self._trail) - 1
        if target < 0:
            return self._step(note="This is the first item of the session.")
        self._position = target
        self._current = self._reload(self._trail[target])
        return self._step()

    def open(self, pk: int) -> Step:
        """Show the item `pk` (picked in the queue list)."""
        entries = self.store.entries([pk])
        if not entries:
            return self._step(note="That item is no longer in the store.")
        self._show(self._load(entries[0]))
        return self._step()

    def skip(self) -> Step:
        """Set the current item aside for the rest of the session and show the next one."""
        if self._current is None:
            return self._step(note="The queue is finished.")
        skipped = self._current
        self._skipped.add(skipped.pk)
        self._show(self._next_pending_item())
        return self._step(touched=skipped.entry)

    # -- deciding ----------------------------------------------------------------------------

    def decide(
        self,
        verdict: Verdict,
        *,
        duration_ms: int | None,
        edited_output: str | None = None,
        reasons: Sequence[str] = (),
        comment: str | None = None,
        answers: Mapping[str, Any] | None = None,
        then: Callable[[], int | None] | None = None,
    ) -> Step:
        """Record a decision on the current item, durably, then show the next pending item.

        `answers` answer the questions of the item's form (checked against it; the decision
        records the form's version). `then`, called once the decision is stored, names
        another item to show next instead (its pk; None: the next pending item after all),
        e.g. the next open disagreement.

        Raises:
            AnswerError: the answers do not fit the item's form (a required one missing, or
                answers to an item without a form); nothing is stored.
            StoreError: the decision could not be written; the session is unchanged.
            ValueError: there is no current item.
        """
        item = self._current
        if item is None:
            raise ValueError("there is no item to decide")
        form = item.form
        typed: dict[str, Any] = {}
        if form is not None:
            typed = form.validate_answers(answers or {}, verdict, item.generation.output)
        elif answers:
            raise AnswerError([(key, "the item's queue has no form") for key in answers])
        decision = Decision(
            id=new_decision_id(),
            generation_id=item.generation.id,
            reviewer=self.reviewer,
            verdict=verdict,
            edited_output=edited_output,
            reasons=tuple(reasons),
            comment=comment or None,
            duration_ms=duration_ms,
            decided_at=utc_now(),
            session_id=self.session_id,
            answers=typed,
            form_version=None if form is None else form.version,
        )
        saved = self.store.record_decision(decision)
        self._decisions.append((saved, item.pk))
        self._latest[item.pk] = saved.verdict
        self._skipped.discard(item.pk)
        logger.debug("session %s decided %s: %s", self.session_id, item.pk, saved.verdict)
        touched = self._fresh_entry(item.pk)
        following = None if then is None else then()
        entries = [] if following is None else self.store.entries([following])
        self._show(self._load(entries[0]) if entries else self._next_pending_item())
        return self._step(saved=saved, touched=touched)

    def undo(self) -> Step:
        """Remove the session's latest decision and show its item again."""
        undone = self.store.undo_latest(self.session_id)
        if undone is None:
            return self._step(note="Nothing to undo in this session.")
        pk = self._forget(undone)
        if pk is None:  # made by an earlier run with the same session id
            pk = self._pk_of(undone.generation_id)
        touched = None if pk is None else self._fresh_entry(pk)
        if touched is not None:
            self._show(self._load(touched))
        return self._step(undone=undone, touched=touched)

    # -- helpers -----------------------------------------------------------------------------

    def _step(
        self,
        *,
        saved: Decision | None = None,
        undone: Decision | None = None,
        touched: QueueEntry | None = None,
        note: str = "",
    ) -> Step:
        return Step(
            item=self._current,
            progress=self.progress(),
            saved=saved,
            undone=undone,
            touched=touched,
            note=note,
        )

    def _show(self, item: ReviewItem | None) -> None:
        """Make `item` current, starting a new branch of the trail after the current position."""
        self._current = item
        if item is None:
            return
        del self._trail[self._position + 1 :]
        self._trail.append(item.pk)
        self._position = len(self._trail) - 1

    def _next_pending_item(self) -> ReviewItem | None:
        entry = self.store.next_pending(
            self.reviewer, queue=self.queue, exclude=sorted(self._skipped), within=self._scope
        )
        if entry is None:
            self._prefetched = None
            return None
        prefetched = self._prefetched
        self._prefetched = None
        if prefetched is not None and prefetched.pk == entry.pk:
            return ReviewItem(entry, prefetched.generation, prefetched.decisions, prefetched.form)
        return self._load(entry)

    def _load(self, entry: QueueEntry) -> ReviewItem:
        generation = self.store.load(entry.pk)
        decisions = tuple(self.store.decisions_of(generation.id))
        form = None if generation.queue is None else self.store.form(generation.queue)
        return ReviewItem(entry, generation, decisions, form)

    def _reload(self, pk: int) -> ReviewItem | None:
        entry = self._fresh_entry(pk)
        return None if entry is None else self._load(entry)

    def _fresh_entry(self, pk: int) -> QueueEntry | None:
        entries = self.store.entries([pk])
        return entries[0] if entries else None

    def _forget(self, undone: Decision) -> int | None:
        for index in range(len(self._decisions) - 1, -1, -1):
            decision, pk = self._decisions[index]
            if decision.id == undone.id:
                del self._decisions[index]
                earlier = [d.verdict for d, p in self._decisions if p == pk]
                if earlier:
                    self._latest[pk] = earlier[-1]
                else:
                    self._latest.pop(pk, None)
                return pk
        return None

    def _pk_of(self, generation_id: str) -> int | None:
        keys = self.store.ordered_keys(QueueFilter(text=generation_id))
        for entry in self.store.entries(keys):
            if entry.id == generation_id:
                return entry.pk
        return None


def _narrows(view: QueueFilter) -> bool:
    """Whether `view` leaves any item out (the adjudicators alone narrow nothing)."""
    return view.model_copy(update={"adjudicators": ()}) != QueueFilter()
