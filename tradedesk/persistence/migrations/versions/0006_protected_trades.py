"""Protected trades: the exits the protection keeper keeps in line with each entry.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "protected_trades",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=24, scale=8), nullable=False),
        sa.Column("take_profit_prices", sa.Text(), nullable=False),
        sa.Column("stop_trigger_price", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("stop_price", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("breakeven_after", sa.Integer(), nullable=True),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("closed_reason", sa.String(length=64), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("sized_to", sa.Numeric(precision=24, scale=8), nullable=False),
        sa.Column("entry_final", sa.Boolean(), nullable=False),
        sa.Column("live_legs", sa.Text(), nullable=False),
        sa.Column("ended_legs", sa.Text(), nullable=False),
        sa.Column("lease_owner", sa.String(length=36), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_protected_trades_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["exchange_keys.id"],
            name=op.f("fk_protected_trades_key_id_exchange_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protected_trades")),
    )
    op.create_index(
        "ix_protected_trades_key_symbol", "protected_trades", ["key_id", "symbol"], unique=False
    )
    op.create_index(op.f("ix_protected_trades_open"), "protected_trades", ["open"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_protected_trades_open"), table_name="protected_trades")
    op.drop_index("ix_protected_trades_key_symbol", table_name="protected_trades")
    op.drop_table("protected_trades")
