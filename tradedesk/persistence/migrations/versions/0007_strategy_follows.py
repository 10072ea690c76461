"""Strategy follows: keys copying automated strategies.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strategy_follows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("strategy_id", sa.String(length=36), nullable=False),
        sa.Column("risk_profile_id", sa.String(length=36), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("max_leverage", sa.Integer(), nullable=True),
        sa.Column("daily_loss_limit_percent", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_strategy_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["exchange_keys.id"],
            name=op.f("fk_strategy_follows_key_id_exchange_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_strategy_follows_strategy_id_strategies"),
        ),
        sa.ForeignKeyConstraint(
            ["risk_profile_id"],
            ["risk_profiles.id"],
            name=op.f("fk_strategy_follows_risk_profile_id_risk_profiles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_follows")),
        sa.UniqueConstraint("key_id", "symbol", name=op.f("uq_strategy_follows_key_id_symbol")),
    )
    op.create_index(
        op.f("ix_strategy_follows_strategy_id"), "strategy_follows", ["strategy_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_strategy_follows_strategy_id"), table_name="strategy_follows")
    op.drop_table("strategy_follows")
