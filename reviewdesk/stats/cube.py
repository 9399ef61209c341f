"""Counting labels in SQL: one GROUP BY pass gives a small "cube" that Python rolls up.

A cube counts the labels of the resolution policy by some columns, the verdict and (for rejects)
the reasons text. Every grouping the statistics show is a roll-up of a cube, so a handful of
passes over the decisions serves them all. The SQL is standard (SQLite and PostgreSQL): times
are fixed-width UTC text, so `substr(decided_at, 1, 10)` is the day on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Severity
from reviewdesk.stats import tallies
from reviewdesk.stats.errors import StatsInputError
from reviewdesk.stats.models import GroupKey
from reviewdesk.store import Resolution, labels_sql

__all__ = [
    "Cube",
    "LabelFilter",
    "key_columns",
    "label_filter",
    "labels_from",
    "load_cube",
    "parse_keys",
]

# The SQL expression of every column a group can name.
COLUMN_SQL: dict[str, str] = {
    "prompt_template": "g.prompt_template",
    "prompt_version": "g.prompt_version",
    "model": "g.model",
    "route": "g.route",
    "queue": "g.queue",
    "validator": "f.validator",
    "code": "f.code",
    "severity": "f.severity",
    "reviewer": "d.reviewer",
    "day": "substr(d.decided_at, 1, 10)",
    "flagged": "CASE WHEN g.flag_count > 0 THEN 'yes' ELSE 'no' END",
}

_KEY_COLUMNS: dict[GroupKey, tuple[str, ...]] = {
    GroupKey.PROMPT_VERSION: ("prompt_template", "prompt_version"),
    GroupKey.TEMPLATE: ("prompt_template",),
    GroupKey.MODEL: ("model",),
    GroupKey.ROUTE: ("route",),
    GroupKey.QUEUE: ("queue",),
    GroupKey.VALIDATOR: ("validator", "code"),
    GroupKey.REVIEWER: ("reviewer",),
    GroupKey.DAY: ("day",),
    GroupKey.WEEK: ("week",),
}

# Flags counted once per item and code, however many spans an item has: the flag kept is the
# code's most severe on the item (the first of those). Written as a join with NOT EXISTS rather
# than a grouped subquery, so that neither engine materialises and re-indexes all the flags.
_FLAG_JOIN = (
    "LEFT JOIN flag f ON f.generation_pk = d.generation_pk AND NOT EXISTS ("
    "SELECT 1 FROM flag better WHERE better.generation_pk = f.generation_pk "
    "AND better.validator = f.validator AND better.code = f.code "
    "AND (better.severity > f.severity OR (better.severity = f.severity AND better.pk < f.pk)))"
)
_GENERATION_JOIN = "JOIN generation g ON g.pk = d.generation_pk"
_ON_GENERATION = {"prompt_template", "prompt_version", "model", "route", "queue", "flagged"}


def key_columns(keys: Sequence[GroupKey]) -> tuple[str, ...]:
    """The group's column names for `keys`, in order (`week` is derived from `day`)."""
    columns: list[str] = []
    for key in keys:
        for column in _KEY_COLUMNS[key]:
            if column not in columns:
                columns.append(column)
    return tuple(columns)


def parse_keys(spec: str | Sequence[str]) -> tuple[GroupKey, ...]:
    """`--by` keys from "model,route" (or a list of names).

    Raises:
        StatsInputError: a key is not known (the message lists the known ones).
    """
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    keys: list[GroupKey] = []
    for name in (name.strip() for name in names):
        if not name:
            continue
        try:
            key = GroupKey(name)
        except ValueError:
            known = ", ".join(key.value for key in GroupKey)
            raise StatsInputError(f"unknown grouping {name!r}: use one of {known}") from None
        if key not in keys:
            keys.append(key)
    if not keys:
        raise StatsInputError("no grouping given")
    return tuple(keys)


@dataclass(frozen=True)
class LabelFilter:
    """A WHERE condition on `decision d` that keeps the policy's labels, and its parameters."""

    sql: str
    params: dict[str, Any]
    policy: Resolution


