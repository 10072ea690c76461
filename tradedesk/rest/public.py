"""v1 public routes: ticker, plans, risk profiles, strategies and their published results."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.catalog.performance import DEFAULT_LIMIT, Interval
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.domain.services import Services
from tradedesk.rest import representations as rep
from tradedesk.rest.catalog_lists import CatalogList
from tradedesk.rest.contract import Contract, Endpoint
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.params import BUCKETS, EXCHANGE_ID, INTERVAL, TICKER_SYMBOL, TRADE_TYPE
from tradedesk.rest.responses import JSON


def _services(request: Request) -> Services:
    return request.app.state.services


async def ticker(request: Request) -> Response:
    inputs = Inputs(request)
    exchange_id = inputs.query(EXCHANGE_ID, ExchangeId.BINANCE)
    symbol = inputs.query(TICKER_SYMBOL, "BTC/USDT")
    trade_type = inputs.query(TRADE_TYPE, TradeType.FUTURES)
    inputs.valid()
    item = await _services(request).market.ticker(
        exchange_id=exchange_id, trade_type=trade_type, symbol=symbol
    )
    return JSON(rep.ticker(item))


def _range_inputs(request: Request) -> tuple[str, Interval, int]:
    inputs = Inputs(request)
    strategy_id = inputs.path_id("strategy_id")
    interval = inputs.query(INTERVAL, Interval.DAY)
    limit = inputs.query(BUCKETS, DEFAULT_LIMIT)
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


_RANGE = (INTERVAL, BUCKETS)

ROUTES = [
    Endpoint(
        "GET",
        "/pub/exchange/ticker",
        ticker,
        Contract(
            "The exchange's 24-hour ticker of one symbol",
            private=False,
            query=(EXCHANGE_ID, TICKER_SYMBOL, TRADE_TYPE),
            response=rep.TickerBody,
            reaches_exchange=True,
        ),
    ),
    Endpoint(
        "GET",
        "/pub/subscription/list",
        CatalogList("plans"),
        Contract("The public subscription plans", private=False, response=rep.Items[rep.PlanBody]),
    ),
    Endpoint(
        "GET",
        "/pub/strategy/profile/list",
        CatalogList("risk_profiles"),
        Contract("The risk profiles", private=False, response=rep.Items[rep.RiskProfileBody]),
    ),
    Endpoint(
        "GET",
        "/pub/strategy/list",
        CatalogList("strategies"),
        Contract("The automated strategies", private=False, response=rep.Items[rep.StrategyBody]),
    ),
    Endpoint(
        "GET",
        "/pub/strategy/{strategy_id}/history",
        strategy_history,
        Contract(
            "A strategy's results per day or month",
            private=False,
            query=_RANGE,
            response=rep.Items[rep.HistoryBucketBody],
        ),
    ),
    Endpoint(
        "GET",
        "/pub/strategy/{strategy_id}/performance",
        strategy_performance,
        Contract(
            "A strategy's results over a range",
            private=False,
            query=_RANGE,
            response=rep.PerformanceBody,
        ),
    ),
]
