"""Recording reviewers' decisions on comparisons, idempotent by decision id, with the statuses
items' decisions get (`decisions`): `accepted` (it filled the slot the reviewer holds, or
replaced the reviewer's own earlier decision), `accepted_late` (the lease had expired, or none
was given, and a slot was open), `accepted_extra` (every slot was taken: kept as an extra
label), `duplicate`, `withdrawn`, or `invalid` with a code.

A reviewer's later decision on a comparison supersedes their earlier one and keeps their slot,
so one reviewer never fills two slots of one comparison. A decision that fills a slot another
reviewer held on an expired lease tells that reviewer through the changes feed (`slot_filled`),
as for items. Answers to the queue's review form are checked as items' are
(`forms.AnswerChecker.check_comparison`): a misfit is that decision's `invalid`
(`invalid_answers`) naming the question; nothing of it is stored.

The decisions of one call are taken one after the other, each seeing the ones before it
stored; the comparisons' server rows are locked first (in pk order), as for items.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import ComparisonDecision
from reviewdesk.errors import AnswerError, DecisionConflictError
from reviewdesk.protocol.statuses import ChangeKind, DecisionStatus, ProblemCode
from reviewdesk.server.queue.comparison_leases import lock_comparisons, refresh_comparisons
from reviewdesk.server.queue.decisions import DecisionOutcome
from reviewdesk.server.queue.forms import AnswerChecker
from reviewdesk.server.queue.slots import Change, ItemState, SlotState, add_changes
from reviewdesk.store.comparison_rows import comparison_pks, insert_comparison_decisions
from reviewdesk.store.comparisons import load_comparison_decisions_by_id

ComparisonResult = DecisionOutcome | DecisionConflictError


@dataclass(frozen=True)
class _Slot:
    slot: int
    state: str
    reviewer: str | None
    expires_at_ms: int | None
    lease_id: str | None
    epoch: int


def record_comparison_decisions(
    connection: Connection,
    decisions: Sequence[ComparisonDecision],
    *,
    now_ms: int,
    queues: Collection[str] | None = None,
) -> list[ComparisonResult]:
    """Record decisions on comparisons in the caller's transaction; an outcome (or the
    conflict) for each, in order.

    Args:
        queues: the queues the sender's token works on (None: all); a decision on a comparison
            of another queue is `invalid` (`queue_not_allowed`).
    """
    pks = comparison_pks(connection, [decision.comparison_id for decision in decisions])
    states = lock_comparisons(connection, pks.values())
    stored = load_comparison_decisions_by_id(connection, [decision.id for decision in decisions])
    checker = AnswerChecker(connection, ())
    results: list[ComparisonResult] = []
    touched: set[int] = set()
    changes: list[Change] = []
    for decision in decisions:
        pk = pks.get(decision.comparison_id)
        state, queue = states.get(pk, (None, None)) if pk is not None else (None, None)
        known = stored.get(decision.id)
        if known is not None:
            results.append(_repeat(known, decision, checker, queue))
            continue
        if pk is None or state is None:
            results.append(_invalid(decision, ProblemCode.UNKNOWN_ITEM, "there is no comparison"))
            continue
        if queues is not None and queue not in queues:
            results.append(
                _invalid(
                    decision,
                    ProblemCode.QUEUE_NOT_ALLOWED,
                    "this token does not work on the queue of comparison",
                )
            )
            continue
        if state == ItemState.WITHDRAWN:
            results.append(DecisionOutcome(decision.id, DecisionStatus.WITHDRAWN))
            continue
        try:
            decision = checker.check_comparison(decision, queue or "")
        except AnswerError as error:
            results.append(_unfit_answers(decision, error))
            continue
        status, decision = _place_and_store(connection, decision, pk, now_ms, changes)
        stored[decision.id] = decision
        touched.add(pk)
        results.append(DecisionOutcome(decision.id, status))
    refresh_comparisons(connection, touched)
    add_changes(connection, changes, now_ms, of_comparisons=True)
    return results


def _repeat(
    known: ComparisonDecision,
    decision: ComparisonDecision,
    checker: AnswerChecker,
    queue: str | None,
) -> ComparisonResult:
    """A decision id stored already: the same decision (`duplicate`) or a conflict naming the
    fields that differ (the same once its answers are typed by the form the stored one was
    checked against is the same)."""
    if known.model_copy(update={"supersedes": decision.supersedes}) == decision or (
        queue is not None and checker.same_comparison(known, decision, queue)
    ):
        return DecisionOutcome(decision.id, DecisionStatus.DUPLICATE)
    stored = known.model_dump(exclude={"supersedes"})
    sent = decision.model_dump(exclude={"supersedes"})
    differing = ", ".join(field for field, value in sent.items() if stored.get(field) != value)
    return DecisionConflictError(
        f"decision {decision.id} is already stored with another {differing or 'content'}"
    )


def _unfit_answers(decision: ComparisonDecision, error: AnswerError) -> DecisionOutcome:
    """The outcome of a decision whose answers do not fit its queue's form."""
    detail = "; ".join(
        f"answers.{key}: {why}" if key else f"form_version: {why}" for key, why in error.problems
    )
    return DecisionOutcome(decision.id, DecisionStatus.INVALID, ProblemCode.INVALID_ANSWERS, detail)


