"""End to end: the real ccxt `binance` and `binanceusdm` classes against the simulator's
Binance-compatible facade on loopback: balances, every order type, positions, settings and
each mapped error."""

from __future__ import annotations

import time
from decimal import Decimal

import ccxt
import ccxt.async_support as ccxt_async
import pytest

from tests.simulator.facade import ccxt_client, serving_facade
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
BTC = "BTC/USDT:USDT"


@pytest.fixture
async def venue():
    async with serving_facade({"key": ("secret", Decimal(10000))}) as served:
        yield served


@pytest.fixture
async def futures(venue):
    made = ccxt_client(ccxt_async.binanceusdm, venue[1])
    yield made
    await made.close()


@pytest.fixture
async def spot(venue):
    made = ccxt_client(ccxt_async.binance, venue[1])
    yield made
    await made.close()


async def test_balances_of_both_wallets(futures, spot):
    assert (await futures.fetch_balance())["USDT"] == {"free": 10000, "used": 0, "total": 10000}
    assert (await spot.fetch_balance())["USDT"]["free"] == 10000


async def test_spot_market_and_limit_orders(spot):
    bought = await spot.create_order("BTC/USDT", "market", "buy", 0.01)
    resting = await spot.create_order("BTC/USDT", "limit", "buy", 0.01, 19000)

    assert (bought["status"], bought["average"], bought["filled"]) == ("closed", 19700, 0.01)
    assert bought["fee"] == {"currency": "BTC", "cost": 0.00001}
    assert resting["status"] == "open"
    assert [o["id"] for o in await spot.fetch_open_orders("BTC/USDT")] == [resting["id"]]
    balance = await spot.fetch_balance()
    assert balance["USDT"]["used"] == 190 and balance["BTC"]["free"] == 0.00999

    cancelled = await spot.cancel_order(resting["id"], "BTC/USDT")

    assert cancelled["status"] == "canceled"
    assert (await spot.fetch_balance())["USDT"]["free"] == 10000 - 197
    assert len(await spot.fetch_my_trades("BTC/USDT")) == 1


async def test_futures_market_limit_and_position(futures, venue):
    engine, _ = venue
    await futures.set_leverage(10, BTC)
    opened = await futures.create_order(BTC, "market", "buy", 0.1)
    take = await futures.create_order(BTC, "limit", "sell", 0.1, 20000, {"reduceOnly": True})

    assert (opened["status"], opened["average"]) == ("closed", 19700)
    [position] = [p for p in await futures.fetch_positions([BTC]) if p["contracts"]]
    assert (position["side"], position["contracts"], position["entryPrice"]) == ("long", 0.1, 19700)
    assert position["leverage"] == 10 and position["marginMode"] == "cross"

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(20000))

    [filled] = [o for o in await futures.fetch_orders(BTC) if o["id"] == take["id"]]
    assert filled["status"] == "closed"
    trades = await futures.fetch_my_trades(BTC)
    assert [t["info"]["realizedPnl"] for t in trades] == ["0", "30"]
    assert [p for p in await futures.fetch_positions([BTC]) if p["contracts"]] == []


@pytest.mark.parametrize(
    ("order_type", "price", "params"),
    [
        ("STOP_MARKET", None, {"stopPrice": 19000}),
        ("STOP", 18900, {"stopPrice": 19000}),
        ("TAKE_PROFIT_MARKET", None, {"stopPrice": 21000}),
        ("TAKE_PROFIT", 21100, {"stopPrice": 21000}),
        ("TRAILING_STOP_MARKET", None, {"callbackRate": 1}),
    ],
)
async def test_conditional_orders_go_through_the_algo_api(futures, order_type, price, params):
    await futures.create_order(BTC, "market", "buy", 0.1)

    placed = await futures.create_order(
        BTC, order_type, "sell", 0.1, price, {**params, "reduceOnly": True}
    )
    plain = await futures.fetch_open_orders(BTC)
    triggers = await futures.fetch_open_orders(BTC, params={"trigger": True})
    cancelled = await futures.cancel_order(placed["id"], BTC, {"trigger": True})

    assert placed["status"] == "open" and placed["info"]["orderType"] == order_type
    assert plain == []
    assert [o["id"] for o in triggers] == [placed["id"]]
    assert cancelled["status"] == "canceled"


