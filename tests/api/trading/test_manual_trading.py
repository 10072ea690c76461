"""A key's orders, fills and position, its leverage and margin type, and closing a position:
REST and GraphQL over the real ccxt path against the simulator."""

from __future__ import annotations

import pytest

from tests.builders.trading import manual_key, trade_in_the_venue
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
ORDER_FIELDS = {
    "id", "clientOrderId", "timestamp", "datetime", "symbol", "type", "timeInForce", "postOnly",
    "reduceOnly", "side", "price", "stopPrice", "amount", "cost", "average", "filled",
    "remaining", "status", "fee", "trades", "fees",
}  # fmt: skip
POSITION_FIELDS = {
    "symbol", "contracts", "contractSize", "unrealizedPnl", "leverage", "liquidationPrice",
    "collateral", "notional", "markPrice", "entryPrice", "initialMargin",
    "initialMarginPercentage", "maintenanceMargin", "maintenanceMarginPercentage",
    "marginRatio", "datetime", "marginMode", "marginType", "side", "hedged", "percentage",
}  # fmt: skip


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, "default_plan": "PROFESSIONAL"}


async def test_orders_fills_and_position_of_a_key(alice, venue):
    key_id = await manual_key(alice, venue)
    trade_in_the_venue(venue)
    query = {"symbol": "BTC/USDT"}

    def get(path):
        return alice.client.get(path, params=query, headers=alice.headers)

    open_orders = (await get(f"/v1/priv/exchange/order/{key_id}/list")).json()
    history = (await get(f"/v1/priv/exchange/order/{key_id}/history")).json()
    trades = (await get(f"/v1/priv/exchange/trade/{key_id}/history")).json()
    position = (await get(f"/v1/priv/exchange/position/{key_id}")).json()

    assert [(o["clientOrderId"], o["type"]) for o in open_orders] == [
        ("dip", "limit"),
        ("stop", "stop_market"),
    ]
    assert all(set(o) == ORDER_FIELDS and o["symbol"] == "BTC/USDT" for o in open_orders)
    stop = open_orders[1]
    assert (stop["stopPrice"], stop["amount"], stop["remaining"]) == (19500, None, None)
    assert [o["clientOrderId"] for o in history] == ["entry", "dip", "stop"]
    [fill] = trades
    assert (fill["side"], fill["price"], fill["amount"], fill["symbol"]) == (
        "buy",
        19700,
        0.1,
        "BTC/USDT",
    )
    assert fill["fee"] == {"cost": 0.788, "currency": "USDT"}
    assert set(position) == POSITION_FIELDS
    assert (position["side"], position["contracts"], position["entryPrice"]) == (
        "long",
        0.1,
        19700,
    )


async def test_leverage_and_margin_settings(alice, venue):
    key_id = await manual_key(alice, venue)
    leverage = f"/v1/priv/exchange/order/{key_id}/leverage"
    margin = f"/v1/priv/exchange/order/{key_id}/margin"

    assert (await alice.put(leverage, {"symbol": "BTC/USDT", "leverage": 10})).status_code == 204
    assert (await alice.put(leverage, {"symbol": "BTC/USDT", "leverage": 10})).status_code == 204
    assert (await alice.put(margin, {"symbol": "BTC/USDT", "type": "ISOLATED"})).status_code == 204
    assert (await alice.put(margin, {"symbol": "BTC/USDT", "type": "ISOLATED"})).status_code == 204
    refused = await alice.put(leverage, {"symbol": "ETH/USDT", "leverage": 100})  # ETH: 75 max
    assert (refused.status_code, refused.json()) == (433, {"error": "exchange bad request (1500)"})
    invalid = await alice.put(leverage, {"symbol": "BTCUSDT", "leverage": 126})
    assert [(e["param"], e["msg"]) for e in invalid.json()["errors"]] == [
        ("symbol", "must be valid exchange symbol"),
        ("leverage", "must be between 1 and 125"),
    ]
    wrong_type = await alice.put(margin, {"symbol": "BTC/USDT", "type": "HEDGE"})
    assert wrong_type.json()["errors"][0]["msg"] == "must be one of [ISOLATED, CROSSED]"
    unknown = await alice.put(leverage, {"symbol": "DOGE/USDT", "leverage": 5})
    assert unknown.json() == {"error": "invalid exchange symbol (1300)"}


