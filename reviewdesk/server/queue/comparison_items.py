"""Producers' comparisons: validating, enqueueing (idempotent by id) and withdrawing them.

`POST /v1/items` takes items and comparisons in one list (a record with `candidates` is a
comparison); `enqueue_entries` sends the items to `items.enqueue`, unchanged, and the
comparisons here, and answers each entry at its place in the call. A comparison is validated by
the importer's own rules (`reviewdesk.ingest.comparisons`), so its errors name the field as an
import does (`candidates[1].output`), and takes `required_reviews` (1 to 10) and its queue's
review policy (risk bands raise `required_reviews`; a policy may let a low-risk comparison
through unreviewed, judged by the most severe flag of its candidates), as an item does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Comparison, ComparisonDecision, ComparisonDecisionDraft, utc_now
from reviewdesk.domain.policy import Routing
from reviewdesk.errors import DecisionConflictError, UnknownItemError
from reviewdesk.ingest.comparisons import to_comparison_record
from reviewdesk.ingest.records import RecordError, is_comparison, prepare
from reviewdesk.protocol.statuses import KEPT_STATUSES, ChangeKind, DecisionStatus, ItemResultStatus
from reviewdesk.server.queue.comparison_decisions import record_comparison_decisions
from reviewdesk.server.queue.comparison_leases import lock_comparisons, refresh_comparisons
from reviewdesk.server.queue.items import (
    DEFAULT_QUEUE,
    FieldError,
    ItemOutcome,
    enqueue,
    received_at,
    screen_entry,
    undated_positions,
)
from reviewdesk.server.queue.policy import load_policies
from reviewdesk.server.queue.slots import Change, ItemState, SlotState, add_changes
from reviewdesk.store import rows
from reviewdesk.store.comparison_rows import comparison_pks, insert_comparisons
from reviewdesk.store.comparisons import (
    load_comparison_decisions_by_id,
)
from reviewdesk.store.keys import NO_RISK

_SOURCE = Path("item")


@dataclass(frozen=True)
class ParsedComparison:
    index: int
    comparison: Comparison
    drafts: tuple[ComparisonDecisionDraft, ...]
    required_reviews: int
    undated: frozenset[str]
    routing: Routing = Routing.REVIEW


def holds_comparisons(raw_items: Sequence[Any]) -> bool:
    """Whether a call's entries hold any comparison (a record with candidates)."""
    return any(isinstance(raw, dict) and is_comparison(raw) for raw in raw_items)


def enqueue_entries(
    connection: Connection, raw_items: Sequence[Any], *, now_ms: int
) -> list[ItemOutcome]:
    """`items.enqueue` for a call that may hold comparisons: each entry's outcome, in order."""
    at = [
        index for index, raw in enumerate(raw_items) if isinstance(raw, dict) and is_comparison(raw)
    ]
    if not at:
        return enqueue(connection, raw_items, now_ms=now_ms)
    taken = set(at)
    others = [index for index in range(len(raw_items)) if index not in taken]
    outcomes: list[ItemOutcome] = []
    # One id names one entry: an item with the id of a stored comparison is a conflict.
    ids = {index: _raw_id(raw_items[index]) for index in others}
    known = comparison_pks(connection, [found for found in ids.values() if found is not None])
    for index in [index for index in others if ids[index] in known]:
        others.remove(index)
        outcomes.append(_other_kind(index, ids[index], "a comparison (a record with candidates)"))
    if others:
        for outcome in enqueue(connection, [raw_items[index] for index in others], now_ms=now_ms):
            outcome.index = others[outcome.index]
            outcomes.append(outcome)
    outcomes.extend(
        enqueue_comparisons(connection, [(index, raw_items[index]) for index in at], now_ms=now_ms)
    )
    return sorted(outcomes, key=lambda outcome: outcome.index)


def _raw_id(raw: Any) -> str | None:
    found = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(found, int) and not isinstance(found, bool):
        return str(found)
    return found if isinstance(found, str) else None


def _other_kind(index: int, entry_id: str | None, stored_as: str) -> ItemOutcome:
    return ItemOutcome(
        index,
        entry_id,
        ItemResultStatus.CONFLICT,
        [FieldError("id", f"stored already as {stored_as}: not stored")],
    )


