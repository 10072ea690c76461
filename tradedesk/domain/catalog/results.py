"""The published results of automated strategies: history buckets and range performance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from tradedesk.domain.catalog import performance
from tradedesk.domain.catalog.model import StrategyTrade
from tradedesk.domain.catalog.performance import HistoryBucket, Interval, Performance
from tradedesk.domain.catalog.ports import CatalogUnitOfWorkFactory
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.ports import Clock

Result = TypeVar("Result")


class StrategyResults:
    def __init__(
        self,
        *,
        catalog: PublicCatalog,
        uow_factory: CatalogUnitOfWorkFactory,
        clock: Clock,
        cache_seconds: float = 0,
    ) -> None:
        """`cache_seconds`: how long a reader may be answered with results computed earlier."""
        self._catalog = catalog
        self._uow_factory = uow_factory
        self._clock = clock
        self._cache_seconds = cache_seconds

    def freshness_window(self) -> int | None:
        """The window of `cache_seconds` that now falls in (None: results are never reused).
        Results are the same for every reader, so one computed in a window may answer the
        rest of it: a public scoreboard read by thousands costs a computation per window, and
        a closed trade shows within one."""
        if self._cache_seconds <= 0:
            return None
        return int(self._clock.now().timestamp() // self._cache_seconds)

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
        return await self._per_strategy(performance.history, strategy_ids, interval, limit)

    async def performance_of_many(
        self, strategy_ids: Sequence[str], *, interval: Interval, limit: int
    ) -> dict[str, Performance]:
        """Several strategies' range results from one query, for lists."""
        return await self._per_strategy(performance.performance, strategy_ids, interval, limit)

    async def _per_strategy(
        self,
        compute: Callable[..., Result],
        strategy_ids: Sequence[str],
        interval: Interval,
        limit: int,
    ) -> dict[str, Result]:
        """Read the range's trades of all strategies at once, then compute each one's result."""
        now = self._clock.now()
        start, end = performance.range_of(now, interval, limit)
        async with self._uow_factory() as uow:
            trades = await uow.strategy_trades.closed_between(strategy_ids, start, end)
        by_strategy: dict[str, list[StrategyTrade]] = defaultdict(list)
        for trade in trades:
            by_strategy[trade.strategy_id].append(trade)
        return {
            strategy_id: compute(by_strategy[strategy_id], now=now, interval=interval, limit=limit)
            for strategy_id in strategy_ids
        }
