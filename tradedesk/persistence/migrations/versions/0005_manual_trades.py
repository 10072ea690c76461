"""Manual trades: the history of manual orders and the record behind idempotent retries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manual_trades",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("placed", sa.Boolean(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("price", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("amount", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("cost", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("stop", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("stop_type", sa.String(length=8), nullable=True),
        sa.Column("take_profit", sa.Text(), nullable=False),
        sa.Column("callback_rate", sa.Numeric(precision=8, scale=4), nullable=True),
        sa.Column("risk_profile_percent", sa.Numeric(precision=8, scale=4), nullable=True),
        sa.Column("orders", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_manual_trades_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_trades")),
        sa.UniqueConstraint(
            "user_id", "idempotency_key", name=op.f("uq_manual_trades_user_id_idempotency_key")
        ),
    )
    op.create_index("ix_manual_trades_user_created", "manual_trades", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_manual_trades_user_created", table_name="manual_trades")
    op.drop_table("manual_trades")
