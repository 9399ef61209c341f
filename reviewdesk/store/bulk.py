"""Writing many generations (and the decisions they carry) at once, for imports.

The generations go in through `rows.insert_generations` (the path the queue server's push takes
too); the decisions through `executemany` on plain SQL in the caller's transaction (a sqlite3
connection in `BEGIN IMMEDIATE`), with primary keys assigned here (the transaction holds the
write lock, so nobody else takes them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reviewdesk.domain import (
    ComparisonRecord,
    Decision,
    Form,
    GenerationId,
    ImportRecord,
    utc_now,
)
from reviewdesk.store import _codec as codec
from reviewdesk.store.comparisons import ComparisonsAdded, add_comparisons
from reviewdesk.store.rows import (
    Conflict,
    _existing,
    insert_answers,
    insert_generations,
    load_form,
    save_form,
    sqlite_connection,
)
from reviewdesk.store.templates import SeenTemplate, note_templates

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass
class BulkResult:
    """What one `BulkWriter.add` call stored."""

    imported: int = 0
    duplicates: int = 0
    decisions: int = 0
    duplicate_decisions: int = 0
    duplicate_ids: list[str] = field(default_factory=list)
    conflicts: tuple[Conflict, ...] = ()
    """Records whose id is stored with other content (`index` is the position in the batch):
    nothing of them is stored, their decisions neither."""


class BulkWriter:
    """Adds import records inside one write transaction (see `Store.bulk_writer`)."""

    def __init__(self, connection: sqlite3.Connection | Connection) -> None:
        connection = sqlite_connection(connection)
        self._connection = connection
        self._imported_at = codec.time_text(utc_now())
        self._next_decision_pk = self._next_pk("decision")
        reasons = connection.execute("SELECT code, position FROM reason").fetchall()
        self._reasons = {code for code, _ in reasons}
        self._next_reason_position = max((position for _, position in reasons), default=-1) + 1
        self.new_reasons: list[str] = []

    def set_form(self, queue: str, form: Form) -> Form:
        """Make `form` the queue's form in this transaction (see `Store.set_form`): an import
        that stops stores neither its records nor the form."""
        stored, _ = save_form(self._connection, queue, form, created_at=self._imported_at)
        return stored

    def form(self, queue: str) -> Form | None:
        """The queue's current form, as this transaction sees it."""
        found = load_form(self._connection, queue)
        return None if found is None else found[0]

    def note_templates(self, seen: Sequence[SeenTemplate], source: str) -> tuple[int, list[str]]:
        """Fill the prompt-template registry from the records' template texts, in this
        transaction (see `reviewdesk.store.templates.note_templates`)."""
        return note_templates(self._connection, seen, added_at=self._imported_at, source=source)

    def _next_pk(self, table: str) -> int:
        (pk,) = self._connection.execute(f"SELECT coalesce(max(pk), 0) + 1 FROM {table}").fetchone()
        return int(pk)

    def add(self, records: Sequence[ImportRecord]) -> BulkResult:
        """Store a batch of records. Generations already stored (or earlier in the batch) with
        the same content are duplicates and left as they are; their decisions are still added
        when new. With other content they are conflicts: nothing of them is stored."""
        inserted = insert_generations(
            self._connection,
            [(generation, 1) for generation, _ in records],
            imported_at=self._imported_at,
        )
        result = BulkResult(conflicts=inserted.conflicts)
        refused = {conflict.index for conflict in inserted.conflicts}
        seen: set[str] = set()
        decisions: list[tuple[Decision, int]] = []
        for index, (generation, drafts) in enumerate(records):
            if index in refused:
                continue
            if generation.id in inserted.created and generation.id not in seen:
                result.imported += 1
            else:
                result.duplicates += 1
                result.duplicate_ids.append(generation.id)
            seen.add(generation.id)
            if drafts:
                pk = inserted.pks[generation.id]
                decisions.extend((decision, pk) for decision in _chained(generation.id, drafts))
        if decisions:
            self._add_decisions(decisions, result)
        return result

    def add_comparisons(self, records: Sequence[ComparisonRecord]) -> ComparisonsAdded:
        """Store a batch of comparisons (and their decisions), by the rules of `add`: see
        `reviewdesk.store.comparisons`."""
        added = add_comparisons(self._connection, records, imported_at=self._imported_at)
        self._learn_reasons(sorted(added.reasons))
        return added

    def _add_decisions(self, decisions: list[tuple[Decision, int]], result: BulkResult) -> None:
        stored = _existing(self._connection, "decision", [decision.id for decision, _ in decisions])
        rows: list[tuple[Any, ...]] = []
        texts: list[tuple[Any, ...]] = []
        answered: list[tuple[Decision, int]] = []
        touched: set[int] = set()
        for decision, generation_pk in decisions:
            if decision.id in stored:
                result.duplicate_decisions += 1
                continue
            pk = self._next_decision_pk
            self._next_decision_pk += 1
            stored[decision.id] = pk
            rows.append(codec.decision_values(decision, pk, generation_pk))
            text = codec.decision_text_values(decision, pk)
            if text is not None:
                texts.append(text)
            if decision.answers:
                answered.append((decision, pk))
            touched.add(generation_pk)
            self._learn_reasons(decision.reasons)
            result.decisions += 1
        if not rows:
            return
        self._connection.executemany(codec.DECISION_INSERT, rows)
        if texts:
            self._connection.executemany(codec.DECISION_TEXT_INSERT, texts)
        insert_answers(self._connection, answered)
        self._connection.executemany(
            "UPDATE decision SET current = (pk = (SELECT max(pk) FROM decision later "
            "WHERE later.generation_pk = decision.generation_pk "
            "AND later.reviewer = decision.reviewer)) WHERE generation_pk = ?",
            [(pk,) for pk in touched],
        )
        self._connection.executemany(
            "UPDATE generation SET review_count = (SELECT count(DISTINCT reviewer) FROM decision "
            "WHERE decision.generation_pk = generation.pk) WHERE pk = ?",
            [(pk,) for pk in touched],
        )

    def _learn_reasons(self, reasons: Sequence[str]) -> None:
        # Labels made elsewhere may use reasons this store does not list yet: keep them and
        # add them to the taxonomy, so nothing imported is lost or unexplained.
        for code in reasons:
            if code in self._reasons:
                continue
            self._reasons.add(code)
            self.new_reasons.append(code)
            self._connection.execute(
                "INSERT INTO reason (code, label, position) VALUES (?, ?, ?)",
                (code, code.replace("_", " ").capitalize(), self._next_reason_position),
            )
            self._next_reason_position += 1


def _chained(generation_id: GenerationId, drafts: Sequence[Any]) -> list[Decision]:
    """The drafts as decisions, a reviewer's later decision superseding their earlier one."""
    decisions = sorted(
        (draft.to_decision(generation_id) for draft in drafts), key=lambda d: d.decided_at
    )
    latest: dict[str, Decision] = {}
    chained: list[Decision] = []
    for decision in decisions:
        previous = latest.get(decision.reviewer)
        if previous is not None and decision.supersedes is None:
            decision = decision.model_copy(update={"supersedes": previous.id})
        latest[decision.reviewer] = decision
        chained.append(decision)
    return chained