async def test_closing_a_position_cancels_its_orders_and_flattens_it(alice, venue):
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    trade_in_the_venue(venue)

    response = await alice.client.request(
        "DELETE",
        f"/v1/priv/exchange/position/{key_id}",
        json={"symbol": "BTC/USDT"},
        headers=alice.headers,
    )

    assert (response.status_code, response.content) == (204, b"")
    assert engine.account("manual").position("BTCUSDT").amount == 0
    assert engine.open_orders("manual", Kind.FUTURES, "BTCUSDT") == []
    assert engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT") == []
    position = await alice.client.get(
        f"/v1/priv/exchange/position/{key_id}", params={"symbol": "BTC/USDT"}, headers=alice.headers
    )
    assert position.json() is None


async def test_key_types_symbols_and_isolation(alice, bob, venue):
    automated = await manual_key(alice, venue, "auto", strategyType="AUTOMATED")
    spot = await manual_key(alice, venue, "spot", tradeType="SPOT")

    closing = await alice.client.request(
        "DELETE",
        f"/v1/priv/exchange/position/{automated}",
        json={"symbol": "BTC/USDT"},
        headers=alice.headers,
    )
    spot_position = await alice.client.get(
        f"/v1/priv/exchange/position/{spot}", params={"symbol": "BTC/USDT"}, headers=alice.headers
    )
    missing_symbol = await alice.get(f"/v1/priv/exchange/order/{spot}/list")
    unknown_symbol = await alice.client.get(
        f"/v1/priv/exchange/order/{spot}/list",
        params={"symbol": "DOGE/USDT"},
        headers=alice.headers,
    )
    foreign = await bob.client.get(
        f"/v1/priv/exchange/order/{spot}/list", params={"symbol": "BTC/USDT"}, headers=bob.headers
    )

    invalid_key = {"error": "exchange API key type is invalid (1106)"}
    assert (closing.status_code, closing.json()) == (433, invalid_key)
    assert (spot_position.status_code, spot_position.json()) == (433, invalid_key)
    assert missing_symbol.json()["errors"] == [
        {
            "value": "",
            "msg": "must be valid exchange symbol",
            "param": "symbol",
            "location": "query",
        }
    ]
    assert unknown_symbol.json() == {"error": "invalid exchange symbol (1300)"}
    assert (foreign.status_code, foreign.json()) == (404, {"message": "route not found"})


async def test_graphql_reads_and_settings_agree_with_rest(alice, bob, venue):
    key_id = await manual_key(alice, venue)
    trade_in_the_venue(venue)
    query = (
        "query($id: ID!) { viewer { exchangeKey(id: $id) {"
        ' openOrders(symbol: "BTC/USDT") { clientOrderId type stopPrice amount symbol }'
        ' orders(symbol: "BTC/USDT") { clientOrderId status }'
        ' trades(symbol: "BTC/USDT") { side price fee { cost currency } }'
        ' position(symbol: "BTC/USDT") { side contracts entryPrice marginMode } } } }'
    )

    key = (await alice.graphql(query, {"id": key_id}))["data"]["viewer"]["exchangeKey"]
    leverage = await alice.graphql(
        "mutation($id: ID!) { setLeverage(exchangeKeyId: $id,"
        ' input: {symbol: "BTC/USDT", leverage: 200}) { done errors { field message } } }',
        {"id": key_id},
    )
    closed = await alice.graphql(
        'mutation($id: ID!) { closePosition(exchangeKeyId: $id, symbol: "BTC/USDT") { done } }',
        {"id": key_id},
    )
    stranger = await bob.graphql(query, {"id": key_id})

    assert key["openOrders"] == [
        {"clientOrderId": "dip", "type": "limit", "stopPrice": None, "amount": 0.01,
         "symbol": "BTC/USDT"},
        {"clientOrderId": "stop", "type": "stop_market", "stopPrice": 19500, "amount": None,
         "symbol": "BTC/USDT"},
    ]  # fmt: skip
    assert [o["clientOrderId"] for o in key["orders"]] == ["entry", "dip", "stop"]
    assert key["trades"] == [
        {"side": "buy", "price": 19700, "fee": {"cost": 0.788, "currency": "USDT"}}
    ]
    assert key["position"] == {
        "side": "long",
        "contracts": 0.1,
        "entryPrice": 19700,
        "marginMode": "cross",
    }
    assert leverage["data"]["setLeverage"] == {
        "done": False,
        "errors": [{"field": "leverage", "message": "must be between 1 and 125"}],
    }
    assert closed["data"]["closePosition"] == {"done": True}
    assert stranger["data"]["viewer"]["exchangeKey"] is None
