"""The desk's sync tables (SQLModel): what a store checked out from a queue server keeps.

- `sync_outbox`: one row per decision to send to the server, written in the same transaction
  as the decision. `state` is pending (not sent yet), sending (a push is under way or was cut
  off: sent again, the server is idempotent by decision id), sent (the server answered with a
  status, kept in `server_status`) or refused (the server would not take it: `code` and
  `last_error` say why; listed under "Needs attention", never dropped).
- `sync_lease`: the lease cache, one row per leased item: lease id, epoch, slot, expiry (fixed
  width UTC text, as every store time) and the server it came from. `inserted` says whether the
  checkout added the generation to the store (only then may a revoke remove it again).
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


class SyncStateRow(SQLModel, table=True):
    __tablename__ = "sync_state"

    server_url: str = Field(primary_key=True)
    queue: str
    target: int = 0
    ttl_s: int
    changes_cursor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_sync_at: str | None = None
    last_error: str | None = None
