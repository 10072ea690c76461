"""The root Query type."""

from __future__ import annotations

import strawberry

from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.resolvers import account, copy_trading, public
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.account_types import ViewerType
from tradedesk.schema.copy_trading_types import SignalStatsType
from tradedesk.schema.types import (
    ExchangeIdEnum,
    PlanType,
    RiskProfileType,
    StrategyType,
    TickerType,
    TradeTypeEnum,
)


@strawberry.type
class Query:
    @strawberry.field(description="The current 24-hour ticker of one market.")
    async def ticker(
        self,
        info: GraphInfo,
        exchange_id: ExchangeIdEnum = ExchangeId.BINANCE,  # type: ignore[valid-type]
        symbol: str = "BTC/USDT",
        type: TradeTypeEnum = TradeType.FUTURES,  # type: ignore[valid-type]
    ) -> TickerType:
        return await public.ticker(info, exchange_id=exchange_id, symbol=symbol, trade_type=type)  # type: ignore[return-value]

    @strawberry.field(description="Public subscription plans, cheapest first.")
    async def plans(self, info: GraphInfo) -> list[PlanType]:
        return await public.plans(info)  # type: ignore[return-value]

    @strawberry.field(description="Strategy risk profiles, least risk first.")
    async def risk_profiles(self, info: GraphInfo) -> list[RiskProfileType]:
        return await public.risk_profiles(info)  # type: ignore[return-value]

    @strawberry.field(description="Automated strategies, oldest first.")
    async def strategies(self, info: GraphInfo) -> list[StrategyType]:
        return await public.strategies(info)  # type: ignore[return-value]

    @strawberry.field(description="The authenticated caller; UNAUTHENTICATED without a token.")
    async def viewer(self, info: GraphInfo) -> ViewerType:
        return await account.viewer(info)  # type: ignore[return-value]

    @strawberry.field(description="Operators: how a signal's copies went; null for none.")
    async def signal_stats(self, info: GraphInfo, id: strawberry.ID) -> SignalStatsType | None:
        return await copy_trading.signal_stats(info, str(id))  # type: ignore[return-value]

    @strawberry.field(description="One strategy by id, or null when there is none.")
    async def strategy(self, info: GraphInfo, id: strawberry.ID) -> StrategyType | None:
        return await public.strategy(info, id)  # type: ignore[return-value]
