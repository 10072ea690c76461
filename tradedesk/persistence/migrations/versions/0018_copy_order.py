"""Copies of one follow run in the order of their signals: each copy carries its signal's
place in the strategy's sequence (numbered by a counter on the strategy, taken under its row
lock), and a copy waits while an earlier one of its follow is still PENDING (a CLOSE waits for
the OPEN in flight).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("strategies") as batch:
        batch.add_column(
            sa.Column("signals_published", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE strategies SET signals_published ="
        " (SELECT count(*) FROM signals WHERE signals.strategy_id = strategies.id)"
    )
    with op.batch_alter_table("signal_copies") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
    op.create_index(
        "ix_signal_copies_follow_status", "signal_copies", ["follow_id", "status", "sequence"]
    )


def downgrade() -> None:
    op.drop_index("ix_signal_copies_follow_status", table_name="signal_copies")
    with op.batch_alter_table("signal_copies") as batch:
        batch.drop_column("sequence")
    with op.batch_alter_table("strategies") as batch:
        batch.drop_column("signals_published")
