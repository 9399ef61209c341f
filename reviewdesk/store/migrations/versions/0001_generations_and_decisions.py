"""Generations, their text and flags; decisions and their text.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PENDING = sa.text("review_count < required_reviews")


def upgrade() -> None:
    op.create_table(
        "generation",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=True),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("prompt_template", sa.String(), nullable=True),
        sa.Column("prompt_version", sa.String(), nullable=True),
        sa.Column("route", sa.String(), nullable=True),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("top_severity", sa.Integer(), nullable=False),
        sa.Column("flag_count", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("required_reviews", sa.Integer(), nullable=False),
        sa.Column("review_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=True),
        sa.Column("imported_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    op.create_index(
        "ix_generation_pending",
        "generation",
        ["risk", "pk"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_generation_queue_pending",
        "generation",
        ["queue", "risk", "pk"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index("ix_generation_risk", "generation", ["risk", "pk"])
    op.create_index(
        "ix_generation_created", "generation", [sa.text("coalesce(created_at, '')"), "pk"]
    )
    op.create_index("ix_generation_severity", "generation", ["top_severity", "risk", "pk"])

    op.create_table(
        "generation_text",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("usage", sa.String(), nullable=True),
        sa.Column("trace_id", sa.String(), nullable=True),
        sa.Column("extra", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )

    op.create_table(
        "flag",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("generation_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("validator", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("span_start", sa.Integer(), nullable=True),
        sa.Column("span_end", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["generation_pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_flag_generation", "flag", ["generation_pk", "position"])
    op.create_index("ix_flag_validator", "flag", ["validator", "code", "severity", "generation_pk"])

    op.create_table(
        "decision",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("generation_pk", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("reasons", sa.String(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.String(), nullable=False),
        sa.Column("supersedes", sa.String(), nullable=True),
        sa.Column("session_id", sa.String(), nullable=True),
        sa.Column("lease_id", sa.String(), nullable=True),
        sa.Column("lease_epoch", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["generation_pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_decision_generation", "decision", ["generation_pk", "reviewer", "pk"])
    op.create_index("ix_decision_reviewer", "decision", ["reviewer", "decided_at"])
    op.create_index("ix_decision_time", "decision", ["decided_at"])
    op.create_index("ix_decision_session", "decision", ["session_id", "pk"])

    op.create_table(
        "decision_text",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("edited_output", sa.String(), nullable=True),
        sa.Column("comment", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["pk"], ["decision.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )


def downgrade() -> None:
    for table in ("decision_text", "decision", "flag", "generation_text", "generation"):
        op.drop_table(table)
