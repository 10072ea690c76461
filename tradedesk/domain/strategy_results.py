"""The published results of automated strategies: history buckets and range performance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from tradedesk.domain import strategy_stats
from tradedesk.domain.catalog import PublicCatalog
from tradedesk.domain.ports import Clock, UnitOfWorkFactory
from tradedesk.domain.strategies import StrategyTrade
from tradedesk.domain.strategy_stats import HistoryBucket, Interval, Performance


class StrategyResults:
    def __init__(
        self, catalog: PublicCatalog, uow_factory: UnitOfWorkFactory, clock: Clock
    ) -> None:
        self._catalog = catalog
        self._uow_factory = uow_factory
        self._clock = clock

    async def history(
        self, strategy_id: str, *, interval: Interval, limit: int
    ) -> list[HistoryBucket]:
        """Buckets of one strategy, newest first; an unknown strategy is NotFound."""
        await self._catalog.strategy(strategy_id)
        return (await self.history_of_many([strategy_id], interval=interval, limit=limit))[
            strategy_id
        ]

    async def performance(self, strategy_id: str, *, interval: Interval, limit: int) -> Performance:
        await self._catalog.strategy(strategy_id)
        by_strategy = await self.performance_of_many([strategy_id], interval=interval, limit=limit)
        return by_strategy[strategy_id]

    async def history_of_many(
        self, strategy_ids: Sequence[str], *, interval: Interval, limit: int
    ) -> dict[str, list[HistoryBucket]]:
        """Several strategies' buckets from one query, for lists."""
        now = self._clock.now()
        trades = await self._closed_trades(
            strategy_ids, *strategy_stats.range_of(now, interval, limit)
        )
        return {
            strategy_id: strategy_stats.history(
                trades[strategy_id], now=now, interval=interval, limit=limit
            )
            for strategy_id in strategy_ids
        }

    async def performance_of_many(
        self, strategy_ids: Sequence[str], *, interval: Interval, limit: int
    ) -> dict[str, Performance]:
        now = self._clock.now()
        trades = await self._closed_trades(
            strategy_ids, *strategy_stats.range_of(now, interval, limit)
        )
        return {
            strategy_id: strategy_stats.performance(
                trades[strategy_id], now=now, interval=interval, limit=limit
            )
            for strategy_id in strategy_ids
        }

    async def _closed_trades(
        self, strategy_ids: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[StrategyTrade]]:
        async with self._uow_factory() as uow:
            rows = await uow.strategy_trades.closed_between(strategy_ids, start, end)
        by_strategy: dict[str, list[StrategyTrade]] = defaultdict(list)
        for trade in rows:
            by_strategy[trade.strategy_id].append(trade)
        return by_strategy
