"""Producers' items: validating, enqueueing (idempotent by id) and withdrawing them.

Items are validated with the importer's own rules (`reviewdesk.ingest`), so an item the server
takes is exactly one `reviewdesk import` would take, with the same error messages: an integer id
is taken as text, and a carried decision without `decided_at` gets the time the server received
it (with an id that does not depend on that time, so pushing the item again finds the decision a
duplicate, and its stored time is kept). Besides the canonical fields an item may carry
`required_reviews` (1 to 10, default 1): that many different reviewers review it. An item
without a queue goes to the queue `default`. An item's `prompt_template_text` fills the
prompt-template registry on first sight (`reviewdesk.store.templates.note_templates`); it is not
stored with the item.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.sql import text

from reviewdesk.domain import Decision, DecisionDraft, Generation, utc_now
from reviewdesk.domain.policy import Routing
from reviewdesk.errors import DecisionConflictError, UnknownItemError
from reviewdesk.ingest.records import RecordError, prepare, to_import_record
from reviewdesk.ingest.template_texts import take_template_text
from reviewdesk.protocol.screening import field_path, id_problem, text_problem, unfit_values
from reviewdesk.protocol.statuses import KEPT_STATUSES, ChangeKind, ItemResultStatus
from reviewdesk.server.queue.decisions import record_decisions
from reviewdesk.server.queue.feed import finalize
from reviewdesk.server.queue.policy import load_policies
from reviewdesk.server.queue.slots import (
    Change,
    ItemState,
    SlotState,
    add_changes,
    lock_items,
    refresh_items,
)
from reviewdesk.store import rows
from reviewdesk.store.driver_sql import DriverSql
from reviewdesk.store.templates import SeenTemplate, note_templates

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "default"
MAX_REQUIRED_REVIEWS = 10
_SOURCE = Path("item")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class ItemOutcome:
    index: int
    id: str | None
    status: ItemResultStatus
    errors: list[FieldError] = field(default_factory=list)
    decisions: int = 0


@dataclass(frozen=True)
class ParsedItem:
    index: int
    generation: Generation
    drafts: tuple[DecisionDraft, ...]
    required_reviews: int
    routing: Routing = Routing.REVIEW
    undated: frozenset[str] = frozenset()
    """The ids of the carried decisions that came without `decided_at`."""
    template: SeenTemplate | None = None


def received_at(now_ms: int) -> str:
    """The server's time as an import record writes it, given to undated decisions."""
    moment = datetime.fromtimestamp(now_ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def screen_entry(
    index: int, raw: dict[str, Any]
) -> ItemOutcome | tuple[dict[str, Any], str | None, int, list[FieldError]]:
    """The checks an item and a comparison share before their own validation: values no field
    may hold (an `invalid` outcome), then a copy of the record to prepare (its decisions
    copied too), its id as shown in an answer, its required reviews, the errors found in those
    and in its id and queue (the queue `default` filled in)."""
    raw_id = raw.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    shown_id = raw_id if isinstance(raw_id, str) and text_problem(raw_id) is None else None
    unfit = unfit_values(raw)
    if unfit:
        refused = [FieldError(field_path(found.loc), found.message) for found in unfit]
        return ItemOutcome(index, shown_id, ItemResultStatus.INVALID, refused)
    raw = dict(raw)
    if isinstance(raw.get("decisions"), list):  # `prepare` fills them in: not the caller's
        raw["decisions"] = [
            dict(decision) if isinstance(decision, dict) else decision
            for decision in raw["decisions"]
        ]
    required = raw.pop("required_reviews", 1)
    errors: list[FieldError] = []
    if (
        not isinstance(required, int)
        or isinstance(required, bool)
        or not 1 <= required <= MAX_REQUIRED_REVIEWS
    ):
        errors.append(
            FieldError(
                "required_reviews", f"expected a whole number from 1 to {MAX_REQUIRED_REVIEWS}"
            )
        )
    for key in ("id", "queue"):
        value = raw.get(key)
        if isinstance(value, str) and (problem := id_problem(value)) is not None:
            errors.append(FieldError(key, problem))
    if raw.get("queue") is None:
        raw["queue"] = DEFAULT_QUEUE
    return raw, shown_id, required, errors


def undated_positions(raw: dict[str, Any]) -> list[int]:
    """The positions of the record's decisions that carry no time (the server gives them its
    own)."""
    decisions = raw.get("decisions")
    if not isinstance(decisions, list):
        return []
    return [
        position
        for position, decision in enumerate(decisions)
        if isinstance(decision, dict) and decision.get("decided_at") in (None, "")
    ]


def parse_items(raw_items: Sequence[Any], *, now_ms: int) -> list[ParsedItem | ItemOutcome]:
    """Validate each raw item: a parsed item, or an `invalid` outcome naming what is wrong."""
    parsed: list[ParsedItem | ItemOutcome] = []
    received = received_at(now_ms)
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            parsed.append(
                ItemOutcome(
                    index, None, ItemResultStatus.INVALID, [FieldError("", "expected an object")]
                )
            )
            continue
        screened = screen_entry(index, raw)
        if isinstance(screened, ItemOutcome):
            parsed.append(screened)
            continue
        raw, item_id, required, errors = screened
        undated = undated_positions(raw)
        prepared = prepare(_SOURCE, index, raw, received)
        if isinstance(prepared, RecordError):
            errors.append(FieldError(prepared.field, prepared.message))
            parsed.append(ItemOutcome(index, item_id, ItemResultStatus.INVALID, errors))
            continue
        seen = take_template_text(_SOURCE, index, raw)
        if isinstance(seen, RecordError):
            errors.append(FieldError(seen.field, seen.message))
            seen = None
        record = to_import_record(_SOURCE, index, raw)
        if isinstance(record, list):
            errors.extend(FieldError(error.field, error.message) for error in record)
        if errors or isinstance(record, list):
            parsed.append(ItemOutcome(index, item_id, ItemResultStatus.INVALID, errors))
            continue
        generation, drafts = record
        undated_ids = frozenset(
            draft.to_decision(generation.id).id
            for position, draft in enumerate(drafts)
            if position in undated
        )
        parsed.append(
            ParsedItem(index, generation, drafts, required, undated=undated_ids, template=seen)
        )
    return parsed


def enqueue(
    connection: Connection, raw_items: Sequence[Any], *, now_ms: int, source: str = "item"
) -> list[ItemOutcome]:
    """Validate and store items in one transaction (`parse_items` then `store_parsed`); the
    server's intake routes validate first and store in lots (`server.api.intake`)."""
    return store_parsed(
        connection,
        parse_items(raw_items, now_ms=now_ms),
        now_ms=now_ms,
        imported_at=rows.time_text(utc_now()),
        source=source,
    )


def intake_chunks(
    parsed: Sequence[ParsedItem | ItemOutcome], size: int
) -> list[list[ParsedItem | ItemOutcome]]:
    """`parsed` in chunks of about `size` items, each stored in a transaction of its own: every
    copy of one id in the chunk of its first copy (so a repeat within a call is told from the
    first copy as within one transaction), invalid items in the first chunk."""
    groups: dict[str, list[ParsedItem | ItemOutcome]] = {}
    invalid: list[ParsedItem | ItemOutcome] = []
    for entry in parsed:
        if isinstance(entry, ItemOutcome):
            invalid.append(entry)
        else:
            groups.setdefault(entry.generation.id, []).append(entry)
    chunks: list[list[ParsedItem | ItemOutcome]] = [invalid]
    for group in groups.values():
        if len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1].extend(group)
    return [sorted(chunk, key=lambda entry: entry.index) for chunk in chunks if chunk]


