"""The review session without Qt: queue cursor, record, undo, skip, progress and timing.

The desk drives a `ReviewSession` from its one store worker; every call returns a `Step`, an
immutable picture of what to show next, so the GUI never reads the session's state directly.
"""

from __future__ import annotations

from reviewdesk.review.clock import Stopwatch
from reviewdesk.review.session import (
    ReviewItem,
    ReviewSession,
    SessionProgress,
    Step,
)

__all__ = ["ReviewItem", "ReviewSession", "SessionProgress", "Step", "Stopwatch"]
