"""The local store: SQLite, migrated by Alembic.

The desk reads and writes through plain sqlite3 connections; `Store.engine` (SQLAlchemy, made on
first use) serves statistics, exports and migrations. Nothing here imports SQLAlchemy at import
time, so that the desk starts without it.

Public surface: `Store` and its errors; `default_store_path()` for the platform data directory.
"""

from __future__ import annotations

from reviewdesk.errors import DecisionConflictError, UnknownItemError
from reviewdesk.store.bulk import BulkResult, BulkWriter
from reviewdesk.store.engine import head_revision
from reviewdesk.store.outbox import (
    DecisionAlreadySentError,
    HeldComparison,
    HeldItem,
    LeasedComparisonEntry,
    LeasedGeneration,
    OutboxEntry,
    OutboxKind,
    OutboxState,
    Settled,
    SyncSettings,
)
from reviewdesk.store.paths import default_store_path
from reviewdesk.store.resolution import Resolution, count_unresolved, labels_sql
from reviewdesk.store.store import Store
from reviewdesk.store.sync_ledger import SyncLedger

__all__ = [
    "BulkResult",
    "BulkWriter",
    "DecisionAlreadySentError",
    "DecisionConflictError",
    "HeldComparison",
    "HeldItem",
    "LeasedComparisonEntry",
    "LeasedGeneration",
    "OutboxEntry",
    "OutboxKind",
    "OutboxState",
    "Resolution",
    "Settled",
    "Store",
    "SyncLedger",
    "SyncSettings",
    "UnknownItemError",
    "count_unresolved",
    "default_store_path",
    "head_revision",
    "labels_sql",
]
