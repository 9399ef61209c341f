"""compute_overview: one call, every statistic, consistent with the parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.demo import ensure_demo_store
from reviewdesk.stats import GroupKey, compute_overview, grouped_stats
from reviewdesk.stats.models import GroupStats
from reviewdesk.store import Resolution, Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_store(tmp_path_factory.mktemp("demo") / "demo.sqlite")


def _counts(groups: tuple[GroupStats, ...] | list[GroupStats]) -> list[tuple[object, ...]]:
    return [(g.group, g.n, g.approve, g.edit, g.reject, g.reasons) for g in groups]


@pytest.mark.parametrize("policy", list(Resolution))
def test_the_overview_agrees_with_the_single_groupings(demo: Path, policy: Resolution) -> None:
    with Store.open(demo) as store:
        overview = compute_overview(store.engine, policy)
        for key, groups in [
            (GroupKey.PROMPT_VERSION, overview.by_prompt_version),
            (GroupKey.MODEL, overview.by_model),
            (GroupKey.ROUTE, overview.by_route),
            (GroupKey.QUEUE, overview.by_queue),
            (GroupKey.VALIDATOR, overview.by_validator),
        ]:
            assert _counts(groups) == _counts(grouped_stats(store.engine, [key], policy)), key
        # Reviewer and time groupings come from the throughput pass, without reasons.
        for key, groups in [
            (GroupKey.REVIEWER, overview.by_reviewer),
            (GroupKey.DAY, overview.by_day),
            (GroupKey.WEEK, overview.by_week),
        ]:
            single = grouped_stats(store.engine, [key], policy)
            assert [(g.group, g.n, g.approve, g.edit, g.reject) for g in groups] == [
                (g.group, g.n, g.approve, g.edit, g.reject) for g in single
            ], key
        counts = store.counts()
    assert overview.totals.decisions == counts.decisions == 176
    assert overview.totals.generations == counts.generations == 336
    assert overview.totals.reviewers == 4
    assert sum(g.n for g in overview.by_model) == overview.overall.n == overview.totals.labels
    assert sum(s.count for s in overview.reasons) == sum(overview.overall.reasons.values())
    if policy is Resolution.LATEST:
        assert overview.totals.unresolved_items == 0 and overview.totals.labels == 176
    else:
        assert overview.totals.unresolved_items > 0


def test_the_demo_story_shows(demo: Path) -> None:
    """The demo data's story, told in labels: newer prompt versions are rejected less, gpt-4o
    is approved more than llama."""
    with Store.open(demo) as store:
        overview = compute_overview(store.engine, Resolution.LATEST)
        items = compute_overview(store.engine)
    # By default each decided item counts once, or is left out as a tie, and says so.
    assert items.policy is Resolution.RESOLVED
    assert items.totals.labels + items.totals.unresolved_items == items.totals.decided_items
    assert items.totals.unresolved_items > 0
    assert items.totals.unresolved_reason == "ties no adjudicator settled"
    models = {g.group["model"]: g for g in overview.by_model}
    assert (models["gpt-4o"].acceptance or 0) > (models["llama-3.1-70b"].acceptance or 1)
    assert len(overview.comparisons) == 4
    assert all((c.difference or 0) > 0 for c in overview.comparisons)  # newer is better
    assert any(c.significant for c in overview.comparisons)
    assert overview.agreement.items == 40
    overview.model_dump_json()  # the whole overview serialises (server, worker threads)


def test_an_empty_store(store: Store) -> None:
    overview = compute_overview(store.engine)
    assert overview.overall.n == 0 and overview.overall.acceptance is None
    assert overview.by_model == () and overview.comparisons == () and overview.reasons == ()
    assert overview.agreement.items == 0 and overview.throughput.overall.decisions == 0
    assert overview.routing.routes == ()
    assert overview.totals.generations == 0
