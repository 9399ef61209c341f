"""A queue's review form on comparisons: what a preference means for `required`, and spans."""

from __future__ import annotations

import pytest

from reviewdesk.domain import (
    Preference,
    QuestionKind,
    Verdict,
    check_comparison_answers,
    comparison_form,
    form_verdict,
)
from reviewdesk.errors import AnswerError
from tests.helpers.comparison_forms import comparison_form as make_form


def test_a_preference_counts_as_a_verdict_for_the_forms_required_rules() -> None:
    assert form_verdict(Preference.A, edited=False) is Verdict.APPROVE
    assert form_verdict(Preference.B, edited=False) is Verdict.APPROVE
    assert form_verdict(Preference.TIE, edited=False) is Verdict.APPROVE
    assert form_verdict(Preference.BOTH_BAD, edited=False) is Verdict.REJECT
    assert form_verdict(Preference.A, edited=True) is Verdict.EDIT
    assert form_verdict(Preference.BOTH_BAD, edited=True) is Verdict.EDIT


def test_answers_are_typed_in_the_forms_order_and_spans_are_not_asked() -> None:
    form = make_form()
    asked = comparison_form(form)
    assert asked.keys == ("quality", "confidence", "why_bad", "topics")
    assert asked.version == 4
    assert all(q.kind is not QuestionKind.SPANS for q in asked.questions)
    # The spans question is required, but a comparison does not ask it.
    typed = check_comparison_answers(
        form,
        {"topics": ["shipping", "billing"], "quality": "fine", "confidence": 2},
        Preference.A,
        edited=False,
    )
    assert list(typed) == ["quality", "confidence", "topics"]
    assert typed["topics"] == ("shipping", "billing")


def test_a_question_required_for_reject_is_asked_when_both_are_bad() -> None:
    form = make_form()
    with pytest.raises(AnswerError) as raised:
        check_comparison_answers(form, {"quality": "poor"}, Preference.BOTH_BAD, edited=False)
    assert raised.value.problems == (
        ("why_bad", "is required for reject (here: both_bad) but missing"),
    )
    assert check_comparison_answers(
        form,
        {"quality": "poor", "why_bad": "both invent a policy"},
        Preference.BOTH_BAD,
        edited=False,
    ) == {"quality": "poor", "why_bad": "both invent a policy"}
    # The same answers on a tie do not need the text.
    assert check_comparison_answers(form, {"quality": "fine"}, Preference.TIE, edited=False) == {
        "quality": "fine"
    }


def test_every_misfit_names_its_question() -> None:
    form = make_form()
    spans = [{"start": 0, "end": 3, "label": "unsupported"}]
    with pytest.raises(AnswerError) as raised:
        check_comparison_answers(
            form,
            {"hallucination": spans, "confidence": 7, "mood": "x"},
            Preference.B,
            edited=False,
        )
    keys = [key for key, _ in raised.value.problems]
    assert keys == ["quality", "confidence", "hallucination", "mood"]
    problems = dict(raised.value.problems)
    assert problems["quality"] == "is required but missing"
    assert "7 is outside the rating 1..3" in problems["confidence"]
    assert "spans question, which a comparison does not ask" in problems["hallucination"]
    assert "is not a question of this form" in problems["mood"]
    assert "answers.hallucination:" in str(raised.value)
