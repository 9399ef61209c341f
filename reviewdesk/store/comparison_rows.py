"""Writing comparisons and their decisions on a SQLAlchemy connection, SQLite or PostgreSQL:
the queue server's write path (the import's is `comparisons.add_comparisons`, on sqlite3).

The rules are those of `comparisons`: a comparison id stored already (or earlier in the call)
with the same prompt and candidates' outputs and models is a duplicate; with other content a
`Conflict`, never merged. Decisions are append-only, `current` marks each reviewer's latest and
`review_count` counts distinct reviewers.

Primary keys are taken here, in the caller's write transaction: on SQLite the transaction holds
the write lock (`BEGIN IMMEDIATE`), so `max(pk) + 1` is safe; on PostgreSQL they come from the
tables' own sequences. Two pushes of one new id at once on PostgreSQL: the second waits on the
unique index and fails with an integrity error; the server's `transact` runs it again, and then
it finds the first one's row (a duplicate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter

from reviewdesk.domain import Comparison, ComparisonDecision
from reviewdesk.store import _codec as codec
from reviewdesk.store.comparisons import (
    candidate_text_values,
    candidate_values,
    content_key,
    decision_text_values,
    decision_values,
    differing_fields,
    prompt_json,
)
from reviewdesk.store.keys import NO_RISK
from reviewdesk.store.rows import Conflict

__all__ = [
    "StoredComparisons",
    "comparison_pks",
    "insert_comparison_decisions",
    "insert_comparisons",
]

_COMPARISON_COLUMNS = (
    "pk", "id", "queue", "risk", "candidate_count", "required_reviews", "review_count",
    "created_at", "imported_at",
)  # fmt: skip
_CANDIDATE_COLUMNS = (
    "pk", "comparison_pk", "position", "id", "model", "prompt_template", "prompt_version",
    "route", "top_severity", "flag_count", "latency_ms", "input_tokens", "output_tokens",
    "cost_usd",
)  # fmt: skip
_CANDIDATE_TEXT_COLUMNS = ("pk", "output", "flags", "usage", "trace_id", "extra")
_DECISION_COLUMNS = (
    "pk", "id", "comparison_pk", "reviewer", "preference", "shown_order", "edited", "reasons",
    "duration_ms", "decided_at", "supersedes", "session_id", "lease_id", "lease_epoch",
    "device_id", "form_version",
)  # fmt: skip
_DECISION_TEXT_COLUMNS = ("pk", "edited_output", "comment")
_ANSWER_COLUMNS = codec.ANSWER_COLUMNS


def _insert(table: str, columns: Sequence[str]) -> Any:
    return text(
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + column for column in columns)})"
    )


def _named(columns: Sequence[str], values: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in values]


def _new_pks(connection: Connection, table: str, count: int) -> list[int]:
    """`count` fresh primary keys of `table` (see the module's docstring)."""
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        return [
            int(pk)
            for (pk,) in connection.execute(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'pk')) "
                    "FROM generate_series(1, :count)"
                ),
                {"count": count},
            )
        ]
    (first,) = connection.execute(text(f"SELECT coalesce(max(pk), 0) + 1 FROM {table}")).one()
    return list(range(int(first), int(first) + count))


@dataclass(frozen=True)
class StoredComparisons:
    """What `insert_comparisons` did.

    Attributes:
        pks: the primary key of every comparison given that is stored now (new or not).
        created: the ids stored by this call.
        conflicts: the comparisons not stored (index: their position in the call).
    """

    pks: dict[str, int]
    created: frozenset[str]
    conflicts: tuple[Conflict, ...]


def comparison_pks(connection: Connection, ids: Sequence[str]) -> dict[str, int]:
    """The primary keys of the stored comparisons with these ids."""
    if not ids:
        return {}
    found = connection.execute(
        text("SELECT id, pk FROM comparison WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": sorted(set(ids))},
    )
    return {row[0]: row[1] for row in found}


def _stored_contents(connection: Connection, pks: dict[str, int]) -> dict[str, tuple[str, str]]:
    """(content, imported_at) of stored comparisons, as `content_key` writes the content."""
    if not pks:
        return {}
    by_pk = {pk: cid for cid, pk in pks.items()}
    expanding: BindParameter[Any] = bindparam("pks", expanding=True)
    heads = {
        row[0]: (row[1], row[2])
        for row in connection.execute(
            text(
                "SELECT c.pk, t.prompt, c.imported_at FROM comparison c "
                "JOIN comparison_text t ON t.pk = c.pk WHERE c.pk IN :pks"
            ).bindparams(expanding),
            {"pks": sorted(by_pk)},
        )
    }
    candidates: dict[int, list[list[str]]] = {}
    for pk, output, model in connection.execute(
        text(
            "SELECT c.comparison_pk, t.output, c.model FROM comparison_candidate c "
            "JOIN comparison_candidate_text t ON t.pk = c.pk WHERE c.comparison_pk IN :pks "
            "ORDER BY c.comparison_pk, c.position"
        ).bindparams(expanding),
        {"pks": sorted(by_pk)},
    ):
        candidates.setdefault(pk, []).append([output, model])
    return {
        by_pk[pk]: (orjson.dumps([prompt, candidates.get(pk, [])]).decode(), stamp)
        for pk, (prompt, stamp) in heads.items()
    }


