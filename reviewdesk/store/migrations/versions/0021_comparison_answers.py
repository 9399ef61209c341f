"""Answers of comparison decisions in narrow rows: `comparison_decision_answer` (the shape of
`decision_answer`, keyed on `comparison_decision.pk`), so that statistics group them by question
as they do items' answers.

`comparison_decision_text.answers` (a JSON column that no release wrote: answers were refused on
comparisons until now) is moved into the new rows, if any store has some, and dropped.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_COLUMNS = (
    "decision_pk",
    "key",
    "position",
    "text_value",
    "number_value",
    "span_start",
    "span_end",
    "span_label",
)


def upgrade() -> None:
    op.create_table(
        "comparison_decision_answer",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("decision_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("text_value", sa.Text(), nullable=True),
        sa.Column("number_value", sa.Integer(), nullable=True),
        sa.Column("span_start", sa.Integer(), nullable=True),
        sa.Column("span_end", sa.Integer(), nullable=True),
        sa.Column("span_label", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["decision_pk"], ["comparison_decision.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index(
        "ix_comparison_decision_answer_decision",
        "comparison_decision_answer",
        ["decision_pk", "key", "position"],
    )
    op.create_index(
        "ix_comparison_decision_answer_key",
        "comparison_decision_answer",
        ["key", "decision_pk"],
    )
    connection = op.get_bind()
    stored = connection.execute(
        sa.text("SELECT pk, answers FROM comparison_decision_text WHERE answers IS NOT NULL")
    ).fetchall()
    rows = [row for pk, answers in stored for row in _rows(pk, json.loads(answers))]
    if rows:
        connection.execute(
            sa.text(
                f"INSERT INTO comparison_decision_answer ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join(':' + name for name in _COLUMNS)})"
            ),
            [dict(zip(_COLUMNS, row, strict=True)) for row in rows],
        )
    with op.batch_alter_table("comparison_decision_text") as batch:
        batch.drop_column("answers")


def _rows(pk: int, answers: dict[str, Any]) -> list[tuple[Any, ...]]:
    """`decision_answer`-shaped rows of one decision's JSON answers (as 0018 wrote them)."""
    rows: list[tuple[Any, ...]] = []
    for key, answer in answers.items():
        if isinstance(answer, bool) or answer is None:
            continue
        if isinstance(answer, int):
            rows.append((pk, key, None, None, answer, None, None, None))
        elif isinstance(answer, str):
            rows.append((pk, key, None, answer, None, None, None, None))
        elif isinstance(answer, list) and not answer:
            rows.append((pk, key, -1, None, None, None, None, None))
        elif isinstance(answer, list):
            for position, item in enumerate(answer):
                if isinstance(item, dict):
                    rows.append(
                        (pk, key, position, None, None, item["start"], item["end"], item["label"])
                    )
                else:
                    rows.append((pk, key, position, str(item), None, None, None, None))
    return rows


def downgrade() -> None:
    with op.batch_alter_table("comparison_decision_text") as batch:
        batch.add_column(sa.Column("answers", sa.String(), nullable=True))
    op.drop_index("ix_comparison_decision_answer_key", "comparison_decision_answer")
    op.drop_index("ix_comparison_decision_answer_decision", "comparison_decision_answer")
    op.drop_table("comparison_decision_answer")
