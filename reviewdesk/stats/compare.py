"""Prompt version A against B: is the difference in acceptance real, and if not yet, how many
more reviews would settle it."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Engine

from reviewdesk.stats.errors import StatsInputError
from reviewdesk.stats.feedback import grouped_stats, make_group, natural_key
from reviewdesk.stats.inference import newcombe_difference, proportion_test, reviews_per_group
from reviewdesk.stats.models import Comparison, GroupKey, GroupStats
from reviewdesk.store import Resolution

__all__ = ["MIN_EFFECT", "compare_groups", "compare_versions"]

MIN_EFFECT = 0.02  # differences under 2 points of acceptance are not worth settling
ALPHA = 0.05


def compare_versions(
    engine: Engine,
    template: str,
    a: str,
    b: str,
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
) -> Comparison:
    """Version `a` of `template` against version `b`.

    Raises:
        StatsInputError: the store has no such template or version.
    """
    with engine.connect() as connection:
        versions = [
            value
            for (value,) in connection.execute(
                text(
                    "SELECT DISTINCT prompt_version FROM generation WHERE prompt_template = :t "
                    "AND prompt_version IS NOT NULL"
                ),
                {"t": template},
            )
        ]
        if not versions:
            templates = [
                value
                for (value,) in connection.execute(
                    text(
                        "SELECT DISTINCT prompt_template FROM generation "
                        "WHERE prompt_template IS NOT NULL"
                    )
                )
            ]
            known = ", ".join(sorted(templates, key=natural_key)) or "none"
            raise StatsInputError(f"there is no prompt template {template!r} (known: {known})")
    for version in (a, b):
        if version not in versions:
            known = ", ".join(sorted(versions, key=natural_key))
            raise StatsInputError(
                f"template {template!r} has no version {version!r} (known: {known})"
            )
    if a == b:
        raise StatsInputError(f"compare two different versions, not {a!r} with itself")
    groups = {
        stats.group["prompt_version"]: stats
        for stats in grouped_stats(engine, [GroupKey.PROMPT_VERSION], policy, adjudicators)
        if stats.group["prompt_template"] == template
    }
    return compare_groups(
        template,
        a,
        b,
        groups.get(a) or _empty(template, a),
        groups.get(b) or _empty(template, b),
    )


def _empty(template: str, version: str) -> GroupStats:
    return make_group({"prompt_template": template, "prompt_version": version}, 0, 0, 0)


def _accepted(stats: GroupStats) -> int:
    return stats.approve + stats.edit


def _points(value: float) -> str:
    return f"{value * 100:+.1f}"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _about(count: int) -> int:
    """Round a review count the way a person would say it (140, not 137)."""
    if count < 100:
        return count
    magnitude = 10 ** (len(str(count)) - 2)
    return int(math.ceil(count / magnitude) * magnitude)


def compare_groups(
    template: str,
    a: str,
    b: str,
    a_stats: GroupStats,
    b_stats: GroupStats,
    *,
    min_effect: float = MIN_EFFECT,
) -> Comparison:
    """The comparison of two versions' counts (a - b), with the sentence that says it."""
    xa, na, xb, nb = _accepted(a_stats), a_stats.n, _accepted(b_stats), b_stats.n
    fields = {"template": template, "a": a, "b": b, "a_stats": a_stats, "b_stats": b_stats}
    if na == 0 or nb == 0:
        missing = " and ".join(v for v, n in ((a, na), (b, nb)) if n == 0)
        more = reviews_per_group(0.5 + min_effect / 2, 0.5 - min_effect / 2)
        return Comparison(
            **fields,
            difference=None,
            difference_low=None,
            difference_high=None,
            p_value=None,
            test="none",
            significant=False,
            more_reviews_per_version=None if more is None else max(0, more - min(na, nb)),
            min_effect=min_effect,
            sentence=f"not enough evidence yet: {missing} has no reviews",
        )
    pa, pb = xa / na, xb / nb
    difference = pa - pb
    low, high = newcombe_difference(xa, na, xb, nb)
    p_value, test = proportion_test(xa, na, xb, nb)
    significant = p_value < ALPHA
    ci = f"95% CI {_points(low)} to {_points(high)}, {_p_text(p_value)}"
    measured = {
        **fields,
        "difference": difference,
        "difference_low": low,
        "difference_high": high,
        "p_value": p_value,
        "test": test,
        "min_effect": min_effect,
    }
    if significant:
        winner, loser, sign = (a, b, 1) if difference > 0 else (b, a, -1)
        return Comparison(
            **measured,
            significant=True,
            more_reviews_per_version=0,
            sentence=(
                f"{winner} beats {loser}: {_points(sign * difference)} points "
                f"(95% CI {_points(min(sign * low, sign * high))} to "
                f"{_points(max(sign * low, sign * high))}, {_p_text(p_value)})"
            ),
        )
    pooled = (xa + xb) / (na + nb)
    have = min(na, nb)
    effect = max(abs(difference), min_effect)
    needed = _needed(pooled, effect)
    if needed <= have:
        needed = _needed(pooled, min_effect)
    if needed <= have:
        sentence = (
            f"no real difference between {a} and {b}: {_points(difference)} points ({ci}); "
            f"a difference of {min_effect * 100:g} points or more would have shown"
        )
        more = 0
    else:
        more = needed - have
        sentence = (
            f"not enough evidence yet: about {_about(more)} more reviews per version "
            f"({a} vs {b}: {_points(difference)} points, {ci})"
        )
    return Comparison(
        **measured, significant=False, more_reviews_per_version=more, sentence=sentence
    )


def _needed(pooled: float, effect: float) -> int:
    p1 = min(1.0, pooled + effect / 2)
    p2 = max(0.0, p1 - effect)
    return reviews_per_group(p1, p2) or 0