def store_parsed(
    connection: Connection,
    parsed_items: Sequence[ParsedItem | ItemOutcome],
    *,
    now_ms: int,
    imported_at: str,
    source: str = "item",
) -> list[ItemOutcome]:
    """Store new items validated already (`parse_items`), each with its slots: their outcomes,
    by index. Items already stored are duplicates, unchanged, and items whose id is stored with
    another prompt, output or model are conflicts, not stored (`imported_at` tells a repeat
    within one call from an item stored before). Decisions an item carries (labels made
    elsewhere) are recorded as decisions without a lease. The template texts of the items taken
    (`source`: where they came from) fill the prompt-template registry."""
    outcomes: dict[int, ItemOutcome] = {}
    fresh: dict[str, ParsedItem] = {}
    valid: list[ParsedItem] = []
    for parsed in parsed_items:
        if isinstance(parsed, ItemOutcome):
            outcomes[parsed.index] = parsed
            continue
        fresh.setdefault(parsed.generation.id, parsed)
        valid.append(parsed)
    fresh = _apply_policies(connection, fresh)
    # Every copy goes to `insert_generations`, which stores the first and tells a repeat with
    # other content (than the stored item, else the first copy) as a conflict.
    inserted = rows.insert_generations(
        connection,
        [(parsed.generation, fresh[parsed.generation.id].required_reviews) for parsed in valid],
        imported_at=imported_at,
    )
    created = {gid: inserted.pks[gid] for gid in fresh if gid in inserted.created}
    new_items = [(pk, fresh[gid]) for gid, pk in created.items()]
    if new_items:
        _add_server_rows(connection, new_items, now_ms)
    conflicts = {conflict.index: conflict for conflict in inserted.conflicts}
    with_drafts: list[ParsedItem] = []
    for position, parsed in enumerate(valid):
        gid = parsed.generation.id
        conflict = conflicts.get(position)
        if conflict is not None:
            where = "earlier in this call" if conflict.same_import else "stored already"
            outcomes[parsed.index] = ItemOutcome(
                parsed.index,
                gid,
                ItemResultStatus.CONFLICT,
                [
                    FieldError(
                        "id", f"{where} with a different {', '.join(conflict.fields)}: not stored"
                    )
                ],
            )
            continue
        first = fresh[gid].index == parsed.index
        status = (
            ItemResultStatus.CREATED if first and gid in created else ItemResultStatus.DUPLICATE
        )
        outcomes[parsed.index] = ItemOutcome(parsed.index, gid, status)
        if parsed.drafts:
            with_drafts.append(parsed)
    if with_drafts:
        _record_carried(connection, with_drafts, outcomes, now_ms)
    _note_templates(connection, valid, conflicts.keys(), source)
    finalize(
        connection,
        [pk for pk, parsed in new_items if parsed.routing is Routing.AUTO_APPROVED],
        now_ms=now_ms,
    )
    return [outcomes[index] for index in sorted(outcomes)]