def parse_comparison(
    index: int, raw: dict[str, Any], *, now_ms: int
) -> ParsedComparison | ItemOutcome:
    """Validate one raw comparison: parsed, or an `invalid` outcome naming what is wrong."""
    screened = screen_entry(index, raw)
    if isinstance(screened, ItemOutcome):
        return screened
    raw, shown_id, required, errors = screened
    undated = undated_positions(raw)
    prepared = prepare(_SOURCE, index, raw, received_at(now_ms))
    if isinstance(prepared, RecordError):
        errors.append(FieldError(prepared.field, prepared.message))
        return ItemOutcome(index, shown_id, ItemResultStatus.INVALID, errors)
    record = to_comparison_record(_SOURCE, index, raw)
    if isinstance(record, list):
        errors.extend(FieldError(error.field, error.message) for error in record)
    if errors or isinstance(record, list):
        return ItemOutcome(index, shown_id, ItemResultStatus.INVALID, errors)
    comparison, drafts = record
    undated_ids = frozenset(drafts[position].to_decision(comparison.id).id for position in undated)
    return ParsedComparison(index, comparison, drafts, required, undated_ids)


def enqueue_comparisons(
    connection: Connection, entries: Sequence[tuple[int, Any]], *, now_ms: int
) -> list[ItemOutcome]:
    """Store new comparisons with their slots (entries: each one's index in the call and its
    raw record); the outcome of each. A stored id with the same content is a duplicate, with
    another prompt or candidate output or model a conflict (not stored, its decisions
    neither). Decisions a comparison carries are recorded as decisions without a lease."""
    outcomes: dict[int, ItemOutcome] = {}
    valid: list[ParsedComparison] = []
    for index, raw in entries:
        parsed = parse_comparison(index, raw, now_ms=now_ms)
        if isinstance(parsed, ItemOutcome):
            outcomes[index] = parsed
        else:
            valid.append(parsed)
    items = rows.generation_pks(connection, [parsed.comparison.id for parsed in valid])
    for parsed in [parsed for parsed in valid if parsed.comparison.id in items]:
        valid.remove(parsed)
        outcomes[parsed.index] = _other_kind(
            parsed.index, parsed.comparison.id, "an item (a record without candidates)"
        )
    valid = _apply_policies(connection, valid)
    stored = insert_comparisons(
        connection,
        [(parsed.comparison, parsed.required_reviews) for parsed in valid],
        imported_at=rows.time_text(utc_now()),
    )
    first: dict[str, int] = {}
    for parsed in valid:
        first.setdefault(parsed.comparison.id, parsed.index)
    new = [
        parsed
        for parsed in valid
        if parsed.comparison.id in stored.created and first[parsed.comparison.id] == parsed.index
    ]
    _add_server_rows(connection, [(stored.pks[p.comparison.id], p) for p in new])
    conflicts = {valid[conflict.index].index: conflict for conflict in stored.conflicts}
    carried: list[ParsedComparison] = []
    for parsed in valid:
        cid = parsed.comparison.id
        conflict = conflicts.get(parsed.index)
        if conflict is not None:
            where = "earlier in this call" if conflict.same_import else "stored already"
            outcomes[parsed.index] = ItemOutcome(
                parsed.index,
                cid,
                ItemResultStatus.CONFLICT,
                [
                    FieldError(
                        "id", f"{where} with a different {', '.join(conflict.fields)}: not stored"
                    )
                ],
            )
            continue
        created = cid in stored.created and first[cid] == parsed.index
        status = ItemResultStatus.CREATED if created else ItemResultStatus.DUPLICATE
        outcomes[parsed.index] = ItemOutcome(parsed.index, cid, status)
        if parsed.drafts:
            carried.append(parsed)
    if carried:
        _record_carried(connection, carried, outcomes, now_ms)
    return [outcomes[index] for index in sorted(outcomes)]


def _apply_policies(
    connection: Connection, parsed: list[ParsedComparison]
) -> list[ParsedComparison]:
    queues = {p.comparison.queue or DEFAULT_QUEUE for p in parsed}
    policies = load_policies(connection, queues) if queues else {}
    if not policies:
        return parsed
    routed: list[ParsedComparison] = []
    for found in parsed:
        comparison = found.comparison
        policy = policies.get(comparison.queue or DEFAULT_QUEUE)
        if policy is None:
            routed.append(found)
            continue
        severity = max(
            (
                candidate.top_severity.rank
                for candidate in comparison.candidates
                if candidate.top_severity is not None
            ),
            default=0,
        )
        routing = policy.route(comparison.id, comparison.risk, severity)
        reviews = policy.reviews_for(comparison.risk, found.required_reviews)
        routed.append(
            ParsedComparison(
                found.index,
                comparison,
                found.drafts,
                reviews,
                found.undated,
                routing,
            )
        )
    return routed


