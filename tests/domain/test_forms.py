"""Review forms: the rules a form file and a decision's answers follow."""

from __future__ import annotations

import pytest

from reviewdesk.domain import DESK_KEYS, Form, QuestionKind, SpanAnswer, Verdict
from reviewdesk.errors import AnswerError, FormError

FORM = """
version = 3
guidelines = \"\"\"Approve only answers that follow the refund policy.\"\"\"

[[questions]]
key = "behaviour"
label = "What did the model do?"
kind = "choice"
required = true
options = [{value = "full_compliance", label = "Full compliance", key = "1"},
           {value = "full_refusal", label = "Full refusal", key = "2"},
           {value = "partial_refusal", label = "Partial refusal", key = "3"}]

[[questions]]
key = "helpfulness"
kind = "rating"
min = 1
max = 5
labels = {1 = "useless", 5 = "perfect"}
required = ["approve", "edit"]

[[questions]]
key = "topics"
kind = "multi"
options = [{value = "billing"}, {value = "shipping"}, {value = "returns"}]

[[questions]]
key = "why"
kind = "text"
required = "reject"
help = "One sentence."

[[questions]]
key = "hallucination"
kind = "spans"
options = [{value = "unsupported", label = "Unsupported claim"}, {value = "wrong", key = "w"}]
"""

OUTPUT = "Refunds take 5 days. Élan ships free."  # a non-ASCII letter: offsets are code points


@pytest.fixture
def form() -> Form:
    return Form.from_toml(FORM, source="form.toml")


def _problems(text: str) -> list[str]:
    with pytest.raises(FormError) as caught:
        Form.from_toml(text, source="form.toml")
    return list(caught.value.problems)


def _question(body: str, key: str = "q") -> str:
    return f'[[questions]]\nkey = "{key}"\n{body}\n'


# -- the form file ------------------------------------------------------------------------------


def test_a_form_file_reads_into_its_questions_in_order(form: Form) -> None:
    assert form.version == 3
    assert form.guidelines.startswith("Approve only")
    assert form.keys == ("behaviour", "helpfulness", "topics", "why", "hallucination")
    assert {q.kind for q in form.questions} == set(QuestionKind)
    helpfulness = form.question("helpfulness")
    assert helpfulness is not None
    assert (helpfulness.min, helpfulness.max, helpfulness.labels) == (
        1,
        5,
        {1: "useless", 5: "perfect"},
    )
    assert form.question("nothing") is None


def test_option_keys_default_to_the_free_digits_in_order(form: Form) -> None:
    topics = form.question("topics")
    spans = form.question("hallucination")
    assert topics is not None and spans is not None
    assert [option.key for option in topics.options] == ["1", "2", "3"]
    # "w" is given: the other option takes the first digit
    assert [option.key for option in spans.options] == ["1", "w"]
    given = Form.from_toml(
        _question('kind = "choice"\noptions = [{value = "a"}, {value = "b", key = "1"}]')
    )
    assert [option.key for option in given.questions[0].options] == ["2", "1"]


def test_required_is_always_never_or_for_some_verdicts(form: Form) -> None:
    by_key = {question.key: question.required_verdicts for question in form.questions}
    assert by_key["behaviour"] == set(Verdict)
    assert by_key["helpfulness"] == {Verdict.APPROVE, Verdict.EDIT}
    assert by_key["why"] == {Verdict.REJECT}
    assert by_key["topics"] == set()
    assert _problems(_question('kind = "text"\nrequired = "maybe"')) == [
        "form.toml: questions[1] 'q': required: expected true, false, a verdict "
        "(approve, edit, reject) or a list of verdicts"
    ]


def test_a_rating_with_min_not_below_max_names_the_file_and_the_question() -> None:
    text = _question('kind = "text"', "first") + _question(
        'kind = "rating"\nmin = 5\nmax = 5', "helpfulness"
    )
    assert _problems(text) == ["form.toml: questions[2] 'helpfulness': min must be below max"]


def test_a_rating_needs_both_ends_and_labels_only_at_the_ends() -> None:
    assert _problems(_question('kind = "rating"\nmin = 1')) == [
        "form.toml: questions[1] 'q': a rating needs min and max"
    ]
    assert _problems(_question('kind = "rating"\nmin = 1\nmax = 5\nlabels = {3 = "ok"}')) == [
        "form.toml: questions[1] 'q': labels: 3 is not an end of the rating (1 or 5)"
    ]
    assert _problems(_question('kind = "text"\nmin = 1')) == [
        "form.toml: questions[1] 'q': min is only for a rating question"
    ]


