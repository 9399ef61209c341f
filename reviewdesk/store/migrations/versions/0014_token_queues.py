"""Queue server tokens scoped to queues: `api_token.queues` (a JSON list; NULL = every queue).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_token", sa.Column("queues", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as table:
        table.drop_column("queues")
