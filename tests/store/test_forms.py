"""Review forms in the store: every version of a queue's form, and decisions' answers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewdesk.domain import Decision, DecisionDraft, Form, Generation, SpanAnswer
from reviewdesk.errors import StoreError
from reviewdesk.store import Store
from reviewdesk.store.engine import make_engine, migrate

FORM = """
guidelines = "Mark what the output makes up."

[[questions]]
key = "behaviour"
kind = "choice"
required = true
options = [{value = "full_compliance"}, {value = "full_refusal"}, {value = "partial_refusal"}]

[[questions]]
key = "helpfulness"
kind = "rating"
min = 1
max = 5

[[questions]]
key = "topics"
kind = "multi"
options = [{value = "billing"}, {value = "shipping"}]

[[questions]]
key = "note"
kind = "text"

[[questions]]
key = "hallucination"
kind = "spans"
options = [{value = "unsupported"}, {value = "wrong"}]
"""

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _item(gid: str = "gen-1", output: str = "Refunds take 5 days; Élan ships free.") -> Generation:
    return Generation(id=gid, prompt="Refunds?", output=output, model="m", queue="support")


def _answered(decision_id: str = "d-1", reviewer: str = "alice", **answers: object) -> Decision:
    return Decision.model_validate(
        {
            "id": decision_id,
            "generation_id": "gen-1",
            "reviewer": reviewer,
            "verdict": "approve",
            "decided_at": WHEN,
            "form_version": 1,
            "answers": answers
            or {
                "behaviour": "full_refusal",
                "helpfulness": 4,
                "topics": ["shipping", "billing"],
                "note": "fine",
                "hallucination": [
                    {"start": 21, "end": 25, "label": "unsupported"},
                    {"start": 0, "end": 7, "label": "wrong"},
                ],
            },
        }
    )


def _answer_rows(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute("SELECT count(*) FROM decision_answer").fetchone()
    return int(count)


# -- forms --------------------------------------------------------------------------------------


def test_a_form_left_without_a_version_takes_the_next_and_the_same_form_is_kept(
    store: Store,
) -> None:
    assert store.form("support") is None
    first = store.set_form("support", Form.from_toml(FORM))
    assert first.version == 1
    assert store.form("support") == first
    assert store.set_form("support", Form.from_toml(FORM)).version == 1  # nothing changed
    changed = Form.from_toml(FORM.replace("Mark what", "Mark all that"))
    assert store.set_form("support", changed).version == 2
    newest = store.form("support")
    assert newest is not None and newest.guidelines.startswith("Mark all that")
    old = store.form("support", version=1)
    assert old is not None and old.guidelines.startswith("Mark what")
    assert store.form("billing") is None  # forms are per queue


def test_a_form_with_a_lower_or_a_taken_version_is_refused_and_nothing_stored(
    store: Store,
) -> None:
    store.set_form("support", Form.from_toml(f"version = 4\n{FORM}"))
    with pytest.raises(StoreError, match=r"queue 'support' has form version 4: version 3 is older"):
        store.set_form("support", Form.from_toml(f"version = 3\n{FORM}"))
    with pytest.raises(StoreError, match=r"a different form at version 4"):
        store.set_form("support", Form.from_toml('version = 4\nguidelines = "other"'))
    current = store.form("support")
    assert current is not None and current.version == 4 and len(current.questions) == 5
    assert store.set_form("support", Form.from_toml(f"version = 9\n{FORM}")).version == 9
    assert store.form("support", version=3) is None


# -- answers ------------------------------------------------------------------------------------


def test_a_decision_recorded_with_answers_reads_back_equal(store: Store) -> None:
    with store.bulk_writer() as writer:
        writer.add([(_item(), ())])
    decision = _answered()
    stored = store.record_decision(decision)
    assert stored == decision
    [read] = store.decisions_of("gen-1")
    assert read == decision
    assert read.form_version == 1
    assert read.answers["topics"] == ("shipping", "billing")  # the reviewer's order
    assert read.answers["hallucination"] == (
        SpanAnswer(start=21, end=25, label="unsupported"),
        SpanAnswer(start=0, end=7, label="wrong"),
    )
    # the same decision again is a no-op, not a conflict
    assert store.record_decision(decision) == decision
    assert _answer_rows(store.path) == 1 + 1 + 2 + 1 + 2


def test_empty_lists_stay_answers_and_a_plain_decision_has_none(store: Store) -> None:
    with store.bulk_writer() as writer:
        writer.add([(_item(), ())])
    empty = _answered(topics=[], hallucination=[], behaviour="full_compliance")
    store.record_decision(empty)
    plain = Decision.model_validate(
        {
            "id": "d-2",
            "generation_id": "gen-1",
            "reviewer": "bob",
            "verdict": "approve",
            "decided_at": WHEN,
        }
    )
    store.record_decision(plain)
    first, second = store.decisions_of("gen-1")
    assert first.answers == {"topics": (), "hallucination": (), "behaviour": "full_compliance"}
    assert second.answers == {}
    assert second.form_version is None


def test_undo_takes_the_answers_with_the_decision(store: Store) -> None:
    with store.bulk_writer() as writer:
        writer.add([(_item(), ())])
    store.record_decision(_answered().model_copy(update={"session_id": "s-1"}))
    assert _answer_rows(store.path) == 7
    undone = store.undo_latest("s-1")
    assert undone is not None and undone.answers["helpfulness"] == 4
    assert _answer_rows(store.path) == 0
    assert store.decisions_of("gen-1") == []


def test_imported_decisions_keep_their_answers(store: Store) -> None:
    drafts = tuple(
        DecisionDraft.model_validate(
            {
                "reviewer": reviewer,
                "verdict": "approve",
                "decided_at": WHEN,
                "form_version": 2,
                "answers": {"behaviour": behaviour, "helpfulness": rating},
            }
        )
        for reviewer, behaviour, rating in (
            ("ann1", "full_refusal", 2),
            ("ann2", "partial_refusal", 3),
        )
    )
    with store.bulk_writer() as writer:
        result = writer.add([(_item(), drafts), (_item("gen-2"), ())])
    assert result.decisions == 2
    decisions = store.decisions_of("gen-1")
    assert [(d.reviewer, d.answers, d.form_version) for d in decisions] == [
        ("ann1", {"behaviour": "full_refusal", "helpfulness": 2}, 2),
        ("ann2", {"behaviour": "partial_refusal", "helpfulness": 3}, 2),
    ]
    with store.bulk_writer() as writer:  # the same labels again: duplicates, no second answers
        assert writer.add([(_item(), drafts)]).duplicate_decisions == 2
    assert _answer_rows(store.path) == 4


def test_a_failed_write_leaves_neither_the_decision_nor_its_answers(store: Store) -> None:
    with store.bulk_writer() as writer:
        writer.add([(_item(), ())])
    # A decision whose answers cannot be stored (a boolean slipped past validation) is not
    # stored either: the decision and its answers are one transaction.
    broken = _answered().model_copy(update={"answers": {"behaviour": "full_refusal", "x": True}})
    with pytest.raises(TypeError, match=r"answers.x"):
        store.record_decision(broken)
    assert store.decisions_of("gen-1") == []
    assert _answer_rows(store.path) == 0


def test_a_store_at_0015_with_decisions_upgrades_to_forms(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = make_engine(path)
    migrate(engine, to="0015")
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO generation (pk, id, queue, model, risk, top_severity, flag_count, "
            "required_reviews, review_count, imported_at) VALUES (1, 'gen-1', 'support', 'm', "
            "0.5, 0, 0, 1, 1, '2026-11-01T00:00:00.000000Z')"
        )
        connection.execute(
            "INSERT INTO generation_text (pk, prompt, output) "
            "VALUES (1, '\"Refunds?\"', 'Refunds take 5 days; Élan ships free.')"
        )
        connection.execute(
            "INSERT INTO decision (pk, id, generation_pk, reviewer, verdict, reasons, decided_at) "
            "VALUES (1, 'd-old', 1, 'carol', 'approve', '[]', '2026-11-02T00:00:00.000000Z')"
        )
    with Store.open(path) as store:
        [old] = store.decisions_of("gen-1")
        assert (old.id, old.answers, old.form_version) == ("d-old", {}, None)
        store.set_form("support", Form.from_toml(FORM))
        store.record_decision(_answered())
        old_again, new = store.decisions_of("gen-1")
        assert old_again == old
        assert new.answers["helpfulness"] == 4
