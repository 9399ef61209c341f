"""Mark each reviewer's latest decision on an item as current.

Statistics and exports read "the latest decision of each reviewer" for every item; a flag kept
at write time makes that a plain indexed filter instead of a window over all decisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "decision", sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.execute(
        "UPDATE decision SET current = false WHERE EXISTS (SELECT 1 FROM decision later "
        "WHERE later.generation_pk = decision.generation_pk "
        "AND later.reviewer = decision.reviewer AND later.pk > decision.pk)"
    )
    op.create_index(
        "ix_decision_current",
        "decision",
        ["generation_pk", "verdict", "reviewer", "pk"],
        sqlite_where=sa.text("current"),
        postgresql_where=sa.text("current"),
    )


def downgrade() -> None:
    op.drop_index("ix_decision_current", "decision")
    op.drop_column("decision", "current")
