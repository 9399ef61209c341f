"""Covering indexes for the statistics passes.

- `ix_decision_pace` (reviewer, decided_at, duration_ms, current, verdict): the throughput pass
  (which also counts labels by reviewer and day) reads this index alone, not the table.
- `ix_flag_item_code` (generation_pk, validator, code, severity): flags once per item and code,
  in item order, without a sort.
- `ix_generation_multi_review` (pk) where review_count >= 2: the items agreement looks at,
  without scanning every generation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_decision_pace",
        "decision",
        ["reviewer", "decided_at", "duration_ms", "current", "verdict"],
    )
    op.create_index("ix_flag_item_code", "flag", ["generation_pk", "validator", "code", "severity"])
    op.create_index(
        "ix_generation_multi_review",
        "generation",
        ["pk"],
        sqlite_where=sa.text("review_count >= 2"),
        postgresql_where=sa.text("review_count >= 2"),
    )


def downgrade() -> None:
    op.drop_index("ix_generation_multi_review", "generation")
    op.drop_index("ix_flag_item_code", "flag")
    op.drop_index("ix_decision_pace", "decision")
