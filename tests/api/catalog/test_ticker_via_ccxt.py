"""With TRADEDESK_EXCHANGE=binance the public ticker comes through ccxt from the exchange."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.standins.serving import free_port
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base}


async def test_the_ticker_is_binances_through_ccxt(client, venue):
    engine, _base = venue
    engine.set_price(Kind.FUTURES, "ETHUSDT", Decimal("1345.67"))

    rest = await client.get("/v1/pub/exchange/ticker", params={"symbol": "ETH/USDT"})
    graph = await client.post(
        "/graphql", json={"query": '{ ticker(symbol: "ETH/USDT") { symbol last open } }'}
    )

    assert rest.status_code == 200
    assert rest.json()["symbol"] == "ETH/USDT" and rest.json()["last"] == 1345.67
    assert all(value is not None for value in rest.json().values())
    assert graph.json()["data"]["ticker"] == {"symbol": "ETH/USDT", "last": 1345.67, "open": 1330}


async def test_spot_and_futures_are_different_markets(client, venue):
    engine, _base = venue
    engine.set_price(Kind.SPOT, "BTCUSDT", Decimal("19650"))

    spot = await client.get("/v1/pub/exchange/ticker", params={"type": "SPOT"})
    futures = await client.get("/v1/pub/exchange/ticker", params={"type": "FUTURES"})

    assert (spot.json()["last"], futures.json()["last"]) == (19650, 19700)


async def test_an_unlisted_symbol_is_433_1300(client):
    response = await client.get("/v1/pub/exchange/ticker", params={"symbol": "DOGE/USDT"})

    assert (response.status_code, response.json()) == (
        433,
        {"error": "invalid exchange symbol (1300)"},
    )


class TestExchangeDown:
    @pytest.fixture
    def settings_overrides(self):
        return {"exchange": "binance", "binance_urls": f"http://127.0.0.1:{free_port()}"}

    async def test_an_unreachable_exchange_is_433_1500_never_500(self, client):
        response = await client.get("/v1/pub/exchange/ticker")

        assert (response.status_code, response.json()) == (
            433,
            {"error": "exchange bad request (1500)"},
        )
