"""Reviewer throughput: decisions, median seconds per decision and decisions per hour.

Counted over every decision (changes of mind included: they are work done, so the resolution
policy does not matter here) by reviewer, day and the whole seconds on screen; medians come from
those histograms. A SQLite store keeps these counts as it goes (the pace tallies); otherwise one
GROUP BY over the decisions counts them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.stats import tallies
from reviewdesk.stats.models import ReviewerThroughput, Throughput

__all__ = ["CAP_SECONDS", "Pace", "load_pace", "median", "throughput"]

CAP_SECONDS = 3600  # an item on screen an hour or more counts as an hour (someone left for lunch)


_PACE = """
SELECT d.reviewer, substr(d.decided_at, 1, 10), d.duration_ms / 1000, count(*), sum(d.duration_ms)
FROM decision d GROUP BY 1, 2, 3
"""
_TALLIED_DAYS = """
SELECT reviewer, day, decisions, timed, total_ms, seconds FROM tally_pace WHERE decisions > 0
"""


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of whole seconds given as {seconds: count} (the two middle values averaged
    when the count is even); None when empty."""
    total = sum(histogram.values())
    if not total:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen = 0
    lower: int | None = None
    for seconds, count in sorted(histogram.items()):
        if lower is None and seen + count > lower_rank:
            lower = seconds
        if seen + count > upper_rank:
            return ((lower if lower is not None else seconds) + seconds) / 2
        seen += count
    return None  # pragma: no cover (the ranks are below the total)


@dataclass(frozen=True)
class Pace:
    """How reviewers worked, in the few shapes the throughput tables need.

    - `days`: rows of (reviewer, day, decisions, timed decisions, total ms of the timed ones,
      median seconds or None);
    - `by_reviewer`, `by_day`: histograms {whole seconds: timed decisions} per reviewer, per day.
    """

    days: tuple[tuple[Any, ...], ...]
    by_reviewer: Mapping[str, Mapping[int, int]]
    by_day: Mapping[str, Mapping[int, int]]

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> Pace:
        """From decisions counted by (reviewer, day, whole seconds or None): rows of (reviewer,
        day, seconds, decisions, total ms)."""
        days: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        hours: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        by_reviewer: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        by_day: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for reviewer, day, seconds, count, total_ms in rows:
            tally = days[(reviewer, day)]
            tally[0] += count
            if seconds is None:
                continue
            tally[1] += count
            tally[2] += total_ms
            capped = min(int(seconds), CAP_SECONDS)
            hours[(reviewer, day)][capped] += count
            by_reviewer[reviewer][capped] += count
            by_day[day][capped] += count
        return cls(
            tuple(
                (reviewer, day, *tally, median(hours.get((reviewer, day), {})))
                for (reviewer, day), tally in days.items()
            ),
            by_reviewer,
            by_day,
        )


def load_pace(connection: Connection) -> Pace:
    """Every decision's pace (see `Pace`): from the store's tallies when it keeps them, else
    counted in one pass over the decisions."""
    if not tallies.kept(connection):
        return Pace.from_rows(
            (reviewer, day, seconds, int(count), int(total or 0))
            for reviewer, day, seconds, count, total in connection.execute(text(_PACE)).all()
        )
    days = tuple(
        (
            reviewer,
            day,
            decisions,
            timed,
            total_ms,
            median({int(seconds): count for seconds, count in orjson.loads(histogram).items()}),
        )
        for reviewer, day, decisions, timed, total_ms, histogram in (
            connection.execute(text(_TALLIED_DAYS)).all()
        )
    )
    return Pace(days, *tallies.pace_histograms(connection))


def _result(
    reviewer: str | None, day: str | None, sums: Sequence[int], middle: float | None
) -> ReviewerThroughput:
    decisions, timed, total_ms = sums
    return ReviewerThroughput(
        reviewer=reviewer,
        day=day,
        decisions=decisions,
        median_seconds=middle,
        per_hour=timed * 3_600_000 / total_ms if total_ms > 0 else None,
    )


def throughput(pace: Pace) -> Throughput:
    """Throughput by reviewer, by day, by reviewer and day, and overall."""
    reviewers: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    overall = [0, 0, 0]
    by_both = []
    for reviewer, day, decisions, timed, total_ms, middle in sorted(
        pace.days, key=lambda row: (row[0], row[1])
    ):
        for sums in (reviewers[reviewer], days[day], overall):
            sums[0] += decisions
            sums[1] += timed
            sums[2] += total_ms
        by_both.append(_result(reviewer, day, (decisions, timed, total_ms), middle))
    everything: Counter[int] = Counter()
    for histogram in pace.by_day.values():
        everything.update(histogram)
    return Throughput(
        by_reviewer=tuple(
            _result(name, None, reviewers[name], median(pace.by_reviewer.get(name, {})))
            for name in sorted(reviewers)
        ),
        by_day=tuple(
            _result(None, name, days[name], median(pace.by_day.get(name, {})))
            for name in sorted(days)
        ),
        by_reviewer_day=tuple(by_both),
        overall=_result(None, None, overall, median(everything)),
    )
