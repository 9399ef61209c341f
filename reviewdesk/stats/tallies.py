"""Reading the running tallies instead of counting the decisions again.

A SQLite store keeps its label counts at write time (reviewdesk/store/tally_tables.py), for the
`latest` policy. Each reader here returns exactly the rows its counting pass would return (the
same shape, NULLs where the tally holds '' or -1), or None when the tallies cannot answer: a
PostgreSQL database (no tallies there), another policy, or columns no tally holds together
(e.g. model with reviewer). The callers then count the decisions as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.store import Resolution

__all__ = [
    "REASONS_ONLY",
    "agreement_rows",
    "disputed_count",
    "disputed_rows",
    "flag_label_rows",
    "flagged_rows",
    "kept",
    "label_rows",
    "pace_histograms",
    "reviewer_day_rows",
    "usage_rows",
]

# A cube row with this verdict counts rejects citing its reasons for the reason mix only (their
# labels are counted in the row with verdict "reject"): how per-reason tallies enter a cube.
REASONS_ONLY = "+reasons"

_LABEL_COLUMNS = {
    "prompt_template": "nullif(prompt_template, '')",
    "prompt_version": "nullif(prompt_version, '')",
    "model": "model",
    "route": "nullif(route, '')",
    "queue": "nullif(queue, '')",
    "flagged": "CASE WHEN flagged = 1 THEN 'yes' ELSE 'no' END",
}
_FLAG_COLUMNS = {
    "validator": "nullif(validator, '')",
    "code": "nullif(code, '')",
    "severity": "nullif(severity, -1)",
}


def kept(connection: Connection, policy: Resolution = Resolution.LATEST) -> bool:
    """Whether this database keeps tallies for `policy`: SQLite stores, for the latest policy,
    and for the others too while no item has two reviewers (each item's one label is then its
    reviewer's latest)."""
    if connection.dialect.name != "sqlite":
        return False
    if policy is Resolution.LATEST:
        return True
    return not connection.execute(
        text("SELECT EXISTS (SELECT 1 FROM generation WHERE review_count >= 2)")
    ).scalar_one()


def _grouped(
    connection: Connection, table: str, expressions: dict[str, str], columns: Sequence[str]
) -> tuple[tuple[Any, ...], ...] | None:
    if not set(columns) <= set(expressions):
        return None
    selects = [expressions[column] for column in columns]
    group = ", ".join(str(position) for position in range(1, len(columns) + 3))
    rows = connection.execute(
        text(
            f"SELECT {', '.join(selects)}{', ' if selects else ''}verdict, nullif(reasons, ''), "
            f"sum(n) FROM {table} GROUP BY {group} HAVING sum(n) > 0"
        )
    ).all()
    return tuple(tuple(row) for row in rows)


def reviewer_day_rows(
    connection: Connection, columns: Sequence[str]
) -> tuple[tuple[Any, ...], ...] | None:
    """Labels by reviewer and/or day: rows of (column values..., verdict, None, count), and for
    the reason mix (column values..., REASONS_ONLY, '["reason"]', rejects citing it); None
    when `columns` are not among reviewer and day."""
    if not set(columns) <= {"reviewer", "day"}:
        return None
    positions = [("reviewer", "day").index(column) for column in columns]
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in connection.execute(
        text("SELECT reviewer, day, approve, edit, reject FROM tally_pace")
    ).all():
        where = tuple(row[position] for position in positions)
        counts[(*where, "approve", None)] += row[2]
        counts[(*where, "edit", None)] += row[3]
        counts[(*where, "reject", None)] += row[4]
    cited = {}
    for row in connection.execute(
        text("SELECT reviewer, day, reason, n FROM tally_reject_reasons")
    ).all():
        reason = row[2]
        if reason not in cited:
            cited[reason] = orjson.dumps([reason]).decode()
        where = tuple(row[position] for position in positions)
        counts[(*where, REASONS_ONLY, cited[reason])] += row[3]
    return tuple((*row, count) for row, count in counts.items() if count > 0)


def label_rows(
    connection: Connection, columns: Sequence[str]
) -> tuple[tuple[Any, ...], ...] | None:
    """Labels by item columns (template, version, model, route, queue, flagged), verdict and
    reject reasons; None when `columns` are not all item columns."""
    return _grouped(connection, "tally_label", _LABEL_COLUMNS, columns)


def flag_label_rows(
    connection: Connection, columns: Sequence[str]
) -> tuple[tuple[Any, ...], ...] | None:
    """Labels by validator, code and severity rank (None for items without flags); None when
    `columns` are not all flag columns."""
    return _grouped(connection, "tally_flag_label", _FLAG_COLUMNS, columns)


def flagged_rows(connection: Connection) -> list[tuple[str, str, int | None, int]]:
    """Items flagged per (validator, code, severity rank), and per (validator, code, None)."""
    return [
        (validator, code, None if severity < 0 else int(severity), int(items))
        for validator, code, severity, items in connection.execute(
            text("SELECT validator, code, severity, items FROM tally_flagged WHERE items > 0")
        )
    ]


def pace_histograms(
    connection: Connection,
) -> tuple[dict[str, dict[int, int]], dict[str, dict[int, int]]]:
    """Timed decisions by whole seconds on screen: {reviewer: {seconds: decisions}} and
    {day: {seconds: decisions}}."""
    found: list[dict[str, dict[int, int]]] = []
    for table, key in (("tally_pace_reviewer", "reviewer"), ("tally_pace_day", "day")):
        histograms: dict[str, dict[int, int]] = {}
        for name, seconds, decisions in connection.execute(
            text(f"SELECT {key}, seconds, decisions FROM {table} WHERE decisions > 0")
        ).all():
            histograms.setdefault(name, {})[int(seconds)] = int(decisions)
        found.append(histograms)
    return found[0], found[1]


def agreement_rows(connection: Connection) -> list[tuple[str, int]]:
    """(labels text, items) for the items two or more reviewers label (see `tally_item_labels`;
    texts with the same labels in another order may carry negative counts that net out)."""
    return [
        (labels, int(items))
        for labels, items in connection.execute(
            text("SELECT labels, items FROM tally_agreement WHERE items <> 0")
        ).all()
    ]


def disputed_rows(connection: Connection, limit: int | None = None) -> list[tuple[int, int, str]]:
    """(latest label pk, item pk, labels text) of the items whose reviewers disagree, newest
    first (the first `limit` of them, or all)."""
    sql = (
        "SELECT latest_pk, generation_pk, labels FROM tally_item_labels "
        "WHERE disputed = 1 ORDER BY latest_pk DESC"
    )
    rows = connection.execute(
        text(f"{sql} LIMIT :limit" if limit is not None else sql),
        {"limit": limit} if limit is not None else {},
    ).all()
    return [(int(latest), int(pk), labels) for latest, pk, labels in rows]


def disputed_count(connection: Connection) -> int:
    """How many items their reviewers disagree on."""
    return int(
        connection.execute(
            text("SELECT count(*) FROM tally_item_labels WHERE disputed = 1")
        ).scalar_one()
    )


def usage_rows(connection: Connection) -> list[tuple[Any, ...]]:
    """Items by route (None: none), model and latency in tens of ms (-1: not measured): rows of
    (route, model, tens, items, with tokens, input tokens, output tokens, with cost, cost,
    decided)."""
    return [
        tuple(row)
        for row in connection.execute(
            text(
                "SELECT nullif(route, ''), model, tens, items, with_tokens, input_tokens, "
                "output_tokens, with_cost, cost_usd, decided FROM tally_usage WHERE items > 0"
            )
        )
    ]
