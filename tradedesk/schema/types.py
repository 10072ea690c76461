"""GraphQL object types of the public data. Resolvers hand back domain objects; these types
only name their fields, with the same names the v1 REST routes use."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from tradedesk.domain.catalog.performance import DEFAULT_LIMIT, Interval
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.resolvers import public
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.scalars import Long

ExchangeIdEnum = strawberry.enum(ExchangeId, name="ExchangeId", description="Supported exchanges.")
TradeTypeEnum = strawberry.enum(TradeType, name="TradeType", description="SPOT or FUTURES.")
IntervalEnum = strawberry.enum(
    Interval, name="Interval", description="History bucket size: DAY is `1d`, MONTH is `1M`."
)


@strawberry.type(name="Ticker", description="24-hour rolling statistics, as ccxt defines them.")
class TickerType:
    symbol: str
    timestamp: Long
    datetime: str
    high: float
    low: float
    vwap: float
    open: float
    close: float
    last: float
    change: float
    percentage: float
    average: float
    base_volume: float
    quote_volume: float


@strawberry.type(name="Plan", description="A subscription plan (`plans` lists the public ones).")
class PlanType:
    id: strawberry.ID
    name: str
    monthly_price_usd: float = strawberry.field(name="monthlyPriceUSD")
    max_balance_usd: int = strawberry.field(name="maxBalanceUSD")
    max_api_key: int
    strategy_automated: bool


@strawberry.type(name="RiskProfile", description="Share of equity a followed trade may risk.")
class RiskProfileType:
    id: strawberry.ID
    name: str
    percentage: float
    created_at: datetime
    updated_at: datetime


@strawberry.type(name="StrategyPerformance", description="Results over a range of buckets.")
class PerformanceType:
    net_profit_percent: float | None
    win_rate: float | None
    max_draw_down: float | None
    trades: int
    long: int
    short: int


@strawberry.type(name="StrategyHistoryBucket", description="One UTC day or month of results.")
class HistoryBucketType(PerformanceType):
    @strawberry.field(description="First day of the bucket, YYYY-MM-DD (inclusive).")
    def start(self) -> str:
        return self.start_label  # type: ignore[attr-defined]

    @strawberry.field(description="First day after the bucket, YYYY-MM-DD (exclusive).")
    def end_at(self) -> str:
        return self.end_label  # type: ignore[attr-defined]


Limit = Annotated[int, strawberry.argument(description="Number of buckets, 1 to 1000.")]


@strawberry.type(name="Strategy", description="An automated strategy users can follow.")
class StrategyType:
    id: strawberry.ID
    active: bool
    name: str
    description: str | None
    exchange_id: ExchangeIdEnum  # type: ignore[valid-type]
    symbol: str
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Results per bucket, the current (open) bucket first.")
    async def history(
        self,
        info: GraphInfo,
        interval: Interval = Interval.DAY,  # registered above as IntervalEnum
        limit: Limit = DEFAULT_LIMIT,
    ) -> list[HistoryBucketType]:
        return await public.strategy_history(info, self.id, interval=interval, limit=limit)  # type: ignore[return-value]

    @strawberry.field(description="Results over the same range as `history`, as one.")
    async def performance(
        self,
        info: GraphInfo,
        interval: Interval = Interval.DAY,  # registered above as IntervalEnum
        limit: Limit = DEFAULT_LIMIT,
    ) -> PerformanceType:
        return await public.strategy_performance(info, self.id, interval=interval, limit=limit)  # type: ignore[return-value]
