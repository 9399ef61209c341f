"""Grouped verdict counts and rates, edit severity and the reject-reason mix.

`grouped_stats` answers `reviewdesk stats --by KEY[,KEY]`: one SQL pass counts the labels by the
keys (a cube), Python turns the counts into rates and intervals. By default it counts items
(each item's resolved label, Wilson intervals); the `labels` unit counts each reviewer's latest
label, with intervals clustered by item (one more pass: reviewdesk/stats/clustered.py).

Edit severity needs the texts, so it is measured on the edits only: all of them up to
`EDIT_SAMPLE`, beyond that on an even sample (every k-th edit by decision order). Reading the
texts is the cost (two random reads an edit), so the sample is sized to a tenth of a second;
4,000 edits put the mean severity within about ±0.005 of the whole (a severity's spread is
rarely above 0.15), and each group reports how many edits it was measured on.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
from rapidfuzz.distance import Levenshtein
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from reviewdesk.stats.clustered import ClusterSums, load_cluster_sums
from reviewdesk.stats.cube import Cube, LabelFilter, iso_week, key_columns, label_filter, load_cube
from reviewdesk.stats.errors import StatsInputError
from reviewdesk.stats.inference import wilson, wilson_clustered
from reviewdesk.stats.models import GroupKey, GroupStats, LeftOut, ReasonShare, Unit
from reviewdesk.stats.tallies import REASONS_ONLY
from reviewdesk.store import Resolution, count_unresolved

__all__ = [
    "EDIT_SAMPLE",
    "EditSample",
    "grouped_stats",
    "left_out",
    "load_edit_sample",
    "make_group",
    "natural_key",
    "reason_mix",
    "rollup",
]

EDIT_SAMPLE = 4_000

_SAMPLE_COLUMNS = (
    "prompt_template",
    "prompt_version",
    "model",
    "route",
    "queue",
    "reviewer",
    "day",
)
_SAMPLE_SQL = {column: f"g.{column}" for column in _SAMPLE_COLUMNS} | {
    "reviewer": "d.reviewer",
    "day": "substr(d.decided_at, 1, 10)",
}


@dataclass(frozen=True)
class EditSample:
    """Edit severities of (a sample of) the labels that are edits, with their group columns."""

    rows: tuple[tuple[dict[str, Any], float], ...] = ()
    flags: Mapping[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    every: int = 1

    def groups_of(self, values: dict[str, Any], columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """The group tuples (over `columns`) a sampled edit counts in."""
        base = values
        if "validator" not in columns and "code" not in columns:
            return [tuple(base[column] for column in columns)]
        flagged = self.flags.get(values["pk"]) or ((None, None),)
        return [
            tuple(
                validator if column == "validator" else code if column == "code" else base[column]
                for column in columns
            )
            for validator, code in flagged
        ]

    def severities(self, columns: Sequence[str]) -> dict[tuple[Any, ...], list[float]]:
        """The measured severities by group over `columns`."""
        found: dict[tuple[Any, ...], list[float]] = defaultdict(list)
        if "validator" not in columns and "code" not in columns:
            if not columns:
                found[()] = [severity for _, severity in self.rows]
                return found
            key = itemgetter(*columns)
            if len(columns) == 1:
                for values, severity in self.rows:
                    found[(key(values),)].append(severity)
            else:
                for values, severity in self.rows:
                    found[key(values)].append(severity)
            return found
        for values, severity in self.rows:
            for group in self.groups_of(values, columns):
                found[group].append(severity)
        return found


def edit_severity(original: str, edited: str) -> float:
    """Normalised Levenshtein distance: 0 unchanged, 1 nothing in common."""
    return float(Levenshtein.normalized_distance(original, edited))


def load_edit_sample(
    connection: Connection, labels: LabelFilter, edits: int, *, limit: int = EDIT_SAMPLE
) -> EditSample:
    """Measure the edit severity of the labels that are edits (`edits` of them in all)."""
    if edits <= 0 or limit <= 0:
        return EditSample()
    every = max(1, math.ceil(edits / limit))
    selects = ", ".join(_SAMPLE_SQL[column] for column in _SAMPLE_COLUMNS)
    sample = "" if every == 1 else "AND d.pk % :every = 0"
    rows = connection.execute(
        text(
            f"SELECT {selects}, g.pk, gt.output, dt.edited_output FROM decision d "
            "JOIN generation g ON g.pk = d.generation_pk "
            "JOIN generation_text gt ON gt.pk = g.pk "
            "LEFT JOIN decision_text dt ON dt.pk = d.pk "
            f"WHERE {labels.sql} AND d.verdict = 'edit' {sample}"
        ),
        {**labels.params, "every": every},
    ).all()
    measured: list[tuple[dict[str, Any], float]] = []
    for row in rows:
        values = dict(zip(_SAMPLE_COLUMNS, row[: len(_SAMPLE_COLUMNS)], strict=True))
        pk, original, edited = row[len(_SAMPLE_COLUMNS) :]
        values["pk"] = pk
        values["week"] = iso_week(values["day"])
        measured.append((values, edit_severity(original or "", edited or "")))
    flags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pk, validator, code in connection.execute(
        text(
            # From the sampled edits (found as above) to their flags, never the other way round.
            "WITH sampled AS MATERIALIZED (SELECT d.generation_pk FROM decision d "
            f"WHERE {labels.sql} AND d.verdict = 'edit' {sample}) "
            "SELECT DISTINCT f.generation_pk, f.validator, f.code FROM sampled "
            "CROSS JOIN flag f WHERE f.generation_pk = sampled.generation_pk"
        ),
        {**labels.params, "every": every},
    ).all():
        flags[pk].append((validator, code))
    return EditSample(
        tuple(measured), {pk: tuple(found) for pk, found in flags.items()}, every=every
    )


@lru_cache(maxsize=4096)
def _reasons(reasons: str) -> tuple[str, ...]:
    parsed = orjson.loads(reasons)
    return tuple(str(reason) for reason in parsed) if isinstance(parsed, list) else ()


def _share(count: int, n: int) -> float | None:
    return count / n if n else None


def make_group(
    group: dict[str, Any],
    approve: int,
    edit: int,
    reject: int,
    reasons: Mapping[str, int] | None = None,
    severities: Sequence[float] = (),
    clusters: ClusterSums | None = None,
) -> GroupStats:
    """One group's counts as rates with Wilson intervals (clustered by item when the counts
    are labels whose per-item sums are given)."""
    n = approve + edit + reject
    accepted = approve + edit
    if clusters is not None and clusters.labels == n:
        acc_low, acc_high = wilson_clustered(
            accepted,
            n,
            clusters.items,
            clusters.accepted_squared,
            clusters.accepted_cross,
            clusters.sizes_squared,
        )
        rej_low, rej_high = wilson_clustered(
            reject,
            n,
            clusters.items,
            clusters.rejected_squared,
            clusters.rejected_cross,
            clusters.sizes_squared,
        )
    else:
        acc_low, acc_high = wilson(accepted, n)
        rej_low, rej_high = wilson(reject, n)
    return GroupStats(
        group=group,
        n=n,
        approve=approve,
        edit=edit,
        reject=reject,
        approve_rate=_share(approve, n),
        edit_rate=_share(edit, n),
        reject_rate=_share(reject, n),
        reject_low=rej_low if n else None,
        reject_high=rej_high if n else None,
        acceptance=_share(accepted, n),
        acceptance_low=acc_low if n else None,
        acceptance_high=acc_high if n else None,
        edit_severity=sum(severities) / len(severities) if severities else None,
        edit_severity_n=len(severities),
        reasons=dict(sorted((reasons or {}).items(), key=lambda item: (-item[1], item[0]))),
        items=None if clusters is None else clusters.items,
    )


def natural_key(value: Any) -> tuple[Any, ...]:
    """Sort key putting v2 before v11 and None last."""
    if value is None:
        return (1, ())
    parts: list[tuple[int, Any]] = []
    number = ""
    word = ""
    for character in str(value):
        if character.isdigit():
            if word:
                parts.append((1, word))
                word = ""
            number += character
        else:
            if number:
                parts.append((0, int(number)))
                number = ""
            word += character
    if number:
        parts.append((0, int(number)))
    if word:
        parts.append((1, word))
    return (0, tuple(parts))


def rollup(
    cube: Cube,
    columns: Sequence[str],
    edits: EditSample | None = None,
    clusters: Mapping[tuple[Any, ...], ClusterSums] | None = None,
) -> list[GroupStats]:
    """The cube's counts summed by `columns` (a subset of the cube's), one GroupStats a group;
    with `clusters` (the groups' per-item sums over the same `columns`), intervals clustered
    by item."""
    positions = [cube.columns.index(column) for column in columns]
    pick = itemgetter(*positions) if positions else None
    width = len(cube.columns)
    counts: dict[tuple[Any, ...], list[int]] = {}
    reasons: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for row in cube.rows:
        group = () if pick is None else pick(row) if len(positions) > 1 else (pick(row),)
        verdict, reason_text, count = row[width], row[width + 1], row[width + 2]
        tally = counts.setdefault(group, [0, 0, 0])
        index = _VERDICT_INDEX.get(verdict)
        if index is not None:
            tally[index] += count
        elif verdict != REASONS_ONLY:
            continue
        if reason_text:
            for reason in _reasons(reason_text):
                reasons[group][reason] += count
    severities = edits.severities(columns) if edits is not None else {}
    groups = [
        make_group(
            dict(zip(columns, group, strict=True)),
            tally[0],
            tally[1],
            tally[2],
            reasons=reasons.get(group),
            severities=severities.get(group, ()),
            clusters=None if clusters is None else clusters.get(group, ClusterSums()),
        )
        for group, tally in counts.items()
    ]
    groups.sort(key=lambda stats: tuple(natural_key(stats.group[c]) for c in columns))
    return groups


_VERDICT_INDEX = {"approve": 0, "edit": 1, "reject": 2}


def reason_mix(groups: Iterable[GroupStats]) -> list[ReasonShare]:
    """The reject reasons of `groups` together, most frequent first, as shares of the rejects."""
    total: Counter[str] = Counter()
    rejects = 0
    for group in groups:
        total.update(group.reasons)
        rejects += group.reject
    return [
        ReasonShare(reason=reason, count=count, share=count / rejects if rejects else 0.0)
        for reason, count in sorted(total.items(), key=lambda item: (-item[1], item[0]))
    ]


def grouped_stats(
    engine: Engine,
    keys: Sequence[GroupKey],
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
    *,
    unit: Unit = Unit.ITEMS,
    edit_sample: int = EDIT_SAMPLE,
) -> list[GroupStats]:
    """Counts, rates, intervals, edit severity and reasons grouped by `keys`.

    `unit` items (the default): the labels of `policy`, at most one an item (with `latest`,
    each reviewer's label is counted as if it were an item of its own). `unit` labels: every
    reviewer's latest label, with intervals clustered by item; `policy` must be `latest`.

    Raises:
        StatsInputError: the labels unit asked for with another policy than `latest`.
    """
    if unit is Unit.LABELS and policy is not Resolution.LATEST:
        raise StatsInputError(
            f"the labels unit counts each reviewer's latest label: it takes no {policy} policy"
        )
    labels = label_filter(policy, adjudicators)
    columns = key_columns(keys)
    with engine.connect() as connection:
        cube = load_cube(connection, labels, columns)
        edits = sum(row[-1] for row in cube.rows if row[len(columns)] == "edit")
        if GroupKey.VALIDATOR in keys:
            edits = _count_edits(connection, labels)
        sample = load_edit_sample(connection, labels, edits, limit=edit_sample)
        clusters = load_cluster_sums(connection, labels, columns) if unit is Unit.LABELS else None
    return rollup(cube, columns, sample, clusters)


def _count_edits(connection: Connection, labels: LabelFilter) -> int:
    return int(
        connection.execute(
            text(f"SELECT count(*) FROM decision d WHERE {labels.sql} AND d.verdict = 'edit'"),
            labels.params,
        ).scalar_one()
    )


def left_out(
    engine: Engine, policy: Resolution = Resolution.RESOLVED, adjudicators: Sequence[str] = ()
) -> LeftOut:
    """How many decided items `policy` gives no label, and why."""
    if policy is Resolution.LATEST:
        return LeftOut(policy=policy, items=0, reason="")
    with engine.connect() as connection:
        items = count_unresolved(connection, policy, adjudicators)
    return LeftOut(policy=policy, items=items, reason=policy.leaves_out if items else "")
