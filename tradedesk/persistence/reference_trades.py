"""Strategies' open reference trades."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.strategies.model import ReferenceTrade
from tradedesk.persistence.tables import ReferenceTradeRow


class SqlReferenceTradeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, strategy_id: str) -> ReferenceTrade | None:
        row = await self._session.get(ReferenceTradeRow, strategy_id, populate_existing=True)
        return None if row is None else _trade(row)

    async def open_all(self) -> list[ReferenceTrade]:
        return [_trade(row) for row in await self._session.scalars(select(ReferenceTradeRow))]

    async def put(self, trade: ReferenceTrade) -> None:
        await self.remove(trade.strategy_id)
        assert trade.opened_at is not None
        self._session.add(
            ReferenceTradeRow(
                strategy_id=trade.strategy_id,
                side=trade.side.value,
                entry_price=trade.entry_price,
                stop_price=trade.stop_price,
                take_profits=json.dumps([str(p) for p in trade.take_profits]),
                rungs=trade.rungs,
                open_share=trade.open_share,
                result=trade.result,
                exit_value=trade.exit_value,
                opened_at=trade.opened_at,
                filled=trade.filled,
            )
        )
        await self._session.flush()

    async def remove(self, strategy_id: str) -> None:
        await self._session.execute(
            delete(ReferenceTradeRow).where(col(ReferenceTradeRow.strategy_id) == strategy_id)
        )


def _trade(row: ReferenceTradeRow) -> ReferenceTrade:
    return ReferenceTrade(
        strategy_id=row.strategy_id,
        side=OrderSide(row.side),
        entry_price=row.entry_price,
        stop_price=row.stop_price,
        take_profits=tuple(Decimal(p) for p in json.loads(row.take_profits)),
        rungs=row.rungs,
        open_share=row.open_share,
        result=row.result,
        exit_value=row.exit_value,
        opened_at=row.opened_at,
        filled=row.filled,
    )
