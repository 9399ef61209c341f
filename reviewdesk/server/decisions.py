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
- `invalid`: the decision breaks a rule (see `code`); nothing is stored.

A decision id stored with another content is a conflict (`DecisionConflictError`, HTTP 409).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Decision
from reviewdesk.errors import UserError
from reviewdesk.server.slots import (
    Change,
    ChangeKind,
    ItemState,
    SlotState,
    add_changes,
    lock_items,
    pks_of,
    refresh_items,
)
from reviewdesk.server.verdicts import finalize
from reviewdesk.store import codec


class DecisionStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    ACCEPTED_LATE = "accepted_late"
    ACCEPTED_EXTRA = "accepted_extra"
    WITHDRAWN = "withdrawn"
    INVALID = "invalid"


class DecisionConflictError(UserError):
    """The decision id is stored with another content."""


@dataclass(frozen=True)
class DecisionOutcome:
    id: str
    status: DecisionStatus
    code: str | None = None
    detail: str | None = None


_STORED = text(f"{codec.DECISION_SELECT} WHERE d.id = :id")
_INSERT = text(
    "INSERT INTO decision (id, generation_pk, reviewer, verdict, reasons, duration_ms, "
    "decided_at, supersedes, session_id, lease_id, lease_epoch, device_id, current) "
    "VALUES (:id, :generation_pk, :reviewer, :verdict, :reasons, :duration_ms, :decided_at, "
    ":supersedes, :session_id, :lease_id, :lease_epoch, :device_id, true) RETURNING pk"
)
_INSERT_TEXT = text(
    "INSERT INTO decision_text (pk, edited_output, comment) VALUES (:pk, :edited, :comment)"
)
_SLOTS = text(
    "SELECT slot, state, reviewer, lease_id, epoch, expires_at_ms FROM lease_slot "
    "WHERE generation_pk = :pk ORDER BY slot"
)
_FILL = text(
    "UPDATE lease_slot SET state = 'decided', reviewer = :reviewer, decision_pk = :decision, "
    "expires_at_ms = NULL WHERE generation_pk = :pk AND slot = :slot"
)


def record_decisions(
    connection: Connection, decisions: Sequence[Decision], *, now_ms: int
) -> list[DecisionOutcome | DecisionConflictError]:
    """Record decisions in one transaction; an outcome (or the conflict) for each, in order."""
    item_pks = pks_of(connection, {decision.generation_id for decision in decisions})
    states = lock_items(connection, set(item_pks.values()))
    changes: list[Change] = []
    touched: set[int] = set()
    outcomes: list[DecisionOutcome | DecisionConflictError] = []
    for decision in decisions:
        outcome = _record(connection, decision, item_pks, states, changes, touched, now_ms)
        outcomes.append(outcome)
    refresh_items(connection, touched)
    finalize(connection, touched, now_ms=now_ms)
    add_changes(connection, changes, now_ms)
    return outcomes


