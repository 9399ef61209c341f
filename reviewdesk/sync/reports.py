"""What a checkout and a sync step did, as the engine reports them to the CLI and the desk."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["CheckoutReport", "SyncReport"]


@dataclass
class CheckoutReport:
    """What a checkout did; `leased` and `added` count items and comparisons, `comparisons`
    the comparisons among them; `form_version` is the queue's review form now in the store
    (None: the queue has none, or it could not be taken: `form_problem` says why)."""

    lease_id: str | None
    leased: int
    added: int
    expires_at: datetime | None
    comparisons: int = 0
    form_version: int | None = None
    form_problem: str | None = None
    templates: int = 0
    """Prompt template texts taken into the store."""


@dataclass
class SyncReport:
    """What one sync step did; `error` is None when it finished."""

    pushed: int = 0
    duplicates: int = 0
    refused: int = 0
    withdrawn: int = 0
    pulled: int = 0
    removed: list[str] = field(default_factory=list)
    extended: int = 0
    leased: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    waiting: int = 0
    needs_attention: int = 0
    online: bool = True
    token_needed: bool = False
    error: str | None = None
    form_version: int | None = None
    """The queue's review form now in the store (None: it has none, or see `form_problem`)."""
    form_problem: str | None = None
    """Why the server's form was not taken into the store (the sync went on without it)."""
    templates: int = 0
    """Prompt template texts taken into the store (for the versions its held items name)."""
    template_problem: str | None = None
    """Why some template texts were not taken (the sync went on without them)."""

    def summary(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "duplicates": self.duplicates,
            "refused": self.refused,
            "withdrawn": self.withdrawn,
            "pulled": self.pulled,
            "removed": len(self.removed),
            "extended": self.extended,
            "leased": self.leased,
            "waiting": self.waiting,
            "needs_attention": self.needs_attention,
            "statuses": dict(sorted(self.statuses.items())),
            "online": self.online,
            "token_needed": self.token_needed,
            "error": self.error,
            "form_version": self.form_version,
            "form_problem": self.form_problem,
            "templates": self.templates,
            "template_problem": self.template_problem,
        }
