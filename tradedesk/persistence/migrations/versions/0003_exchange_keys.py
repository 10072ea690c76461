"""Exchange keys, with their sealed secrets, and the private FREE plan: the default plan of
users without a subscription must exist wherever keys can be created.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FREE_PLAN_ID = "0b8f3c1e-5d2a-4f7e-9c61-3a4d2e1f0b9a"  # as in persistence/seed.py


def upgrade() -> None:
    op.create_table(
        "exchange_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("exchange_id", sa.String(length=16), nullable=False),
        sa.Column("trade_type", sa.String(length=16), nullable=False),
        sa.Column("strategy_type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=25), nullable=False),
        sa.Column("api_key", sa.String(length=128), nullable=False),
        sa.Column("secret_token", sa.Text(), nullable=False),
        sa.Column("secret_key_id", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("api_key_status", sa.String(length=16), nullable=False),
        sa.Column("ip_restricted", sa.Boolean(), nullable=False),
        sa.Column("balance_usd", sa.Numeric(precision=24, scale=8), nullable=False),
        sa.Column("balance_checked_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exchange_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_keys")),
        sa.UniqueConstraint("api_key", name=op.f("uq_exchange_keys_api_key")),
    )
    op.create_index(op.f("ix_exchange_keys_user_id"), "exchange_keys", ["user_id"])
    created = datetime(2022, 9, 9, 1, 57, 36, 304000, tzinfo=UTC)
    plans = sa.table(
        "plans",
        *(sa.column(name) for name in ("id", "name", "max_balance_usd", "max_api_key")),
        sa.column("monthly_price_usd", sa.Numeric(12, 2)),
        sa.column("strategy_automated", sa.Boolean()),
        sa.column("public", sa.Boolean()),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    op.bulk_insert(
        plans,
        [
            {
                "id": FREE_PLAN_ID,
                "name": "FREE",
                "monthly_price_usd": Decimal(0),
                "max_balance_usd": 1000,
                "max_api_key": 1,
                "strategy_automated": False,
                "public": False,
                "created_at": created,
                "updated_at": created,
            }
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM plans WHERE id = :id").bindparams(id=FREE_PLAN_ID))
    op.drop_index(op.f("ix_exchange_keys_user_id"), table_name="exchange_keys")
    op.drop_table("exchange_keys")
