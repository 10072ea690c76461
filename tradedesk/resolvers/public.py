"""Resolvers of the public fields: ticker, plans, risk profiles, strategies and their results."""

from __future__ import annotations

from strawberry import Info

from tradedesk.domain.catalog.model import Plan, RiskProfile, Strategy
from tradedesk.domain.catalog.performance import HistoryBucket, Interval, Performance, parse_limit
from tradedesk.domain.errors import NotFound
from tradedesk.domain.ids import parse_uuid
from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType, parse_symbol
from tradedesk.resolvers.arguments import argument
from tradedesk.resolvers.context import Context

GraphInfo = Info[Context, None]


async def ticker(
    info: GraphInfo, *, exchange_id: ExchangeId, symbol: str, trade_type: TradeType
) -> Ticker:
    return await info.context.services.market.ticker(
        exchange_id=exchange_id,
        trade_type=trade_type,
        symbol=argument("symbol", symbol, parse_symbol),
    )


async def plans(info: GraphInfo) -> tuple[Plan, ...]:
    return await info.context.services.catalog.public_plans()


async def risk_profiles(info: GraphInfo) -> tuple[RiskProfile, ...]:
    return await info.context.services.catalog.risk_profiles()


async def strategies(info: GraphInfo) -> tuple[Strategy, ...]:
    return await info.context.services.catalog.strategies()


async def strategy(info: GraphInfo, strategy_id: str) -> Strategy | None:
    """A missing strategy is null, never an error."""
    try:
        return await info.context.services.catalog.strategy(argument("id", strategy_id, parse_uuid))
    except NotFound:
        return None


async def strategy_history(
    info: GraphInfo, strategy_id: str, *, interval: Interval, limit: int
) -> list[HistoryBucket]:
    key = (strategy_id, interval, argument("limit", limit, parse_limit))
    return await info.context.loaders.strategy_history.load(key)


async def strategy_performance(
    info: GraphInfo, strategy_id: str, *, interval: Interval, limit: int
) -> Performance:
    key = (strategy_id, interval, argument("limit", limit, parse_limit))
    return await info.context.loaders.strategy_performance.load(key)