def insert_comparisons(
    connection: Connection,
    comparisons: Sequence[tuple[Comparison, int]],
    *,
    imported_at: str,
) -> StoredComparisons:
    """Store the comparisons (each with its `required_reviews`) whose id is new, with their
    text and candidates, in the caller's write transaction (no decisions: the caller records
    those its own way)."""
    pks = comparison_pks(connection, [comparison.id for comparison, _ in comparisons])
    contents = _stored_contents(connection, pks)
    new = list(
        {
            comparison.id: (comparison, required)
            for comparison, required in reversed(comparisons)
            if comparison.id not in pks
        }.values()
    )[::-1]  # the first copy of each new id, in call order
    new_pks = _new_pks(connection, "comparison", len(new))
    candidate_pks = _new_pks(
        connection, "comparison_candidate", sum(len(c.candidates) for c, _ in new)
    )
    rows: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []
    candidates: list[tuple[Any, ...]] = []
    candidate_texts: list[tuple[Any, ...]] = []
    next_candidate = iter(candidate_pks)
    for pk, (comparison, required) in zip(new_pks, new, strict=True):
        pks[comparison.id] = pk
        rows.append(
            (
                pk,
                comparison.id,
                comparison.queue,
                NO_RISK if comparison.risk is None else comparison.risk,
                len(comparison.candidates),
                required,
                0,
                None if comparison.created_at is None else codec.time_text(comparison.created_at),
                imported_at,
            )
        )
        texts.append(
            (
                pk,
                prompt_json(comparison),
                orjson.dumps(comparison.metadata).decode() if comparison.metadata else None,
            )
        )
        for position, candidate in enumerate(comparison.candidates):
            candidate_pk = next(next_candidate)
            candidates.append(candidate_values(candidate_pk, pk, position, comparison, candidate))
            candidate_texts.append(candidate_text_values(candidate_pk, candidate))
    if rows:
        connection.execute(
            _insert("comparison", _COMPARISON_COLUMNS), _named(_COMPARISON_COLUMNS, rows)
        )
        connection.execute(
            _insert("comparison_text", ("pk", "prompt", "extra")),
            _named(("pk", "prompt", "extra"), texts),
        )
        connection.execute(
            _insert("comparison_candidate", _CANDIDATE_COLUMNS),
            _named(_CANDIDATE_COLUMNS, candidates),
        )
        connection.execute(
            _insert("comparison_candidate_text", _CANDIDATE_TEXT_COLUMNS),
            _named(_CANDIDATE_TEXT_COLUMNS, candidate_texts),
        )
    created = frozenset(comparison.id for comparison, _ in new)
    conflicts: list[Conflict] = []
    seen: dict[str, str] = {}
    for index, (comparison, _) in enumerate(comparisons):
        cid = comparison.id
        if cid in contents:
            stored, stamp = contents[cid]
            fields = differing_fields(comparison, stored)
            if fields:
                conflicts.append(Conflict(index, cid, fields, stamp == imported_at))
        elif cid in seen:
            fields = differing_fields(comparison, seen[cid])
            if fields:
                conflicts.append(Conflict(index, cid, fields, True))
        else:
            seen[cid] = content_key(comparison)
    return StoredComparisons(pks, created, tuple(conflicts))


def insert_comparison_decisions(
    connection: Connection, decisions: Sequence[tuple[ComparisonDecision, int]]
) -> dict[str, int]:
    """Store decisions (each with its comparison's pk, ids not stored yet) in the caller's
    write transaction; keep `current` and `review_count`. Each decision's primary key."""
    if not decisions:
        return {}
    pks = _new_pks(connection, "comparison_decision", len(decisions))
    rows = [
        decision_values(decision, pk, comparison_pk)
        for pk, (decision, comparison_pk) in zip(pks, decisions, strict=True)
    ]
    texts = [
        found
        for pk, (decision, _) in zip(pks, decisions, strict=True)
        if (found := decision_text_values(decision, pk)) is not None
    ]
    answers = [
        row
        for pk, (decision, _) in zip(pks, decisions, strict=True)
        for row in codec.answer_values(decision, pk)
    ]
    connection.execute(
        _insert("comparison_decision", _DECISION_COLUMNS), _named(_DECISION_COLUMNS, rows)
    )
    if texts:
        connection.execute(
            _insert("comparison_decision_text", _DECISION_TEXT_COLUMNS),
            _named(_DECISION_TEXT_COLUMNS, texts),
        )
    if answers:  # in the decision's own transaction: both are stored, or neither
        connection.execute(
            _insert("comparison_decision_answer", _ANSWER_COLUMNS),
            _named(_ANSWER_COLUMNS, answers),
        )
    touched = sorted({comparison_pk for _, comparison_pk in decisions})
    marks = [{"pk": pk} for pk in touched]
    connection.execute(
        text(
            "UPDATE comparison_decision SET current = (pk = (SELECT max(later.pk) "
            "FROM comparison_decision later WHERE later.comparison_pk = "
            "comparison_decision.comparison_pk AND later.reviewer = comparison_decision.reviewer"
            ")) WHERE comparison_pk = :pk"
        ),
        marks,
    )
    connection.execute(
        text(
            "UPDATE comparison SET review_count = (SELECT count(DISTINCT reviewer) "
            "FROM comparison_decision d WHERE d.comparison_pk = comparison.pk) WHERE pk = :pk"
        ),
        marks,
    )
    return {decision.id: pk for pk, (decision, _) in zip(pks, decisions, strict=True)}
