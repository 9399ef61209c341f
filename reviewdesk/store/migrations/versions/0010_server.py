"""The queue server's tables: tokens, per-item state, lease slots, leases, the changes feed.

Revision ID: 0010
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN_ITEM = sa.text("state = 'open'")


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("secret_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("revoked_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_api_token_name", "api_token", ["name"])

    op.create_table(
        "server_item",
        sa.Column("generation_pk", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("available_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["generation_pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("generation_pk"),
    )
    op.create_index(
        "ix_server_item_open",
        "server_item",
        ["queue", "risk", "generation_pk"],
        sqlite_where=OPEN_ITEM,
        postgresql_where=OPEN_ITEM,
    )

    op.create_table(
        "lease_slot",
        sa.Column("generation_pk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=True),
        sa.Column("lease_id", sa.String(), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("decision_pk", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["generation_pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_pk"], ["decision.pk"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("generation_pk", "slot"),
    )
    op.create_index("ix_lease_slot_lease", "lease_slot", ["lease_id"])
    op.create_index("ix_lease_slot_reviewer", "lease_slot", ["reviewer", "state"])

    op.create_table(
        "server_lease",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_server_lease_reviewer", "server_lease", ["reviewer", "expires_at_ms"])

    op.create_table(
        "server_change",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("generation_pk", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=True),
        sa.Column("lease_id", sa.String(), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["generation_pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_server_change_reviewer", "server_change", ["reviewer", "seq"])


def downgrade() -> None:
    for table in ("server_change", "server_lease", "lease_slot", "server_item", "api_token"):
        op.drop_table(table)
