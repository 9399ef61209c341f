"""Pairwise review: `comparison`, `comparison_text`, `comparison_candidate`,
`comparison_candidate_text`, `comparison_decision` and `comparison_decision_text` (see
reviewdesk/store/comparison_tables.py for why comparisons have tables of their own).

New tables only: the item tables and their tally triggers are untouched.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_PENDING = "review_count < required_reviews"


def upgrade() -> None:
    op.create_table(
        "comparison",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=True),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("candidate_count", sa.Integer(), nullable=False),
        sa.Column("required_reviews", sa.Integer(), nullable=False),
        sa.Column("review_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=True),
        sa.Column("imported_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    op.create_index(
        "ix_comparison_queue_pending",
        "comparison",
        ["queue", "risk", "pk"],
        sqlite_where=sa.text(_PENDING),
        postgresql_where=sa.text(_PENDING),
    )
    op.create_table(
        "comparison_text",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("extra", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["pk"], ["comparison.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_table(
        "comparison_candidate",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("comparison_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("prompt_template", sa.String(), nullable=True),
        sa.Column("prompt_version", sa.String(), nullable=True),
        sa.Column("route", sa.String(), nullable=True),
        sa.Column("top_severity", sa.Integer(), nullable=False),
        sa.Column("flag_count", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["comparison_pk"], ["comparison.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("comparison_pk", "position"),
    )
    op.create_index(
        "ix_comparison_candidate_model",
        "comparison_candidate",
        ["model", "comparison_pk", "position"],
    )
    op.create_table(
        "comparison_candidate_text",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("flags", sa.String(), nullable=True),
        sa.Column("usage", sa.String(), nullable=True),
        sa.Column("trace_id", sa.String(), nullable=True),
        sa.Column("extra", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["pk"], ["comparison_candidate.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_table(
        "comparison_decision",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("comparison_pk", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("preference", sa.String(), nullable=False),
        sa.Column("shown_order", sa.String(), nullable=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.String(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.String(), nullable=False),
        sa.Column("supersedes", sa.String(), nullable=True),
        sa.Column("session_id", sa.String(), nullable=True),
        sa.Column("lease_id", sa.String(), nullable=True),
        sa.Column("lease_epoch", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.String(), nullable=True),
        sa.Column("current", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["comparison_pk"], ["comparison.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    op.create_index(
        "ix_comparison_decision_item",
        "comparison_decision",
        ["comparison_pk", "reviewer", "pk"],
    )
    op.create_index(
        "ix_comparison_decision_current",
        "comparison_decision",
        ["comparison_pk", "preference", "reviewer", "shown_order", "pk", "current"],
        sqlite_where=sa.text("current"),
        postgresql_where=sa.text("current"),
    )
    op.create_table(
        "comparison_decision_text",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("edited_output", sa.String(), nullable=True),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("answers", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["pk"], ["comparison_decision.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )


def downgrade() -> None:
    op.drop_table("comparison_decision_text")
    op.drop_index("ix_comparison_decision_current", "comparison_decision")
    op.drop_index("ix_comparison_decision_item", "comparison_decision")
    op.drop_table("comparison_decision")
    op.drop_table("comparison_candidate_text")
    op.drop_index("ix_comparison_candidate_model", "comparison_candidate")
    op.drop_table("comparison_candidate")
    op.drop_table("comparison_text")
    op.drop_index("ix_comparison_queue_pending", "comparison")
    op.drop_table("comparison")
