"""Small stores where reviewers disagree, for the desk's adjudication tests.

`make_disputed_store`:

gen-0001: alice approves, bob rejects (reasons and a comment) — open.
gen-0002: alice and bob approve — agreed.
gen-0003: alice edits, bob approves, carol (an adjudicator) approves — settled by carol.
gen-0004: alice approves — one reviewer.
gen-0005: alice rejects, bob edits — open.
gen-0006: nobody yet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from reviewdesk.domain import Decision, DecisionId, GenerationId, Verdict
from reviewdesk.store import Store
from tests.review.builders import make_store

ADJUDICATOR = "carol"
OPEN = ("gen-0001", "gen-0005")
JUDGE = ADJUDICATOR
EDIT_2 = "Answer 2: write to the help desk."

_T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _decision(
    number: int, item: int, reviewer: str, verdict: Verdict, **fields: object
) -> Decision:
    return Decision.model_validate(
        {
            "id": DecisionId(f"d-{number}"),
            "generation_id": GenerationId(f"gen-{item:04d}"),
            "reviewer": reviewer,
            "verdict": verdict,
            "decided_at": _T0 + timedelta(minutes=number),
            **fields,
        }
    )


def make_disputed_store(path: Path) -> Path:
    make_store(path, count=6)
    with Store.open(path) as store:
        codes = [reason.code for reason in store.reasons()][:2]
        for decision in (
            _decision(1, 1, "alice", Verdict.APPROVE),
            _decision(
                2, 1, "bob", Verdict.REJECT, reasons=codes, comment="The address is private."
            ),
            _decision(3, 2, "alice", Verdict.APPROVE),
            _decision(4, 2, "bob", Verdict.APPROVE),
            _decision(5, 3, "alice", Verdict.EDIT, edited_output="Answer 3: write to us today."),
            _decision(6, 3, "bob", Verdict.APPROVE),
            _decision(7, 3, ADJUDICATOR, Verdict.APPROVE),
            _decision(8, 4, "alice", Verdict.APPROVE),
            _decision(9, 5, "alice", Verdict.REJECT, reasons=codes[:1]),
            _decision(
                10, 5, "bob", Verdict.EDIT, edited_output="Answer 5: write to the help desk."
            ),
        ):
            store.record_decision(decision)
    return path


def make_three_disputes(path: Path) -> Path:
    """gen-0001: alice approves, bob rejects (two reasons); gen-0002: alice approves, bob edits;
    gen-0003: alice approves, bob edits; gen-0004: both approve; gen-0005/6: nobody."""
    make_store(path, count=6)
    with Store.open(path) as store:
        codes = [reason.code for reason in store.reasons()][:2]
        rows: list[tuple[int, str, Verdict, dict[str, object]]] = [
            (1, "alice", Verdict.APPROVE, {}),
            (1, "bob", Verdict.REJECT, {"reasons": codes, "comment": "Leaks an address."}),
            (2, "alice", Verdict.APPROVE, {}),
            (2, "bob", Verdict.EDIT, {"edited_output": EDIT_2}),
            (3, "alice", Verdict.APPROVE, {}),
            (3, "bob", Verdict.EDIT, {"edited_output": "Answer 3: ask us."}),
            (4, "alice", Verdict.APPROVE, {}),
            (4, "bob", Verdict.APPROVE, {}),
        ]
        for number, (item, reviewer, verdict, fields) in enumerate(rows, start=1):
            store.record_decision(_decision(number, item, reviewer, verdict, **fields))
    return path


def pk_of(path: Path, generation_id: str) -> int:
    """The store's pk of an item."""
    with Store.open(path, create=False) as store:
        for entry in store.entries(store.ordered_keys()):
            if entry.id == generation_id:
                return entry.pk
    raise LookupError(generation_id)