def test_duplicate_question_keys_are_refused() -> None:
    text = _question('kind = "text"', "why") + _question('kind = "text"', "why")
    assert _problems(text) == ["form.toml: questions[2] 'why': the key 'why' is questions[1]'s too"]


@pytest.mark.parametrize("key", sorted(DESK_KEYS | {"a", "j"}))
def test_an_option_key_that_is_a_desk_key_is_refused(key: str) -> None:
    escaped = key.replace("\\", "\\\\")
    problems = _problems(
        _question(f'kind = "choice"\noptions = [{{value = "yes", key = "{escaped}"}}]', "ok")
    )
    assert len(problems) == 1
    assert problems[0].startswith(
        f"form.toml: questions[1] 'ok': options[1] 'yes': the key '{key}' is a desk key"
    )


def test_the_desk_keys_are_the_desks_single_keys() -> None:
    # approve, edit, reject, comment, skip, next, previous, markdown, search: the desk's actions
    assert set("AERCSJKM/") <= DESK_KEYS
    assert DESK_KEYS.isdisjoint("0123456789")


def test_duplicate_option_values_and_keys_are_refused() -> None:
    problems = _problems(
        _question(
            'kind = "multi"\noptions = [{value = "a", key = "x"}, {value = "a"}, '
            '{value = "b", key = "X"}]'
        )
    )
    assert problems == [
        "form.toml: questions[1] 'q': options[2] 'a': the value is options[1]'s too; "
        "options[3] 'b': the key 'X' is options[1]'s too"
    ]


def test_an_unknown_kind_lists_the_kinds() -> None:
    assert _problems(_question('kind = "slider"', "mood")) == [
        "form.toml: questions[1] 'mood': kind: unknown kind 'slider': expected one of "
        "choice, multi, rating, text, spans"
    ]


def test_choice_multi_and_spans_need_options_and_the_others_take_none() -> None:
    assert _problems(_question('kind = "spans"')) == [
        "form.toml: questions[1] 'q': a spans question needs options"
    ]
    assert _problems(_question('kind = "text"\noptions = [{value = "a"}]')) == [
        "form.toml: questions[1] 'q': a text question takes no options"
    ]


def test_a_bad_key_an_unknown_field_and_bad_toml_are_named() -> None:
    assert _problems(_question('kind = "text"', "Bad Key")) == [
        "form.toml: questions[1] 'Bad Key': key: 'Bad Key' is not a key: lower-case letters, "
        "digits and _, starting with a letter"
    ]
    assert _problems(_question('kind = "text"\ncolour = "red"')) == [
        "form.toml: questions[1] 'q': colour: is not a key of a form here"
    ]
    assert _problems(_question('label = "no kind"')) == [
        "form.toml: questions[1] 'q': kind: is required but missing"
    ]
    assert _problems("version = 0\n") == [
        "form.toml: version: input should be greater than or equal to 1"
    ]
    [problem] = _problems("questions = [\n")
    assert problem.startswith("form.toml: not a valid TOML file: ")


def test_a_form_survives_its_stored_definition(form: Form) -> None:
    again = Form.from_data(
        {"version": form.version, "guidelines": form.guidelines, **form.definition()}
    )
    assert again == form


# -- answers ------------------------------------------------------------------------------------


def test_answers_of_every_kind_come_back_typed_in_form_order(form: Form) -> None:
    answers = form.validate_answers(
        {
            "hallucination": [{"start": 21, "end": 25, "label": "unsupported"}],
            "topics": ["returns", "billing", "returns"],
            "helpfulness": 4,
            "behaviour": "full_compliance",
        },
        Verdict.APPROVE,
        OUTPUT,
    )
    assert list(answers) == ["behaviour", "helpfulness", "topics", "hallucination"]
    assert answers["topics"] == ("returns", "billing")
    assert answers["hallucination"] == (SpanAnswer(start=21, end=25, label="unsupported"),)
    assert OUTPUT[21:25] == "Élan"


