"""A follow's direction (both, long only, short only), entry slippage guard and portfolio stop
(with its high-water mark), and a skipped or failed copy's reason as a code an app can switch
on, beside its words.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("strategy_follows") as batch:
        batch.add_column(
            sa.Column("direction", sa.String(length=12), nullable=False, server_default="BOTH")
        )
        batch.add_column(sa.Column("max_entry_slippage_percent", sa.Numeric(12, 6), nullable=True))
        batch.add_column(sa.Column("portfolio_stop_percent", sa.Numeric(12, 6), nullable=True))
        batch.add_column(sa.Column("high_water_usd", sa.Numeric(20, 8), nullable=True))
    with op.batch_alter_table("signal_copies") as batch:
        batch.add_column(sa.Column("reason_code", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signal_copies") as batch:
        batch.drop_column("reason_code")
    with op.batch_alter_table("strategy_follows") as batch:
        batch.drop_column("high_water_usd")
        batch.drop_column("portfolio_stop_percent")
        batch.drop_column("max_entry_slippage_percent")
        batch.drop_column("direction")
