"""The domain: what reviewdesk reviews and records, as pydantic models and pure rules.

- `models`: a generation (prompt, output, flags, usage) and a decision (verdict, edit, reasons);
- `forms`: a queue's review form (guidelines, questions) and the rules answers follow;
- `queue`: an item's review status, the queue's filters and sorts, the store's counts;
- `policy`: a queue's review policy (risk bands, priorities, routing, the audit draw).

No I/O, no Qt, no SQL: every other package may import this one, and it imports none of them.
"""

from __future__ import annotations

from reviewdesk.domain.forms import DESK_KEYS, Form, Option, Question, QuestionKind
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
from reviewdesk.domain.queue import ItemStatus, QueueEntry, QueueFilter, QueueSort, StoreCounts

__all__ = [
    "DEFAULT_REASONS",
    "DESK_KEYS",
    "Answer",
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
    "Prompt",
    "Question",
    "QuestionKind",
    "QueueEntry",
    "QueueFilter",
    "QueueSort",
    "Reason",
    "Role",
    "Severity",
    "SpanAnswer",
    "StoreCounts",
    "Usage",
    "Verdict",
    "new_decision_id",
    "reason_label",
    "utc_now",
]
