"""The review session without Qt, against a real store file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reviewdesk.domain import Decision, Form, Generation, QueueFilter, Verdict
from reviewdesk.errors import AnswerError, StoreError
from reviewdesk.review import ReviewSession, Step, Stopwatch
from reviewdesk.store import Store
from tests.review.builders import fill, generation


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def filled(store: Store) -> Store:
    return fill(store, [generation(number) for number in range(1, 6)])


@pytest.fixture
def session(filled: Store) -> ReviewSession:
    return ReviewSession(filled, "alice")


def ids(session: ReviewSession) -> str | None:
    return None if session.current is None else session.current.generation.id


def test_starts_at_the_highest_risk_item(session: ReviewSession) -> None:
    step = session.start()
    assert step.item is not None
    assert step.item.generation.id == "gen-0001"
    assert step.progress.left is None
    assert session.count_pending().progress.left == 5


def test_decisions_are_stored_with_the_session_and_move_on(
    session: ReviewSession, filled: Store
) -> None:
    session.start()
    step = session.decide(Verdict.APPROVE, duration_ms=1500, comment="fine")
    assert step.saved is not None
    assert ids(session) == "gen-0002"
    step = session.decide(Verdict.REJECT, duration_ms=10, reasons=["pii_leak"])
    step = session.decide(Verdict.EDIT, duration_ms=20, edited_output="Answer 3.")
    stored = [filled.decisions_of(f"gen-000{n}")[0] for n in (1, 2, 3)]
    assert [d.verdict for d in stored] == [Verdict.APPROVE, Verdict.REJECT, Verdict.EDIT]
    assert stored[0].duration_ms == 1500 and stored[0].comment == "fine"
    assert stored[1].reasons == ("pii_leak",)
    assert stored[2].edited_output == "Answer 3."
    assert {d.session_id for d in stored} == {session.session_id}
    assert {d.reviewer for d in stored} == {"alice"}
    assert (step.progress.approved, step.progress.rejected, step.progress.edited) == (1, 1, 1)


def test_skip_sets_an_item_aside_for_the_session(session: ReviewSession) -> None:
    session.start()
    step = session.skip()
    assert step.touched is not None and step.touched.id == "gen-0001"
    assert ids(session) == "gen-0002"
    for _ in range(4):
        session.decide(Verdict.APPROVE, duration_ms=1)
    assert session.current is None  # the skipped item does not come back
    assert session.progress().skipped == 1


def test_undo_three_times_brings_the_items_back_in_reverse(
    session: ReviewSession, filled: Store
) -> None:
    session.start()
    for _ in range(3):
        session.decide(Verdict.APPROVE, duration_ms=1)
    assert ids(session) == "gen-0004"
    undone = [session.undo().undone for _ in range(3)]
    assert [d.generation_id for d in undone if d is not None] == [
        "gen-0003",
        "gen-0002",
        "gen-0001",
    ]
    assert ids(session) == "gen-0001"
    assert session.undo().note == "Nothing to undo in this session."
    assert filled.counts().decisions == 0
    assert session.progress().decided == 0


def test_back_and_forward_walk_the_trail(session: ReviewSession) -> None:
    session.start()
    session.decide(Verdict.APPROVE, duration_ms=1)
    session.decide(Verdict.APPROVE, duration_ms=1)
    assert ids(session) == "gen-0003"
    session.back()
    assert ids(session) == "gen-0002"
    assert session.current is not None and session.current.latest_by("alice") is not None
    session.back()
    assert ids(session) == "gen-0001"
    assert session.back().note == "This is the first item of the session."
    session.forward()
    session.forward()
    assert ids(session) == "gen-0003"
    session.forward()  # past the end of the trail: the next pending item below in risk order
    assert ids(session) == "gen-0004"


def test_forward_does_not_set_the_item_aside(session: ReviewSession) -> None:
    session.start()
    session.forward()
    assert ids(session) == "gen-0002"
    session.decide(Verdict.APPROVE, duration_ms=1)
    assert ids(session) == "gen-0001"  # passed over, not skipped: it is still the top item


def test_re_deciding_an_earlier_item_supersedes_and_counts_once(
    session: ReviewSession, filled: Store
) -> None:
    session.start()
    first = session.decide(Verdict.APPROVE, duration_ms=1).saved
    session.back()
    session.decide(Verdict.REJECT, duration_ms=1, reasons=["tone"])
    decisions = filled.decisions_of("gen-0001")
    assert first is not None and decisions[1].supersedes == first.id
    assert session.progress().decided == 1
    assert session.progress().rejected == 1


def test_prefetch_spares_the_text_load(filled: Store) -> None:
    class CountingStore(Store):
        loads = 0

        def load(self, pk: int) -> Generation:
            CountingStore.loads += 1
            return super().load(pk)

    counting = CountingStore(filled.path, filled._pool)
    session = ReviewSession(counting, "alice")
    session.start()
    session.prefetch()
    before = CountingStore.loads
    session.decide(Verdict.APPROVE, duration_ms=1)
    assert CountingStore.loads == before
    assert ids(session) == "gen-0002"


class FailingStore(Store):
    """A store whose disk refuses decisions (as when it is full)."""

    def record_decision(self, decision: Decision) -> Decision:
        raise StoreError(f"cannot write the store {self.path}: database or disk is full")


@pytest.fixture
def failing(filled: Store) -> Store:
    return FailingStore(filled.path, filled._pool)


def test_a_failed_write_changes_nothing(failing: Store) -> None:
    session = ReviewSession(failing, "alice")
    session.start()
    with pytest.raises(StoreError, match="disk is full"):
        session.decide(Verdict.APPROVE, duration_ms=1)
    assert ids(session) == "gen-0001"
    assert session.progress().decided == 0


def test_decisions_per_hour_use_the_session_clock(filled: Store) -> None:
    clock = FakeClock()
    session = ReviewSession(filled, "alice", clock=clock)
    session.start()
    assert session.progress().per_hour is None
    clock.now += 60
    session.decide(Verdict.APPROVE, duration_ms=1)
    session.decide(Verdict.APPROVE, duration_ms=1)
    assert session.progress().per_hour == pytest.approx(120.0)


def test_a_queue_limits_the_session(store: Store) -> None:
    fill(store, [generation(1, queue="billing"), generation(2, queue="support")])
    session = ReviewSession(store, "alice", queue="support")
    session.start()
    assert ids(session) == "gen-0002"
    assert session.count_pending().progress.left == 1


def test_stopwatch_counts_milliseconds() -> None:
    clock = FakeClock()
    watch = Stopwatch(clock)
    clock.now += 1.2345
    assert watch.elapsed_ms() == 1234 or watch.elapsed_ms() == 1235
    watch.restart()
    assert watch.elapsed_ms() == 0


def test_opening_an_item_from_the_list(session: ReviewSession, filled: Store) -> None:
    session.start()
    pk = filled.ordered_keys()[-1]
    session.open(pk)
    assert session.current is not None and session.current.pk == pk
    assert session.open(10_000).note == "That item is no longer in the store."


def test_a_decision_can_name_the_item_to_show_next(session: ReviewSession, filled: Store) -> None:
    session.start()
    last = filled.ordered_keys()[-1]
    asked: list[int] = []

    def following() -> int:
        # Asked once the decision is stored (it sees it), for the item to show instead.
        asked.append(len(filled.decisions_of("gen-0001")))
        return last

    step = session.decide(Verdict.APPROVE, duration_ms=1, then=following)
    assert asked == [1]
    assert step.item is not None and step.item.pk == last and ids(session) == "gen-0005"
    session.back()
    assert ids(session) == "gen-0001"  # nothing in between on the trail
    # None (no such item left): the next pending item after all.
    session.forward()
    session.decide(Verdict.APPROVE, duration_ms=1, then=lambda: None)
    assert ids(session) == "gen-0002"


def test_answers_go_with_the_decision_and_name_the_forms_version(
    session: ReviewSession, filled: Store
) -> None:
    filled.set_form(
        "support",
        Form.from_data(
            {
                "questions": [
                    {"key": "grounded", "kind": "choice", "options": [{"value": "yes"}]},
                    {"key": "stars", "kind": "rating", "min": 1, "max": 5, "required": "reject"},
                ]
            }
        ),
    )
    step = session.start()
    assert step.item is not None and step.item.form is not None
    assert step.item.form.version == 1
    session.decide(Verdict.APPROVE, duration_ms=5, answers={"grounded": "yes"})
    [stored] = filled.decisions_of("gen-0001")
    assert stored.answers == {"grounded": "yes"}
    assert stored.form_version == 1


def test_answers_that_do_not_fit_the_form_store_nothing(
    session: ReviewSession, filled: Store
) -> None:
    filled.set_form(
        "support",
        Form.from_data(
            {
                "questions": [
                    {"key": "stars", "kind": "rating", "min": 1, "max": 5, "required": True}
                ]
            }
        ),
    )
    session.start()
    with pytest.raises(AnswerError) as missing:
        session.decide(Verdict.APPROVE, duration_ms=5)
    assert missing.value.problems == (("stars", "is required but missing"),)
    with pytest.raises(AnswerError) as outside:
        session.decide(Verdict.APPROVE, duration_ms=5, answers={"stars": 9})
    assert outside.value.problems == (("stars", "9 is outside the rating 1..5"),)
    assert filled.decisions_of("gen-0001") == []
    assert ids(session) == "gen-0001"


def test_answers_to_an_item_without_a_form_are_refused(
    session: ReviewSession, filled: Store
) -> None:
    session.start()
    with pytest.raises(AnswerError, match=r"answers\.stars: the item's queue has no form"):
        session.decide(Verdict.APPROVE, duration_ms=5, answers={"stars": 3})
    assert filled.decisions_of("gen-0001") == []


def test_a_scope_keeps_every_move_inside_the_view(store: Store) -> None:
    fill(store, [generation(n, model="haiku" if n % 2 else "llama") for n in range(1, 8)])
    session = ReviewSession(store, "alice")
    session.start()
    session.count_pending()
    assert ids(session) == "gen-0001"
    session.decide(Verdict.APPROVE, duration_ms=1)
    assert ids(session) == "gen-0002"

    step = session.set_scope(QueueFilter(model="haiku"))
    assert step is not None and ids(session) == "gen-0003"  # the llama item left the screen
    assert step.progress.scoped and step.progress.left == 3  # 3, 5, 7
    assert session.set_scope(QueueFilter(model="haiku")) is None  # unchanged
    assert ids(session) == "gen-0003"
    assert ids_after(session, session.forward) == "gen-0005"
    assert ids_after(session, session.back) == "gen-0003"
    assert session.back().note == "This is the first item of the session."
    assert session.skip().progress.left == 2
    assert ids(session) == "gen-0005"
    step = session.decide(Verdict.REJECT, duration_ms=1, reasons=["factual_error"])
    assert ids(session) == "gen-0007" and step.progress.left == 1
    assert session.forward().note == "There is no pending item further down in this view."
    step = session.decide(Verdict.APPROVE, duration_ms=1)
    assert step.item is None and step.progress.left == 0  # the view is done

    # No scope: the whole queue again, the skipped item still set aside.
    step = session.set_scope(QueueFilter())
    assert step is not None and not step.progress.scoped
    assert ids(session) == "gen-0002"


def ids_after(session: ReviewSession, move: Callable[[], Step]) -> str | None:
    move()
    return ids(session)
