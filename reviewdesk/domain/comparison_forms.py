"""Review forms on comparisons: which questions a comparison asks, and what its preference means
for a question's `required`.

A queue's form is written for items (`required` names verdicts: approve, edit, reject). A
comparison's decision has a preference instead, read as a verdict for the form only:

- `both_bad` is a `reject` (neither output is acceptable);
- `a`, `b` and `tie` are an `approve` (one output, or either, is acceptable);
- any preference with an `edited_output` (a corrected answer) is an `edit`.

So `required = "reject"` asks the question when both are bad, `required = true` always.

Span questions are not asked on comparisons: a span is a range of one output and a comparison
has two, and a label on "a range of one of them" would not say which. `comparison_form` leaves
them out (the desk shows the rest), and an answer to one is refused, naming the question.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.comparisons import Preference
from reviewdesk.domain.forms import Form
from reviewdesk.domain.models import Answer, Verdict
from reviewdesk.domain.questions import QuestionKind
from reviewdesk.errors import AnswerError

__all__ = ["SPANS_ON_COMPARISON", "check_comparison_answers", "comparison_form", "form_verdict"]

SPANS_ON_COMPARISON = (
    "is a spans question, which a comparison does not ask (a span marks a range of one "
    "output; a comparison has two): leave it out"
)


def form_verdict(preference: Preference, *, edited: bool) -> Verdict:
    """The verdict a comparison decision counts as for its form's `required` rules."""
    if edited:
        return Verdict.EDIT
    if preference is Preference.BOTH_BAD:
        return Verdict.REJECT
    return Verdict.APPROVE


def comparison_form(form: Form) -> Form:
    """The questions `form` asks on a comparison: all of them but the spans questions (the
    version and guidelines are the form's)."""
    if not any(question.kind is QuestionKind.SPANS for question in form.questions):
        return form
    kept = tuple(q for q in form.questions if q.kind is not QuestionKind.SPANS)
    return form.model_copy(update={"questions": kept})


def check_comparison_answers(
    form: Form, answers: Mapping[str, Any], preference: Preference, *, edited: bool
) -> dict[str, Answer]:
    """A comparison decision's answers typed by `form` (see `Form.validate_answers`), with its
    preference read as a verdict (`form_verdict`).

    Raises:
        AnswerError: an unknown question, an answer that does not fit, a required one missing,
            or an answer to a spans question; each problem names the question's key.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError([("", "expected an object of answers by question key")])
    asked = comparison_form(form)
    spans = {key for key in form.keys if key not in asked.keys}
    refused = [
        (key, SPANS_ON_COMPARISON)
        for key, value in answers.items()
        if key in spans and value not in (None, [], ())
    ]
    rest = {key: value for key, value in answers.items() if key not in spans}
    verdict = form_verdict(preference, edited=edited)
    try:
        typed = asked.validate_answers(rest, verdict, "")
    except AnswerError as error:
        # "required for reject" says what the form says; the comparison's side of it too
        when = f" for {verdict} but missing"
        here = "a correction" if edited else str(preference)
        refused.extend(
            (key, why.replace(when, f" for {verdict} (here: {here}) but missing"))
            for key, why in error.problems
        )
        typed = {}
    if refused:
        order = {key: index for index, key in enumerate(form.keys)}
        raise AnswerError(
            sorted(refused, key=lambda item: (order.get(item[0], len(order)), item[0]))
        )
    return typed
