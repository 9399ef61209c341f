"""The local store: SQLite through SQLModel/SQLAlchemy, migrated by Alembic.

Public surface: `Store` and its errors; `default_store_path()` for the platform data directory.
"""

from __future__ import annotations

from reviewdesk.store.bulk import BulkResult, BulkWriter
from reviewdesk.store.engine import head_revision
from reviewdesk.store.outbox import (
    DecisionAlreadySentError,
    HeldItem,
    LeasedGeneration,
    OutboxEntry,
    OutboxState,
    SyncLedger,
    SyncSettings,
)
from reviewdesk.store.paths import default_store_path
from reviewdesk.store.resolution import Resolution, count_unresolved, labels_sql
from reviewdesk.store.store import DecisionConflictError, Store, UnknownItemError

__all__ = [
    "BulkResult",
    "BulkWriter",
    "DecisionAlreadySentError",
    "DecisionConflictError",
    "HeldItem",
    "LeasedGeneration",
    "OutboxEntry",
    "OutboxState",
    "Resolution",
    "Store",
    "SyncLedger",
    "SyncSettings",
    "UnknownItemError",
    "count_unresolved",
    "default_store_path",
    "head_revision",
    "labels_sql",
]
