"""Protected trades: a plan's trailing stop (a signal's callback rate), in percent.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "protected_trades",
        sa.Column("callback_rate", sa.Numeric(precision=8, scale=4), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("protected_trades") as batch:
        batch.drop_column("callback_rate")
