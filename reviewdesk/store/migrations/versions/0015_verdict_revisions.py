"""Verdict revisions: `server_verdict` holds one row per revision of an item's verdict.

Each row gains `revision` (1 when the item first became final), `previous` (the verdict the
revision replaced) and `resolved` (the resolved verdict as it was then, JSON). An item may now
have several rows: the unique key moves from `generation_pk` to `(generation_pk, revision)`.

SQLite cannot drop a unique constraint in place: the table is rebuilt. `webhook_delivery`
refers to it (ON DELETE CASCADE), so its rows are set aside and it is rebuilt after, never
letting a drop cascade into the delivery log.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_DELIVERY_COLUMNS = (
    "pk, id, webhook_pk, verdict_seq, state, attempts, next_attempt_ms, last_status, "
    "last_error, created_at_ms, delivered_at_ms"
)


def _create_verdicts(name: str) -> None:
    op.create_table(
        name,
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("generation_pk", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("decided_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("previous", sa.String(), nullable=True),
        sa.Column("resolved", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["generation_pk"], ["generation.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("generation_pk", "revision"),
    )


def _create_deliveries() -> None:
    op.create_table(
        "webhook_delivery",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("webhook_pk", sa.Integer(), nullable=False),
        sa.Column("verdict_seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["webhook_pk"], ["webhook.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["verdict_seq"], ["server_verdict.seq"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("webhook_pk", "verdict_seq"),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["state", "next_attempt_ms"])


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("server_verdict_generation_pk_key", "server_verdict", type_="unique")
        op.add_column(
            "server_verdict",
            sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
        )
        op.add_column("server_verdict", sa.Column("previous", sa.String(), nullable=True))
        op.add_column("server_verdict", sa.Column("resolved", sa.Text(), nullable=True))
        op.create_unique_constraint(
            "server_verdict_generation_pk_revision_key",
            "server_verdict",
            ["generation_pk", "revision"],
        )
        return
    op.execute(f"CREATE TABLE _kept_delivery AS SELECT {_DELIVERY_COLUMNS} FROM webhook_delivery")
    op.drop_index("ix_webhook_delivery_due", "webhook_delivery")
    op.drop_table("webhook_delivery")
    _create_verdicts("_new_server_verdict")
    op.execute(
        "INSERT INTO _new_server_verdict (seq, generation_pk, queue, verdict, decided_at_ms) "
        "SELECT seq, generation_pk, queue, verdict, decided_at_ms FROM server_verdict"
    )
    op.drop_index("ix_server_verdict_queue", "server_verdict")
    op.drop_table("server_verdict")
    op.rename_table("_new_server_verdict", "server_verdict")
    op.create_index("ix_server_verdict_queue", "server_verdict", ["queue", "seq"])
    _create_deliveries()
    op.execute(
        f"INSERT INTO webhook_delivery ({_DELIVERY_COLUMNS}) "
        f"SELECT {_DELIVERY_COLUMNS} FROM _kept_delivery"
    )
    op.drop_table("_kept_delivery")


def downgrade() -> None:
    raise NotImplementedError("verdict revisions cannot be folded back into one row per item")
