"""Review forms: `form` (every version of each queue's form), `decision_answer` (a decision's
answers, one narrow row per value) and `decision.form_version`.

`decision` gains a nullable column with a plain `ALTER TABLE ... ADD COLUMN` (no table rebuild on
SQLite, so the tally triggers on it stay as they are); existing decisions have no answers.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decision", sa.Column("form_version", sa.Integer(), nullable=True))
    op.create_table(
        "form",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("guidelines", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("queue", "version"),
    )
    op.create_table(
        "decision_answer",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("decision_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("text_value", sa.Text(), nullable=True),
        sa.Column("number_value", sa.Integer(), nullable=True),
        sa.Column("span_start", sa.Integer(), nullable=True),
        sa.Column("span_end", sa.Integer(), nullable=True),
        sa.Column("span_label", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["decision_pk"], ["decision.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index(
        "ix_decision_answer_decision", "decision_answer", ["decision_pk", "key", "position"]
    )
    op.create_index("ix_decision_answer_key", "decision_answer", ["key", "decision_pk"])


def downgrade() -> None:
    op.drop_index("ix_decision_answer_key", "decision_answer")
    op.drop_index("ix_decision_answer_decision", "decision_answer")
    op.drop_table("decision_answer")
    op.drop_table("form")
    # Not a batch rebuild: that would drop the tally triggers on `decision` (SQLite 3.35+ and
    # PostgreSQL drop a column in place).
    op.execute("ALTER TABLE decision DROP COLUMN form_version")
