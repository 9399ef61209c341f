"""Per-item sums of the labels, for intervals clustered by item (the `labels` unit).

Several reviewers' labels of one item are not independent observations. Counting labels, the
interval of a share is therefore computed from the items' sums (see
`reviewdesk.stats.inference.wilson_clustered`): per group, the number of items and, over its
items i with m_i labels of which a_i accept and r_i reject, the sums of m_i, m_i^2, a_i, a_i^2,
a_i m_i, r_i, r_i^2 and r_i m_i. One SQL pass: labels grouped by the group's columns and the
item, then by the group's columns (for `week`, which SQL does not compute, the second step
runs here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.stats.cube import COLUMN_SQL, LabelFilter, iso_week, labels_from

__all__ = ["ClusterSums", "load_cluster_sums"]


@dataclass(frozen=True)
class ClusterSums:
    """A group's labels summed by item (see the module docstring)."""

    items: int = 0
    labels: int = 0
    sizes_squared: int = 0
    accepted: int = 0
    accepted_squared: int = 0
    accepted_cross: int = 0
    rejected: int = 0
    rejected_squared: int = 0
    rejected_cross: int = 0

    def add(self, m: int, a: int) -> ClusterSums:
        """These sums with one more item of `m` labels, `a` of them accepting."""
        r = m - a
        return ClusterSums(
            self.items + 1,
            self.labels + m,
            self.sizes_squared + m * m,
            self.accepted + a,
            self.accepted_squared + a * a,
            self.accepted_cross + a * m,
            self.rejected + r,
            self.rejected_squared + r * r,
            self.rejected_cross + r * m,
        )


_PER_ITEM = "count(*) AS m, sum(CASE WHEN d.verdict = 'reject' THEN 0 ELSE 1 END) AS a"
_SUMS = (
    "count(*), sum(m), sum(m * m), sum(a), sum(a * a), sum(a * m), "
    "sum(m - a), sum((m - a) * (m - a)), sum((m - a) * m)"
)


def load_cluster_sums(
    connection: Connection, labels: LabelFilter, columns: Sequence[str]
) -> dict[tuple[Any, ...], ClusterSums]:
    """Each group's (over `columns`, as a cube names them) labels summed by item."""
    sql_columns = list(dict.fromkeys("day" if column == "week" else column for column in columns))
    selects = [f"{COLUMN_SQL[column]} AS c{index}" for index, column in enumerate(sql_columns)]
    names = [f"c{index}" for index in range(len(sql_columns))]
    inner = (
        f"SELECT {', '.join([*selects, 'd.generation_pk AS item', _PER_ITEM])} "
        f"{labels_from(sql_columns)} WHERE {labels.sql} "
        f"GROUP BY {', '.join(str(n) for n in range(1, len(sql_columns) + 2))}"
    )
    found: dict[tuple[Any, ...], ClusterSums] = {}
    if "week" not in columns:
        outer = ", ".join(names)
        sql = f"SELECT {outer + ', ' if names else ''}{_SUMS} FROM ({inner}) per_item" + (
            f" GROUP BY {outer}" if names else ""
        )
        for row in connection.execute(text(sql), labels.params).all():
            key = tuple(row[: len(names)])
            if row[len(names)]:
                found[_severity_named(key, sql_columns)] = ClusterSums(
                    *(int(value or 0) for value in row[len(names) :])
                )
        return found
    # By week: the items' labels of each day in a week come together here.
    per_item: dict[tuple[Any, ...], tuple[int, int]] = {}
    for row in connection.execute(text(inner), labels.params).all():
        values = dict(zip(sql_columns, row[: len(sql_columns)], strict=True))
        group = tuple(
            iso_week(values["day"]) if column == "week" else values[column] for column in columns
        )
        m, a = int(row[-2]), int(row[-1])
        before = per_item.get((*group, row[len(sql_columns)]), (0, 0))
        per_item[(*group, row[len(sql_columns)])] = (before[0] + m, before[1] + a)
    for key, (m, a) in per_item.items():
        group = key[:-1]
        found[group] = found.get(group, ClusterSums()).add(m, a)
    return found


def _severity_named(key: tuple[Any, ...], sql_columns: Sequence[str]) -> tuple[Any, ...]:
    if "severity" not in sql_columns:
        return key
    from reviewdesk.domain import Severity

    position = list(sql_columns).index("severity")
    rank = key[position]
    named = None if rank is None else str(Severity.from_rank(int(rank)))
    return (*key[:position], named, *key[position + 1 :])
