"""The desk's sync tables (SQLModel): what a store checked out from a queue server keeps.

- `sync_outbox`: one row per decision to send to the server, written in the same transaction
  as the decision; `kind` says whether it is a decision on an item (`decision`) or on a
  comparison (`comparison_decision`), so the engine reads it from the right table. `state` is
  pending (not sent yet), sending (a push is under way or was cut off: sent again, the server
  is idempotent by decision id), sent (the server answered with a status, kept in
  `server_status`) or refused (the server would not take it: `code` and `last_error` say why;
  listed under "Needs attention", never dropped).
- `sync_lease`: the lease cache, one row per leased item: lease id, epoch, slot, expiry (fixed
  width UTC text, as every store time) and the server it came from. `inserted` says whether the
  checkout added the generation to the store (only then may a revoke remove it again).
- `sync_comparison_lease`: the lease cache of comparisons, the same columns keyed by the
  comparison's id (migration 0020). A table of its own rather than a `kind` column in
  `sync_lease`: comparison ids and item ids are separate namespaces (the server keeps them in
  separate tables, and a comparison may carry the id of an item), so a kind column would have
  to join the primary key, which rebuilds `sync_lease` and changes every item statement of the
  cache (`lease_of` runs inside each decision's transaction); and `inserted` means "the
  checkout added the row to `comparison`", not to `generation`. A matching table leaves the
  item path as it was, like the server's `server_comparison` and `comparison_slot` do.
- `sync_state`: one row per server: the reviewer's queue, how many items to keep checked out,
  the lease TTL, the `/v1/changes` cursor and the last successful sync.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


class SyncOutboxRow(SQLModel, table=True):
    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_state", "state", "queued_at"),)

    decision_id: str = Field(primary_key=True)
    generation_id: str
    """The item's id, or the comparison's for a decision on a comparison."""
    kind: str = Field(default="item", sa_column_kwargs={"server_default": "item"})
    state: str
    server_status: str | None = None
    code: str | None = None
    attempts: int = 0
    last_error: str | None = None
    queued_at: str
    sent_at: str | None = None


class SyncLeaseRow(SQLModel, table=True):
    __tablename__ = "sync_lease"
    __table_args__ = (Index("ix_sync_lease_lease", "lease_id"),)

    generation_id: str = Field(primary_key=True)
    server_url: str
    queue: str
    lease_id: str
    epoch: int
    slot: int
    mode: str
    expires_at: str
    inserted: bool


class SyncComparisonLeaseRow(SQLModel, table=True):
    __tablename__ = "sync_comparison_lease"
    __table_args__ = (Index("ix_sync_comparison_lease_lease", "lease_id"),)

    comparison_id: str = Field(primary_key=True)
    server_url: str
    queue: str
    lease_id: str
    epoch: int
    slot: int
    mode: str
    expires_at: str
    inserted: bool


class SyncStateRow(SQLModel, table=True):
    __tablename__ = "sync_state"

    server_url: str = Field(primary_key=True)
    queue: str
    target: int = 0
    ttl_s: int
    changes_cursor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_sync_at: str | None = None
    last_error: str | None = None
