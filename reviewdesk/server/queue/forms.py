"""Queue review forms on the server: storing a queue's form (every version kept) and checking
the answers that decisions carry against it.

A decision is checked against the form version it names, or the queue's current form when it
names none. Its answers come out typed and in the form's question order, and a decision with
answers records the version they were checked against. A decision with no answers on a queue
whose questions are all optional (or on a queue with no form) passes as it came: a desk that
knows nothing of forms still syncs plain verdicts. Decisions on comparisons are checked the
same way (`check_comparison`), their preference read as a verdict
(`reviewdesk.domain.comparison_forms`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from reviewdesk.domain import (
    ComparisonDecision,
    Decision,
    Form,
    SpanAnswer,
    check_comparison_answers,
)
from reviewdesk.errors import AnswerError
from reviewdesk.server.queue.slots import is_postgres
from reviewdesk.store import rows


@dataclass(frozen=True)
class StoredForm:
    """A queue's form as stored: its version set, and when that version was stored."""

    queue: str
    form: Form
    created_at: datetime


def load_form(connection: Connection, queue: str, version: int | None = None) -> StoredForm | None:
    """The queue's form (its newest version, or `version`), or None."""
    found = rows.load_form(connection, queue, version)
    if found is None:
        return None
    form, created_at = found
    return StoredForm(queue, form, rows.parse_time(created_at))


def save_form(connection: Connection, queue: str, form: Form, *, created_at: str) -> StoredForm:
    """Store `form` as the queue's form (`rows.save_form`: the next version when it names
    none; the same form again stores nothing).

    Raises:
        StoreError: the version is below the current one, or is the current one with another
            form.
    """
    if is_postgres(connection):
        # One writer of a queue's form at a time: two admins saving at once get the next
        # versions in turn, instead of racing for the same one.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"form:{queue}"}
        )
    rows.save_form(connection, queue, form, created_at=created_at)
    stored = load_form(connection, queue)
    assert stored is not None  # just written, in this transaction
    return stored


class AnswerChecker:
    """Checks the decisions of one call against their queues' forms, reading each form (and
    each output a spans answer needs) once.

    Args:
        connection: the call's transaction.
        decisions: each decision with its item's pk and queue.
    """

    def __init__(
        self, connection: Connection, decisions: Iterable[tuple[Decision, int, str]]
    ) -> None:
        self._connection = connection
        self._forms: dict[tuple[str, int | None], Form | None] = {}
        self._outputs: dict[str, str] = {}
        spans = [
            pk
            for decision, pk, _ in decisions
            if any(_has_spans(answer) for answer in decision.answers.values())
        ]
        if spans:
            self._outputs = _outputs(connection, spans)

    def form(self, queue: str, version: int | None) -> Form | None:
        """The queue's form at `version` (None: its current one), or None."""
        key = (queue, version)
        if key not in self._forms:
            found = rows.load_form(self._connection, queue, version)
            self._forms[key] = None if found is None else found[0]
        return self._forms[key]

    def check(self, decision: Decision, queue: str) -> Decision:
        """The decision with its answers typed by its form, and the form's version recorded
        when it has answers.

        Raises:
            AnswerError: the answers do not fit the form (each problem names the question),
                the form version is unknown, or the queue has no form but answers came.
        """
        form = self._form_to_answer(queue, decision.form_version, decision.answers)
        if form is None:
            return decision
        output = self._outputs.get(decision.generation_id, "")
        typed = form.validate_answers(decision.answers, decision.verdict, output)
        version = form.version if typed else decision.form_version
        if typed == decision.answers and version == decision.form_version:
            return decision
        return decision.model_copy(update={"answers": typed, "form_version": version})

    def check_comparison(self, decision: ComparisonDecision, queue: str) -> ComparisonDecision:
        """`check` for a decision on a comparison: its preference read as a verdict and spans
        questions not asked (`check_comparison_answers`).

        Raises:
            AnswerError: as `check`.
        """
        form = self._form_to_answer(queue, decision.form_version, decision.answers)
        if form is None:
            return decision
        typed = check_comparison_answers(
            form, decision.answers, decision.preference, edited=decision.edited_output is not None
        )
        version = form.version if typed else decision.form_version
        if typed == decision.answers and version == decision.form_version:
            return decision
        return decision.model_copy(update={"answers": typed, "form_version": version})

    def same_comparison(
        self, known: ComparisonDecision, decision: ComparisonDecision, queue: str
    ) -> bool:
        """`same` for a decision on a comparison."""
        return _same(known, decision, lambda resent: self.check_comparison(resent, queue))

    def _form_to_answer(
        self, queue: str, version: int | None, answers: Mapping[str, object]
    ) -> Form | None:
        """The form a decision's answers are checked against (None: there is none and the
        decision has no answers, so it passes as it came).

        Raises:
            AnswerError: the version is unknown, or answers came to a queue with no form.
        """
        form = self.form(queue, version)
        if form is not None:
            return form
        if version is not None:
            current = self.form(queue, None)
            known = (
                "it has no form"
                if current is None
                else f"its current form is version {current.version}"
            )
            raise AnswerError([("", f"queue {queue!r} has no form version {version} ({known})")])
        if answers:
            key = next(iter(answers))
            raise AnswerError([(key, f"queue {queue!r} has no review form to answer")])
        return None

    def same(self, known: Decision, decision: Decision, queue: str) -> bool:
        """Whether `decision` sent again is `known`, the stored one: the same content once its
        answers are typed by the form `known` was checked against (a resend that names no
        form version is still the same decision after the queue's form changed)."""
        return _same(known, decision, lambda resent: self.check(resent, queue))


_D = TypeVar("_D", Decision, ComparisonDecision)


def _same(known: _D, decision: _D, check: Callable[[_D], _D]) -> bool:
    """Whether `decision` is `known` once its answers are typed by `check` (with `known`'s
    form version when it names none)."""
    plain = known.model_copy(update={"supersedes": decision.supersedes})
    if plain == decision:
        return True
    if decision.form_version is None:
        decision = decision.model_copy(update={"form_version": known.form_version})
    try:
        return plain == check(decision)
    except AnswerError:
        return False


def _has_spans(answer: object) -> bool:
    return isinstance(answer, tuple) and any(isinstance(item, SpanAnswer) for item in answer)


def _outputs(connection: Connection, pks: Sequence[int]) -> dict[str, str]:
    """The outputs of these items, by producer id."""
    found = connection.execute(
        text(
            "SELECT g.id, t.output FROM generation g JOIN generation_text t ON t.pk = g.pk "
            "WHERE g.pk IN :pks"
        ).bindparams(bindparam("pks", expanding=True)),
        {"pks": sorted(set(pks))},
    )
    return {row[0]: row[1] for row in found}
