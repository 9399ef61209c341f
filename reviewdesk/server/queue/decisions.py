"""Recording reviewers' decisions sent to the server, idempotent by decision id.

Each decision gets one status:

- `accepted`: it filled the slot the reviewer holds (or replaced the reviewer's own earlier
  decision on the item: a change of mind).
- `duplicate`: the same decision (same id, same content) is already stored.
- `accepted_late`: the reviewer's lease had expired, or the decision came with no lease; a slot
  was still open (free, or held on an expired lease) and the decision filled it.
- `accepted_extra`: every slot was decided or live-held by others; the decision is kept as an
  extra label (it counts in statistics and exports like any other).
- `withdrawn`: the producer withdrew the item; the decision is not stored.
- `invalid`: the decision breaks a rule (see `code`); nothing is stored. Among them
  `invalid_answers`: its answers do not fit its queue's review form (the version it names, or
  the current one); the detail names each question (`answers.KEY: why`).

A decision id stored with another content is a conflict (`reviewdesk.errors.DecisionConflictError`,
HTTP 409).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from reviewdesk.domain import Decision
from reviewdesk.errors import AnswerError, DecisionConflictError
from reviewdesk.protocol.statuses import ChangeKind, DecisionStatus, ProblemCode
from reviewdesk.server.queue.feed import feed_final, revise
from reviewdesk.server.queue.forms import AnswerChecker
from reviewdesk.server.queue.slots import (
    Change,
    ItemState,
    SlotState,
    add_changes,
    is_postgres,
    lock_items_by_id,
    refresh_final,
)
from reviewdesk.store import rows
from reviewdesk.store.driver_sql import DriverSql


@dataclass(frozen=True)
class DecisionOutcome:
    id: str
    status: DecisionStatus
    code: str | None = None
    detail: str | None = None


_SLOTS = DriverSql(
    "SELECT generation_pk, slot, state, reviewer, lease_id, epoch, expires_at_ms FROM lease_slot "
    "WHERE generation_pk IN :pks ORDER BY generation_pk, slot"
)
_LATEST = DriverSql(
    "SELECT generation_pk, reviewer, id FROM decision "
    "WHERE generation_pk IN :pks AND reviewer IN :reviewers ORDER BY pk"
)
_FILL = DriverSql(
    "UPDATE lease_slot SET state = 'decided', reviewer = :reviewer, decision_pk = :decision, "
    "expires_at_ms = NULL WHERE generation_pk = :pk AND slot = :slot"
)
_LINK = DriverSql(
    "UPDATE lease_slot SET decision_pk = :decision WHERE generation_pk = :pk "
    "AND reviewer = :reviewer AND state = 'decided'"
)

# PostgreSQL: `_store`'s statements as one, over the decisions passed as arrays. Its parts
# cannot see each other's writes: each item is in the round once, so an item's review count is
# its distinct reviewers so far, plus one when this is the reviewer's first decision on it.
_DECISION_COLUMNS = rows.DECISION_FIELDS
_STORE_COLUMNS = (*_DECISION_COLUMNS, "edited", "comment", "slot", "first")
_TYPES = {"generation_pk": "integer", "duration_ms": "integer", "lease_epoch": "integer",
          "form_version": "integer", "slot": "integer", "first": "boolean"}  # fmt: skip
_STORE_POSTGRES = DriverSql(
    f"""
WITH x AS (
    SELECT * FROM unnest({
        ", ".join(f"CAST(:{name} AS {_TYPES.get(name, 'varchar')}[])" for name in _STORE_COLUMNS)
    }) AS x({", ".join(_STORE_COLUMNS)})
), not_current AS (
    UPDATE decision d SET current = false FROM x
    WHERE d.generation_pk = x.generation_pk AND d.reviewer = x.reviewer AND d.current
), inserted AS (
    INSERT INTO decision ({", ".join(_DECISION_COLUMNS)}, current)
    SELECT {", ".join(_DECISION_COLUMNS)}, true FROM x
    RETURNING pk, id
), stored AS (
    SELECT x.*, i.pk AS decision_pk FROM x JOIN inserted i ON i.id = x.id
), texts AS (
    INSERT INTO decision_text (pk, edited_output, comment)
    SELECT decision_pk, edited, comment FROM stored
    WHERE edited IS NOT NULL OR comment IS NOT NULL
), filled AS (
    UPDATE lease_slot s SET state = 'decided', reviewer = t.reviewer,
        decision_pk = t.decision_pk, expires_at_ms = NULL
    FROM stored t WHERE t.slot IS NOT NULL AND s.generation_pk = t.generation_pk
    AND s.slot = t.slot
), linked AS (
    UPDATE lease_slot s SET decision_pk = t.decision_pk
    FROM stored t WHERE t.slot IS NULL AND s.generation_pk = t.generation_pk
    AND s.reviewer = t.reviewer AND s.state = 'decided'
)
UPDATE generation g SET review_count = (
    SELECT count(DISTINCT d.reviewer) FROM decision d WHERE d.generation_pk = g.pk
) + CASE WHEN x.first THEN 1 ELSE 0 END
FROM x WHERE g.pk = x.generation_pk
"""
)

_DECISION_PKS = DriverSql("SELECT id, pk FROM decision WHERE id IN :ids")

_NOT_ALLOWED = "not_allowed"  # an item state of this module's own: out of the token's queues

Result = DecisionOutcome | DecisionConflictError


@dataclass(frozen=True)
class Recorded:
    """What `record_decisions` did: an outcome (or the conflict) per decision, in order, and
    how many webhook deliveries the verdicts it made final queued."""

    outcomes: list[Result]
    deliveries: int


@dataclass(frozen=True)
class _Slot:
    slot: int
    state: str
    reviewer: str | None
    lease_id: str | None
    epoch: int
    expires_at_ms: int | None


@dataclass(frozen=True)
class _Accepted:
    """A decision to store: on item `pk`, filling `slot` (None: the reviewer's decided slot, if
    any, is linked to it instead); `first`: the reviewer's first decision on the item."""

    decision: Decision
    pk: int
    slot: int | None
    first: bool


