"""The domain: what reviewdesk reviews and records, as pydantic models and pure rules.

- `models`: a generation (prompt, output, flags, usage) and a decision (verdict, edit, reasons);
- `forms`: a queue's review form (guidelines, questions), read from and written as TOML;
- `questions`: a form's questions and the answers each kind of question takes;
- `queue`: an item's review status, the queue's filters and sorts, the store's counts;
- `policy`: a queue's review policy (risk bands, priorities, routing, the audit draw);
- `comparisons`: pairwise review (a prompt, two candidate outputs, a preference);
- `comparison_forms`: a queue's form on comparisons (what a preference means for `required`).

No I/O, no Qt, no SQL: every other package may import this one, and it imports none of them.
"""

from __future__ import annotations

from reviewdesk.domain.comparison_forms import (
    check_comparison_answers,
    comparison_form,
    form_verdict,
)
from reviewdesk.domain.comparisons import (
    Candidate,
    Comparison,
    ComparisonDecision,
    ComparisonDecisionDraft,
    ComparisonDecisionId,
    ComparisonId,
    ComparisonRecord,
    Preference,
    ShownOrder,
    resolve_preference,
)
from reviewdesk.domain.forms import Form
from reviewdesk.domain.models import (
    DEFAULT_REASONS,
    Answer,
    Decision,
    DecisionDraft,
    DecisionId,
    Flag,
    Generation,
    GenerationId,
    ImportRecord,
    Message,
    Prompt,
    Reason,
    Role,
    Severity,
    SpanAnswer,
    Usage,
    Verdict,
    new_decision_id,
    reason_label,
    utc_now,
)
from reviewdesk.domain.questions import DESK_KEYS, Option, Question, QuestionKind
from reviewdesk.domain.queue import ItemStatus, QueueEntry, QueueFilter, QueueSort, StoreCounts

__all__ = [
    "DEFAULT_REASONS",
    "DESK_KEYS",
    "Answer",
    "Candidate",
    "Comparison",
    "ComparisonDecision",
    "ComparisonDecisionDraft",
    "ComparisonDecisionId",
    "ComparisonId",
    "ComparisonRecord",
    "Decision",
    "DecisionDraft",
    "DecisionId",
    "Flag",
    "Form",
    "Generation",
    "GenerationId",
    "ImportRecord",
    "ItemStatus",
    "Message",
    "Option",
    "Preference",
    "Prompt",
    "Question",
    "QuestionKind",
    "QueueEntry",
    "QueueFilter",
    "QueueSort",
    "Reason",
    "Role",
    "Severity",
    "ShownOrder",
    "SpanAnswer",
    "StoreCounts",
    "Usage",
    "Verdict",
    "check_comparison_answers",
    "comparison_form",
    "form_verdict",
    "new_decision_id",
    "reason_label",
    "resolve_preference",
    "utc_now",
]