def _note_templates(
    connection: Connection, valid: list[ParsedItem], conflicts: Collection[int], source: str
) -> None:
    seen = [
        parsed.template
        for position, parsed in enumerate(valid)
        if parsed.template is not None and position not in conflicts
    ]
    if not seen:
        return
    added, differing = note_templates(
        connection, seen, added_at=rows.time_text(utc_now()), source=source
    )
    if added:
        logger.info("prompt templates: %d versions added from %s", added, source)
    if differing:
        logger.warning(
            "prompt templates: items gave another text for %s (kept the registry's)",
            ", ".join(differing),
        )


def _apply_policies(connection: Connection, fresh: dict[str, ParsedItem]) -> dict[str, ParsedItem]:
    """Route each item by its queue's review policy (queues without one review everything)."""
    queues = {parsed.generation.queue or DEFAULT_QUEUE for parsed in fresh.values()}
    policies = load_policies(connection, queues)
    if not policies:
        return fresh
    routed: dict[str, ParsedItem] = {}
    for gid, parsed in fresh.items():
        policy = policies.get(parsed.generation.queue or DEFAULT_QUEUE)
        if policy is None:
            routed[gid] = parsed
            continue
        generation = parsed.generation
        severity = generation.top_severity
        routing = policy.route(gid, generation.risk, 0 if severity is None else severity.rank)
        reviews = policy.reviews_for(generation.risk, parsed.required_reviews)
        routed[gid] = replace(parsed, routing=routing, required_reviews=reviews)
    return routed


