"""A review form for comparison tests: a choice, a rating, a text asked only when both are bad,
a multi, and a spans question (which comparisons do not ask)."""

from __future__ import annotations

from reviewdesk.domain import Form

COMPARISON_FORM = """
version = 4

[[questions]]
key = "quality"
label = "How good is the better answer?"
kind = "choice"
required = true
options = [{value = "great", label = "Great"},
           {value = "fine", label = "Fine"},
           {value = "poor", label = "Poor"}]

[[questions]]
key = "confidence"
kind = "rating"
min = 1
max = 3

[[questions]]
key = "why_bad"
label = "What is wrong with both?"
kind = "text"
required = "reject"

[[questions]]
key = "topics"
kind = "multi"
options = [{value = "billing", key = "x"}, {value = "shipping", key = "y"}]

[[questions]]
key = "hallucination"
kind = "spans"
required = true
options = [{value = "unsupported", label = "Unsupported claim"}]
"""


def comparison_form() -> Form:
    return Form.from_toml(COMPARISON_FORM)
