"""Writing and reading comparisons (pairwise review) and their decisions.

The tables and why comparisons have their own are described in `comparison_tables`. The rules
are those of generations and decisions:

- a comparison id stored already (or earlier in the same call) with the same content (prompt,
  every candidate's output and model) is a duplicate and left as it is; with other content it
  is a `Conflict` (never merged; its decisions are not stored either);
- decisions are append-only: a decision id stored already is a duplicate; a reviewer's later
  decision supersedes their earlier one, and `current` marks each reviewer's latest;
- `review_count` is the number of distinct reviewers, as for items.

Writing: `add_comparisons` (an import, in the caller's SQLite write transaction: the
`BulkWriter`'s connection or `Store.writing()`), `add_comparison_decisions`, and
`record_comparison_decision` (one decision, durably, idempotent by id: what the desk's and the
server's comparison loop build on).
Reading: `load_comparisons`, `load_comparison_decisions`, `iter_comparisons` (pages in pk
order, on any SQLAlchemy connection: SQLite or PostgreSQL), `count_comparisons`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from reviewdesk.domain import (
    Answer,
    Candidate,
    Comparison,
    ComparisonDecision,
    ComparisonId,
    ComparisonRecord,
    Flag,
    GenerationId,
    Message,
    Preference,
    Role,
    ShownOrder,
    Usage,
)
from reviewdesk.errors import DecisionConflictError, UnknownItemError
from reviewdesk.store import _codec as codec
from reviewdesk.store import outbox
from reviewdesk.store.keys import NO_RISK
from reviewdesk.store.rows import Conflict

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path

    from sqlalchemy.engine import Connection

__all__ = [
    "COMPARISON_CONTENT",
    "ComparisonsAdded",
    "add_comparison_decisions",
    "add_comparisons",
    "answers_by_pk",
    "answers_sqlite",
    "comparison_counts",
    "count_comparisons",
    "iter_comparisons",
    "load_comparison_decisions",
    "load_comparison_decisions_by_id",
    "load_comparisons",
    "record_comparison_decision",
]

COMPARISON_CONTENT = ("prompt", "candidates")
"""What makes a comparison the one it is: the same id with another prompt, or another output
or model of any candidate, is a conflict."""

_CHUNK = 900


@dataclass
class ComparisonsAdded:
    """What one `add_comparisons` call stored."""

    imported: int = 0
    duplicates: int = 0
    decisions: int = 0
    duplicate_decisions: int = 0
    conflicts: tuple[Conflict, ...] = ()
    reasons: set[str] = field(default_factory=set)
    """Every reason code the stored decisions cite (for the store's taxonomy)."""


def prompt_json(comparison: Comparison) -> str:
    prompt: Any = comparison.prompt
    if not isinstance(prompt, str):
        prompt = [{"role": str(message.role), "content": message.content} for message in prompt]
    return orjson.dumps(prompt).decode()


def content_key(comparison: Comparison) -> str:
    """The content the duplicate/conflict rule compares, as one text."""
    return orjson.dumps(
        [
            prompt_json(comparison),
            [[candidate.output, candidate.model] for candidate in comparison.candidates],
        ]
    ).decode()


def differing_fields(comparison: Comparison, stored: str) -> tuple[str, ...]:
    prompt, candidates = orjson.loads(stored)
    fields: list[str] = []
    if prompt_json(comparison) != prompt:
        fields.append("prompt")
    mine = [[candidate.output, candidate.model] for candidate in comparison.candidates]
    if len(mine) != len(candidates):
        fields.append("candidates")
    else:
        for position, (one, other) in enumerate(zip(mine, candidates, strict=True)):
            if one[0] != other[0]:
                fields.append(f"candidates[{position}].output")
            if one[1] != other[1]:
                fields.append(f"candidates[{position}].model")
    return tuple(fields)


def _stored(connection: sqlite3.Connection, ids: Sequence[str]) -> dict[str, tuple[int, str, str]]:
    """(pk, content, imported_at) of the stored comparisons with these ids."""
    found: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = connection.execute(
            f"SELECT c.id, c.pk, c.imported_at FROM comparison c "
            f"WHERE c.id IN ({', '.join('?' * len(chunk))})",
            tuple(chunk),
        ).fetchall()
        for cid, pk, stamp in rows:
            found[cid] = (pk, _stored_content(connection, pk), stamp)
    return found


def _stored_content(connection: sqlite3.Connection, pk: int) -> str:
    (prompt,) = connection.execute(
        "SELECT prompt FROM comparison_text WHERE pk = ?", (pk,)
    ).fetchone()
    candidates = connection.execute(
        "SELECT t.output, c.model FROM comparison_candidate c "
        "JOIN comparison_candidate_text t ON t.pk = c.pk "
        "WHERE c.comparison_pk = ? ORDER BY c.position",
        (pk,),
    ).fetchall()
    return orjson.dumps([prompt, [list(row) for row in candidates]]).decode()


def _next_pk(connection: sqlite3.Connection, table: str) -> int:
    (pk,) = connection.execute(f"SELECT coalesce(max(pk), 0) + 1 FROM {table}").fetchone()
    return int(pk)


def add_comparisons(
    connection: sqlite3.Connection,
    records: Sequence[ComparisonRecord],
    *,
    imported_at: str,
    required_reviews: int = 1,
) -> ComparisonsAdded:
    """Store comparisons with the decisions they carry, in the caller's write transaction
    (the caller holds SQLite's write lock, so primary keys are taken here)."""
    result = ComparisonsAdded()
    stored = _stored(connection, [comparison.id for comparison, _ in records])
    pks = {cid: pk for cid, (pk, _, _) in stored.items()}
    contents = {cid: (content, stamp) for cid, (_, content, stamp) in stored.items()}
    next_pk = _next_pk(connection, "comparison")
    next_candidate = _next_pk(connection, "comparison_candidate")
    rows: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []
    candidates: list[tuple[Any, ...]] = []
    candidate_texts: list[tuple[Any, ...]] = []
    conflicts: list[Conflict] = []
    decisions: list[tuple[ComparisonDecision, int]] = []
    for index, (comparison, drafts) in enumerate(records):
        cid = comparison.id
        if cid in contents:
            content, stamp = contents[cid]
            fields = differing_fields(comparison, content)
            if fields:
                conflicts.append(Conflict(index, cid, fields, stamp == imported_at))
                continue
            result.duplicates += 1
        else:
            pk = pks[cid] = next_pk
            next_pk += 1
            contents[cid] = (content_key(comparison), imported_at)
            result.imported += 1
            rows.append(
                (
                    pk,
                    cid,
                    comparison.queue,
                    NO_RISK if comparison.risk is None else comparison.risk,
                    len(comparison.candidates),
                    required_reviews,
                    None
                    if comparison.created_at is None
                    else codec.time_text(comparison.created_at),
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
                candidates.append(
                    candidate_values(next_candidate, pk, position, comparison, candidate)
                )
                candidate_texts.append(candidate_text_values(next_candidate, candidate))
                next_candidate += 1
        decisions.extend((decision, pks[cid]) for decision in _chained(cid, drafts))
    if rows:
        connection.executemany(
            "INSERT INTO comparison (pk, id, queue, risk, candidate_count, required_reviews, "
            "review_count, created_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
            rows,
        )
        connection.executemany(
            "INSERT INTO comparison_text (pk, prompt, extra) VALUES (?, ?, ?)", texts
        )
        connection.executemany(
            "INSERT INTO comparison_candidate (pk, comparison_pk, position, id, model, "
            "prompt_template, prompt_version, route, top_severity, flag_count, latency_ms, "
            "input_tokens, output_tokens, cost_usd) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            candidates,
        )
        connection.executemany(
            "INSERT INTO comparison_candidate_text (pk, output, flags, usage, trace_id, extra) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            candidate_texts,
        )
    result.conflicts = tuple(conflicts)
    added = add_comparison_decisions(connection, decisions)
    result.decisions, result.duplicate_decisions = added
    result.reasons = {code for decision, _ in decisions for code in decision.reasons}
    return result


def candidate_values(
    pk: int, comparison_pk: int, position: int, comparison: Comparison, candidate: Candidate
) -> tuple[Any, ...]:
    top = candidate.top_severity
    usage = candidate.usage
    return (
        pk,
        comparison_pk,
        position,
        comparison.candidate_id(position),
        candidate.model,
        candidate.prompt_template,
        candidate.prompt_version,
        candidate.route,
        0 if top is None else top.rank,
        len(candidate.flags),
        candidate.latency_ms,
        None if usage is None else usage.input_tokens,
        None if usage is None else usage.output_tokens,
        None if usage is None else usage.cost_usd,
    )


def candidate_text_values(pk: int, candidate: Candidate) -> tuple[Any, ...]:
    usage = candidate.usage
    return (
        pk,
        candidate.output,
        orjson.dumps([flag.model_dump(mode="json") for flag in candidate.flags]).decode()
        if candidate.flags
        else None,
        None if usage is None else orjson.dumps(usage.model_dump(exclude_none=True)).decode(),
        candidate.trace_id,
        orjson.dumps(candidate.metadata).decode() if candidate.metadata else None,
    )


def _chained(comparison_id: ComparisonId, drafts: Sequence[Any]) -> list[ComparisonDecision]:
    """The drafts as decisions, a reviewer's later decision superseding their earlier one."""
    decisions = sorted(
        (draft.to_decision(comparison_id) for draft in drafts), key=lambda d: d.decided_at
    )
    latest: dict[str, ComparisonDecision] = {}
    chained: list[ComparisonDecision] = []
    for decision in decisions:
        previous = latest.get(decision.reviewer)
        if previous is not None and decision.supersedes is None:
            decision = decision.model_copy(update={"supersedes": previous.id})
        latest[decision.reviewer] = decision
        chained.append(decision)
    return chained


def add_comparison_decisions(
    connection: sqlite3.Connection, decisions: Sequence[tuple[ComparisonDecision, int]]
) -> tuple[int, int]:
    """Store decisions (each with its comparison's pk) whose id is new, in the caller's write
    transaction; keep `current` and `review_count`. (stored, duplicates)."""
    if not decisions:
        return 0, 0
    ids = [decision.id for decision, _ in decisions]
    known: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        known.update(
            row[0]
            for row in connection.execute(
                f"SELECT id FROM comparison_decision WHERE id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
        )
    next_pk = _next_pk(connection, "comparison_decision")
    rows: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    touched: set[int] = set()
    duplicates = 0
    for decision, comparison_pk in decisions:
        if decision.id in known:
            duplicates += 1
            continue
        known.add(decision.id)
        pk = next_pk
        next_pk += 1
        rows.append(decision_values(decision, pk, comparison_pk))
        text_row = decision_text_values(decision, pk)
        if text_row is not None:
            texts.append(text_row)
        answers.extend(codec.answer_values(decision, pk))
        touched.add(comparison_pk)
    if rows:
        connection.executemany(
            "INSERT INTO comparison_decision (pk, id, comparison_pk, reviewer, preference, "
            "shown_order, edited, reasons, duration_ms, decided_at, supersedes, session_id, "
            "lease_id, lease_epoch, device_id, form_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    if texts:
        connection.executemany(
            "INSERT INTO comparison_decision_text (pk, edited_output, comment) VALUES (?, ?, ?)",
            texts,
        )
    if answers:
        connection.executemany(ANSWER_INSERT, answers)
    if touched:
        marks = [(pk,) for pk in touched]
        connection.executemany(
            "UPDATE comparison_decision SET current = (pk = (SELECT max(later.pk) "
            "FROM comparison_decision later WHERE later.comparison_pk = "
            "comparison_decision.comparison_pk AND later.reviewer = comparison_decision.reviewer"
            ")) WHERE comparison_pk = ?",
            marks,
        )
        connection.executemany(
            "UPDATE comparison SET review_count = (SELECT count(DISTINCT reviewer) "
            "FROM comparison_decision d WHERE d.comparison_pk = comparison.pk) WHERE pk = ?",
            marks,
        )
    return len(rows), duplicates


def decision_values(decision: ComparisonDecision, pk: int, comparison_pk: int) -> tuple[Any, ...]:
    """A decision's `comparison_decision` row, in `DECISION_COLUMNS` order."""
    return (
        pk,
        decision.id,
        comparison_pk,
        decision.reviewer,
        str(decision.preference),
        None if decision.shown_order is None else str(decision.shown_order),
        decision.edited_output is not None,
        orjson.dumps(list(decision.reasons)).decode(),
        decision.duration_ms,
        codec.time_text(decision.decided_at),
        decision.supersedes,
        decision.session_id,
        decision.lease_id,
        decision.lease_epoch,
        decision.device_id,
        decision.form_version,
    )


def decision_text_values(decision: ComparisonDecision, pk: int) -> tuple[Any, ...] | None:
    """A decision's `comparison_decision_text` row, or None when it has no text."""
    if decision.edited_output is None and not decision.comment:
        return None
    return (pk, decision.edited_output, decision.comment)


ANSWER_INSERT = (
    f"INSERT INTO comparison_decision_answer ({', '.join(codec.ANSWER_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(codec.ANSWER_COLUMNS))})"
)
_ANSWER_SELECT = (
    "SELECT a.decision_pk, a.key, a.position, a.text_value, a.number_value, a.span_start, "
    "a.span_end, a.span_label FROM comparison_decision_answer a"
)


def answers_sqlite(
    connection: sqlite3.Connection, pks: Sequence[int]
) -> dict[int, dict[str, Answer]]:
    """The answers of the comparison decisions among these pks that have any, by pk."""
    rows: list[Sequence[Any]] = []
    wanted = sorted(set(pks))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows.extend(
            connection.execute(
                f"{_ANSWER_SELECT} WHERE a.decision_pk IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY a.pk",
                tuple(chunk),
            ).fetchall()
        )
    return codec.answers_from_rows(rows)


def answers_by_pk(connection: Connection, pks: Sequence[int]) -> dict[int, dict[str, Answer]]:
    """`answers_sqlite` on a SQLAlchemy connection (SQLite or PostgreSQL)."""
    from sqlalchemy import bindparam, text

    rows: list[Sequence[Any]] = []
    wanted = sorted(set(pks))
    for start in range(0, len(wanted), _CHUNK):
        rows.extend(
            connection.execute(
                text(f"{_ANSWER_SELECT} WHERE a.decision_pk IN :pks ORDER BY a.pk").bindparams(
                    bindparam("pks", expanding=True)
                ),
                {"pks": wanted[start : start + _CHUNK]},
            )
        )
    return codec.answers_from_rows(rows)


class WritableStore(Protocol):
    """What `record_comparison_decision` needs of a `Store` (named apart: `store.store` imports
    the bulk writer, which imports this module)."""

    path: Path

    def writing(self) -> AbstractContextManager[sqlite3.Connection]: ...


def record_comparison_decision(
    store: WritableStore, decision: ComparisonDecision
) -> ComparisonDecision:
    """Store one decision on a comparison durably (returns after the commit reached the disk).

    Idempotent by decision id: the same decision again is a no-op; the id with another content
    is refused. When the reviewer had decided the comparison before and `supersedes` is not
    given, the new decision supersedes their latest one. A decision on a comparison checked out
    from a queue server takes the lease's id and epoch and is queued in the sync outbox in the
    same transaction, as an item's (`Store.record_decision`).

    Raises:
        UnknownItemError: the comparison is not in the store.
        DecisionConflictError: the decision id is stored with another content.
    """
    with store.writing() as connection:
        row = connection.execute(f"{_DECISION_SELECT} WHERE d.id = ?", (decision.id,)).fetchone()
        if row is not None:
            stored = _decision(row, answers_sqlite(connection, [row[-1]]).get(row[-1]))
            same: dict[str, Any] = {"supersedes": decision.supersedes}
            if decision.lease_id is None:  # the lease was added here, from the lease cache
                same.update(lease_id=None, lease_epoch=None)
            if stored.model_copy(update=same) != decision:
                raise DecisionConflictError(
                    f"decision {decision.id} is already stored with another content"
                )
            return stored
        found = connection.execute(
            "SELECT pk FROM comparison WHERE id = ?", (decision.comparison_id,)
        ).fetchone()
        if found is None:
            raise UnknownItemError(
                f"there is no comparison {decision.comparison_id} in {store.path}"
            )
        (pk,) = found
        if decision.supersedes is None:
            previous = connection.execute(
                "SELECT id FROM comparison_decision WHERE comparison_pk = ? AND reviewer = ? "
                "ORDER BY pk DESC LIMIT 1",
                (pk, decision.reviewer),
            ).fetchone()
            if previous is not None:
                decision = decision.model_copy(update={"supersedes": previous[0]})
        lease = outbox.comparison_lease_of(connection, decision.comparison_id)
        if lease is not None and decision.lease_id is None:
            decision = decision.model_copy(update={"lease_id": lease[0], "lease_epoch": lease[1]})
        add_comparison_decisions(connection, [(decision, pk)])
        if lease is not None:
            outbox.enqueue_comparison(connection, decision)
        return decision


def comparison_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """How many comparisons, pending ones (fewer reviews than required) and comparison
    decisions the store holds (for `reviewdesk info`)."""
    comparisons, pending = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE review_count < required_reviews) FROM comparison"
    ).fetchone()
    (decisions,) = connection.execute("SELECT count(*) FROM comparison_decision").fetchone()
    return {
        "comparisons": comparisons,
        "pending_comparisons": pending,
        "comparison_decisions": decisions,
    }


# -- reading ------------------------------------------------------------------------------------


def comparison_select(comparison: str = "c", texts: str = "t") -> str:
    """The select list `comparison_from_row` reads, over `comparison` and `comparison_text`
    joined under these aliases."""
    c, t = comparison, texts
    return f"{c}.pk, {c}.id, {c}.queue, {c}.risk, {c}.created_at, {t}.prompt, {t}.extra"


_CANDIDATE_COLUMNS = (
    "c.comparison_pk, c.position, c.id, c.model, c.prompt_template, c.prompt_version, "
    "c.route, c.latency_ms, t.output, t.flags, t.usage, t.trace_id, t.extra"
)
_CANDIDATES_FROM = "comparison_candidate c JOIN comparison_candidate_text t ON t.pk = c.pk"
_COMPARISON_SELECT = (
    f"SELECT {comparison_select()} FROM comparison c JOIN comparison_text t ON t.pk = c.pk"
)
_CANDIDATE_SELECT = f"SELECT {_CANDIDATE_COLUMNS} FROM {_CANDIDATES_FROM}"


def candidates_json(comparison_pk: str) -> str:
    """PostgreSQL: a subquery giving the candidates of the comparison whose pk is the SQL
    expression `comparison_pk`, as a JSON array of rows in position order (the second argument
    of `comparison_from_row`). Inside it `c` and `t` are its own tables: the expression must
    name its table by another alias."""
    return (
        f"(SELECT json_agg(json_build_array({_CANDIDATE_COLUMNS}) ORDER BY c.position) "
        f"FROM {_CANDIDATES_FROM} WHERE c.comparison_pk = {comparison_pk})"
    )


def comparison_from_row(
    row: Sequence[Any], candidates: Sequence[Sequence[Any]] | None
) -> Comparison:
    """A comparison of a `comparison_select` row and its candidates' rows (`candidates_json`,
    decoded)."""
    return _comparison(row, [_candidate(candidate) for candidate in candidates or ()])


_DECISION_SELECT = (
    "SELECT d.comparison_pk, c.id, d.id, d.reviewer, d.preference, d.shown_order, d.reasons, "
    "d.duration_ms, d.decided_at, d.supersedes, d.session_id, d.lease_id, d.lease_epoch, "
    "d.device_id, d.form_version, t.edited_output, t.comment, d.current, d.pk "
    "FROM comparison_decision d JOIN comparison c ON c.pk = d.comparison_pk "
    "LEFT JOIN comparison_decision_text t ON t.pk = d.pk"
)


def _prompt(stored: str) -> Any:
    prompt = orjson.loads(stored)
    if isinstance(prompt, str):
        return prompt
    return tuple(
        Message.model_construct(role=Role(turn["role"]), content=turn["content"]) for turn in prompt
    )


def _candidate(row: Sequence[Any]) -> Candidate:
    (_, _, cid, model, template, version, route, latency, output, flags, usage, trace, extra) = row
    return Candidate.model_construct(
        id=GenerationId(cid),
        output=output,
        model=model,
        prompt_template=template,
        prompt_version=version,
        route=route,
        flags=tuple(Flag.model_validate(flag) for flag in orjson.loads(flags)) if flags else (),
        usage=None if usage is None else Usage.model_validate(orjson.loads(usage)),
        latency_ms=latency,
        trace_id=trace,
        metadata=orjson.loads(extra) if extra else {},
    )


def _comparison(row: Sequence[Any], candidates: Sequence[Candidate]) -> Comparison:
    _, cid, queue, risk, created_at, prompt, extra = row
    return Comparison.model_construct(
        id=ComparisonId(cid),
        prompt=_prompt(prompt),
        candidates=tuple(candidates),
        queue=queue,
        risk=None if risk == NO_RISK else risk,
        created_at=None if created_at is None else codec.parse_time(created_at),
        metadata=orjson.loads(extra) if extra else {},
    )


def _decision(row: Sequence[Any], answers: dict[str, Answer] | None) -> ComparisonDecision:
    """A decision of a `_DECISION_SELECT` row, with its answers (read apart: `answers_sqlite`,
    `answers_by_pk`, by the row's last column, the decision's pk)."""
    (
        _,
        cid,
        did,
        reviewer,
        preference,
        shown_order,
        reasons,
        duration,
        decided_at,
        supersedes,
        session,
        lease,
        epoch,
        device,
        form_version,
        edited,
        comment,
        _current,
        _pk,
    ) = row
    return ComparisonDecision.model_validate(
        {
            "id": did,
            "comparison_id": cid,
            "reviewer": reviewer,
            "preference": Preference(preference),
            "shown_order": None if shown_order is None else ShownOrder(shown_order),
            "reasons": orjson.loads(reasons),
            "duration_ms": duration,
            "decided_at": codec.parse_time(decided_at),
            "supersedes": supersedes,
            "session_id": session,
            "lease_id": lease,
            "lease_epoch": epoch,
            "device_id": device,
            "form_version": form_version,
            "edited_output": edited,
            "comment": comment,
            "answers": answers or {},
        }
    )


def _rows(connection: Connection, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
    from sqlalchemy import text

    return list(connection.execute(text(sql), params))


def iter_comparisons(
    connection: Connection, *, page: int = 500
) -> Iterator[tuple[Comparison, list[ComparisonDecision]]]:
    """Every comparison with all its decisions (in decision order), in pk order, read a page at
    a time: memory holds one page, whatever the store's size."""
    after = 0
    while True:
        found = _rows(
            connection,
            f"{_COMPARISON_SELECT} WHERE c.pk > :after ORDER BY c.pk LIMIT :page",
            {"after": after, "page": page},
        )
        if not found:
            return
        low, high = found[0][0], found[-1][0]
        by_pk: dict[int, list[Candidate]] = {}
        for row in _rows(
            connection,
            f"{_CANDIDATE_SELECT} WHERE c.comparison_pk BETWEEN :low AND :high "
            "ORDER BY c.comparison_pk, c.position",
            {"low": low, "high": high},
        ):
            by_pk.setdefault(row[0], []).append(_candidate(row))
        decisions: dict[int, list[ComparisonDecision]] = {}
        decision_rows = _rows(
            connection,
            f"{_DECISION_SELECT} WHERE d.comparison_pk BETWEEN :low AND :high ORDER BY d.pk",
            {"low": low, "high": high},
        )
        answers = answers_by_pk(connection, [row[-1] for row in decision_rows])
        for row in decision_rows:
            decisions.setdefault(row[0], []).append(_decision(row, answers.get(row[-1])))
        for row in found:
            yield _comparison(row, by_pk.get(row[0], [])), decisions.get(row[0], [])
        after = high


def load_comparisons(connection: Connection, ids: Sequence[str]) -> dict[str, Comparison]:
    """The stored comparisons with these ids (unknown ids are left out)."""
    from sqlalchemy import bindparam, text

    if not ids:
        return {}
    found = list(
        connection.execute(
            text(f"{_COMPARISON_SELECT} WHERE c.id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": list(ids)},
        )
    )
    pks = [row[0] for row in found]
    by_pk: dict[int, list[Candidate]] = {}
    if pks:
        for row in connection.execute(
            text(
                f"{_CANDIDATE_SELECT} WHERE c.comparison_pk IN :pks "
                "ORDER BY c.comparison_pk, c.position"
            ).bindparams(bindparam("pks", expanding=True)),
            {"pks": pks},
        ):
            by_pk.setdefault(row[0], []).append(_candidate(row))
    return {row[1]: _comparison(row, by_pk.get(row[0], [])) for row in found}


def load_comparison_decisions(
    connection: Connection, comparison_id: str
) -> list[ComparisonDecision]:
    """Every decision on one comparison, in the order they were stored."""
    found = _rows(
        connection, f"{_DECISION_SELECT} WHERE c.id = :id ORDER BY d.pk", {"id": comparison_id}
    )
    answers = answers_by_pk(connection, [row[-1] for row in found])
    return [_decision(row, answers.get(row[-1])) for row in found]


def load_comparison_decisions_by_id(
    connection: Connection, ids: Sequence[str]
) -> dict[str, ComparisonDecision]:
    """The stored comparison decisions with these ids (unknown ids are left out)."""
    from sqlalchemy import bindparam, text

    if not ids:
        return {}
    found = list(
        connection.execute(
            text(f"{_DECISION_SELECT} WHERE d.id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": sorted(set(ids))},
        )
    )
    answers = answers_by_pk(connection, [row[-1] for row in found])
    return {row[2]: _decision(row, answers.get(row[-1])) for row in found}


def count_comparisons(connection: Connection) -> int:
    """How many comparisons the store holds."""
    (count,) = _rows(connection, "SELECT count(*) FROM comparison", {})[0]
    return int(count)
