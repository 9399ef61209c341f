"""The store's core tables for the other layers: writing and reading generations and decisions
on any connection (the desk's sqlite3, SQLAlchemy on SQLite or PostgreSQL).

The core tables are `generation` (narrow keys), `generation_text`, `flag`, `decision` (narrow
keys) and `decision_text`. Every write to them goes through this module or through `Store`:

- `insert_generations`: the one path that stores new generations, used alike by an import
  (`BulkWriter`) and by the queue server's `POST /v1/items`;
- `insert_decisions`: decisions as their reviewers' current ones, with the items' review counts
  (the queue server's SQLite path; the desk's own path is `Store.record_decision`);
- `DECISION_FIELDS` / `decision_fields`: a decision's column values by name, for a statement
  that writes decisions together with other tables in one round trip (the queue server's
  PostgreSQL path);
- `insert_answers`: decisions' form answers (narrow `decision_answer` rows), in the caller's
  transaction, by every path that writes decisions;
- `save_form` / `load_form`: a queue's review form, every version kept.

Reading: `load_generations`, `load_decisions` (with their answers, `load_answers`),
`current_decisions`, `generation_pks`, and for a
query that loads generations inside a larger statement, `generation_select` with
`generation_from_row`. Times are fixed-width UTC text (`time_text`, `parse_time`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reviewdesk.domain import Answer, Decision, Form, Generation
from reviewdesk.store import _codec as codec
from reviewdesk.store.driver_sql import DriverSql
from reviewdesk.store.keys import NO_RISK

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = [
    "CONTENT_FIELDS",
    "DECISION_FIELDS",
    "Conflict",
    "CurrentDecision",
    "Inserted",
    "answers_by_pk",
    "current_decisions",
    "current_forms",
    "decision_fields",
    "differing_content",
    "flag_select",
    "generation_from_row",
    "generation_pks",
    "generation_select",
    "insert_answers",
    "insert_decisions",
    "insert_generations",
    "load_answers",
    "load_decision",
    "load_decisions",
    "load_form",
    "load_generations",
    "parse_time",
    "save_form",
    "sqlite_connection",
    "stored_risk",
    "time_text",
]

time_text = codec.time_text
parse_time = codec.parse_time
generation_from_row = codec.generation_from_row

_CHUNK = 900  # ids per IN (...) look-up, under SQLite's old 999-parameter limit


def sqlite_connection(connection: sqlite3.Connection | Connection) -> sqlite3.Connection:
    """The sqlite3 connection to write through. A SQLAlchemy connection (the queue server on
    SQLite, a migration) is begun first if need be, so the rows go into its transaction and its
    `commit()` commits them.

    Raises:
        TypeError: the SQLAlchemy connection is not on SQLite.
    """
    if isinstance(connection, sqlite3.Connection):
        return connection
    if not connection.in_transaction():
        connection.begin()
    driver = connection.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):
        raise TypeError(f"not an SQLite connection: {type(driver).__name__}")
    return driver


def _is_sqlite(connection: sqlite3.Connection | Connection) -> bool:
    return isinstance(connection, sqlite3.Connection) or connection.dialect.name == "sqlite"


# -- generations --------------------------------------------------------------------------------


CONTENT_FIELDS = ("prompt", "output", "model")
"""What makes an item the item it is: the same id with any of these different is a conflict."""


@dataclass(frozen=True)
class Conflict:
    """A generation whose id is stored already (or earlier in the same call) with other content.

    Attributes:
        index: its position in the `generations` given to `insert_generations`.
        fields: the content fields that differ, in `CONTENT_FIELDS` order.
        same_import: the stored one came in with the same call or the same import (the same
            `imported_at`), not before it.
    """

    index: int
    id: str
    fields: tuple[str, ...]
    same_import: bool


@dataclass(frozen=True)
class Inserted:
    """What `insert_generations` did: the pk of every id it was given, which it stored, and
    which it refused because the id is stored with other content (those keep the stored item's
    pk in `pks`: it is that item's, not theirs)."""

    pks: dict[str, int]
    created: frozenset[str]
    conflicts: tuple[Conflict, ...] = ()


def insert_generations(
    connection: sqlite3.Connection | Connection,
    generations: Sequence[tuple[Generation, int]],
    *,
    imported_at: str,
) -> Inserted:
    """Store the generations (each with its `required_reviews`) whose id is not stored yet,
    with their text and flags, in the caller's transaction. An id stored already, or earlier
    in `generations`, is left as it is: with the same content a duplicate, with a different
    prompt, output or model a `Conflict` (never merged into the stored item).

    On SQLite the caller holds the write lock (`BEGIN IMMEDIATE`): primary keys are assigned
    here and the rows go in through `executemany`, the fastest path SQLite has. On PostgreSQL
    the rows go in with `ON CONFLICT DO NOTHING`, so two pushes of one id never both store it.
    """
    if not generations:
        return Inserted({}, frozenset())
    if _is_sqlite(connection):
        return _insert_sqlite(sqlite_connection(connection), generations, imported_at)
    return _insert_postgres(connection, generations, imported_at)  # type: ignore[arg-type]


def _existing(connection: sqlite3.Connection, table: str, ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = connection.execute(
            f"SELECT id, pk FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})",
            tuple(chunk),
        )
        found.update((row[0], row[1]) for row in rows)
    return found


def _insert_sqlite(
    connection: sqlite3.Connection,
    generations: Sequence[tuple[Generation, int]],
    imported_at: str,
) -> Inserted:
    pks = _existing(connection, "generation", [generation.id for generation, _ in generations])
    stored = _stored_content(connection, list(pks.values())) if pks else {}
    (next_pk,) = connection.execute("SELECT coalesce(max(pk), 0) + 1 FROM generation").fetchone()
    rows: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []
    flags: list[tuple[Any, ...]] = []
    created: set[str] = set()
    conflicts: list[Conflict] = []
    for index, (generation, required) in enumerate(generations):
        gid = generation.id
        if gid in pks:
            prompt, output, model, stamp = stored[pks[gid]]
            fields = _differing(generation, prompt, output, model)
            if fields:
                conflicts.append(Conflict(index, gid, fields, stamp == imported_at))
            continue
        pk = pks[gid] = next_pk
        next_pk += 1
        created.add(gid)
        rows.append(codec.generation_values(generation, pk, imported_at, required))
        text = codec.text_values(generation, pk)
        texts.append(text)
        stored[pk] = (text[1], generation.output, generation.model, imported_at)
        flags.extend(codec.flag_values(generation, pk))
    if rows:
        connection.executemany(codec.GENERATION_INSERT, rows)
        connection.executemany(codec.TEXT_INSERT, texts)
    if flags:
        connection.executemany(codec.FLAG_INSERT, flags)
    return Inserted(pks, frozenset(created), tuple(conflicts))


_Content = tuple[str, str, str, str]
"""A stored generation's prompt (as stored: JSON text), output, model and imported_at."""


def _stored_content(connection: sqlite3.Connection, pks: Sequence[int]) -> dict[int, _Content]:
    found: dict[int, _Content] = {}
    for start in range(0, len(pks), _CHUNK):
        chunk = pks[start : start + _CHUNK]
        rows = connection.execute(
            "SELECT g.pk, t.prompt, t.output, g.model, g.imported_at FROM generation g "
            f"JOIN generation_text t ON t.pk = g.pk WHERE g.pk IN ({', '.join('?' * len(chunk))})",
            tuple(chunk),
        )
        found.update((row[0], (row[1], row[2], row[3], row[4])) for row in rows)
    return found


def differing_content(generation: Generation, other: Generation) -> tuple[str, ...]:
    """The `CONTENT_FIELDS` in which two generations (of one id) differ."""
    return _differing(generation, codec.prompt_json(other), other.output, other.model)


def _differing(generation: Generation, prompt: str, output: str, model: str) -> tuple[str, ...]:
    """The content fields in which `generation` differs from a stored one."""
    fields: list[str] = []
    if codec.prompt_json(generation) != prompt:
        fields.append("prompt")
    if generation.output != output:
        fields.append("output")
    if generation.model != model:
        fields.append("model")
    return tuple(fields)


_GENERATION_KEYS = tuple(codec.GENERATION_COLUMNS.replace(" ", "").split(","))[1:-1]


_PG_GENERATION_INSERT = (
    f"INSERT INTO generation ({', '.join(_GENERATION_KEYS)}, review_count) "
    f"VALUES ({', '.join(['%s'] * len(_GENERATION_KEYS))}, 0) "
    "ON CONFLICT (id) DO NOTHING RETURNING pk, id"
)


_PG_TEXT_INSERT = codec.TEXT_INSERT.replace("?", "%s")
_PG_FLAG_INSERT = codec.FLAG_INSERT.replace("?", "%s")


def _insert_postgres(
    connection: Connection, generations: Sequence[tuple[Generation, int]], imported_at: str
) -> Inserted:
    from sqlalchemy import bindparam, text

    fresh: dict[str, tuple[Generation, int]] = {}
    first: dict[str, int] = {}
    repeated: list[int] = []
    for index, (generation, required) in enumerate(generations):
        if generation.id in fresh:
            repeated.append(index)
            continue
        fresh[generation.id] = (generation, required)
        first[generation.id] = index
    # One short statement sent for every row in psycopg's pipeline (one round trip, parsed
    # once, prepared by the server). SQLAlchemy's multi-row INSERTs were parsed anew by psycopg
    # on every call, which cost more than the insert itself.
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(  # type: ignore[call-arg]
            _PG_GENERATION_INSERT,
            [codec.generation_values(g, 0, imported_at, r)[1:] for g, r in fresh.values()],
            returning=True,
        )
        pks: dict[str, int] = {}
        while True:
            pks.update((gid, pk) for pk, gid in cursor.fetchall())
            if not cursor.nextset():
                break
        created = frozenset(pks)
        stored = [(pks[gid], fresh[gid][0]) for gid in fresh if gid in created]
        if stored:  # the text and flags the same way (SQLAlchemy's bulk INSERT cost more)
            cursor.executemany(_PG_TEXT_INSERT, [codec.text_values(g, pk) for pk, g in stored])
            flags = [values for pk, g in stored for values in codec.flag_values(g, pk)]
            if flags:
                cursor.executemany(_PG_FLAG_INSERT, flags)
    finally:
        cursor.close()
    # What each id's later copies are compared with: the stored item, else the first copy.
    reference: dict[str, _Content] = {
        gid: (codec.prompt_json(g), g.output, g.model, imported_at)
        for gid, (g, _) in fresh.items()
        if gid in created
    }
    missing = [gid for gid in fresh if gid not in created]
    if missing:
        rows = connection.execute(
            text(
                "SELECT g.id, g.pk, t.prompt, t.output, g.model, g.imported_at FROM generation g "
                "JOIN generation_text t ON t.pk = g.pk WHERE g.id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": missing},
        )
        for gid, pk, prompt, output, model, stamp in rows:
            pks[gid] = pk
            reference[gid] = (prompt, output, model, stamp)
    conflicts: list[Conflict] = []
    for index in sorted([first[gid] for gid in missing if gid in reference] + repeated):
        generation = generations[index][0]
        prompt, output, model, stamp = reference[generation.id]
        fields = _differing(generation, prompt, output, model)
        if fields:
            conflicts.append(Conflict(index, generation.id, fields, stamp == imported_at))
    return Inserted(pks, created, tuple(conflicts))


def stored_risk(generation: Generation) -> float:
    """`generation.risk` as the store keeps it in its narrow rows (no risk: -1, so that keyset
    paging never meets a NULL)."""
    return NO_RISK if generation.risk is None else generation.risk


def generation_pks(connection: Connection, ids: Collection[str]) -> dict[str, int]:
    """The pks of the generations with these producer ids (unknown ids are left out)."""
    if not ids:
        return {}
    from sqlalchemy import bindparam, text

    rows = connection.execute(
        text("SELECT id, pk FROM generation WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": list(ids)},
    )
    return {row[0]: row[1] for row in rows}


def generation_select(generation: str = "g", texts: str = "t") -> str:
    """The select list `generation_from_row` reads, over `generation` and `generation_text`
    joined under these aliases; the query adds the flags as `generation_from_row`'s second
    argument (rows of `validator, code, severity, message, score, span_start, span_end`)."""
    g, t = generation, texts
    return (
        f"{g}.id, {g}.queue, {g}.model, {g}.prompt_template, {g}.prompt_version, {g}.route, "
        f"{g}.risk, {g}.latency_ms, {g}.created_at, {t}.prompt, {t}.output, {t}.usage, "
        f"{t}.trace_id, {t}.extra"
    )


def flag_select(flag: str = "f") -> str:
    """The columns of one flag row as `generation_from_row` reads them."""
    f = flag
    return (
        f"{f}.validator, {f}.code, {f}.severity, {f}.message, {f}.score, {f}.span_start, "
        f"{f}.span_end"
    )


_FLAGS_OF = DriverSql(
    f"SELECT f.generation_pk, {flag_select('f')} FROM flag f "
    "WHERE f.generation_pk IN :pks ORDER BY f.generation_pk, f.position"
)
_GENERATIONS_OF = DriverSql(
    f"SELECT g.pk, {generation_select('g', 't')} FROM generation g "
    "JOIN generation_text t ON t.pk = g.pk WHERE g.pk IN :pks"
)


def load_generations(connection: Connection, pks: Sequence[int]) -> dict[int, Generation]:
    """The whole generations (text and flags) of these pks."""
    if not pks:
        return {}
    flags: dict[int, list[Any]] = {}
    for row in _FLAGS_OF.rows(connection, {"pks": list(pks)}):
        flags.setdefault(row[0], []).append(row[1:])
    return {
        row[0]: codec.generation_from_row(row[1:], flags.get(row[0], []))
        for row in _GENERATIONS_OF.rows(connection, {"pks": list(pks)})
    }


# -- decisions ----------------------------------------------------------------------------------

DECISION_FIELDS = (
    "id", "generation_pk", "reviewer", "verdict", "reasons", "duration_ms", "decided_at",
    "supersedes", "session_id", "lease_id", "lease_epoch", "device_id", "form_version",
)  # fmt: skip
"""The `decision` columns a new decision sets (besides `pk` and `current`)."""


def decision_fields(decision: Decision, generation_pk: int) -> dict[str, Any]:
    """The values of `DECISION_FIELDS` for a decision on the item `generation_pk`."""
    values = codec.decision_values(decision, 0, generation_pk)[1:]
    return dict(zip(DECISION_FIELDS, values, strict=True))


_DECISIONS_OF = DriverSql(f"{codec.DECISION_SELECT} WHERE d.id IN :ids")


def load_decisions(connection: Connection, ids: Collection[str]) -> dict[str, Decision]:
    """The stored decisions among these ids."""
    if not ids:
        return {}
    found = _DECISIONS_OF.rows(connection, {"ids": list(ids)})
    answers = load_answers(connection, [row[0] for row in found])
    return {row[0]: codec.decision_from_row(row, answers.get(row[0])) for row in found}


def insert_answers(
    connection: sqlite3.Connection | Connection, decisions: Sequence[tuple[Decision, int]]
) -> None:
    """Store the answers of decisions just inserted (each with its decision pk), in the
    caller's transaction: a decision and its answers are written together or not at all."""
    values = [row for decision, pk in decisions for row in codec.answer_values(decision, pk)]
    if not values:
        return
    if isinstance(connection, sqlite3.Connection):
        connection.executemany(codec.ANSWER_INSERT, values)
        return
    from sqlalchemy import text

    names = codec.ANSWER_COLUMNS
    connection.execute(
        text(
            f"INSERT INTO decision_answer ({', '.join(names)}) "
            f"VALUES ({', '.join(':' + name for name in names)})"
        ),
        [dict(zip(names, row, strict=True)) for row in values],
    )


def load_answers(
    connection: sqlite3.Connection | Connection, ids: Sequence[str]
) -> dict[str, dict[str, Answer]]:
    """The answers of the decisions among these ids that have any."""
    if not ids:
        return {}
    rows: list[Sequence[Any]] = []
    if isinstance(connection, sqlite3.Connection):
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            rows.extend(
                connection.execute(
                    f"{codec.ANSWER_SELECT} WHERE d.id IN ({', '.join('?' * len(chunk))}) "
                    "ORDER BY a.pk",
                    tuple(chunk),
                )
            )
    else:
        from sqlalchemy import bindparam, text

        rows.extend(
            tuple(row)
            for row in connection.execute(
                text(f"{codec.ANSWER_SELECT} WHERE d.id IN :ids ORDER BY a.pk").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": list(ids)},
            )
        )
    return codec.answers_from_rows(rows)


def answers_by_pk(connection: Connection, pks: Sequence[int]) -> dict[int, dict[str, Answer]]:
    """The answers of the decisions among these pks that have any (for a query that reads
    decisions by pk, as exports do).

    Read by the range of the pks (then sorted out here): exports read decisions in pk order,
    so a chunk's range is narrow, and a range binds two values where an IN list binds a
    thousand (which costs more than the query).
    """
    if not pks:
        return {}
    from sqlalchemy import text

    wanted = set(pks)
    rows = connection.execute(
        text(
            "SELECT a.decision_pk, a.key, a.position, a.text_value, a.number_value, "
            "a.span_start, a.span_end, a.span_label FROM decision_answer a "
            "WHERE a.decision_pk BETWEEN :low AND :high ORDER BY a.decision_pk, a.pk"
        ),
        {"low": min(wanted), "high": max(wanted)},
    )
    return codec.answers_from_rows(row for row in rows if row[0] in wanted)


# -- forms --------------------------------------------------------------------------------------


def current_forms(connection: sqlite3.Connection | Connection) -> dict[str, Form]:
    """Every queue's current form (its highest version), by queue."""
    queues = [
        row[0] for row in _run(connection, "SELECT DISTINCT queue FROM form ORDER BY queue", {})
    ]
    forms: dict[str, Form] = {}
    for queue in queues:
        found = load_form(connection, queue)
        if found is not None:
            forms[queue] = found[0]
    return forms


def _run(connection: sqlite3.Connection | Connection, sql: str, params: dict[str, Any]) -> Any:
    """Run `sql` (`:name` parameters, which sqlite3 and SQLAlchemy both take)."""
    if isinstance(connection, sqlite3.Connection):
        return connection.execute(sql, params)
    from sqlalchemy import text

    return connection.execute(text(sql), params)


_FORM = "SELECT version, definition, guidelines, created_at FROM form WHERE queue = :queue"
_LATEST_FORM = DriverSql(f"{_FORM} ORDER BY version DESC LIMIT 1")
_FORM_VERSION = DriverSql(f"{_FORM} AND version = :version ORDER BY version DESC LIMIT 1")


def load_form(
    connection: sqlite3.Connection | Connection, queue: str, version: int | None = None
) -> tuple[Form, str] | None:
    """A queue's form (its highest version, or `version`) with the time it was stored, or None
    when the queue has none."""
    params: dict[str, Any] = {"queue": queue}
    statement = _LATEST_FORM
    if version is not None:
        statement = _FORM_VERSION
        params["version"] = version
    if isinstance(connection, sqlite3.Connection):
        row = connection.execute(statement.sql, params).fetchone()
    else:
        found = statement.rows(connection, params)
        row = found[0] if found else None
    if row is None:
        return None
    number, definition, guidelines, created_at = row
    import orjson

    data = {"version": number, "guidelines": guidelines, **orjson.loads(definition)}
    return Form.from_data(data, source=f"the stored form of queue {queue!r}"), created_at


def save_form(
    connection: sqlite3.Connection | Connection, queue: str, form: Form, *, created_at: str
) -> tuple[Form, bool]:
    """Store `form` as the queue's form, in the caller's transaction. A form without a version
    takes the next one (1 for a queue's first); the same form as the stored one is kept as it
    is. Returns the form as stored (its version set) and whether a new version was stored.

    Raises:
        StoreError: the version is below the queue's current one, or it is the current one
            with other questions or guidelines.
    """
    import orjson

    from reviewdesk.errors import StoreError

    stored = load_form(connection, queue)
    current = None if stored is None else stored[0]
    if (
        current is not None
        and form.version in (None, current.version)
        and form.model_copy(update={"version": current.version}) == current
    ):
        return current, False
    latest = 0 if current is None or current.version is None else current.version
    version = latest + 1 if form.version is None else form.version
    if version < latest:
        raise StoreError(
            f"queue {queue!r} has form version {latest}: version {version} is older "
            "(raise the version, or leave it out to take the next one)"
        )
    if version == latest:
        raise StoreError(
            f"queue {queue!r} has a different form at version {version} "
            "(raise the version, or leave it out to take the next one)"
        )
    form = form.model_copy(update={"version": version})
    definition = {"questions": form.definition().get("questions", [])}
    _run(
        connection,
        "INSERT INTO form (queue, version, definition, guidelines, created_at) "
        "VALUES (:queue, :version, :definition, :guidelines, :created_at)",
        {
            "queue": queue,
            "version": version,
            "definition": orjson.dumps(definition).decode(),
            "guidelines": form.guidelines,
            "created_at": created_at,
        },
    )
    return form, True


def load_decision(connection: Connection, decision_id: str) -> Decision | None:
    return load_decisions(connection, [decision_id]).get(decision_id)


_NOT_CURRENT = DriverSql(
    "UPDATE decision SET current = false "
    "WHERE generation_pk = :pk AND reviewer = :reviewer AND current"
)
_INSERT_DECISION = DriverSql(
    f"INSERT INTO decision ({', '.join(DECISION_FIELDS)}, current) "
    f"VALUES ({', '.join(':' + name for name in DECISION_FIELDS)}, true)"
)
_DECISION_PKS = DriverSql("SELECT id, pk FROM decision WHERE id IN :ids")
_INSERT_DECISION_TEXT = DriverSql(
    "INSERT INTO decision_text (pk, edited_output, comment) VALUES (:pk, :e, :c)"
)
_RECOUNT = DriverSql(
    "UPDATE generation SET review_count = (SELECT count(DISTINCT d.reviewer) "
    "FROM decision d WHERE d.generation_pk = generation.pk) WHERE pk IN :pks"
)


def insert_decisions(
    connection: Connection, decisions: Sequence[tuple[Decision, int]]
) -> dict[str, int]:
    """Store decisions (each on its own item `generation_pk`, none stored yet) as their
    reviewers' current ones, and recount the items' reviewers; each decision's pk."""
    if not decisions:
        return {}
    _NOT_CURRENT.run_many(
        connection, [{"pk": pk, "reviewer": decision.reviewer} for decision, pk in decisions]
    )
    _INSERT_DECISION.run_many(
        connection, [decision_fields(decision, pk) for decision, pk in decisions]
    )
    decision_pks: dict[str, int] = {
        row[0]: row[1]
        for row in _DECISION_PKS.rows(
            connection, {"ids": [decision.id for decision, _ in decisions]}
        )
    }
    texts = [
        found
        for decision, _ in decisions
        if (found := codec.decision_text_values(decision, decision_pks[decision.id])) is not None
    ]
    _INSERT_DECISION_TEXT.run_many(
        connection, [{"pk": pk, "e": edited, "c": comment} for pk, edited, comment in texts]
    )
    insert_answers(connection, [(decision, decision_pks[decision.id]) for decision, _ in decisions])
    _RECOUNT.run(connection, {"pks": sorted({pk for _, pk in decisions})})
    return decision_pks


@dataclass(frozen=True)
class CurrentDecision:
    """A reviewer's current (latest) decision on an item, as a verdict is resolved from it."""

    generation_pk: int
    reviewer: str
    verdict: str
    reasons: tuple[str, ...]
    decided_at: str
    edited_output: str | None


_CURRENT = DriverSql(
    "SELECT d.generation_pk, d.reviewer, d.verdict, d.reasons, d.decided_at, "
    "dt.edited_output FROM decision d LEFT JOIN decision_text dt ON dt.pk = d.pk "
    "WHERE d.generation_pk IN :pks AND d.current ORDER BY d.pk"
)


def current_decisions(
    connection: Connection, pks: Collection[int]
) -> dict[int, list[CurrentDecision]]:
    """The current decisions of the items among `pks` that have one, oldest first."""
    if not pks:
        return {}
    import orjson

    found: dict[int, list[CurrentDecision]] = {}
    for pk, reviewer, verdict, reasons, decided_at, edited in _CURRENT.rows(
        connection, {"pks": sorted(pks)}
    ):
        found.setdefault(pk, []).append(
            CurrentDecision(
                pk, reviewer, verdict, tuple(orjson.loads(reasons or "[]")), decided_at, edited
            )
        )
    return found