def label_filter(policy: Resolution, adjudicators: Sequence[str] = ()) -> LabelFilter:
    """The labels of `policy` as a condition on `decision d`.

    The latest-per-reviewer labels are exactly the decisions marked current, which the store
    keeps at write time (see reviewdesk.store.resolution), so that policy is a plain indexed
    filter. The other policies use the store's shared label query.
    """
    if policy is Resolution.LATEST:
        return LabelFilter("d.current", {}, policy)
    sql, params = labels_sql(policy, adjudicators)
    return LabelFilter(f"d.pk IN (SELECT decision_pk FROM ({sql}) labels)", params, policy)


@dataclass(frozen=True)
class Cube:
    """Label counts by `columns` (+ verdict and reject reasons): rows of
    (column values..., verdict, reasons JSON text or None, count). A row may repeat a group (its
    counts add up), and rows with verdict `tallies.REASONS_ONLY` add to the reason mix only."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def load_cube(connection: Connection, labels: LabelFilter, columns: Sequence[str]) -> Cube:
    """Count the labels by `columns` in one pass."""
    sql_columns = ["day" if column == "week" else column for column in columns]
    sql_columns = list(dict.fromkeys(sql_columns))
    rows = _tallied(connection, labels, sql_columns)
    if rows is None:
        rows = _counted(connection, labels, sql_columns)
    if list(columns) == sql_columns and "severity" not in sql_columns:
        return Cube(tuple(columns), tuple(tuple(row) for row in rows))  # nothing to convert
    cube_rows: list[tuple[Any, ...]] = []
    for row in rows:
        values = dict(zip(sql_columns, row[: len(sql_columns)], strict=True))
        keys = tuple(_value(values, column) for column in columns)
        cube_rows.append((*keys, *row[len(sql_columns) :]))
    return Cube(tuple(columns), tuple(cube_rows))


def _tallied(
    connection: Connection, labels: LabelFilter, sql_columns: Sequence[str]
) -> Sequence[Sequence[Any]] | None:
    """The cube's rows from the store's running tallies, when they hold these columns."""
    if not tallies.kept(connection, labels.policy):
        return None
    for reader in (tallies.label_rows, tallies.flag_label_rows, tallies.reviewer_day_rows):
        found = reader(connection, sql_columns)
        if found is not None:
            return found
    return None


def _counted(
    connection: Connection, labels: LabelFilter, sql_columns: Sequence[str]
) -> Sequence[Sequence[Any]]:
    """The cube's rows counted from the decisions (one GROUP BY pass)."""
    selects = [f"{COLUMN_SQL[column]} AS c{index}" for index, column in enumerate(sql_columns)]
    selects.append("d.verdict")
    selects.append("CASE WHEN d.verdict = 'reject' THEN d.reasons END")
    selects.append("count(*)")
    group = ", ".join(str(position) for position in range(1, len(sql_columns) + 3))
    sql = (
        f"SELECT {', '.join(selects)} {labels_from(sql_columns)} "
        f"WHERE {labels.sql} GROUP BY {group}"
    )
    return connection.execute(text(sql), labels.params).all()


def labels_from(sql_columns: Sequence[str]) -> str:
    """The FROM clause over `decision d` with the joins that `sql_columns` need."""
    join = _FLAG_JOIN if {"validator", "code", "severity"} & set(sql_columns) else ""
    generation = _GENERATION_JOIN if _ON_GENERATION & set(sql_columns) else ""
    return f"FROM decision d {generation} {join}"


def _value(values: dict[str, Any], column: str) -> Any:
    if column == "week":
        return iso_week(values["day"])
    if column == "severity":
        rank = values[column]
        return None if rank is None else str(Severity.from_rank(int(rank)))
    return values[column]


@lru_cache(maxsize=4096)
def iso_week(day: str | None) -> str | None:
    """`2026-W48` for the day `2026-11-27`."""
    if day is None:
        return None
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"
