"""Strategy webhook secrets (sealed) and the deliveries already accepted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.keys.model import SealedSecret
from tradedesk.persistence.tables import StrategyWebhookSecretRow, WebhookReceiptRow
from tradedesk.persistence.upsert import insert_unless_present


class SqlWebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set_secret(self, strategy_id: str, sealed: SealedSecret, *, now: datetime) -> None:
        await self._session.execute(
            delete(StrategyWebhookSecretRow).where(
                col(StrategyWebhookSecretRow.strategy_id) == strategy_id
            )
        )
        self._session.add(
            StrategyWebhookSecretRow(
                strategy_id=strategy_id,
                secret_key_id=sealed.key_id,
                secret_token=sealed.token,
                created_at=now,
            )
        )
        await self._session.flush()

    async def secret(self, strategy_id: str) -> SealedSecret | None:
        row = await self._session.get(StrategyWebhookSecretRow, strategy_id)
        return None if row is None else SealedSecret(row.secret_key_id, row.secret_token)

    async def claim(
        self, strategy_id: str, signature: str, signal_id: str, *, now: datetime
    ) -> str:
        await insert_unless_present(
            self._session,
            WebhookReceiptRow,
            {
                "strategy_id": strategy_id,
                "signature": signature,
                "signal_id": signal_id,
                "received_at": now,
            },
            key=["strategy_id", "signature"],
        )
        claimed = await self._session.scalar(
            select(col(WebhookReceiptRow.signal_id)).where(
                col(WebhookReceiptRow.strategy_id) == strategy_id,
                col(WebhookReceiptRow.signature) == signature,
            )
        )
        assert claimed is not None
        return claimed

    async def release(self, strategy_id: str, signature: str) -> None:
        await self._session.execute(
            delete(WebhookReceiptRow).where(
                col(WebhookReceiptRow.strategy_id) == strategy_id,
                col(WebhookReceiptRow.signature) == signature,
            )
        )
