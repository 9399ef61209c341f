"""How several decisions on one item become the labels that statistics and exports count.

One policy is used everywhere alike (the stats, the exports, the server's endpoints):

- `latest`: each reviewer's latest decision on an item is a label (an item two people reviewed
  gives two labels). Changes of mind are resolved; disagreements are kept as they are.
- `majority`: one label an item, the verdict most of its reviewers gave (their latest decisions);
  the label's decision is the latest one with that verdict. Ties are left out.
- `adjudicated`: one label an item: the verdict when its reviewers agree; when they disagree,
  the latest decision of an adjudicator (a reviewer named as one). Unsettled items are left out.
- `resolved` (the default of the statistics and the training exports): one label an item, its
  resolved verdict: the verdict most of its reviewers gave (an item one reviewer decided keeps
  that label); a tie goes to the latest decision of an adjudicator among its reviewers. Ties no
  adjudicator settled are left out.

`labels_sql` gives a SELECT with the columns `generation_pk, decision_pk, verdict`, written in
SQL that SQLite and PostgreSQL both run, to be used as a CTE:
`WITH labels AS (<sql>) SELECT ... FROM labels JOIN generation g ON g.pk = labels.generation_pk`.
Execute it through SQLAlchemy's `text()` with the returned parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when counting: the desk names a policy without SQLAlchemy
    from sqlalchemy.engine import Connection

__all__ = ["Resolution", "count_unresolved", "labels_sql"]


class Resolution(StrEnum):
    """How an item's several decisions resolve (see the module docstring)."""

    LATEST = "latest"
    MAJORITY = "majority"
    ADJUDICATED = "adjudicated"
    RESOLVED = "resolved"

    @property
    def one_label_an_item(self) -> bool:
        """Whether the policy gives each item at most one label (all but `latest`)."""
        return self is not Resolution.LATEST

    @property
    def leaves_out(self) -> str:
        """Which items the policy leaves without a label, in words ("" for none)."""
        return _LEAVES_OUT[self]


_LEAVES_OUT = {
    Resolution.LATEST: "",
    Resolution.MAJORITY: "ties (no verdict has a majority)",
    Resolution.ADJUDICATED: "disagreements no adjudicator settled",
    Resolution.RESOLVED: "ties no adjudicator settled",
}


_LATEST = "SELECT generation_pk, pk AS decision_pk, verdict FROM decision WHERE current"

_MAJORITY = """
SELECT v.generation_pk, v.decision_pk, v.verdict FROM (
    SELECT generation_pk, verdict, count(*) AS n, max(pk) AS decision_pk
    FROM decision WHERE current GROUP BY generation_pk, verdict
) v
WHERE NOT EXISTS (
    SELECT 1 FROM (
        SELECT generation_pk, verdict, count(*) AS n
        FROM decision WHERE current GROUP BY generation_pk, verdict
    ) w
    WHERE w.generation_pk = v.generation_pk AND w.verdict <> v.verdict AND w.n >= v.n
)
"""

_AGREED = """
SELECT generation_pk, max(pk) AS decision_pk, min(verdict) AS verdict
FROM decision WHERE current GROUP BY generation_pk HAVING count(DISTINCT verdict) = 1
"""

_ADJUDICATED = """
SELECT d.generation_pk, d.pk AS decision_pk, d.verdict FROM decision d
WHERE d.current AND d.reviewer IN ({names})
AND d.pk = (
    SELECT max(a.pk) FROM decision a
    WHERE a.generation_pk = d.generation_pk AND a.current AND a.reviewer IN ({names})
)
AND d.generation_pk IN (
    SELECT generation_pk FROM decision WHERE current
    GROUP BY generation_pk HAVING count(DISTINCT verdict) > 1
)
"""

# The ties of `_MAJORITY` (items with decisions but no majority verdict), each settled by the
# latest decision of an adjudicator among the item's reviewers.
_TIE_SETTLED = """
SELECT d.generation_pk, d.pk AS decision_pk, d.verdict FROM decision d
WHERE d.current AND d.reviewer IN ({names})
AND d.pk = (
    SELECT max(a.pk) FROM decision a
    WHERE a.generation_pk = d.generation_pk AND a.current AND a.reviewer IN ({names})
)
AND d.generation_pk NOT IN (SELECT m.generation_pk FROM ({majority}) m)
"""


def labels_sql(policy: Resolution, adjudicators: Sequence[str] = ()) -> tuple[str, dict[str, Any]]:
    """The labels under `policy`, as SQL and its bound parameters."""
    if policy is Resolution.LATEST:
        return _LATEST, {}
    if policy is Resolution.MAJORITY or (policy is Resolution.RESOLVED and not adjudicators):
        return _MAJORITY, {}
    params = {f"adjudicator_{index}": name for index, name in enumerate(adjudicators)}
    names = ", ".join(f":{key}" for key in params)
    if policy is Resolution.RESOLVED:
        settled = _TIE_SETTLED.format(names=names, majority=_MAJORITY)
        return f"{_MAJORITY} UNION ALL {settled}", params
    if not adjudicators:
        return _AGREED, {}
    return f"{_AGREED} UNION ALL {_ADJUDICATED.format(names=names)}", params


def count_unresolved(
    connection: Connection, policy: Resolution, adjudicators: Sequence[str] = ()
) -> int:
    """How many decided items the policy leaves without a label (ties, open disagreements)."""
    from sqlalchemy import text

    sql, params = labels_sql(policy, adjudicators)
    return int(
        connection.execute(
            text(
                f"SELECT (SELECT count(DISTINCT generation_pk) FROM decision) - "
                f"(SELECT count(DISTINCT generation_pk) FROM ({sql}) labels)"
            ),
            params,
        ).scalar_one()
    )