def test_a_choice_outside_the_options_names_the_question(form: Form) -> None:
    with pytest.raises(AnswerError) as caught:
        form.validate_answers({"behaviour": "refused"}, Verdict.REJECT, OUTPUT)
    assert caught.value.problems[0] == (
        "behaviour",
        "'refused' is not an option (options: full_compliance, full_refusal, partial_refusal)",
    )


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("topics", "billing", "expected a list of options, got the text 'billing'"),
        ("topics", ["billing", "food"], "'food' is not an option"),
        ("helpfulness", 6, "6 is outside the rating 1..5"),
        ("helpfulness", 0, "0 is outside the rating 1..5"),
        ("helpfulness", "4", "expected a whole number, got the text '4'"),
        ("helpfulness", True, "expected a whole number, got the boolean true"),
        ("helpfulness", 4.5, "expected a whole number, got the number 4.5"),
        ("why", 3, "expected text, got the number 3"),
        ("hallucination", {"start": 0}, "expected a list of spans, got an object"),
        ("hallucination", [[0, 3]], "[0]: expected a span {start, end, label}, got a list"),
        (
            "hallucination",
            [{"start": 5, "end": 5, "label": "wrong"}],
            "[0]: [5, 5] is not a range inside the output (0 <= start < end <= 37)",
        ),
        (
            "hallucination",
            [{"start": 30, "end": 38, "label": "wrong"}],
            "[0]: [30, 38] is not a range inside the output (0 <= start < end <= 37)",
        ),
        (
            "hallucination",
            [{"start": -1, "end": 3, "label": "wrong"}],
            "[0]: [-1, 3] is not a range inside the output (0 <= start < end <= 37)",
        ),
        (
            "hallucination",
            [{"start": 0, "end": 3, "label": "wrong"}, {"start": 0, "end": 3, "label": "odd"}],
            "[1].label: 'odd' is not a label (labels: unsupported, wrong)",
        ),
        (
            "hallucination",
            [{"start": "0", "end": 3, "label": "wrong"}],
            "[0].start: expected a whole number, got the text '0'",
        ),
    ],
)
def test_an_answer_that_does_not_fit_its_kind_names_the_question(
    form: Form, key: str, value: object, why: str
) -> None:
    answers = {"behaviour": "full_refusal", "why": "unsafe", key: value}
    with pytest.raises(AnswerError) as caught:
        form.validate_answers(answers, Verdict.REJECT, OUTPUT)
    [(named, message)] = caught.value.problems
    assert named == key
    assert message.startswith(why)
    assert str(caught.value).startswith(f"answers.{key}: ")


def test_an_unknown_question_is_an_error(form: Form) -> None:
    with pytest.raises(AnswerError) as caught:
        form.validate_answers(
            {"behaviour": "full_refusal", "helpfulness": 3, "mood": "fine"}, Verdict.APPROVE, ""
        )
    assert caught.value.problems == (
        (
            "mood",
            "is not a question of this form (its questions: behaviour, helpfulness, topics, why, "
            "hallucination)",
        ),
    )


def test_required_answers_depend_on_the_verdict(form: Form) -> None:
    with pytest.raises(AnswerError) as caught:
        form.validate_answers({}, Verdict.APPROVE, OUTPUT)
    assert caught.value.problems == (
        ("behaviour", "is required but missing"),
        ("helpfulness", "is required for approve but missing"),
    )
    with pytest.raises(AnswerError) as caught:
        form.validate_answers({"behaviour": "full_refusal", "why": ""}, Verdict.REJECT, OUTPUT)
    assert caught.value.problems == (("why", "is required for reject but missing"),)
    # a reject needs no rating; a null answer is no answer
    assert form.validate_answers(
        {"behaviour": "full_refusal", "why": "unsafe", "helpfulness": None}, Verdict.REJECT, ""
    ) == {"behaviour": "full_refusal", "why": "unsafe"}


def test_an_empty_list_is_an_answer_and_answers_must_be_an_object(form: Form) -> None:
    answers = form.validate_answers(
        {"behaviour": "full_compliance", "helpfulness": 5, "hallucination": []},
        Verdict.APPROVE,
        OUTPUT,
    )
    assert answers["hallucination"] == ()
    with pytest.raises(AnswerError, match="expected an object of answers"):
        form.validate_answers(["behaviour"], Verdict.APPROVE, OUTPUT)  # type: ignore[arg-type]


def test_a_form_without_questions_takes_no_answers() -> None:
    empty = Form.from_toml('guidelines = "Be kind."')
    assert empty.validate_answers({}, Verdict.APPROVE, "x") == {}
    with pytest.raises(AnswerError, match=r"its questions: none"):
        empty.validate_answers({"a": 1}, Verdict.APPROVE, "x")


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        'Say "why".\nThen stop.',
        'ends in a quote\n"',
        'three quotes """ inside\nand a backslash \\ too',
        "\nstarts with a line break\tand a tab",
        "control \x01 and delete \x7f\nsecond line",
    ],
)
def test_a_form_written_as_toml_reads_back_equal(form: Form, text: str) -> None:
    tricky = form.model_copy(update={"guidelines": text})
    again = Form.from_toml(tricky.to_toml())
    assert again == tricky
    assert again.guidelines == text
