"""Agreement between reviewers on the items two or more of them decided."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.stats.models import Agreement, Disagreement, PairAgreement
from reviewdesk.stats.reliability import (
    cohen_kappa,
    krippendorff_alpha_nominal,
    percent_agreement,
)

__all__ = ["DISAGREEMENT_LIMIT", "agreement"]

DISAGREEMENT_LIMIT = 200

# CROSS JOIN makes SQLite start from the few items with two or more reviewers (a partial
# index holds them) instead of scanning every decision; PostgreSQL plans it as the inner join
# it is.
_MULTI = """
SELECT g.pk, g.id, g.prompt_template, g.prompt_version, g.model, d.reviewer, d.verdict,
       d.decided_at
FROM generation g CROSS JOIN decision d
WHERE d.generation_pk = g.pk AND g.review_count >= 2 AND d.current
"""


def agreement(
    connection: Connection,
    adjudicators: Sequence[str] = (),
    *,
    limit: int = DISAGREEMENT_LIMIT,
) -> Agreement:
    """Percent agreement, Cohen's kappa per reviewer pair, Krippendorff's alpha, disagreements."""
    items: dict[int, dict[str, str]] = defaultdict(dict)
    info: dict[int, tuple[str, str | None, str | None, str]] = {}
    last: dict[int, str] = {}
    for pk, gid, template, version, model, reviewer, verdict, decided_at in connection.execute(
        text(_MULTI)
    ):
        items[pk][reviewer] = verdict
        info[pk] = (gid, template, version, model)
        last[pk] = max(last.get(pk, ""), decided_at)
    units = {pk: verdicts for pk, verdicts in items.items() if len(verdicts) >= 2}
    values = [list(verdicts.values()) for verdicts in units.values()]
    pair_labels: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for verdicts in units.values():
        for first, second in combinations(sorted(verdicts), 2):
            pair_labels[(first, second)].append((verdicts[first], verdicts[second]))
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
    judges = set(adjudicators)
    disputed = [
        pk
        for pk, verdicts in units.items()
        if len(set(verdicts.values())) > 1 and not judges & verdicts.keys()
    ]
    disputed.sort(key=lambda pk: (last[pk], pk), reverse=True)
    return Agreement(
        items=len(units),
        reviewers=len({reviewer for verdicts in units.values() for reviewer in verdicts}),
        percent_agreement=percent_agreement(values),
        krippendorff_alpha=krippendorff_alpha_nominal(values),
        pairs=pairs,
        disagreement_count=len(disputed),
        disagreements=tuple(
            Disagreement(
                id=info[pk][0],
                prompt_template=info[pk][1],
                prompt_version=info[pk][2],
                model=info[pk][3],
                verdicts=dict(sorted(units[pk].items())),
                last_decided_at=last[pk],
            )
            for pk in disputed[:limit]
        ),
        limit=limit,
    )
