"""Binance's REST API over the engine, on one port: `/api/v3` (spot) and `/fapi` (USDT-M).

Enough of it for ccxt's `binance` and `binanceusdm` to load markets and read tickers; signed
endpoints check the API key, Binance's HMAC-SHA256 signature and the timestamp window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tradedesk.simulator import binance_json
from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.errors import ExchangeError
from tradedesk.simulator.markets import Kind

Handler = Callable[[Request], Awaitable[Any]]


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _status_of(error: ExchangeError) -> int:
    """Binance answers bad credentials with 401, everything else it refuses with 400."""
    return 401 if error.code in (-2014, -2015, -1022) else 400


def facade(engine: PaperExchange) -> Starlette:
    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                return _json(await handler(request))
            except ExchangeError as error:
                return _json({"code": error.code, "msg": error.msg}, _status_of(error))

        return run

    def kind_of(request: Request) -> Kind:
        return Kind.SPOT if request.url.path.startswith("/api/") else Kind.FUTURES

    async def ping(_request: Request) -> dict[str, Any]:
        return {}

    async def server_time(_request: Request) -> dict[str, Any]:
        return {"serverTime": engine.now_ms()}

    async def exchange_info(request: Request) -> dict[str, Any]:
        markets = list(engine.markets.values())
        return binance_json.exchange_info(markets, kind_of(request), engine.now_ms())

    async def ticker_24hr(request: Request) -> Any:
        kind = kind_of(request)
        symbol = request.query_params.get("symbol")
        if symbol is not None:
            market = engine.market(kind, symbol)
            return binance_json.ticker_24hr(market, engine.day(kind, symbol))
        return [
            binance_json.ticker_24hr(market, engine.day(kind, market.id))
            for market in engine.markets.values()
            if market.kind is kind
        ]

    routes = []
    for prefix in ("/api/v3", "/fapi/v1"):
        routes += [
            Route(f"{prefix}/ping", endpoint(ping)),
            Route(f"{prefix}/time", endpoint(server_time)),
            Route(f"{prefix}/exchangeInfo", endpoint(exchange_info)),
            Route(f"{prefix}/ticker/24hr", endpoint(ticker_24hr)),
        ]
    return Starlette(routes=routes)
