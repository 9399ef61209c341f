"""Domain models and rules: pydantic only, no I/O, no Qt, no SQL."""

from __future__ import annotations

from reviewdesk.domain.models import (
    DEFAULT_REASONS,
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
    Usage,
    Verdict,
    new_decision_id,
    reason_label,
    utc_now,
)
from reviewdesk.domain.queue import ItemStatus, QueueEntry, QueueFilter, QueueSort, StoreCounts

__all__ = [
    "DEFAULT_REASONS",
    "Decision",
    "DecisionDraft",
    "DecisionId",
    "Flag",
    "Generation",
    "GenerationId",
    "ImportRecord",
    "ItemStatus",
    "Message",
    "Prompt",
    "QueueEntry",
    "QueueFilter",
    "QueueSort",
    "Reason",
    "Role",
    "Severity",
    "StoreCounts",
    "Usage",
    "Verdict",
    "new_decision_id",
    "reason_label",
    "utc_now",
]
