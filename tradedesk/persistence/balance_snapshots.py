"""Daily balance snapshots: recorded at most once per key and day, read newest first."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.keys.model import BalanceSnapshot, ExchangeKey
from tradedesk.persistence.exchange_keys import to_exchange_key
from tradedesk.persistence.tables import BalanceSnapshotRow, ExchangeKeyRow
from tradedesk.persistence.upsert import insert_unless_present


class SqlBalanceSnapshotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, key_id: str, day: date, total_usd: float, *, now: datetime) -> None:
        await insert_unless_present(
            self._session,
            BalanceSnapshotRow,
            {
                "key_id": key_id,
                "day": day,
                "total_usd": Decimal(str(round(total_usd, 8))),
                "created_at": now,
            },
            key=["key_id", "day"],
        )

    async def of_day(self, key_ids: list[str], day: date) -> dict[str, float]:
        rows = await self._session.execute(
            select(col(BalanceSnapshotRow.key_id), col(BalanceSnapshotRow.total_usd)).where(
                col(BalanceSnapshotRow.key_id).in_(key_ids), col(BalanceSnapshotRow.day) == day
            )
        )
        return {key_id: float(total) for key_id, total in rows}

    async def keys_without_snapshot(self, day: date) -> list[ExchangeKey]:
        """Active keys the day has no snapshot of yet, of every user."""
        taken = select(col(BalanceSnapshotRow.key_id)).where(col(BalanceSnapshotRow.day) == day)
        rows = await self._session.scalars(
            select(ExchangeKeyRow).where(
                col(ExchangeKeyRow.active), col(ExchangeKeyRow.id).not_in(taken)
            )
        )
        return [to_exchange_key(row) for row in rows]

    async def page(
        self, key_id: str, *, start: date | None, before: date | None, limit: int
    ) -> list[BalanceSnapshot]:
        query = select(BalanceSnapshotRow).where(col(BalanceSnapshotRow.key_id) == key_id)
        if start is not None:
            query = query.where(col(BalanceSnapshotRow.day) >= start)
        if before is not None:
            query = query.where(col(BalanceSnapshotRow.day) < before)
        rows = await self._session.scalars(
            query.order_by(col(BalanceSnapshotRow.day).desc()).limit(limit)
        )
        return [BalanceSnapshot(day=row.day, total_usd=float(row.total_usd)) for row in rows]
