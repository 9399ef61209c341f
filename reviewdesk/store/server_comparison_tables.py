"""The queue server's state of comparisons (SQLModel, migration 0019).

A comparison is leased and decided like an item, but `server_item`, `lease_slot` and
`server_change` are keyed on `generation.pk`. Two ways were open: a nullable `comparison_pk`
beside `generation_pk` in those tables, or tables of the same shape for comparisons. These are
the second, because the first would give `server_item` and `lease_slot` a surrogate primary key
and a kind column, and change every statement of the item claim, the slot refresh and the
decision path (the server's hottest SQL, tuned per engine) plus their partial indexes, for
every item, to make room for a few comparisons; and a claim for items would have to skip
comparison rows in the same index. Matching tables leave the item path byte for byte as it
was; the cost is a second, smaller set of claim and slot statements (`server.queue.comparisons`)
over the same shapes and the same lease table (`server_lease`: one lease may hold both).

- `server_comparison`: a comparison's queue and risk (copied for the claim query's partial
  index), `state` (open, done, withdrawn, auto_approved) and `available_at_ms`, as `server_item`.
- `comparison_slot`: one row per required review, as `lease_slot`, its decision in
  `comparison_decision`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, text
from sqlmodel import Field, SQLModel

from reviewdesk.store.server_tables import OPEN_ITEM


class ServerComparisonRow(SQLModel, table=True):
    __tablename__ = "server_comparison"
    __table_args__ = (
        Index(
            "ix_server_comparison_open",
            "queue",
            "risk",
            "comparison_pk",
            sqlite_where=text(OPEN_ITEM),
            postgresql_where=text(OPEN_ITEM),
        ),
    )

    comparison_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("comparison.pk", ondelete="CASCADE"), primary_key=True)
    )
    queue: str
    risk: float
    state: str
    available_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


class ComparisonSlotRow(SQLModel, table=True):
    __tablename__ = "comparison_slot"
    __table_args__ = (
        Index("ix_comparison_slot_lease", "lease_id"),
        Index("ix_comparison_slot_reviewer", "reviewer", "state"),
    )

    comparison_pk: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("comparison.pk", ondelete="CASCADE"),
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
        sa_column=Column(
            Integer, ForeignKey("comparison_decision.pk", ondelete="SET NULL"), nullable=True
        ),
    )


__all__ = ["ComparisonSlotRow", "ServerComparisonRow"]
