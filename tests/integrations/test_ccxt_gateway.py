"""The ccxt gateway when the exchange answers with less than a full ticker."""

from __future__ import annotations

import time

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.standins.serving import serving
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway
from tradedesk.simulator import binance_json
from tradedesk.simulator.markets import Kind, default_markets


def quiet_market() -> Starlette:
    """Binance for a market nobody traded today: no volume, so no average price either."""

    async def exchange_info(_request):
        info = binance_json.exchange_info(default_markets(), Kind.FUTURES, int(time.time() * 1000))
        return JSONResponse(info)

    async def ticker(_request):
        now = int(time.time() * 1000)
        return JSONResponse(
            {
                "symbol": "BTCUSDT",
                "lastPrice": "19700",
                "openPrice": "19700",
                "highPrice": "19700",
                "lowPrice": "19700",
                "volume": "0",
                "quoteVolume": "0",
                "openTime": now - 86_400_000,
                "closeTime": now,
                "count": 0,
            }
        )

    async def server_time(_request):
        return JSONResponse({"serverTime": int(time.time() * 1000)})

    return Starlette(
        routes=[
            Route("/fapi/v1/time", server_time),
            Route("/fapi/v1/exchangeInfo", exchange_info),
            Route("/fapi/v1/ticker/24hr", ticker),
        ]
    )


@pytest.mark.asyncio
async def test_a_ticker_missing_a_number_is_1500_not_a_crash():
    with serving(quiet_market()) as base:
        gateway = CcxtGateway(CcxtClients(base_url=base))
        try:
            with pytest.raises(BusinessRuleViolation) as raised:
                await gateway.fetch_ticker(
                    exchange_id=ExchangeId.BINANCE,
                    trade_type=TradeType.FUTURES,
                    symbol="BTC/USDT",
                )
        finally:
            await gateway.aclose()

    assert raised.value.code is ErrorCode.EXCHANGE_BAD_REQUEST
