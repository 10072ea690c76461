"""GraphQL object types of the public catalog: plans, risk profiles, strategies and their
published results. Resolvers hand back domain objects; these types only name their fields,
with the same names the v1 REST routes use."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from tradedesk.domain.catalog.performance import DEFAULT_LIMIT, HistoryBucket, Interval, Performance
from tradedesk.domain.market.model import ExchangeId
from tradedesk.resolvers import public
from tradedesk.resolvers.public import GraphInfo


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
    def start(self, root: HistoryBucket) -> str:
        return root.start_label

    @strawberry.field(description="First day after the bucket, YYYY-MM-DD (exclusive).")
    def end_at(self, root: HistoryBucket) -> str:
        return root.end_label


Limit = Annotated[int, strawberry.argument(description="Number of buckets, 1 to 1000.")]


@strawberry.type(name="Strategy", description="An automated strategy users can follow.")
class StrategyType:
    id: strawberry.ID
    active: bool
    name: str
    description: str | None
    exchange_id: ExchangeId
    symbol: str
    created_at: datetime
    updated_at: datetime

    @strawberry.field(
        description="Results per bucket, the current (open) bucket first.",
        graphql_type=list[HistoryBucketType],
    )
    async def history(
        self,
        info: GraphInfo,
        interval: Interval = Interval.DAY,
        limit: Limit = DEFAULT_LIMIT,
    ) -> list[HistoryBucket]:
        return await public.strategy_history(info, self.id, interval=interval, limit=limit)

    @strawberry.field(
        description="Results over the same range as `history`, as one.",
        graphql_type=PerformanceType,
    )
    async def performance(
        self,
        info: GraphInfo,
        interval: Interval = Interval.DAY,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Performance:
        return await public.strategy_performance(info, self.id, interval=interval, limit=limit)
