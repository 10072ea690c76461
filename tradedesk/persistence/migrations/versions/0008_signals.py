"""Signals and their copies: the durable fan-out of copy trading and the strategy history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("strategy_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=True),
        sa.Column("entry_type", sa.String(length=8), nullable=False),
        sa.Column("price", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("stop_price", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("stop_type", sa.String(length=8), nullable=False),
        sa.Column("take_profit_prices", sa.Text(), nullable=False),
        sa.Column("callback_rate", sa.Numeric(precision=8, scale=4), nullable=True),
        sa.Column("reference_price", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("breakeven_after", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategies.id"], name=op.f("fk_signals_strategy_id_strategies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
    )
    op.create_index(op.f("ix_signals_strategy_id"), "signals", ["strategy_id"], unique=False)
    op.create_table(
        "signal_copies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("signal_id", sa.String(length=36), nullable=False),
        sa.Column("follow_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("risk_profile_percent", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=36), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("price", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("amount", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("cost", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("leverage", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.BigInteger(), nullable=True),
        sa.Column("slippage_bps", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["signals.id"],
            name=op.f("fk_signal_copies_signal_id_signals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_signal_copies_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_copies")),
        sa.UniqueConstraint(
            "signal_id", "follow_id", name=op.f("uq_signal_copies_signal_id_follow_id")
        ),
    )
    op.create_index(
        "ix_signal_copies_status_not_before",
        "signal_copies",
        ["status", "not_before"],
        unique=False,
    )
    op.create_index(
        "ix_signal_copies_user_created", "signal_copies", ["user_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_signal_copies_user_created", table_name="signal_copies")
    op.drop_index("ix_signal_copies_status_not_before", table_name="signal_copies")
    op.drop_table("signal_copies")
    op.drop_index(op.f("ix_signals_strategy_id"), table_name="signals")
    op.drop_table("signals")
