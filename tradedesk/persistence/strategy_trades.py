"""Closed strategy trades, read by range for the published results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.catalog.model import StrategyTrade, TradeSide
from tradedesk.persistence.tables import StrategyTradeRow


class SqlStrategyTradeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def closed_between(
        self, strategy_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[StrategyTrade]:
        if not strategy_ids:
            return []
        rows = await self._session.scalars(
            select(StrategyTradeRow)
            .where(col(StrategyTradeRow.strategy_id).in_(list(strategy_ids)))
            .where(col(StrategyTradeRow.closed_at) >= start)
            .where(col(StrategyTradeRow.closed_at) < end)
            .order_by(col(StrategyTradeRow.closed_at), col(StrategyTradeRow.id))
        )
        return [
            StrategyTrade(
                strategy_id=row.strategy_id,
                side=TradeSide(row.side),
                entry_price=float(row.entry_price),
                exit_price=float(row.exit_price),
                opened_at=row.opened_at,
                closed_at=row.closed_at,
                result=row.result,
            )
            for row in rows
        ]

    async def add(self, trade_id: str, trade: StrategyTrade) -> None:
        self._session.add(
            StrategyTradeRow(
                id=trade_id,
                strategy_id=trade.strategy_id,
                side=trade.side.value,
                entry_price=Decimal(str(trade.entry_price)),
                exit_price=Decimal(str(trade.exit_price)),
                opened_at=trade.opened_at,
                closed_at=trade.closed_at,
                result=trade.result,
            )
        )
        await self._session.flush()
