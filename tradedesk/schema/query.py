"""The root Query type."""

from __future__ import annotations

import strawberry

from tradedesk.domain.catalog.model import Plan, RiskProfile, Strategy
from tradedesk.domain.copying.model import SignalStats
from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType
from tradedesk.domain.principal import Principal
from tradedesk.resolvers import account, copy_trading, follows, public
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.catalog import PlanType, RiskProfileType, StrategyType
from tradedesk.schema.copying import FollowPreviewType, FollowStrategyInput, SignalStatsType
from tradedesk.schema.inputs import given_fields
from tradedesk.schema.market import TickerType
from tradedesk.schema.viewer import ViewerType


@strawberry.type
class Query:
    @strawberry.field(
        description="The current 24-hour ticker of one market.", graphql_type=TickerType
    )
    async def ticker(
        self,
        info: GraphInfo,
        exchange_id: ExchangeId = ExchangeId.BINANCE,
        symbol: str = "BTC/USDT",
        type: TradeType = TradeType.FUTURES,
    ) -> Ticker:
        return await public.ticker(info, exchange_id=exchange_id, symbol=symbol, trade_type=type)

    @strawberry.field(
        description="Public subscription plans, cheapest first.", graphql_type=list[PlanType]
    )
    async def plans(self, info: GraphInfo) -> tuple[Plan, ...]:
        return await public.plans(info)

    @strawberry.field(
        description="Strategy risk profiles, least risk first.", graphql_type=list[RiskProfileType]
    )
    async def risk_profiles(self, info: GraphInfo) -> tuple[RiskProfile, ...]:
        return await public.risk_profiles(info)

    @strawberry.field(
        description="Automated strategies, oldest first.", graphql_type=list[StrategyType]
    )
    async def strategies(self, info: GraphInfo) -> tuple[Strategy, ...]:
        return await public.strategies(info)

    @strawberry.field(
        description="The authenticated caller; UNAUTHENTICATED without a token.",
        graphql_type=ViewerType,
    )
    async def viewer(self, info: GraphInfo) -> Principal:
        return await account.viewer(info)

    @strawberry.field(
        description="Operators: how a signal's copies went; null for none.",
        graphql_type=SignalStatsType | None,
    )
    async def signal_stats(self, info: GraphInfo, id: strawberry.ID) -> SignalStats | None:
        return await copy_trading.signal_stats(info, str(id))

    @strawberry.field(
        description="What following a strategy with one of the caller's keys would place now; "
        "nothing is written.",
    )
    async def follow_preview(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, input: FollowStrategyInput
    ) -> FollowPreviewType:
        fields = given_fields(input, info)
        return FollowPreviewType.of(
            await follows.follow_preview(info, str(exchange_key_id), fields)
        )

    @strawberry.field(
        description="One strategy by id, or null when there is none.",
        graphql_type=StrategyType | None,
    )
    async def strategy(self, info: GraphInfo, id: strawberry.ID) -> Strategy | None:
        return await public.strategy(info, id)