async def test_a_triggered_stop_closes_the_position(futures, venue):
    engine, _ = venue
    await futures.create_order(BTC, "market", "buy", 0.1)
    await futures.create_order(
        BTC, "STOP_MARKET", "sell", None, None, {"stopPrice": 19500, "closePosition": True}
    )

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19450))

    assert [p for p in await futures.fetch_positions([BTC]) if p["contracts"]] == []
    [history] = await futures.fetch_orders(BTC, params={"trigger": True})
    assert (history["info"]["algoStatus"], history["status"]) == ("FINISHED", "closed")


async def test_margin_mode_and_liquidation_price(futures):
    await futures.set_margin_mode("isolated", BTC)
    await futures.set_leverage(10, BTC)
    await futures.create_order(BTC, "market", "buy", 0.1)

    [position] = [p for p in await futures.fetch_positions([BTC]) if p["contracts"]]

    assert position["marginMode"] == "isolated"
    assert position["liquidationPrice"] == pytest.approx(17801.2048, abs=0.001)
    with pytest.raises(ccxt.OperationRejected, match="-4048"):  # not with an open position
        await futures.set_margin_mode("cross", BTC)


async def test_rejected_credentials_are_authentication_errors(venue):
    _, base = venue
    for api_key, secret in (("unknown", "secret"), ("key", "wrong-secret")):
        stranger = ccxt_client(ccxt_async.binanceusdm, base, api_key=api_key, secret=secret)
        try:
            with pytest.raises(ccxt.AuthenticationError):
                await stranger.fetch_balance()
        finally:
            await stranger.close()


async def test_a_stale_timestamp_is_refused(futures):
    real = futures.milliseconds
    futures.milliseconds = lambda: real() - 120_000

    with pytest.raises(ccxt.InvalidNonce):
        await futures.fetch_balance()


async def test_trading_errors_map_to_ccxt_classes(futures):
    await futures.load_markets()

    with pytest.raises(ccxt.ExchangeError, match="-2019"):  # ccxt has no class for it
        await futures.create_order(BTC, "market", "buy", 100)
    with pytest.raises(ccxt.BadRequest):  # -4028
        await futures.set_leverage(126, BTC)
    with pytest.raises(ccxt.OrderNotFound):  # -2011
        await futures.cancel_order("424242", BTC)
    with pytest.raises(ccxt.ExchangeError, match="-4164"):
        await futures.create_order(BTC, "limit", "buy", 0.001, 19000)
    with pytest.raises(ccxt.InvalidOrder, match="-1013"):  # LOT_SIZE: below the minimum
        await futures.fapiprivate_post_order(
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "MARKET",
                "quantity": "0.0001",
                "timestamp": int(time.time() * 1000),
            }
        )
    with pytest.raises(ccxt.BadSymbol):  # -1121
        await futures.fapiprivate_get_openorders({"symbol": "DOGEUSDT"})


async def test_conditional_types_are_refused_on_the_plain_order_endpoint(futures):
    with pytest.raises(ccxt.ExchangeError) as raised:
        await futures.fapiprivate_post_order(
            {
                "symbol": "BTCUSDT",
                "side": "SELL",
                "type": "STOP_MARKET",
                "quantity": "0.1",
                "stopPrice": "19000",
                "timestamp": int(time.time() * 1000),
            }
        )

    assert "-4120" in str(raised.value)


async def test_orders_are_found_by_client_order_id_in_both_families(spot, futures):
    await spot.create_order("BTC/USDT", "market", "buy", 0.01, None, {"clientOrderId": "mine"})
    await futures.create_order(
        BTC, "STOP_MARKET", "sell", 0.1, None, {"stopPrice": 19000, "clientOrderId": "algo"}
    )

    found = await spot.fetch_order(None, "BTC/USDT", {"clientOrderId": "mine"})
    algo = await futures.fetch_order(None, BTC, {"clientOrderId": "algo", "trigger": True})

    assert (found["clientOrderId"], found["status"]) == ("mine", "closed")
    assert (algo["clientOrderId"], algo["status"]) == ("algo", "open")
    with pytest.raises(ccxt.OrderNotFound):  # -2013
        await futures.fetch_order(None, BTC, {"clientOrderId": "never-sent"})
