"""Reference trades: a LIMIT signal's entry waits for the market to reach its limit.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the trades open before this were all traded as filled
    op.add_column(
        "reference_trades",
        sa.Column("filled", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("reference_trades") as batch:
        batch.drop_column("filled")
