"""The queue server's own tables, beside the store's core tables (SQLModel).

The server keeps generations and decisions in the same core tables as the desk's store, so that
statistics and exports run unchanged on its database. What only a server needs lives here:

- `api_token`: bearer tokens, stored as SHA-256 hashes, one role each, optionally scoped to
  queues.
- `server_item`: the server's state of a generation: its queue and risk (copied for the claim
  query's index), `state` (open, done, withdrawn) and `available_at_ms`, the earliest time one of
  its slots can be leased (0: a slot is free now; a lease expiry otherwise).
- `lease_slot`: one row per required review of an item; a slot is free, leased (to a reviewer,
  under a lease, with an epoch that grows on every lease) or decided.
- `server_lease`: a batch of slots leased together, extended and released together.
- `server_change`: the feed behind `/v1/changes` (lease revoked, item withdrawn, slot filled),
  each change addressed to the reviewer it concerns. A change to a comparison sets
  `comparison_pk` instead of `generation_pk` (migration 0020): one feed, so one cursor.

Times the server compares are integer milliseconds since the epoch (`*_ms`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

OPEN_ITEM = "state = 'open'"


class ApiTokenRow(SQLModel, table=True):
    __tablename__ = "api_token"

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    name: str = Field(index=True)
    role: str
    secret_hash: str = Field(sa_column_kwargs={"unique": True})
    created_at: str
    revoked_at: str | None = None
    queues: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The queues the token may work on, a JSON list; None: every queue."""


class ServerItemRow(SQLModel, table=True):
    __tablename__ = "server_item"
    __table_args__ = (
        Index(
            "ix_server_item_open",
            "queue",
            "risk",
            "generation_pk",
            sqlite_where=text(OPEN_ITEM),
            postgresql_where=text(OPEN_ITEM),
        ),
    )

    generation_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("generation.pk", ondelete="CASCADE"), primary_key=True)
    )
    queue: str
    risk: float
    state: str
    available_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


class LeaseSlotRow(SQLModel, table=True):
    __tablename__ = "lease_slot"
    __table_args__ = (
        Index("ix_lease_slot_lease", "lease_id"),
        Index("ix_lease_slot_reviewer", "reviewer", "state"),
    )

    generation_pk: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("generation.pk", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    slot: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    state: str
    reviewer: str | None = None
    lease_id: str | None = None
    epoch: int = 0
    expires_at_ms: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decision_pk: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("decision.pk", ondelete="SET NULL"), nullable=True),
    )


class ServerLeaseRow(SQLModel, table=True):
    __tablename__ = "server_lease"
    __table_args__ = (Index("ix_server_lease_reviewer", "reviewer", "expires_at_ms"),)

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    reviewer: str
    queue: str
    mode: str
    created_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    expires_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


class ServerChangeRow(SQLModel, table=True):
    __tablename__ = "server_change"
    __table_args__ = (Index("ix_server_change_reviewer", "reviewer", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    kind: str
    generation_pk: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("generation.pk", ondelete="CASCADE"), nullable=True),
    )
    comparison_pk: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("comparison.pk", ondelete="CASCADE"), nullable=True),
    )
    """Set instead of `generation_pk` for a change to a comparison (migration 0020)."""
    reviewer: str | None = None
    lease_id: str | None = None
    epoch: int | None = None
    created_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


__all__ = ["ApiTokenRow", "LeaseSlotRow", "ServerChangeRow", "ServerItemRow", "ServerLeaseRow"]