def _invalid(decision: ComparisonDecision, code: ProblemCode, detail: str) -> DecisionOutcome:
    return DecisionOutcome(
        decision.id, DecisionStatus.INVALID, code, f"{detail} {decision.comparison_id}"
    )


def _place_and_store(
    connection: Connection,
    decision: ComparisonDecision,
    pk: int,
    now_ms: int,
    changes: list[Change],
) -> tuple[DecisionStatus, ComparisonDecision]:
    slots = [
        _Slot(*row)
        for row in connection.execute(
            text(
                "SELECT slot, state, reviewer, expires_at_ms, lease_id, epoch FROM comparison_slot "
                "WHERE comparison_pk = :pk ORDER BY slot"
            ),
            {"pk": pk},
        )
    ]
    status, fill = _place(decision, slots, now_ms)
    taken = next((slot for slot in slots if slot.slot == fill), None)
    if (
        taken is not None
        and taken.state == SlotState.LEASED
        and taken.reviewer not in (None, decision.reviewer)
    ):
        changes.append(
            Change(ChangeKind.SLOT_FILLED, pk, taken.reviewer, taken.lease_id, taken.epoch)
        )
    previous = connection.execute(
        text(
            "SELECT id FROM comparison_decision WHERE comparison_pk = :pk AND reviewer = :reviewer "
            "ORDER BY pk DESC LIMIT 1"
        ),
        {"pk": pk, "reviewer": decision.reviewer},
    ).first()
    if decision.supersedes is None and previous is not None:
        decision = decision.model_copy(update={"supersedes": previous[0]})
    decision_pk = insert_comparison_decisions(connection, [(decision, pk)])[decision.id]
    if fill is not None:
        connection.execute(
            text(
                "UPDATE comparison_slot SET state = 'decided', reviewer = :reviewer, "
                "decision_pk = :decision, expires_at_ms = NULL "
                "WHERE comparison_pk = :pk AND slot = :slot"
            ),
            {"reviewer": decision.reviewer, "decision": decision_pk, "pk": pk, "slot": fill},
        )
    else:
        connection.execute(
            text(
                "UPDATE comparison_slot SET decision_pk = :decision WHERE comparison_pk = :pk "
                "AND reviewer = :reviewer AND state = 'decided'"
            ),
            {"decision": decision_pk, "pk": pk, "reviewer": decision.reviewer},
        )
    return status, decision


def _place(
    decision: ComparisonDecision, slots: Sequence[_Slot], now_ms: int
) -> tuple[DecisionStatus, int | None]:
    """How a decision counts, and the slot it fills (None: none), by the rules of items."""
    reviewer = decision.reviewer
    mine = [slot for slot in slots if slot.reviewer == reviewer]
    live_mine = [
        slot
        for slot in mine
        if slot.state == SlotState.LEASED and (slot.expires_at_ms or 0) > now_ms
    ]
    if live_mine:
        return DecisionStatus.ACCEPTED, live_mine[0].slot
    if any(slot.state == SlotState.DECIDED for slot in mine):
        return DecisionStatus.ACCEPTED, None  # a change of mind keeps the reviewer's slot
    open_slots = [
        slot
        for slot in slots
        if slot.state == SlotState.FREE
        or (slot.state == SlotState.LEASED and (slot.expires_at_ms or 0) <= now_ms)
    ]
    if not open_slots:
        return DecisionStatus.ACCEPTED_EXTRA, None
    chosen = min(
        open_slots,
        key=lambda slot: (slot.reviewer != reviewer, slot.state != SlotState.FREE, slot.slot),
    )
    late = decision.lease_id is not None or chosen.reviewer == reviewer
    return (DecisionStatus.ACCEPTED_LATE if late else DecisionStatus.ACCEPTED), chosen.slot