_INSERT_ITEM = DriverSql(
    "INSERT INTO server_item (generation_pk, queue, risk, state, available_at_ms) "
    "VALUES (:pk, :queue, :risk, :state, 0)"
)
_INSERT_SLOT = DriverSql(
    "INSERT INTO lease_slot (generation_pk, slot, state, epoch) VALUES (:pk, :slot, 'free', 0)"
)


def _add_server_rows(
    connection: Connection, items: list[tuple[int, ParsedItem]], now_ms: int
) -> None:
    """The new items' server rows: their state (open, or let through by the policy) and their
    free slots."""
    _INSERT_ITEM.run_many(
        connection,
        [
            {
                "pk": pk,
                "state": ItemState.AUTO_APPROVED
                if parsed.routing is Routing.AUTO_APPROVED
                else ItemState.OPEN,
                "queue": parsed.generation.queue or DEFAULT_QUEUE,
                "risk": rows.stored_risk(parsed.generation),
            }
            for pk, parsed in items
        ],
    )
    slots = [
        {"pk": pk, "slot": slot}
        for pk, parsed in items
        if parsed.routing is not Routing.AUTO_APPROVED
        for slot in range(parsed.required_reviews)
    ]
    _INSERT_SLOT.run_many(connection, slots)  # none when the policy let every item through


def _record_carried(
    connection: Connection,
    items: list[ParsedItem],
    outcomes: dict[int, ItemOutcome],
    now_ms: int,
) -> None:
    decisions: list[tuple[int, Decision]] = []
    undated: set[str] = set()
    for parsed in items:
        chained = sorted(
            (draft.to_decision(parsed.generation.id) for draft in parsed.drafts),
            key=lambda decision: decision.decided_at,
        )
        decisions.extend((parsed.index, decision) for decision in chained)
        undated |= parsed.undated
    if undated:
        # An undated decision pushed again keeps the time it was first received: the same
        # decision, a duplicate, not one "reused with another content".
        stored = rows.load_decisions(connection, undated)
        decisions = [
            (index, _with_stored_time(decision, stored.get(decision.id)))
            for index, decision in decisions
        ]
    recorded = record_decisions(connection, [decision for _, decision in decisions], now_ms=now_ms)
    results = recorded.outcomes
    for (index, _), result in zip(decisions, results, strict=True):
        if isinstance(result, DecisionConflictError):
            outcomes[index].errors.append(FieldError("decisions", str(result)))
        elif result.status in KEPT_STATUSES:
            outcomes[index].decisions += 1


def _with_stored_time(decision: Decision, stored: Decision | None) -> Decision:
    if stored is None:
        return decision
    return decision.model_copy(update={"decided_at": stored.decided_at})


def withdraw(connection: Connection, generation_id: str, *, now_ms: int) -> None:
    """Take an item out of review: open slots are closed, and the reviewers holding it are told
    through the changes feed. Decisions arriving later get the status `withdrawn`.

    Raises:
        UnknownItemError: no item has that id.
    """
    pk = rows.generation_pks(connection, [generation_id]).get(generation_id)
    if pk is None or not lock_items(connection, [pk]):
        raise UnknownItemError(f"there is no item {generation_id}")
    holders = connection.execute(
        text(
            "SELECT reviewer, lease_id, epoch FROM lease_slot WHERE generation_pk = :pk "
            "AND state = 'leased'"
        ),
        {"pk": pk},
    ).all()
    connection.execute(
        text(
            "UPDATE lease_slot SET state = 'free', reviewer = NULL, lease_id = NULL, "
            "expires_at_ms = NULL WHERE generation_pk = :pk AND state = :leased"
        ),
        {"pk": pk, "leased": str(SlotState.LEASED)},
    )
    connection.execute(
        text("UPDATE server_item SET state = :state WHERE generation_pk = :pk"),
        {"state": str(ItemState.WITHDRAWN), "pk": pk},
    )
    refresh_items(connection, [pk])
    add_changes(
        connection,
        [
            Change(ChangeKind.ITEM_WITHDRAWN, pk, row.reviewer, row.lease_id, row.epoch)
            for row in holders
        ],
        now_ms,
    )
