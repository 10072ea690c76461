"""Reference trades: each strategy's signals traded on a notional 1 %-risk account.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_trades",
        sa.Column("strategy_id", sa.String(length=36), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("entry_price", sa.Numeric(precision=24, scale=8), nullable=False),
        sa.Column("stop_price", sa.Numeric(precision=24, scale=8), nullable=False),
        sa.Column("take_profits", sa.Text(), nullable=False),
        sa.Column("rungs", sa.Integer(), nullable=False),
        sa.Column("open_share", sa.Numeric(precision=20, scale=18), nullable=False),
        sa.Column("result", sa.Numeric(precision=20, scale=18), nullable=False),
        sa.Column("exit_value", sa.Numeric(precision=30, scale=18), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_reference_trades_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("strategy_id", name=op.f("pk_reference_trades")),
    )


def downgrade() -> None:
    op.drop_table("reference_trades")
