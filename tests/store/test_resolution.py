from __future__ import annotations

from sqlalchemy import text

from reviewdesk.domain import DecisionDraft, Generation
from reviewdesk.store import Resolution, Store, count_unresolved, labels_sql
from tests.helpers.records import decision, record


def _setup(store: Store) -> None:
    def d(reviewer: str, verdict: str, minute: int) -> DecisionDraft:
        return DecisionDraft.model_validate(
            decision(reviewer, verdict, decided_at=f"2026-11-21T09:{minute:02d}:00Z")
        )

    items = {
        1: (d("alice", "approve", 0),),
        2: (d("alice", "approve", 0), d("bob", "reject", 1), d("lead", "reject", 5)),
        3: (d("alice", "approve", 0), d("bob", "approve", 1), d("carol", "reject", 2)),
        4: (d("alice", "approve", 0), d("alice", "reject", 3)),
        5: (d("alice", "approve", 0), d("bob", "reject", 1)),
    }
    with store.bulk_writer() as writer:
        writer.add([(Generation.model_validate(record(n)), drafts) for n, drafts in items.items()])


def _labels(
    store: Store, policy: Resolution, adjudicators: tuple[str, ...] = ()
) -> dict[str, list[tuple[str, str]]]:
    sql, params = labels_sql(policy, adjudicators)
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                f"WITH labels AS ({sql}) SELECT g.id, labels.verdict, d.reviewer FROM labels "
                "JOIN generation g ON g.pk = labels.generation_pk JOIN decision d ON d.pk = labels.decision_pk"
            ),
            params,
        ).all()
    found: dict[str, list[tuple[str, str]]] = {}
    for gid, verdict, reviewer in rows:
        found.setdefault(gid[-1], []).append((verdict, reviewer))
    return {key: sorted(value) for key, value in sorted(found.items())}


def test_latest_keeps_each_reviewers_last_word(store: Store) -> None:
    _setup(store)
    assert _labels(store, Resolution.LATEST) == {
        "1": [("approve", "alice")],
        "2": [("approve", "alice"), ("reject", "bob"), ("reject", "lead")],
        "3": [("approve", "alice"), ("approve", "bob"), ("reject", "carol")],
        "4": [("reject", "alice")],
        "5": [("approve", "alice"), ("reject", "bob")],
    }
    with store.engine.connect() as connection:
        assert count_unresolved(connection, Resolution.LATEST) == 0


def test_majority_gives_one_label_and_leaves_ties_out(store: Store) -> None:
    _setup(store)
    assert _labels(store, Resolution.MAJORITY) == {
        "1": [("approve", "alice")],
        "2": [("reject", "lead")],
        "3": [("approve", "bob")],
        "4": [("reject", "alice")],
    }
    with store.engine.connect() as connection:
        assert count_unresolved(connection, Resolution.MAJORITY) == 1


def test_adjudicated_settles_disagreements_only_by_an_adjudicator(store: Store) -> None:
    _setup(store)
    agreed = {"1": [("approve", "alice")], "4": [("reject", "alice")]}
    assert _labels(store, Resolution.ADJUDICATED) == agreed
    assert _labels(store, Resolution.ADJUDICATED, ("lead",)) == {
        **agreed,
        "2": [("reject", "lead")],
    }
    with store.engine.connect() as connection:
        assert count_unresolved(connection, Resolution.ADJUDICATED, ("lead",)) == 2


def test_resolved_takes_the_majority_and_an_adjudicator_settles_ties(store: Store) -> None:
    _setup(store)
    with store.bulk_writer() as writer:
        # A tie (approve, reject) the lead settled as one of its reviewers.
        tie = (
            DecisionDraft.model_validate(decision("alice", "approve")),
            DecisionDraft.model_validate(decision("bob", "edit")),
            DecisionDraft.model_validate(decision("lead", "reject")),
            DecisionDraft.model_validate(decision("carol", "reject")),
            DecisionDraft.model_validate(decision("dave", "approve")),
        )
        writer.add([(Generation.model_validate(record(6)), tie)])
    majority = _labels(store, Resolution.MAJORITY)
    assert _labels(store, Resolution.RESOLVED) == majority  # no adjudicator: the majority
    assert _labels(store, Resolution.RESOLVED, ("lead",)) == {
        **majority,
        "6": [("reject", "lead")],  # 2 approve, 2 reject, 1 edit: a tie the lead settles
    }
    assert _labels(store, Resolution.RESOLVED, ("carol",)) == {
        **majority,
        "6": [("reject", "carol")],
    }
    # Item 5 (alice approve, bob reject) has no adjudicator among its reviewers: still open.
    with store.engine.connect() as connection:
        assert count_unresolved(connection, Resolution.RESOLVED, ("lead",)) == 1
        assert count_unresolved(connection, Resolution.RESOLVED) == 2
