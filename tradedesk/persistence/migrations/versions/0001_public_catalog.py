"""Public catalog: plans, risk profiles, strategies and their closed trades.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("monthly_price_usd", sa.Numeric(12, 2), nullable=False),
        sa.Column("max_balance_usd", sa.Integer(), nullable=False),
        sa.Column("max_api_key", sa.Integer(), nullable=False),
        sa.Column("strategy_automated", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.UniqueConstraint("name", name="uq_plans_name"),
    )
    op.create_table(
        "risk_profiles",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("percentage", sa.Numeric(6, 3), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_risk_profiles"),
        sa.UniqueConstraint("name", name="uq_risk_profiles_name"),
    )
    op.create_table(
        "strategies",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("exchange_id", sa.String(32), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_strategies"),
        sa.UniqueConstraint("name", name="uq_strategies_name"),
    )
    op.create_table(
        "strategy_trades",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("strategy_id", sa.String(36), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("entry_price", sa.Numeric(24, 8), nullable=False),
        sa.Column("exit_price", sa.Numeric(24, 8), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("result", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name="fk_strategy_trades_strategy_id_strategies",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_strategy_trades"),
    )
    op.create_index(
        "ix_strategy_trades_strategy_closed", "strategy_trades", ["strategy_id", "closed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_strategy_trades_strategy_closed", table_name="strategy_trades")
    op.drop_table("strategy_trades")
    op.drop_table("strategies")
    op.drop_table("risk_profiles")
    op.drop_table("plans")
