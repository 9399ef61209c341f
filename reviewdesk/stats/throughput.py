"""Reviewer throughput: decisions, median seconds per decision and decisions per hour.

Counted over every decision (changes of mind included: they are work done), from one GROUP BY
on reviewer, day and the whole seconds on screen; medians come from those histograms. The same
pass counts the labels (of the resolution policy) by reviewer and day, so the overview needs no
second pass over the decisions for its reviewer and time groupings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.stats.cube import Cube, LabelFilter
from reviewdesk.stats.models import ReviewerThroughput, Throughput

__all__ = ["CAP_SECONDS", "Pace", "load_pace", "throughput"]

CAP_SECONDS = 3600  # an item on screen an hour or more counts as an hour (someone left for lunch)


def _pace_sql(labels: LabelFilter) -> str:
    label = labels.sql
    return f"""
SELECT d.reviewer, substr(d.decided_at, 1, 10), d.duration_ms / 1000,
       count(*), sum(d.duration_ms),
       sum(CASE WHEN {label} AND d.verdict = 'approve' THEN 1 ELSE 0 END),
       sum(CASE WHEN {label} AND d.verdict = 'edit' THEN 1 ELSE 0 END),
       sum(CASE WHEN {label} AND d.verdict = 'reject' THEN 1 ELSE 0 END)
FROM decision d GROUP BY 1, 2, 3
"""


@dataclass(frozen=True)
class Pace:
    """Decisions by (reviewer, day, whole seconds on screen or None): rows of (reviewer, day,
    seconds, decisions, total ms, approve labels, edit labels, reject labels)."""

    rows: tuple[tuple[Any, ...], ...]

    def label_cube(self) -> Cube:
        """The labels among these decisions as a cube over (reviewer, day) (no reasons)."""
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for reviewer, day, _, _, _, approve, edit, reject in self.rows:
            tally = totals[(reviewer, day)]
            tally[0] += approve
            tally[1] += edit
            tally[2] += reject
        rows = [
            (reviewer, day, verdict, None, count)
            for (reviewer, day), tally in totals.items()
            for verdict, count in zip(("approve", "edit", "reject"), tally, strict=True)
            if count
        ]
        return Cube(("reviewer", "day"), tuple(rows))


def load_pace(connection: Connection, labels: LabelFilter) -> Pace:
    """One pass over every decision (see `Pace`)."""
    rows = connection.execute(text(_pace_sql(labels)), labels.params).all()
    return Pace(
        tuple(
            (
                reviewer,
                day,
                None if seconds is None else min(int(seconds), CAP_SECONDS),
                int(count),
                int(total or 0),
                int(approve or 0),
                int(edit or 0),
                int(reject or 0),
            )
            for reviewer, day, seconds, count, total, approve, edit, reject in rows
        )
    )


class _Tally:
    __slots__ = ("decisions", "histogram", "timed", "total_ms")

    def __init__(self) -> None:
        self.decisions = 0
        self.timed = 0
        self.total_ms = 0
        self.histogram: dict[int, int] = defaultdict(int)

    def add(self, seconds: int | None, count: int, total_ms: int) -> None:
        self.decisions += count
        if seconds is not None:
            self.timed += count
            self.total_ms += total_ms
            self.histogram[seconds] += count

    def median(self) -> float | None:
        if not self.timed:
            return None
        # The lower and upper middle values, so an even count averages the two.
        lower_rank, upper_rank = (self.timed - 1) // 2, self.timed // 2
        seen = 0
        lower: int | None = None
        for seconds, count in sorted(self.histogram.items()):
            if lower is None and seen + count > lower_rank:
                lower = seconds
            if seen + count > upper_rank:
                return ((lower if lower is not None else seconds) + seconds) / 2
            seen += count
        return None  # pragma: no cover (the ranks are below the total)

    def result(self, reviewer: str | None, day: str | None) -> ReviewerThroughput:
        return ReviewerThroughput(
            reviewer=reviewer,
            day=day,
            decisions=self.decisions,
            median_seconds=self.median(),
            per_hour=self.timed * 3_600_000 / self.total_ms if self.total_ms > 0 else None,
        )


def throughput(pace: Pace | Sequence[tuple[Any, ...]]) -> Throughput:
    """Throughput by reviewer, by day, by reviewer and day, and overall."""
    rows = pace.rows if isinstance(pace, Pace) else pace
    by_reviewer: dict[str, _Tally] = defaultdict(_Tally)
    by_day: dict[str, _Tally] = defaultdict(_Tally)
    by_both: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    overall = _Tally()
    for reviewer, day, seconds, count, total_ms, *_ in rows:
        for tally in (by_reviewer[reviewer], by_day[day], by_both[(reviewer, day)], overall):
            tally.add(seconds, count, total_ms)

    def listed(
        found: dict[Any, _Tally], split: Callable[[Any], tuple[str | None, str | None]]
    ) -> tuple[ReviewerThroughput, ...]:
        return tuple(found[key].result(*split(key)) for key in sorted(found))

    return Throughput(
        by_reviewer=listed(by_reviewer, lambda key: (key, None)),
        by_day=listed(by_day, lambda key: (None, key)),
        by_reviewer_day=listed(by_both, lambda key: key),
        overall=overall.result(None, None),
    )
