"""Copying notices in the alerts outbox: the reason in words, and a cause told once per user
and channel.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("detail", sa.Text(), nullable=True))
        batch.add_column(sa.Column("cause", sa.String(length=160), nullable=True))
    op.create_index(
        "ix_alerts_user_channel_cause", "alerts", ["user_id", "channel", "cause"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_user_channel_cause", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("cause")
        batch.drop_column("detail")