def record_decisions(
    connection: Connection,
    decisions: Sequence[Decision],
    *,
    now_ms: int,
    queues: Collection[str] | None = None,
) -> Recorded:
    """Record decisions in one transaction; an outcome (or the conflict) for each, in order.

    The decisions are taken in rounds of decisions on distinct items with distinct ids, each
    round read and written with a fixed number of statements; a decision on an item (or with an
    id) that an earlier one in the call also has goes to a later round, so it sees that one
    stored, as if the decisions were recorded one by one.

    Args:
        queues: the queues the sender's token works on (None: all); a decision on an item of
            another queue is `invalid` (`queue_not_allowed`).
    """
    locked = lock_items_by_id(connection, {decision.generation_id for decision in decisions})
    item_pks = {gid: pk for gid, (pk, _, _) in locked.items()}
    states = {pk: state for pk, state, _ in locked.values()}
    item_queues = {pk: queue for pk, _, queue in locked.values()}
    checker = AnswerChecker(
        connection,
        [
            (decision, locked[decision.generation_id][0], locked[decision.generation_id][2])
            for decision in decisions
            if decision.generation_id in locked
        ],
    )
    if queues is not None:  # items out of the token's queues are refused below
        for item_pk, _, queue in locked.values():
            if queue not in queues:
                states[item_pk] = _NOT_ALLOWED
    changes: list[Change] = []
    touched: set[int] = set()
    outcomes: dict[int, DecisionOutcome | DecisionConflictError] = {}
    for indexes in _rounds(decisions):
        batch = [decisions[index] for index in indexes]
        found = _record_round(
            connection, batch, item_pks, states, changes, now_ms, checker, item_queues
        )
        for index, (outcome, pk) in zip(indexes, found, strict=True):
            outcomes[index] = outcome
            if pk is not None:
                touched.add(pk)
    became_final, final_before = refresh_final(connection, touched)
    finalized = feed_final(connection, became_final, now_ms=now_ms)
    revised = revise(connection, final_before, now_ms=now_ms)
    add_changes(connection, changes, now_ms)
    return Recorded(
        [outcomes[index] for index in range(len(decisions))],
        finalized.deliveries + revised.deliveries,
    )


def _rounds(decisions: Sequence[Decision]) -> list[list[int]]:
    """The decisions' indexes in rounds: no two in a round share an item or an id, and each
    comes after every earlier decision on its item or with its id."""
    latest: dict[tuple[str, str], int] = {}
    rounds: list[list[int]] = []
    for index, decision in enumerate(decisions):
        keys = (("id", decision.id), ("item", decision.generation_id))
        number = max((latest[key] + 1 for key in keys if key in latest), default=0)
        for key in keys:
            latest[key] = number
        if number == len(rounds):
            rounds.append([])
        rounds[number].append(index)
    return rounds


def _record_round(
    connection: Connection,
    decisions: Sequence[Decision],
    item_pks: dict[str, int],
    states: dict[int, str],
    changes: list[Change],
    now_ms: int,
    checker: AnswerChecker,
    item_queues: dict[int, str],
) -> list[tuple[DecisionOutcome | DecisionConflictError, int | None]]:
    """Record decisions on distinct items with distinct ids; each one's outcome and the item
    it touched."""
    stored = rows.load_decisions(connection, [decision.id for decision in decisions])
    pks = sorted({item_pks[d.generation_id] for d in decisions if d.generation_id in item_pks})
    slots: dict[int, list[_Slot]] = {}
    latest: dict[tuple[int, str], str] = {}
    if pks:
        for pk, *values in _SLOTS.rows(connection, {"pks": pks}):
            slots.setdefault(pk, []).append(_Slot(*values))
        reviewers = sorted({decision.reviewer for decision in decisions})
        for pk, reviewer, decision_id in _LATEST.rows(
            connection, {"pks": pks, "reviewers": reviewers}
        ):
            latest[(pk, reviewer)] = decision_id  # ordered by pk: the last one is the latest
    results: list[tuple[DecisionOutcome | DecisionConflictError, int | None]] = []
    accepted: list[_Accepted] = []
    for decision in decisions:
        known = stored.get(decision.id)
        if known is not None:
            queue = item_queues.get(item_pks.get(decision.generation_id, -1), "")
            if not checker.same(known, decision, queue):
                conflict = DecisionConflictError(
                    f"decision {decision.id} is already stored with another content"
                )
                results.append((conflict, None))
            else:
                results.append((DecisionOutcome(decision.id, DecisionStatus.DUPLICATE), None))
            continue
        pk = item_pks.get(decision.generation_id)
        state = None if pk is None else states.get(pk)
        if pk is None or state is None or state == _NOT_ALLOWED:
            results.append((_invalid(decision, state), None))
            continue
        if states[pk] == ItemState.WITHDRAWN:
            results.append((DecisionOutcome(decision.id, DecisionStatus.WITHDRAWN), None))
            continue
        try:
            decision = checker.check(decision, item_queues[pk])
        except AnswerError as error:
            results.append((_unfit_answers(decision, error), None))
            continue
        status, fill = _place(decision, pk, slots.get(pk, []), changes, now_ms)
        previous = latest.get((pk, decision.reviewer))
        if decision.supersedes is None and previous is not None:
            decision = decision.model_copy(update={"supersedes": previous})
        accepted.append(_Accepted(decision, pk, fill, first=previous is None))
        results.append((DecisionOutcome(decision.id, status), pk))
    _store(connection, accepted)
    return results


