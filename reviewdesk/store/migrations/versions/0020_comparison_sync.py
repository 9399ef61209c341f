"""Comparisons synced by the desk: the desk's lease cache of comparisons
(`sync_comparison_lease`), the kind of each outbox row (`sync_outbox.kind`), and changes to
comparisons in the server's changes feed (`server_change.comparison_pk`, `generation_pk` now
nullable). See reviewdesk/store/sync_tables.py for why comparisons have a lease table of their
own.

Existing rows keep their meaning: every outbox row is a decision on an item (`kind` = 'item'),
every change a change to an item.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _server_change(*, comparisons: bool) -> sa.Table:
    """`server_change` as it is before the batch, given to it so that it reflects nothing (a
    reflection would follow the foreign key into `generation` and its expression index)."""
    metadata = sa.MetaData()
    sa.Table("generation", metadata, sa.Column("pk", sa.Integer(), primary_key=True))
    sa.Table("comparison", metadata, sa.Column("pk", sa.Integer(), primary_key=True))
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column(
            "generation_pk",
            sa.Integer(),
            sa.ForeignKey("generation.pk", ondelete="CASCADE"),
            nullable=comparisons,
        ),
    ]
    if comparisons:
        columns.append(
            sa.Column(
                "comparison_pk",
                sa.Integer(),
                sa.ForeignKey(
                    "comparison.pk", ondelete="CASCADE", name="fk_server_change_comparison_pk"
                ),
                nullable=True,
            )
        )
    columns += [
        sa.Column("reviewer", sa.String(), nullable=True),
        sa.Column("lease_id", sa.String(), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
    ]
    return sa.Table(
        "server_change",
        metadata,
        *columns,
        sa.Index("ix_server_change_reviewer", "reviewer", "seq"),
    )


def upgrade() -> None:
    op.create_table(
        "sync_comparison_lease",
        sa.Column("comparison_id", sa.String(), nullable=False),
        sa.Column("server_url", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("lease_id", sa.String(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
        sa.Column("inserted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("comparison_id"),
    )
    op.create_index("ix_sync_comparison_lease_lease", "sync_comparison_lease", ["lease_id"])
    op.add_column(
        "sync_outbox",
        sa.Column("kind", sa.String(), nullable=False, server_default="item"),
    )
    # SQLite alters a column's nullability and adds a foreign key by rebuilding the table (the
    # batch copies its rows and its index); PostgreSQL alters it in place.
    with op.batch_alter_table(
        "server_change", copy_from=_server_change(comparisons=False)
    ) as batch:
        batch.alter_column("generation_pk", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("comparison_pk", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_server_change_comparison_pk",
            "comparison",
            ["comparison_pk"],
            ["pk"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    op.execute("DELETE FROM server_change WHERE comparison_pk IS NOT NULL")
    with op.batch_alter_table("server_change", copy_from=_server_change(comparisons=True)) as batch:
        batch.drop_constraint("fk_server_change_comparison_pk", type_="foreignkey")
        batch.drop_column("comparison_pk")
        batch.alter_column("generation_pk", existing_type=sa.Integer(), nullable=False)
    op.execute("DELETE FROM sync_outbox WHERE kind <> 'item'")
    op.drop_column("sync_outbox", "kind")
    op.drop_index("ix_sync_comparison_lease_lease", "sync_comparison_lease")
    op.drop_table("sync_comparison_lease")
