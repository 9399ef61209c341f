"""The queue server's verdict feed, queue review policies, webhooks and their delivery outbox.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_verdict",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("generation_pk", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("decided_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["generation_pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("generation_pk"),
    )
    op.create_index("ix_server_verdict_queue", "server_verdict", ["queue", "seq"])
    op.create_table(
        "queue_policy",
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("queue"),
    )
    op.create_table(
        "webhook",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("secret", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_webhook_queue", "webhook", ["queue"])
    op.create_table(
        "webhook_delivery",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("webhook_pk", sa.Integer(), nullable=False),
        sa.Column("verdict_seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["webhook_pk"], ["webhook.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["verdict_seq"], ["server_verdict.seq"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("webhook_pk", "verdict_seq"),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["state", "next_attempt_ms"])


def downgrade() -> None:
    for table in ("webhook_delivery", "webhook", "queue_policy", "server_verdict"):
        op.drop_table(table)
