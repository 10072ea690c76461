"""v1 public routes: ticker, plans, risk profiles, strategies and their published results."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tradedesk.domain.market import (
    ExchangeId,
    TradeType,
    parse_exchange_id,
    parse_symbol,
    parse_trade_type,
)
from tradedesk.domain.services import Services
from tradedesk.domain.strategy_stats import DEFAULT_LIMIT, Interval, parse_interval, parse_limit
from tradedesk.rest import representations as rep
from tradedesk.rest.catalog_lists import catalog_list
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.responses import JSON


def _services(request: Request) -> Services:
    return request.app.state.services


async def ticker(request: Request) -> Response:
    inputs = Inputs(request)
    exchange_id = inputs.query("exchangeId", parse_exchange_id, ExchangeId.BINANCE)
    symbol = inputs.query("symbol", parse_symbol, "BTC/USDT")
    trade_type = inputs.query("type", parse_trade_type, TradeType.FUTURES)
    inputs.valid()
    item = await _services(request).market.ticker(
        exchange_id=exchange_id, trade_type=trade_type, symbol=symbol
    )
    return JSON(rep.ticker(item))


def _range_inputs(request: Request) -> tuple[str, Interval, int]:
    inputs = Inputs(request)
    strategy_id = inputs.path_id("strategy_id")
    interval = inputs.query("interval", parse_interval, Interval.DAY)
    limit = inputs.query("limit", parse_limit, DEFAULT_LIMIT)
    inputs.valid()
    return strategy_id, interval, limit


async def strategy_history(request: Request) -> Response:
    strategy_id, interval, limit = _range_inputs(request)
    buckets = await _services(request).strategy_results.history(
        strategy_id, interval=interval, limit=limit
    )
    return JSON({"items": [rep.history_bucket(bucket) for bucket in buckets]})


async def strategy_performance(request: Request) -> Response:
    strategy_id, interval, limit = _range_inputs(request)
    result = await _services(request).strategy_results.performance(
        strategy_id, interval=interval, limit=limit
    )
    return JSON(rep.performance(result))


ROUTES = [
    Route("/pub/exchange/ticker", ticker, methods=["GET"]),
    Route("/pub/subscription/list", catalog_list("plans"), methods=["GET"]),
    Route("/pub/strategy/profile/list", catalog_list("risk_profiles"), methods=["GET"]),
    Route("/pub/strategy/list", catalog_list("strategies"), methods=["GET"]),
    Route("/pub/strategy/{strategy_id}/history", strategy_history, methods=["GET"]),
    Route("/pub/strategy/{strategy_id}/performance", strategy_performance, methods=["GET"]),
]
