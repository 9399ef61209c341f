"""A comparison's state as a producer sees it (`GET /v1/items/{id}` of a comparison): where it
stands (queued, leased, decided, needs_adjudication, auto_approved, withdrawn), its resolved
preference once every slot is decided (the preference most reviewers' latest decisions gave;
a tie between preferences: `needs_adjudication`), and every decision on it; and one stored
decision (`GET /v1/decisions/{id}` of a decision on a comparison)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import ComparisonDecision
from reviewdesk.domain.comparisons import resolve_preference
from reviewdesk.protocol.statuses import ItemPhase
from reviewdesk.protocol.v1 import ComparisonDecisionOut, ComparisonStateOut
from reviewdesk.server.queue.slots import ItemState, SlotState
from reviewdesk.store.comparisons import load_comparison_decisions


def comparison_state(
    connection: Connection, comparison_id: str, *, now_ms: int
) -> ComparisonStateOut | None:
    """A comparison's state with every decision on it (None: no such comparison)."""
    row = connection.execute(
        text(
            "SELECT c.pk, s.queue, c.required_reviews, c.review_count, s.state, EXISTS ("
            "SELECT 1 FROM comparison_slot l WHERE l.comparison_pk = c.pk AND l.state = :leased "
            "AND l.expires_at_ms > :now) FROM comparison c "
            "JOIN server_comparison s ON s.comparison_pk = c.pk WHERE c.id = :id"
        ),
        {"id": comparison_id, "now": now_ms, "leased": str(SlotState.LEASED)},
    ).first()
    if row is None:
        return None
    _, queue, required, reviews, state, leased = row
    decisions = load_comparison_decisions(connection, comparison_id)
    latest = {decision.reviewer: decision for decision in decisions}  # in stored order
    labels = [(d.reviewer, d.preference) for d in sorted(latest.values(), key=decisions.index)]
    preference = resolve_preference(labels) if state == ItemState.DONE else None
    if state == ItemState.DONE:
        phase = ItemPhase.DECIDED if preference is not None else ItemPhase.NEEDS_ADJUDICATION
    elif state in (ItemState.WITHDRAWN, ItemState.AUTO_APPROVED):
        phase = ItemPhase(state)
    else:
        phase = ItemPhase.LEASED if leased else ItemPhase.QUEUED
    return ComparisonStateOut(
        id=comparison_id,
        queue=queue,
        state=phase,
        required_reviews=required,
        reviews=reviews,
        preference=preference,
        decisions=[decision_out(decision) for decision in decisions],
    )


def decision_out(decision: ComparisonDecision) -> ComparisonDecisionOut:
    """A stored decision on a comparison as API v1 answers it."""
    d = decision
    return ComparisonDecisionOut(
        id=d.id,
        comparison_id=d.comparison_id,
        reviewer=d.reviewer,
        preference=d.preference,
        shown_order=d.shown_order,
        edited_output=d.edited_output,
        reasons=list(d.reasons),
        comment=d.comment,
        duration_ms=d.duration_ms,
        decided_at=d.decided_at,
        supersedes=d.supersedes,
        lease_id=d.lease_id,
        lease_epoch=d.lease_epoch,
        answers=d.model_dump(mode="json")["answers"],
        form_version=d.form_version,
    )
