"""The reason taxonomy, editable per store, seeded with the default reasons.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration must not change when the code does.
DEFAULT_REASONS = [
    ("factual_error", "Factual error"),
    ("unsafe", "Unsafe"),
    ("pii_leak", "PII leak"),
    ("policy_violation", "Policy violation"),
    ("off_topic", "Off topic"),
    ("format_error", "Format error"),
    ("tone", "Tone"),
    ("incomplete", "Incomplete"),
    ("other", "Other"),
]


def upgrade() -> None:
    reason = op.create_table(
        "reason",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.bulk_insert(
        reason,
        [
            {"code": code, "label": label, "position": position}
            for position, (code, label) in enumerate(DEFAULT_REASONS)
        ],
    )


def downgrade() -> None:
    op.drop_table("reason")