def _add_server_rows(connection: Connection, new: list[tuple[int, ParsedComparison]]) -> None:
    if not new:
        return
    connection.execute(
        text(
            "INSERT INTO server_comparison (comparison_pk, queue, risk, state, available_at_ms) "
            "VALUES (:pk, :queue, :risk, :state, 0)"
        ),
        [
            {
                "pk": pk,
                "queue": parsed.comparison.queue or DEFAULT_QUEUE,
                "risk": NO_RISK if parsed.comparison.risk is None else parsed.comparison.risk,
                "state": ItemState.AUTO_APPROVED
                if parsed.routing is Routing.AUTO_APPROVED
                else ItemState.OPEN,
            }
            for pk, parsed in new
        ],
    )
    slots = [
        {"pk": pk, "slot": slot}
        for pk, parsed in new
        if parsed.routing is not Routing.AUTO_APPROVED
        for slot in range(parsed.required_reviews)
    ]
    if slots:
        connection.execute(
            text(
                "INSERT INTO comparison_slot (comparison_pk, slot, state, epoch) "
                "VALUES (:pk, :slot, 'free', 0)"
            ),
            slots,
        )


def _record_carried(
    connection: Connection,
    carried: list[ParsedComparison],
    outcomes: dict[int, ItemOutcome],
    now_ms: int,
) -> None:
    decisions: list[tuple[int, ComparisonDecision]] = []
    positions: dict[str, int] = {}  # a decision's place in its record, for an error's field
    undated: set[str] = set()
    for parsed in carried:
        chained = sorted(
            (draft.to_decision(parsed.comparison.id) for draft in parsed.drafts),
            key=lambda decision: decision.decided_at,
        )
        for position, draft in enumerate(parsed.drafts):
            positions.setdefault(draft.to_decision(parsed.comparison.id).id, position)
        decisions.extend((parsed.index, decision) for decision in chained)
        undated |= parsed.undated
    if undated:
        # An undated decision pushed again keeps the time it was first received.
        stored = load_comparison_decisions_by_id(connection, sorted(undated))
        decisions = [
            (
                index,
                decision
                if decision.id not in stored
                else decision.model_copy(update={"decided_at": stored[decision.id].decided_at}),
            )
            for index, decision in decisions
        ]
    results = record_comparison_decisions(
        connection, [decision for _, decision in decisions], now_ms=now_ms
    )
    for (index, _), result in zip(decisions, results, strict=True):
        if isinstance(result, DecisionConflictError):
            outcomes[index].errors.append(FieldError("decisions", str(result)))
        elif result.status in KEPT_STATUSES:
            outcomes[index].decisions += 1
        elif result.status is DecisionStatus.INVALID:
            # e.g. answers that do not fit the queue's form: the comparison is stored, the
            # decision is not, and the producer is told which and why.
            where = positions.get(result.id)
            field = "decisions" if where is None else f"decisions[{where}]"
            outcomes[index].errors.append(FieldError(field, result.detail or str(result.code)))


def withdraw_comparison(connection: Connection, comparison_id: str, *, now_ms: int) -> None:
    """Take a comparison out of review: its open slots close, the reviewers holding it are told
    through the changes feed, and decisions arriving later get the status `withdrawn`.

    Raises:
        UnknownItemError: no comparison has that id.
    """
    pk = comparison_pks(connection, [comparison_id]).get(comparison_id)
    if pk is None or not lock_comparisons(connection, [pk]):
        raise UnknownItemError(f"there is no item {comparison_id}")
    holders = connection.execute(
        text(
            "SELECT reviewer, lease_id, epoch FROM comparison_slot WHERE comparison_pk = :pk "
            "AND state = :leased"
        ),
        {"pk": pk, "leased": str(SlotState.LEASED)},
    ).all()
    connection.execute(
        text(
            "UPDATE comparison_slot SET state = 'free', reviewer = NULL, lease_id = NULL, "
            "expires_at_ms = NULL WHERE comparison_pk = :pk AND state = :leased"
        ),
        {"pk": pk, "leased": str(SlotState.LEASED)},
    )
    connection.execute(
        text("UPDATE server_comparison SET state = :state WHERE comparison_pk = :pk"),
        {"state": str(ItemState.WITHDRAWN), "pk": pk},
    )
    refresh_comparisons(connection, [pk])
    add_changes(
        connection,
        [
            Change(ChangeKind.ITEM_WITHDRAWN, pk, row.reviewer, row.lease_id, row.epoch)
            for row in holders
        ],
        now_ms,
        of_comparisons=True,
    )
