"""Agreement broken down: per group of items, per reviewer pair, and on reasons.

Reads each current decision (each reviewer's latest) on the items two or more reviewers
decided, with the item's grouping columns and the decision's reasons, in one pass; the rest is
Python over those items (they are the few with agreement sampling, not the whole store).

The measures (see reviewdesk/stats/reliability.py for the formulas):
- verdicts: all-agree, pairwise agreement and Krippendorff's alpha per group; per reviewer pair,
  agreement and Cohen's kappa;
- reasons: for each pair of an item's reviewers of whom at least one gave a reason, the Jaccard
  and MASI similarity of their reason sets; an item's value is the mean over such pairs, a
  group's the mean over its items that have one (a pair that both gave no reason has nothing to
  compare and is left out);
- per reason: each reviewer's decision cites it or not; Krippendorff's alpha of those values.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Engine

from reviewdesk.stats.cube import key_columns
from reviewdesk.stats.errors import StatsInputError
from reviewdesk.stats.feedback import natural_key
from reviewdesk.stats.models import (
    AgreementBreakdown,
    GroupAgreement,
    GroupKey,
    PairReasons,
    ReasonAgreement,
)
from reviewdesk.stats.reliability import (
    cohen_kappa,
    jaccard,
    krippendorff_alpha_nominal,
    masi,
    pairwise_agreement,
    percent_agreement,
)

__all__ = ["ITEM_KEYS", "agreement_breakdown"]

# The groupings an item belongs to whoever reviewed it.
ITEM_KEYS = (
    GroupKey.PROMPT_VERSION,
    GroupKey.TEMPLATE,
    GroupKey.MODEL,
    GroupKey.ROUTE,
    GroupKey.QUEUE,
)
_COLUMNS = ("prompt_template", "prompt_version", "model", "route", "queue")

_SQL = """
SELECT g.pk, g.prompt_template, g.prompt_version, g.model, g.route, g.queue,
       d.reviewer, d.verdict, d.reasons
FROM generation g CROSS JOIN decision d
WHERE d.generation_pk = g.pk AND g.review_count >= 2 AND d.current
ORDER BY g.pk, d.reviewer
"""


@dataclass(frozen=True)
class _Item:
    """One item's columns and its reviewers' (reviewer, verdict, reasons), by reviewer."""

    columns: dict[str, Any]
    labels: tuple[tuple[str, str, frozenset[str]], ...]


@lru_cache(maxsize=4096)
def _reasons(reasons: str | None) -> frozenset[str]:
    parsed = orjson.loads(reasons) if reasons else []
    return frozenset(str(reason) for reason in parsed) if isinstance(parsed, list) else frozenset()


def _items(engine: Engine) -> list[_Item]:
    items: list[_Item] = []
    current: int | None = None
    columns: dict[str, Any] = {}
    labels: list[tuple[str, str, frozenset[str]]] = []
    with engine.connect() as connection:
        for pk, *values, reviewer, verdict, reasons in connection.execute(text(_SQL)):
            if pk != current:
                if len(labels) >= 2:
                    items.append(_Item(columns, tuple(labels)))
                current, columns, labels = pk, dict(zip(_COLUMNS, values, strict=True)), []
            labels.append((reviewer, verdict, _reasons(reasons)))
    if len(labels) >= 2:
        items.append(_Item(columns, tuple(labels)))
    return items


def _reason_pairs(item: _Item) -> list[tuple[str, str, float, float]]:
    """(first, second, Jaccard, MASI) of the item's reviewer pairs with a reason to compare."""
    return [
        (first, second, jaccard(a, b), masi(a, b))
        for (first, _, a), (second, _, b) in combinations(item.labels, 2)
        if a or b
    ]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _group(group: dict[str, Any], items: Sequence[_Item]) -> GroupAgreement:
    units = [[verdict for _, verdict, _ in item.labels] for item in items]
    jaccards: list[float] = []
    masis: list[float] = []
    for item in items:
        pairs = _reason_pairs(item)
        if pairs:
            jaccards.append(sum(pair[2] for pair in pairs) / len(pairs))
            masis.append(sum(pair[3] for pair in pairs) / len(pairs))
    return GroupAgreement(
        group=group,
        items=len(items),
        reviewers=len({reviewer for item in items for reviewer, _, _ in item.labels}),
        all_agree=percent_agreement(units),
        pairwise=pairwise_agreement(units),
        krippendorff_alpha=krippendorff_alpha_nominal(units),
        reason_items=len(jaccards),
        reasons_jaccard=_mean(jaccards),
        reasons_masi=_mean(masis),
    )


def _pairs(items: Iterable[_Item]) -> list[PairReasons]:
    verdicts: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    similarities: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for item in items:
        for (first, x, a), (second, y, b) in combinations(item.labels, 2):
            verdicts[(first, second)].append((x, y))
            if a or b:
                similarities[(first, second)].append((jaccard(a, b), masi(a, b)))
    found = []
    for (first, second), labels in sorted(verdicts.items()):
        compared = similarities.get((first, second), [])
        found.append(
            PairReasons(
                first=first,
                second=second,
                items=len(labels),
                agreement=sum(1 for x, y in labels if x == y) / len(labels),
                kappa=cohen_kappa(labels),
                reason_items=len(compared),
                reasons_jaccard=_mean([j for j, _ in compared]),
                reasons_masi=_mean([m for _, m in compared]),
            )
        )
    return found


def _per_reason(items: Sequence[_Item]) -> list[ReasonAgreement]:
    cited: Counter[str] = Counter()
    touched: Counter[str] = Counter()
    for item in items:
        seen: set[str] = set()
        for _, _, reasons in item.labels:
            cited.update(reasons)
            seen |= reasons
        touched.update(seen)
    found = []
    for reason in sorted(cited, key=lambda name: (-cited[name], name)):
        units = [[reason in reasons for _, _, reasons in item.labels] for item in items]
        found.append(
            ReasonAgreement(
                reason=reason,
                cited=cited[reason],
                items=touched[reason],
                krippendorff_alpha=krippendorff_alpha_nominal(units),
            )
        )
    return found


def agreement_breakdown(engine: Engine, by: Sequence[GroupKey] = ()) -> AgreementBreakdown:
    """Agreement overall, per group of `by` (item keys: prompt_version, template, model,
    route, queue), per reviewer pair, and per reason.

    Raises:
        StatsInputError: a key of `by` is not an item key (reviewer, day, validator).
    """
    wrong = [str(key) for key in by if key not in ITEM_KEYS]
    if wrong:
        known = ", ".join(str(key) for key in ITEM_KEYS)
        raise StatsInputError(
            f"agreement groups items: {', '.join(wrong)} is not an item's ({known}; "
            "reviewer pairs are always shown)"
        )
    items = _items(engine)
    columns = key_columns(by)
    groups: dict[tuple[Any, ...], list[_Item]] = defaultdict(list)
    for item in items:
        groups[tuple(item.columns[column] for column in columns)].append(item)
    ordered = sorted(groups.items(), key=lambda entry: tuple(natural_key(v) for v in entry[0]))
    return AgreementBreakdown(
        by=columns,
        overall=_group({}, items),
        groups=tuple(
            _group(dict(zip(columns, key, strict=True)), members) for key, members in ordered
        )
        if columns
        else (),
        pairs=tuple(_pairs(items)),
        reasons=tuple(_per_reason(items)),
    )
