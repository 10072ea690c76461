"""Telegram linking: when a link code was issued (it links for 24 hours), chats by id.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tradedesk.persistence.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_methods") as batch:
        batch.add_column(sa.Column("telegram_code_issued_at", UTCDateTime(), nullable=True))
    # the codes already issued count from when their row was made
    op.execute("UPDATE notification_methods SET telegram_code_issued_at = created_at")
    with op.batch_alter_table("notification_methods") as batch:
        batch.alter_column("telegram_code_issued_at", existing_type=UTCDateTime(), nullable=False)
        batch.create_index(
            batch.f("ix_notification_methods_telegram_chat_id"), ["telegram_chat_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_methods") as batch:
        batch.drop_index(batch.f("ix_notification_methods_telegram_chat_id"))
        batch.drop_column("telegram_code_issued_at")
