"""The local store: one SQLite file of generations and the decisions made on them.

Every query returns domain objects. The hot paths (next pending item, a page of the queue list)
are plain SQL over narrow rows and partial / composite indexes, so they stay O(log n) at a
million items. The store reads and writes through pooled plain sqlite3 connections; the
SQLAlchemy engine is made only when something asks for it (statistics, exports, migrations),
so that opening the desk on a current store never imports SQLAlchemy.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewdesk.domain import (
    Decision,
    Form,
    Generation,
    GenerationId,
    ItemStatus,
    QueueEntry,
    QueueFilter,
    QueueSort,
    Reason,
    Severity,
    StoreCounts,
    Verdict,
    utc_now,
)
from reviewdesk.domain.templates import PromptTemplate, TemplateUse
from reviewdesk.errors import DecisionConflictError, StoreError, UnknownItemError
from reviewdesk.store import _codec as codec
from reviewdesk.store import outbox, rows
from reviewdesk.store import templates as registry
from reviewdesk.store.bulk import BulkWriter
from reviewdesk.store.connections import ConnectionPool, scalar, schema_revision
from reviewdesk.store.engine import SCHEMA_HEAD, make_engine, migrate
from reviewdesk.store.keys import CREATED_KEY, NO_RISK, PENDING, PENDING_G

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

__all__ = ["Store"]


_ENTRY_COLUMNS = (
    "g.pk, g.id, g.queue, g.model, g.prompt_template, g.prompt_version, g.route, g.risk, "
    "g.top_severity, g.flag_count, g.created_at, g.review_count, g.required_reviews"
)

# For each sort: the ORDER BY keys (all descending) and how to read them off an entry.
_SORT_KEYS: dict[QueueSort, tuple[str, ...]] = {
    QueueSort.RISK: ("g.risk", "g.pk"),
    QueueSort.TIME: (CREATED_KEY.replace("created_at", "g.created_at"), "g.pk"),
    QueueSort.SEVERITY: ("g.top_severity", "g.risk", "g.pk"),
    # No index behind these (the list's keys are read on the worker, the first page at once).
    QueueSort.ID: ("g.id", "g.pk"),
    QueueSort.MODEL: ("g.model", "g.risk", "g.pk"),
    QueueSort.TEMPLATE: (
        "coalesce(g.prompt_template, '')",
        "coalesce(g.prompt_version, '')",
        "g.risk",
        "g.pk",
    ),
    QueueSort.ROUTE: ("coalesce(g.route, '')", "g.risk", "g.pk"),
    QueueSort.STATUS: ("(g.review_count >= g.required_reviews)", "g.risk", "g.pk"),
}

_FILTER_COLUMNS = ("queue", "model", "prompt_template", "prompt_version", "route")


def _cursor(entry: QueueEntry, sort: QueueSort) -> tuple[Any, ...]:
    risk = NO_RISK if entry.risk is None else entry.risk
    if sort is QueueSort.RISK:
        return (risk, entry.pk)
    if sort is QueueSort.TIME:
        return (codec.time_text(entry.created_at) if entry.created_at else "", entry.pk)
    if sort is QueueSort.ID:
        return (entry.id, entry.pk)
    if sort is QueueSort.MODEL:
        return (entry.model, risk, entry.pk)
    if sort is QueueSort.TEMPLATE:
        return (entry.prompt_template or "", entry.prompt_version or "", risk, entry.pk)
    if sort is QueueSort.ROUTE:
        return (entry.route or "", risk, entry.pk)
    if sort is QueueSort.STATUS:
        return (int(entry.review_count >= entry.required_reviews), risk, entry.pk)
    severity = 0 if entry.top_severity is None else entry.top_severity.rank
    return (severity, risk, entry.pk)


def _entry(row: Sequence[Any]) -> QueueEntry:
    (pk, gid, queue, model, template, version, route, risk, severity, flags, created, reviews,
     required) = row  # fmt: skip
    return QueueEntry.model_construct(
        pk=pk,
        id=GenerationId(gid),
        queue=queue,
        model=model,
        prompt_template=template,
        prompt_version=version,
        route=route,
        risk=None if risk == NO_RISK else risk,
        top_severity=Severity.from_rank(severity),
        flag_count=flags,
        created_at=None if created is None else codec.parse_time(created),
        review_count=reviews,
        required_reviews=required,
    )


# Two or more current decisions (one a reviewer) whose verdicts differ.
_DISAGREEMENT = (
    "g.pk IN (SELECT generation_pk FROM decision WHERE current "
    "GROUP BY generation_pk HAVING count(DISTINCT verdict) > 1)"
)


def _where(filters: QueueFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column in _FILTER_COLUMNS:
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"g.{column} = ?")
            params.append(value)
    if filters.min_severity is not None:
        clauses.append("g.top_severity >= ?")
        params.append(filters.min_severity.rank)
    if filters.status is ItemStatus.PENDING:
        clauses.append(PENDING_G)
    elif filters.status is ItemStatus.DECIDED:
        clauses.append("g.review_count >= g.required_reviews")
    elif filters.status is ItemStatus.DISAGREEMENT:
        clauses.append(_DISAGREEMENT)
        if filters.adjudicators:
            names = ", ".join("?" * len(filters.adjudicators))
            clauses.append(
                "g.pk NOT IN (SELECT generation_pk FROM decision "
                f"WHERE current AND reviewer IN ({names}))"
            )
            params.extend(filters.adjudicators)
    if filters.text:
        pattern = (
            "%" + filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        # An id matches by its start ("gen-0001" finds gen-00012 too), the texts anywhere.
        clauses.append(
            "(substr(g.id, 1, ?) = ? OR g.pk IN (SELECT t.pk FROM generation_text t "
            "WHERE t.output LIKE ? ESCAPE '\\' OR t.prompt LIKE ? ESCAPE '\\'))"
        )
        params.extend((len(filters.text), filters.text, pattern, pattern))
    return clauses, params


def _needing_review(within: QueueFilter | None) -> tuple[list[str], list[Any]]:
    """The items of `within` that need a decision: pending ones, or in the disagreements' view
    the open disagreements (decided by enough reviewers, but not alike)."""
    clauses, params = _where(within) if within is not None else ([], [])
    if within is None or within.status is not ItemStatus.DISAGREEMENT:
        clauses.append(PENDING_G)
    return clauses, params


class Store:
    """A reviewdesk store file. Thread-safe: each call takes its own pooled connection.

    Use `Store.open(path)`; close with `close()` or a `with` block.
    """

    def __init__(self, path: Path, pool: ConnectionPool) -> None:
        self.path = path
        self._pool = pool
        self._engine_made: Engine | None = None
        self._engine_lock = threading.Lock()

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True) -> Store:
        """Open (and if needed create or upgrade) the store at `path`.

        Raises:
            StoreError: the file is missing (with `create=False`), is not a store, or cannot be
                written; StoreTooNewError when a newer reviewdesk wrote it.
        """
        path = Path(path).expanduser()
        if path.is_dir():
            raise StoreError(f"{path} is a directory, not a store file")
        if not path.exists():
            if not create:
                raise StoreError(f"there is no store at {path}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create the store at {path}: {error.strerror}") from error
        store = cls(path, ConnectionPool(path))
        try:
            if store._revision() != SCHEMA_HEAD:
                migrate(store.engine)  # creates, upgrades, or refuses a newer schema
        except BaseException:
            store.close()
            raise
        return store

    def _revision(self) -> str | None:
        try:
            with self._pool.connection() as connection:
                return schema_revision(connection, self.path)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a reviewdesk store: {error}") from error

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for SQL over the tables (statistics, exports, migrations).

        Made on first use: importing SQLAlchemy costs the desk's start-up over a second.
        """
        with self._engine_lock:
            if self._engine_made is None:
                self._engine_made = make_engine(self.path)
            return self._engine_made

    def close(self) -> None:
        self._pool.close()
        with self._engine_lock:
            engine, self._engine_made = self._engine_made, None
        if engine is not None:
            engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection for reads, outside any transaction (each statement sees a
        consistent snapshot): the next item must load in well under 1 ms. For the store's own
        modules (the sync ledger); other layers call `Store`'s methods.

        Raises:
            StoreError: the store cannot be read.
        """
        try:
            with self._pool.connection() as connection:
                yield connection
        except sqlite3.Error as error:
            raise StoreError(f"cannot read the store {self.path}: {error}") from error

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection in a write transaction (`BEGIN IMMEDIATE ... COMMIT`): the block
        returns after the commit reached the disk, and is rolled back when it raises. For the
        store's own modules (the sync ledger); other layers call `Store`'s methods.

        Raises:
            StoreError: the store cannot be written (locked, read-only, disk full).
        """
        try:
            with self._pool.transaction() as connection:
                yield connection
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot write the store {self.path}: {error}") from error

    # -- reading -----------------------------------------------------------------------------

    def counts(self) -> StoreCounts:
        with self.reading() as connection:
            generations, pending = connection.execute(
                f"SELECT count(*), count(*) FILTER (WHERE {PENDING}) FROM generation"
            ).fetchone()
            decisions, reviewers = connection.execute(
                "SELECT count(*), count(DISTINCT reviewer) FROM decision"
            ).fetchone()
        return StoreCounts(
            generations=generations,
            pending=pending,
            decided=generations - pending,
            decisions=decisions,
            reviewers=reviewers,
        )

    def get(self, generation_id: str) -> Generation | None:
        """The generation with the producer's id `generation_id`, or None."""
        with self.reading() as connection:
            row = connection.execute(
                "SELECT pk FROM generation WHERE id = ?", (generation_id,)
            ).fetchone()
        return None if row is None else self.load(row[0])

    def load(self, pk: int) -> Generation:
        """The whole generation (text, flags) of a queue entry."""
        with self.reading() as connection:
            row = connection.execute(f"{codec.GENERATION_SELECT} WHERE g.pk = ?", (pk,)).fetchone()
            if row is None:
                raise UnknownItemError(f"item {pk} is no longer in the store {self.path}")
            flags = connection.execute(codec.FLAG_SELECT, (pk,)).fetchall()
        return codec.generation_from_row(row, flags)

    def next_pending(
        self,
        reviewer: str,
        *,
        queue: str | None = None,
        after: QueueEntry | None = None,
        exclude: Sequence[int] = (),
        within: QueueFilter | None = None,
    ) -> QueueEntry | None:
        """The highest-risk item that still needs review and that `reviewer` has not decided.

        Args:
            after: continue below this entry in risk order (for skipping ahead).
            exclude: item pks to pass over (items skipped in this session).
            within: only an item this filter selects (the queue list's view).
        """
        clauses, params = _needing_review(within)
        if queue is not None:
            clauses.append("g.queue = ?")
            params.append(queue)
        if after is not None:
            clauses.append("(g.risk, g.pk) < (?, ?)")
            params.extend(_cursor(after, QueueSort.RISK))
        if exclude:
            clauses.append(f"g.pk NOT IN ({', '.join('?' * len(exclude))})")
            params.extend(exclude)
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM decision d WHERE d.generation_pk = g.pk AND d.reviewer = ?)"
        )
        params.append(reviewer)
        sql = (
            f"SELECT {_ENTRY_COLUMNS} FROM generation g WHERE {' AND '.join(clauses)} "
            "ORDER BY g.risk DESC, g.pk DESC LIMIT 1"
        )
        with self.reading() as connection:
            row = connection.execute(sql, tuple(params)).fetchone()
        return None if row is None else _entry(row)

    def page(
        self,
        filters: QueueFilter = QueueFilter(),  # noqa: B008 (frozen, so a shared default is safe)
        *,
        sort: QueueSort = QueueSort.RISK,
        after: QueueEntry | None = None,
        limit: int = 100,
    ) -> list[QueueEntry]:
        """One keyset page of the queue list, after `after` in `sort` order."""
        clauses, params = _where(filters)
        keys = _SORT_KEYS[sort]
        if after is not None:
            clauses.append(f"({', '.join(keys)}) < ({', '.join('?' * len(keys))})")
            params.extend(_cursor(after, sort))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = ", ".join(f"{key} DESC" for key in keys)
        sql = f"SELECT {_ENTRY_COLUMNS} FROM generation g {where} ORDER BY {order} LIMIT ?"
        with self.reading() as connection:
            rows = connection.execute(sql, (*params, limit)).fetchall()
        return [_entry(row) for row in rows]

    def ordered_keys(
        self,
        filters: QueueFilter = QueueFilter(),  # noqa: B008
        *,
        sort: QueueSort = QueueSort.RISK,
    ) -> list[int]:
        """The pks of every item the filter selects, in `sort` order (for a windowed list)."""
        clauses, params = _where(filters)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = ", ".join(f"{key} DESC" for key in _SORT_KEYS[sort])
        with self.reading() as connection:
            result = connection.execute(
                f"SELECT g.pk FROM generation g {where} ORDER BY {order}", tuple(params)
            )
            return [pk for (pk,) in result]

    def count_pending(self, reviewer: str, within: QueueFilter) -> int:
        """How many items `within` selects still need review and are not decided by
        `reviewer` (the items `next_pending` would go through)."""
        clauses, params = _needing_review(within)
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM decision d WHERE d.generation_pk = g.pk AND d.reviewer = ?)"
        )
        params.append(reviewer)
        with self.reading() as connection:
            (count,) = connection.execute(
                f"SELECT count(*) FROM generation g WHERE {' AND '.join(clauses)}", tuple(params)
            ).fetchone()
        return int(count)

    def verdicts_by(self, reviewer: str, pks: Sequence[int]) -> dict[int, Verdict]:
        """`reviewer`'s current verdict on each of the items `pks` they decided (by pk)."""
        found: dict[int, Verdict] = {}
        with self.reading() as connection:
            for start in range(0, len(pks), 500):
                chunk = pks[start : start + 500]
                rows = connection.execute(
                    "SELECT generation_pk, verdict FROM decision WHERE reviewer = ? AND current "
                    f"AND generation_pk IN ({', '.join('?' * len(chunk))})",
                    (reviewer, *chunk),
                )
                found.update((pk, Verdict(verdict)) for pk, verdict in rows)
        return found

    def selects(self, within: QueueFilter, pk: int) -> bool:
        """Whether the filter `within` selects the item `pk`."""
        clauses, params = _where(within)
        clauses.append("g.pk = ?")
        params.append(pk)
        with self.reading() as connection:
            row = connection.execute(
                f"SELECT 1 FROM generation g WHERE {' AND '.join(clauses)}", tuple(params)
            ).fetchone()
        return row is not None

    def entries(self, pks: Sequence[int]) -> list[QueueEntry]:
        """Queue entries for `pks`, in the order given (missing pks are left out)."""
        if not pks:
            return []
        found: dict[int, QueueEntry] = {}
        with self.reading() as connection:
            for start in range(0, len(pks), 500):
                chunk = pks[start : start + 500]
                rows = connection.execute(
                    f"SELECT {_ENTRY_COLUMNS} FROM generation g "
                    f"WHERE g.pk IN ({', '.join('?' * len(chunk))})",
                    tuple(chunk),
                )
                found.update((row[0], _entry(row)) for row in rows)
        return [found[pk] for pk in pks if pk in found]

    def distinct(self, column: str) -> list[str]:
        """The values of a filter column (queue, model, prompt_template, ...) in the store."""
        if column not in _FILTER_COLUMNS:
            raise ValueError(f"not a filter column: {column}")
        with self.reading() as connection:
            rows = connection.execute(
                f"SELECT DISTINCT {column} FROM generation WHERE {column} IS NOT NULL ORDER BY 1"
            )
            return [value for (value,) in rows]

    def decisions_of(self, generation_id: str) -> list[Decision]:
        """Every decision on a generation, oldest first."""
        with self.reading() as connection:
            found = connection.execute(
                f"{codec.DECISION_SELECT} WHERE g.id = ? ORDER BY d.pk", (generation_id,)
            ).fetchall()
            answers = rows.load_answers(connection, [row[0] for row in found])
        return [codec.decision_from_row(row, answers.get(row[0])) for row in found]

    def form(self, queue: str, version: int | None = None) -> Form | None:
        """The queue's review form (its newest version, or `version`), or None."""
        with self.reading() as connection:
            found = rows.load_form(connection, queue, version)
        return None if found is None else found[0]

    def set_form(self, queue: str, form: Form) -> Form:
        """Make `form` the queue's form; every earlier version is kept (decisions name theirs).

        A form without a version takes the next one; the same form again changes nothing.

        Returns:
            The form as stored, its version set.

        Raises:
            StoreError: the version is below the queue's current one, or is the current one
                with other questions or guidelines; nothing is stored.
        """
        with self.writing() as connection:
            stored, _ = rows.save_form(
                connection, queue, form, created_at=codec.time_text(utc_now())
            )
        return stored

    def template(self, name: str, version: str) -> PromptTemplate | None:
        """The registry's text of prompt template `name`@`version`, or None."""
        with self.reading() as connection:
            return registry.load_template(connection, name, version)

    def templates(self) -> list[TemplateUse]:
        """Every template version with a text in the registry or named by an item."""
        with self.reading() as connection:
            return registry.list_templates(connection)

    def versions_without_text(self, generation_ids: Sequence[str]) -> list[tuple[str, str]]:
        """The template versions these items name that the registry has no text for."""
        with self.reading() as connection:
            return registry.versions_without_text(connection, generation_ids)

    def add_template(
        self, name: str, version: str, text: str, *, source: str = "cli", replace: bool = False
    ) -> registry.Added:
        """Store the text of `name`@`version` (the same text again changes nothing).

        Raises:
            TemplateConflictError: the version has another text and `replace` is not set;
                nothing is changed.
        """
        with self.writing() as connection:
            return registry.add_template(
                connection,
                name,
                version,
                text,
                added_at=codec.time_text(utc_now()),
                source=source,
                replace=replace,
            )

    def reasons(self) -> list[Reason]:
        """The store's reason taxonomy, in display order."""
        with self.reading() as connection:
            rows = connection.execute("SELECT code, label FROM reason ORDER BY position")
            return [Reason(code=code, label=label) for code, label in rows]

    def set_reasons(self, reasons: Sequence[Reason]) -> None:
        """Replace the reason taxonomy (decisions keep the codes they were made with).

        Raises:
            StoreError: the taxonomy would be empty (a reject needs a reason to pick).
        """
        if not reasons:
            raise StoreError("the reason taxonomy needs at least one reason")
        with self.writing() as connection:
            connection.execute("DELETE FROM reason")
            connection.executemany(
                "INSERT INTO reason (code, label, position) VALUES (?, ?, ?)",
                [(reason.code, reason.label, position) for position, reason in enumerate(reasons)],
            )

    # -- writing -----------------------------------------------------------------------------

    def record_decision(self, decision: Decision) -> Decision:
        """Store a decision durably (the call returns after the commit reached the disk).

        Idempotent by decision id: the same decision again is a no-op. When the reviewer had
        decided the item before and `supersedes` is not given, the new decision supersedes
        their latest one. A decision on an item checked out from a queue server takes the
        lease's id and epoch and is queued in the sync outbox in the same transaction.

        Returns:
            The decision as stored.

        Raises:
            UnknownItemError: the generation is not in the store.
            DecisionConflictError: the id is stored with another content.
        """
        with self.writing() as connection:
            stored = self._stored_decision(connection, decision.id)
            if stored is not None:
                same = {"supersedes": decision.supersedes}
                if decision.lease_id is None:  # the lease was added here, from the lease cache
                    same.update(lease_id=None, lease_epoch=None)
                if stored.model_copy(update=same) != decision:
                    raise DecisionConflictError(
                        f"decision {decision.id} is already stored with another content"
                    )
                return stored
            pk = scalar(
                connection.execute(
                    "SELECT pk FROM generation WHERE id = ?", (decision.generation_id,)
                )
            )
            if pk is None:
                raise UnknownItemError(f"there is no item {decision.generation_id} in {self.path}")
            if decision.supersedes is None:
                previous = scalar(
                    connection.execute(
                        "SELECT id FROM decision WHERE generation_pk = ? AND reviewer = ? "
                        "ORDER BY pk DESC LIMIT 1",
                        (pk, decision.reviewer),
                    )
                )
                if previous is not None:
                    decision = decision.model_copy(update={"supersedes": previous})
            # An item checked out from a queue server: the decision carries the lease and gets
            # its outbox row in this transaction, so it reaches the server exactly once.
            lease = outbox.lease_of(connection, decision.generation_id)
            if lease is not None and decision.lease_id is None:
                decision = decision.model_copy(
                    update={"lease_id": lease[0], "lease_epoch": lease[1]}
                )
            connection.execute(
                "UPDATE decision SET current = false "
                "WHERE generation_pk = ? AND reviewer = ? AND current",
                (pk, decision.reviewer),
            )
            result = connection.execute(
                codec.DECISION_INSERT,
                codec.decision_values(decision, None, pk),  # type: ignore[arg-type]
            )
            decision_pk: int = result.lastrowid  # type: ignore[assignment]
            text = codec.decision_text_values(decision, decision_pk)
            if text is not None:
                connection.execute(codec.DECISION_TEXT_INSERT, text)
            rows.insert_answers(connection, [(decision, decision_pk)])
            if lease is not None:
                outbox.enqueue(connection, decision)
            _recount(connection, pk)
        logger.debug("recorded decision %s on %s", decision.id, decision.generation_id)
        return decision

    def undo_latest(self, session_id: str) -> Decision | None:
        """Remove the latest decision of a review session; None when it has none left.

        Raises:
            DecisionAlreadySentError: the decision is on its way to (or at) the queue server;
                the store is unchanged.
        """
        with self.writing() as connection:
            row = connection.execute(
                f"{codec.DECISION_SELECT} WHERE d.session_id = ? ORDER BY d.pk DESC LIMIT 1",
                (session_id,),
            ).fetchone()
            if row is None:
                return None
            decision = codec.decision_from_row(
                row, rows.load_answers(connection, [row[0]]).get(row[0])
            )
            outbox.forget(connection, decision)
            # Fetched to the end, so the statement is done before the commit.
            [(pk,)] = connection.execute(
                "DELETE FROM decision WHERE id = ? RETURNING generation_pk", (decision.id,)
            ).fetchall()
            connection.execute(
                "UPDATE decision SET current = true WHERE pk = (SELECT max(pk) FROM decision "
                "WHERE generation_pk = ? AND reviewer = ?)",
                (pk, decision.reviewer),
            )
            _recount(connection, pk)
        logger.debug("undid decision %s on %s", decision.id, decision.generation_id)
        return decision

    @contextmanager
    def bulk_writer(self) -> Iterator[BulkWriter]:
        """A writer for large imports, in one transaction: committed when the block ends
        normally, rolled back (the store unchanged) when it raises."""
        with self.writing() as connection:
            yield BulkWriter(connection)

    def _stored_decision(self, connection: sqlite3.Connection, decision_id: str) -> Decision | None:
        row = connection.execute(
            f"{codec.DECISION_SELECT} WHERE d.id = ?", (decision_id,)
        ).fetchone()
        if row is None:
            return None
        return codec.decision_from_row(
            row, rows.load_answers(connection, [decision_id]).get(decision_id)
        )


def _recount(connection: sqlite3.Connection, generation_pk: int) -> None:
    connection.execute(
        "UPDATE generation SET review_count = (SELECT count(DISTINCT reviewer) FROM decision "
        "WHERE generation_pk = ?) WHERE pk = ?",
        (generation_pk, generation_pk),
    )
