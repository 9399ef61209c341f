"""Every sort of the queue list: the keyset pages run through the same order as the whole list
of keys, and that order is the column's, from the highest value down."""

from __future__ import annotations

import pytest

from reviewdesk.domain import QueueEntry, QueueSort, Verdict
from reviewdesk.store import Store
from tests.review.builders import fill, generation
from tests.store.test_store import decide

MODELS = ["gpt-4o-mini", "claude-3-5-haiku", "llama-3.1-8b"]


def many(store: Store) -> None:
    fill(
        store,
        [
            generation(
                number,
                model=MODELS[number % 3],
                prompt_template=None if number % 5 == 0 else f"tpl-{number % 4}",
                prompt_version=None if number % 7 == 0 else f"v{number % 2}",
                route=None if number % 6 == 0 else f"route-{number % 3}",
                risk=round((number * 37 % 11) / 10, 2),  # ties: the next keys decide
            )
            for number in range(1, 41)
        ],
    )
    for number in (3, 8, 21):
        store.record_decision(decide(f"gen-{number:04d}", verdict=Verdict.APPROVE))


def value(sort: QueueSort, entry: QueueEntry) -> tuple[str, ...]:
    """The column's value the sort orders by."""
    return {
        QueueSort.ID: (entry.id,),
        QueueSort.MODEL: (entry.model,),
        QueueSort.TEMPLATE: (entry.prompt_template or "", entry.prompt_version or ""),
        QueueSort.ROUTE: (entry.route or "",),
        QueueSort.STATUS: ((entry.status.value == "decided" and "1") or "0",),
    }[sort]


@pytest.mark.parametrize(
    "sort",
    [QueueSort.ID, QueueSort.MODEL, QueueSort.TEMPLATE, QueueSort.ROUTE, QueueSort.STATUS],
)
def test_pages_follow_the_whole_order_for_every_sort(store: Store, sort: QueueSort) -> None:
    many(store)
    paged = store.page(sort=sort, limit=7)
    while True:
        more = store.page(sort=sort, after=paged[-1], limit=7)
        if not more:
            break
        paged += more
    assert [entry.pk for entry in paged] == store.ordered_keys(sort=sort)
    assert len(paged) == 40
    values = [value(sort, entry) for entry in paged]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) > 1
