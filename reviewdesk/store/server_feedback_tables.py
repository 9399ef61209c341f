"""The queue server's tables for closing the loop with producers (SQLModel, migration 0012).

- `server_verdict`: the feed behind `/v1/verdicts`, one row per revision of an item's verdict:
  revision 1 when it became final (all its required reviews decided, or auto-approved by its
  queue's policy), one more each time a later decision changed it (migration 0015). `seq` is
  the cursor; `resolved` the verdict as it was then (JSON), `previous` the verdict it replaced.
- `queue_policy`: a queue's review policy (risk threshold, severity, audit rate, required
  reviews by risk band), as JSON written and read by `reviewdesk.server.queue.policy`.
- `webhook`: a URL per queue that receives each final verdict, with its signing secret (kept in
  clear: the server must sign with it).
- `webhook_delivery`: the outbox and delivery log: one row per verdict and webhook, claimed by a
  delivery worker, retried with backoff, `dead` after too many attempts until an admin replays it.

Times are integer milliseconds since the epoch (`*_ms`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class ServerVerdictRow(SQLModel, table=True):
    __tablename__ = "server_verdict"
    __table_args__ = (
        Index("ix_server_verdict_queue", "queue", "seq"),
        UniqueConstraint("generation_pk", "revision"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    generation_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("generation.pk", ondelete="CASCADE"), nullable=False)
    )
    queue: str
    verdict: str
    decided_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    revision: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default=text("1"))
    )
    previous: str | None = None
    resolved: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class QueuePolicyRow(SQLModel, table=True):
    __tablename__ = "queue_policy"

    queue: str = Field(primary_key=True)
    policy: str = Field(sa_column=Column(Text, nullable=False))
    updated_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


class WebhookRow(SQLModel, table=True):
    __tablename__ = "webhook"

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    queue: str = Field(index=True)
    url: str
    secret: str
    active: bool = True
    created_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


class WebhookDeliveryRow(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_pk", "verdict_seq"),
        Index("ix_webhook_delivery_due", "state", "next_attempt_ms"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    webhook_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook.pk", ondelete="CASCADE"), nullable=False)
    )
    verdict_seq: int = Field(
        sa_column=Column(
            Integer, ForeignKey("server_verdict.seq", ondelete="CASCADE"), nullable=False
        )
    )
    state: str
    attempts: int = 0
    next_attempt_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_status: int | None = None
    last_error: str | None = None
    created_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    delivered_at_ms: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


__all__ = ["QueuePolicyRow", "ServerVerdictRow", "WebhookDeliveryRow", "WebhookRow"]
