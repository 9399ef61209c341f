"""The desk's sync tables: the outbox, the lease cache and the sync state.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("generation_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("server_status", sa.String(), nullable=True),
        sa.Column("code", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("queued_at", sa.String(), nullable=False),
        sa.Column("sent_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("decision_id"),
    )
    op.create_index("ix_sync_outbox_state", "sync_outbox", ["state", "queued_at"])
    op.create_table(
        "sync_lease",
        sa.Column("generation_id", sa.String(), nullable=False),
        sa.Column("server_url", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("lease_id", sa.String(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
        sa.Column("inserted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("generation_id"),
    )
    op.create_index("ix_sync_lease_lease", "sync_lease", ["lease_id"])
    op.create_table(
        "sync_state",
        sa.Column("server_url", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("ttl_s", sa.Integer(), nullable=False),
        sa.Column("changes_cursor", sa.BigInteger(), nullable=False),
        sa.Column("last_sync_at", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("server_url"),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_sync_lease_lease", table_name="sync_lease")
    op.drop_table("sync_lease")
    op.drop_index("ix_sync_outbox_state", table_name="sync_outbox")
    op.drop_table("sync_outbox")
