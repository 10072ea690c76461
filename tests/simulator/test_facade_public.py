"""The facade's public API through the real ccxt `binance` and `binanceusdm` classes."""

from __future__ import annotations

from decimal import Decimal

import ccxt
import ccxt.async_support as ccxt_async
import pytest

from tradedesk.integrations.exchange.ccxt_clients import rewrite_hosts
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def clients(venue):
    _engine, base = venue
    made = {}
    for name, factory, types in (
        ("spot", ccxt_async.binance, ["spot"]),
        ("futures", ccxt_async.binanceusdm, ["linear"]),
    ):
        client = factory({"options": {"fetchMarkets": {"types": types}, "fetchCurrencies": False}})
        client.urls["api"] = rewrite_hosts(client.urls["api"], base)
        made[name] = client
    yield made
    for client in made.values():
        await client.close()


async def test_markets_load_with_binances_filters(clients):
    spot = await clients["spot"].load_markets()
    futures = await clients["futures"].load_markets()

    assert set(spot) == {"BTC/USDT", "ETH/USDT", "BNB/USDT"}
    assert set(futures) == {"BTC/USDT:USDT", "ETH/USDT:USDT", "BNB/USDT:USDT"}
    btc = futures["BTC/USDT:USDT"]
    assert btc["linear"] and btc["swap"] and btc["settle"] == "USDT"
    assert btc["precision"]["price"] == 0.1 and btc["precision"]["amount"] == 0.001
    assert btc["limits"]["amount"]["min"] == 0.001 and btc["limits"]["cost"]["min"] == 100
    assert spot["BTC/USDT"]["limits"]["amount"]["min"] == 0.00001


async def test_tickers_follow_the_engine(clients, venue):
    engine, _base = venue
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal("20100.5"))

    futures = await clients["futures"].fetch_ticker("BTC/USDT:USDT")
    spot = await clients["spot"].fetch_ticker("ETH/USDT")

    assert futures["last"] == 20100.5 and futures["open"] == 19700
    assert futures["high"] == 20100.5 and futures["low"] == 19700
    assert futures["change"] == pytest.approx(400.5)
    assert spot["last"] == 1330


async def test_an_unlisted_symbol_is_badsymbol(clients):
    await clients["futures"].load_markets()

    with pytest.raises(ccxt.BadSymbol):
        await clients["futures"].fetch_ticker("DOGE/USDT:USDT")
    with pytest.raises(ccxt.BadSymbol):
        await clients["futures"].public_get_ticker_24hr({"symbol": "DOGEUSDT"})