def _invalid(decision: Decision, state: str | None) -> DecisionOutcome:
    """The outcome of a decision on an unknown item (state None) or one out of the token's
    queues (which is not named: the token may not see it)."""
    if state == _NOT_ALLOWED:
        code, detail = (
            ProblemCode.QUEUE_NOT_ALLOWED,
            "this token does not work on the queue of item",
        )
    else:
        code, detail = ProblemCode.UNKNOWN_ITEM, "there is no item"
    return DecisionOutcome(
        decision.id, DecisionStatus.INVALID, code, f"{detail} {decision.generation_id}"
    )


def _unfit_answers(decision: Decision, error: AnswerError) -> DecisionOutcome:
    """The outcome of a decision whose answers do not fit its queue's form."""
    detail = "; ".join(
        f"answers.{key}: {why}" if key else f"form_version: {why}" for key, why in error.problems
    )
    return DecisionOutcome(decision.id, DecisionStatus.INVALID, ProblemCode.INVALID_ANSWERS, detail)


def _place(
    decision: Decision, pk: int, slots: Sequence[_Slot], changes: list[Change], now_ms: int
) -> tuple[DecisionStatus, int | None]:
    """How a decision on item `pk` counts, and the slot it fills (None: none)."""
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
    # The reviewer's own expired slot first, then a free one, then another's expired one.
    chosen = min(
        open_slots,
        key=lambda slot: (slot.reviewer != reviewer, slot.state != SlotState.FREE, slot.slot),
    )
    late = decision.lease_id is not None or chosen.reviewer == reviewer
    if chosen.state == SlotState.LEASED and chosen.reviewer not in (None, reviewer):
        changes.append(
            Change(ChangeKind.SLOT_FILLED, pk, chosen.reviewer, chosen.lease_id, chosen.epoch)
        )
    return (DecisionStatus.ACCEPTED_LATE if late else DecisionStatus.ACCEPTED), chosen.slot


def _store(connection: Connection, accepted: Sequence[_Accepted]) -> None:
    """Insert accepted decisions (each on its own item) as their reviewers' current ones, and
    mark the slots they fill."""
    if not accepted:
        return
    if is_postgres(connection):
        _store_postgres(connection, accepted)
        return
    decision_pks = rows.insert_decisions(connection, [(a.decision, a.pk) for a in accepted])
    fills = [
        {
            "reviewer": a.decision.reviewer,
            "decision": decision_pks[a.decision.id],
            "pk": a.pk,
            "slot": a.slot,
        }
        for a in accepted
        if a.slot is not None
    ]
    _FILL.run_many(connection, fills)
    links = [
        {"decision": decision_pks[a.decision.id], "pk": a.pk, "reviewer": a.decision.reviewer}
        for a in accepted
        if a.slot is None
    ]
    _LINK.run_many(connection, links)


def _store_postgres(connection: Connection, accepted: Sequence[_Accepted]) -> None:
    """`_store` in one statement (see `_STORE_POSTGRES`)."""
    columns: dict[str, list[object]] = {name: [] for name in _STORE_COLUMNS}
    for a in accepted:
        for name, value in rows.decision_fields(a.decision, a.pk).items():
            columns[name].append(value)
        columns["edited"].append(a.decision.edited_output)
        columns["comment"].append(a.decision.comment)
        columns["slot"].append(a.slot)
        columns["first"].append(a.first)
    _STORE_POSTGRES.run(connection, columns)
    answered = [a.decision for a in accepted if a.decision.answers]
    if answered:
        # In the same transaction as the decisions: a decision is never stored without them.
        pks: dict[str, int] = {
            row[0]: row[1]
            for row in _DECISION_PKS.rows(connection, {"ids": [d.id for d in answered]})
        }
        rows.insert_answers(connection, [(decision, pks[decision.id]) for decision in answered])
