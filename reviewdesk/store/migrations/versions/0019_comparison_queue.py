"""The queue server's state of comparisons: `server_comparison` and `comparison_slot` (see
reviewdesk/store/server_comparison_tables.py for why they are tables of their own rather than
a comparison key in `server_item` and `lease_slot`).

New tables only: the item tables, the server's item tables and their triggers are untouched.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_OPEN = "state = 'open'"


def upgrade() -> None:
    op.create_table(
        "server_comparison",
        sa.Column("comparison_pk", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("available_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["comparison_pk"], ["comparison.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("comparison_pk"),
    )
    op.create_index(
        "ix_server_comparison_open",
        "server_comparison",
        ["queue", "risk", "comparison_pk"],
        sqlite_where=sa.text(_OPEN),
        postgresql_where=sa.text(_OPEN),
    )
    op.create_table(
        "comparison_slot",
        sa.Column("comparison_pk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=True),
        sa.Column("lease_id", sa.String(), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("decision_pk", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["comparison_pk"], ["comparison.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decision_pk"], ["comparison_decision.pk"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("comparison_pk", "slot"),
    )
    op.create_index("ix_comparison_slot_lease", "comparison_slot", ["lease_id"])
    op.create_index("ix_comparison_slot_reviewer", "comparison_slot", ["reviewer", "state"])


def downgrade() -> None:
    op.drop_index("ix_comparison_slot_reviewer", "comparison_slot")
    op.drop_index("ix_comparison_slot_lease", "comparison_slot")
    op.drop_table("comparison_slot")
    op.drop_index("ix_server_comparison_open", "server_comparison")
    op.drop_table("server_comparison")
