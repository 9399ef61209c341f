"""Agreement between reviewers on the items two or more of them decided."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import combinations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.stats import tallies
from reviewdesk.stats.models import Agreement, Disagreement, PairAgreement
from reviewdesk.stats.reliability import (
    cohen_kappa,
    krippendorff_alpha_nominal,
    pairwise_agreement,
    percent_agreement,
)

__all__ = ["DISAGREEMENT_LIMIT", "agreement"]

DISAGREEMENT_LIMIT = 200

# CROSS JOIN makes SQLite start from the few items with two or more reviewers (a partial
# index holds them) instead of scanning every decision; PostgreSQL plans it as the inner join
# it is.
_MULTI = """
SELECT g.pk, {labels}, max(d.pk)
FROM generation g CROSS JOIN decision d
WHERE d.generation_pk = g.pk AND g.review_count >= 2 AND d.current
GROUP BY g.pk
"""
# One text per item: "reviewer<US>verdict" joined by <RS> (in no particular order).
_LABELS = {
    "sqlite": "group_concat(d.reviewer || char(31) || d.verdict, char(30))",
    "postgresql": "string_agg(d.reviewer || chr(31) || d.verdict, chr(30))",
}
_DETAILS = """
SELECT g.pk, g.id, g.prompt_template, g.prompt_version, g.model,
       (SELECT max(d.decided_at) FROM decision d WHERE d.generation_pk = g.pk AND d.current)
FROM generation g WHERE g.pk IN ({})
"""

Pattern = tuple[tuple[str, str], ...]


def agreement(
    connection: Connection,
    adjudicators: Sequence[str] = (),
    *,
    limit: int = DISAGREEMENT_LIMIT,
) -> Agreement:
    """All-agree and pairwise agreement, Cohen's kappa per reviewer pair, Krippendorff's alpha,
    disagreements.

    Each item with two or more reviewers comes as its labels in one text (see
    `tally_item_labels`); items whose reviewers gave the same verdicts share the text's pattern,
    counted with a weight (a few thousand patterns for tens of thousands of items). A SQLite
    store keeps the texts and their counts as decisions are written; otherwise one query makes
    them. Disagreements are listed most recently recorded first, and only those shown are
    looked up in full.
    """
    by_text: Counter[str] = Counter()
    judges = set(adjudicators)
    known_count: int | None = None
    if tallies.kept(connection):
        for labels, count in tallies.agreement_rows(connection):
            by_text[labels] += count
        if judges:  # which disputes are still open depends on who decided: look at them all
            candidates = tallies.disputed_rows(connection)
        else:
            candidates = tallies.disputed_rows(connection, limit)
            known_count = tallies.disputed_count(connection)
    else:
        sql = _MULTI.format(labels=_LABELS[connection.dialect.name])
        rows = connection.execute(text(sql)).all()
        by_text.update(labels for _, labels, _ in rows)
        candidates = sorted(((latest, pk, labels) for pk, labels, latest in rows), reverse=True)
    parsed: dict[str, Pattern] = {labels: _pattern(labels) for labels in by_text}
    patterns: Counter[Pattern] = Counter()
    for labels, count in by_text.items():
        if len(parsed[labels]) >= 2:
            patterns[parsed[labels]] += count
    patterns = +patterns  # texts differing only in order net out
    still_open: dict[str, bool] = {}
    disputed = []
    for latest, pk, labels in candidates:
        if labels not in still_open:
            still_open[labels] = _open(parsed.get(labels) or _pattern(labels), judges)
        if still_open[labels]:
            disputed.append((latest, pk, labels))
    pair_labels: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for pattern, count in patterns.items():
        for (first, first_verdict), (second, second_verdict) in combinations(pattern, 2):
            pair_labels[(first, second)].extend([(first_verdict, second_verdict)] * count)
    pairs = tuple(
        PairAgreement(
            first=first,
            second=second,
            items=len(labels),
            agreement=sum(1 for x, y in labels if x == y) / len(labels),
            kappa=cohen_kappa(labels),
        )
        for (first, second), labels in sorted(pair_labels.items())
    )
    units = [[verdict for _, verdict in pattern] for pattern in patterns]
    weights = list(patterns.values())
    shown = disputed[:limit]
    details = _details(connection, [pk for _, pk, _ in shown])
    return Agreement(
        items=sum(weights),
        reviewers=len({reviewer for pattern in patterns for reviewer, _ in pattern}),
        percent_agreement=percent_agreement(units, weights),
        krippendorff_alpha=krippendorff_alpha_nominal(units, weights),
        pairs=pairs,
        disagreement_count=len(disputed) if known_count is None else known_count,
        disagreements=tuple(
            Disagreement(
                id=details[pk][0],
                prompt_template=details[pk][1],
                prompt_version=details[pk][2],
                model=details[pk][3],
                verdicts=dict(parsed[labels]),
                last_decided_at=details[pk][4],
            )
            for _, pk, labels in shown
        ),
        limit=limit,
        all_agree=percent_agreement(units, weights),
        pairwise_agreement=pairwise_agreement(units, weights),
    )


def _open(pattern: Pattern, judges: set[str]) -> bool:
    """Whether the verdicts differ and no adjudicator has settled them."""
    return len({verdict for _, verdict in pattern}) > 1 and not judges & {
        reviewer for reviewer, _ in pattern
    }


def _pattern(labels: str) -> Pattern:
    """("reviewer", "verdict") pairs of one item's label text, by reviewer."""
    return tuple(
        sorted(tuple(label.rsplit("\x1f", 1)) for label in labels.split("\x1e"))  # type: ignore[misc]
    )


def _details(
    connection: Connection, pks: Sequence[int]
) -> dict[int, tuple[str, str | None, str | None, str, str]]:
    """Id, template, version, model and latest decision time of the items `pks`."""
    if not pks:
        return {}
    params = {f"p{index}": pk for index, pk in enumerate(pks)}
    sql = _DETAILS.format(", ".join(f":{name}" for name in params))
    return {
        pk: (gid, template, version, model, latest)
        for pk, gid, template, version, model, latest in connection.execute(text(sql), params).all()
    }
