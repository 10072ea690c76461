"""Follow sizing modes: how big each copy is, and a cap on its notional.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("strategy_follows") as batch:
        batch.add_column(
            sa.Column("sizing", sa.String(length=16), nullable=False, server_default="RISK")
        )
        batch.add_column(sa.Column("notional_usdt", sa.Numeric(20, 8), nullable=True))
        batch.add_column(sa.Column("equity_percent", sa.Numeric(12, 6), nullable=True))
        batch.add_column(sa.Column("max_notional_usdt", sa.Numeric(20, 8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("strategy_follows") as batch:
        batch.drop_column("max_notional_usdt")
        batch.drop_column("equity_percent")
        batch.drop_column("notional_usdt")
        batch.drop_column("sizing")