def _record(
    connection: Connection,
    decision: Decision,
    item_pks: dict[str, int],
    states: dict[int, str],
    changes: list[Change],
    touched: set[int],
    now_ms: int,
) -> DecisionOutcome | DecisionConflictError:
    row = connection.execute(_STORED, {"id": decision.id}).first()
    if row is not None:
        stored = codec.decision_from_row(tuple(row))
        if stored.model_copy(update={"supersedes": decision.supersedes}) != decision:
            return DecisionConflictError(
                f"decision {decision.id} is already stored with another content"
            )
        return DecisionOutcome(decision.id, DecisionStatus.DUPLICATE)
    pk = item_pks.get(decision.generation_id)
    if pk is None or pk not in states:
        return DecisionOutcome(
            decision.id,
            DecisionStatus.INVALID,
            "unknown_item",
            f"there is no item {decision.generation_id}",
        )
    if states[pk] == ItemState.WITHDRAWN:
        return DecisionOutcome(decision.id, DecisionStatus.WITHDRAWN)
    slots = connection.execute(_SLOTS, {"pk": pk}).all()
    reviewer = decision.reviewer
    status: DecisionStatus
    fill: int | None = None
    mine = [slot for slot in slots if slot.reviewer == reviewer]
    live_mine = [
        slot for slot in mine if slot.state == SlotState.LEASED and slot.expires_at_ms > now_ms
    ]
    if live_mine:
        status, fill = DecisionStatus.ACCEPTED, live_mine[0].slot
    elif any(slot.state == SlotState.DECIDED for slot in mine):
        status = DecisionStatus.ACCEPTED  # a change of mind keeps the reviewer's slot
    else:
        open_slots = [
            slot
            for slot in slots
            if slot.state == SlotState.FREE
            or (slot.state == SlotState.LEASED and slot.expires_at_ms <= now_ms)
        ]
        # The reviewer's own expired slot first, then a free one, then another's expired one.
        open_slots.sort(
            key=lambda slot: (slot.reviewer != reviewer, slot.state != SlotState.FREE, slot.slot)
        )
        if open_slots:
            chosen = open_slots[0]
            fill = chosen.slot
            late = decision.lease_id is not None or chosen.reviewer == reviewer
            status = DecisionStatus.ACCEPTED_LATE if late else DecisionStatus.ACCEPTED
            if chosen.state == SlotState.LEASED and chosen.reviewer not in (None, reviewer):
                changes.append(
                    Change(
                        ChangeKind.SLOT_FILLED, pk, chosen.reviewer, chosen.lease_id, chosen.epoch
                    )
                )
        else:
            status = DecisionStatus.ACCEPTED_EXTRA
    decision_pk = _insert(connection, decision, pk)
    if fill is not None:
        connection.execute(
            _FILL, {"reviewer": reviewer, "decision": decision_pk, "pk": pk, "slot": fill}
        )
    else:
        connection.execute(
            text(
                "UPDATE lease_slot SET decision_pk = :decision WHERE generation_pk = :pk "
                "AND reviewer = :reviewer AND state = 'decided'"
            ),
            {"decision": decision_pk, "pk": pk, "reviewer": reviewer},
        )
    touched.add(pk)
    return DecisionOutcome(decision.id, status)


def _insert(connection: Connection, decision: Decision, generation_pk: int) -> int:
    if decision.supersedes is None:
        previous = connection.execute(
            text(
                "SELECT id FROM decision WHERE generation_pk = :pk AND reviewer = :reviewer "
                "ORDER BY pk DESC LIMIT 1"
            ),
            {"pk": generation_pk, "reviewer": decision.reviewer},
        ).scalar()
        if previous is not None:
            decision = decision.model_copy(update={"supersedes": previous})
    connection.execute(
        text(
            "UPDATE decision SET current = false "
            "WHERE generation_pk = :pk AND reviewer = :reviewer AND current"
        ),
        {"pk": generation_pk, "reviewer": decision.reviewer},
    )
    values = codec.decision_values(decision, 0, generation_pk)
    pk = int(
        connection.execute(
            _INSERT,
            {
                "id": values[1],
                "generation_pk": generation_pk,
                "reviewer": values[3],
                "verdict": values[4],
                "reasons": values[5],
                "duration_ms": values[6],
                "decided_at": values[7],
                "supersedes": values[8],
                "session_id": values[9],
                "lease_id": values[10],
                "lease_epoch": values[11],
                "device_id": values[12],
            },
        ).scalar_one()
    )
    texts = codec.decision_text_values(decision, pk)
    if texts is not None:
        connection.execute(_INSERT_TEXT, {"pk": pk, "edited": texts[1], "comment": texts[2]})
    connection.execute(
        text(
            "UPDATE generation SET review_count = (SELECT count(DISTINCT reviewer) FROM decision "
            "WHERE generation_pk = :pk) WHERE pk = :pk"
        ),
        {"pk": generation_pk},
    )
    return pk
