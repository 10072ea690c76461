"""Placing a manual order: entry, take-profit ladder and stop, through REST and GraphQL and the
real ccxt path against the simulator."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.builders.accounts import user_id
from tests.builders.trading import ORDER, manual_key, open_orders, place, shape, trade_in_the_venue
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import OrderType, Side, TriggerType

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, "default_plan": "PROFESSIONAL"}


async def test_the_documented_order_places_entry_ladder_and_stop(alice, venue):
    key_id = await manual_key(alice, venue)

    response = await place(
        alice,
        key_id,
        {
            "symbol": "BTC/USDT",
            "type": "MARKET",
            "side": "BUY",
            "amount": "0.05",
            "takeProfitPrices": [20000, 20100],
            "stopTriggerPrice": 19000,
            "stopTriggerType": "LIMIT",
            "stopPrice": 18990,
        },
    )

    assert response.status_code == 200, response.text
    assert shape(response.json()) == [
        ("market", "buy", 19700, None, 0.05, False, "closed"),
        ("take_profit", "sell", 20000, 20000, 0.025, True, "open"),
        ("take_profit", "sell", 20100, 20100, 0.025, True, "open"),
        ("stop", "sell", 18990, 19000, 0.05, True, "open"),
    ]
    legs = response.json()[1:]  # the stop went out first, before the take profits
    assert shape(await open_orders(alice, key_id)) == shape([legs[2], legs[0], legs[1]])
    assert all(o["symbol"] == "BTC/USDT" for o in response.json())


async def test_the_ladder_splits_by_lot_step_and_overflows_into_limit_orders(alice, venue):
    key_id = await manual_key(alice, venue)
    prices = [20000 + 10 * n for n in range(12)]

    response = await place(
        alice,
        key_id,
        {
            "symbol": "BTC/USDT",
            "type": "MARKET",
            "side": "BUY",
            "amount": 0.125,
            "takeProfitPrices": prices,
            "stopTriggerPrice": 19000,
        },
    )

    placed = response.json()
    rungs = placed[1:-1]
    assert [o["type"] for o in rungs] == ["take_profit"] * 9 + ["limit"] * 3  # 9 + the stop = 10
    assert [o["amount"] for o in rungs] == [0.01] * 11 + [0.015]
    assert [o["price"] for o in rungs] == prices
    assert all(o["reduceOnly"] for o in rungs)
    assert shape([placed[-1]]) == [("stop_market", "sell", None, 19000, 0.125, True, "open")]


async def test_an_account_with_one_conditional_slot_left_spends_it_on_the_stop(alice, venue):
    """Binance caps open conditional orders per account: with one slot left, the stop takes
    it and the take profits rest as reduce-only LIMITs at their prices, rather than the trade
    being undone for a take profit that found no room."""
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    engine.max_open_conditionals = 2
    engine.place_conditional(  # the user's own conditional order on another symbol
        "manual", Kind.FUTURES, "ETHUSDT", side=Side.BUY, type=TriggerType.STOP_MARKET,
        quantity=Decimal("0.1"), trigger_price=Decimal(5000),
    )  # fmt: skip

    response = await place(alice, key_id, ORDER)

    assert response.status_code == 200, response.text
    assert shape(response.json()) == [
        ("market", "buy", 19700, None, 0.05, False, "closed"),
        ("limit", "sell", 20000, None, 0.025, True, "open"),
        ("limit", "sell", 20100, None, 0.025, True, "open"),
        ("stop", "sell", 18990, 19000, 0.05, True, "open"),
    ]
    assert engine.account("manual").position("BTCUSDT").amount == Decimal("0.05")
    assert [c.type for c in engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT")] == [
        TriggerType.STOP
    ]


async def test_an_order_first_clears_the_symbol(alice, venue):
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    trade_in_the_venue(venue)

    response = await place(
        alice, key_id, {"symbol": "BTC/USDT", "type": "MARKET", "side": "SELL", "amount": 0.02}
    )

    assert response.status_code == 200
    assert engine.account("manual").position("BTCUSDT").amount == Decimal("-0.02")
    assert [o["clientOrderId"] for o in await open_orders(alice, key_id)] == []


async def test_a_failed_stop_leaves_no_position_and_says_which_leg(alice, venue):
    engine, _base = venue
    key_id = await manual_key(alice, venue)

    response = await place(
        alice,
        key_id,
        {
            "symbol": "BTC/USDT",
            "type": "MARKET",
            "side": "BUY",
            "amount": 0.05,
            "takeProfitPrices": [20000],
            "stopTriggerPrice": 19900,  # above the market: it would trigger at once (-2021)
        },
    )

    assert (response.status_code, response.json()) == (
        433,
        {"error": "exchange bad request (1500)", "leg": "stop"},
    )
    assert engine.account("manual").position("BTCUSDT").amount == 0
    assert engine.open_orders("manual", Kind.FUTURES, "BTCUSDT") == []
    assert engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT") == []


async def test_limit_and_trailing_entries(alice, venue):
    key_id = await manual_key(alice, venue)

    limit = await place(
        alice,
        key_id,
        {"symbol": "BTC/USDT", "type": "LIMIT", "side": "BUY", "amount": 0.01, "price": 19000.04},
    )
    trailing = await place(
        alice,
        key_id,
        {
            "symbol": "BTC/USDT",
            "type": "TRAILING_STOP",
            "side": "SELL",
            "amount": 0.01,
            "price": 19800,
            "callbackRate": 1,
        },
    )

    assert shape(limit.json()) == [("limit", "buy", 19000, None, 0.01, False, "open")]
    [order] = trailing.json()
    assert (order["type"], order["side"], order["amount"]) == ("trailing_stop_market", "sell", 0.01)
    assert [o["type"] for o in await open_orders(alice, key_id)] == ["trailing_stop_market"]


async def test_key_types(alice, venue):
    automated = await manual_key(alice, venue, "auto", strategyType="AUTOMATED")
    spot = await manual_key(alice, venue, "spot", tradeType="SPOT")
    market = {"symbol": "BTC/USDT", "type": "MARKET", "side": "BUY", "amount": 0.001}

    assert (await place(alice, automated, market)).json() == {
        "error": "exchange API key type is invalid (1106)"
    }
    assert (await place(alice, spot, {**market, "side": "SELL"})).json() == {
        "error": "exchange API key type is unsupported (1115)"
    }
    bought = await place(alice, spot, market)
    assert shape(bought.json()) == [("market", "buy", 19700, None, 0.001, False, "closed")]


BASE = {"symbol": "BTC/USDT", "type": "MARKET", "side": "BUY", "amount": 0.01}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"type": "LIMIT"}, [("price", "must require price with type limit")]),
        (
            {"type": "TRAILING_STOP", "price": 19000},
            [("callbackRate", "must be between 0.1 and 5")],
        ),
        (
            {"type": "TRAILING_STOP", "price": 1, "callbackRate": 1, "stopTriggerPrice": 20000,
             "takeProfitPrices": [1]},
            [("takeProfitPrices", "must not use with type trailing stop"),
             ("stopTriggerPrice", "must not use with type traililng stop")],
        ),
        (
            {"stopTriggerPrice": 19000, "stopTriggerType": "LIMIT"},
            [("stopTriggerType", "must require stopPrice with type limit")],
        ),
        (
            {"takeProfitPrices": list(range(1, 27))},
            [("takeProfitPrices", "must have at most 25 prices")],
        ),
        ({"callbackRate": 6}, [("callbackRate", "must be between 0.1 and 5")]),
        (
            {"amount": "1e999999", "price": 1e300, "type": "LIMIT"},
            [("amount", "must be positive number"), ("price", "must be positive number")],
        ),
        (
            {"symbol": "BTCUSDT", "side": "HOLD", "amount": "-1", "type": "STOP"},
            [("symbol", "must be valid exchange symbol"),
             ("type", "must be one of [LIMIT, MARKET, TRAILING_STOP]"),
             ("side", "must be one of [BUY, SELL]"),
             ("amount", "must be positive number")],
        ),
    ],
)  # fmt: skip
async def test_every_documented_rule_is_a_422(alice, body, errors):
    response = await place(alice, "6645920d-08cb-44f0-b8b3-a14dd918a7b0", {**BASE, **body})

    assert response.status_code == 422
    assert [(e["param"], e["msg"]) for e in response.json()["errors"]] == errors


async def test_graphql_place_order_matches_rest(alice, venue):
    key_id = await manual_key(alice, venue)
    mutation = (
        "mutation($id: ID!, $input: PlaceOrderInput!) { placeOrder(exchangeKeyId: $id,"
        " input: $input) { orders { type side price stopPrice amount reduceOnly status symbol }"
        " errors { field message } } }"
    )

    placed = await alice.graphql(
        mutation,
        {
            "id": key_id,
            "input": {
                "symbol": "BTC/USDT",
                "type": "MARKET",
                "side": "BUY",
                "amount": 0.05,
                "takeProfitPrices": [20000],
                "stopTriggerPrice": 19000,
            },
        },
    )
    invalid = await alice.graphql(
        mutation,
        {
            "id": key_id,
            "input": {"symbol": "BTC/USDT", "type": "LIMIT", "side": "BUY", "amount": 1},
        },
    )
    failed = await alice.graphql(
        mutation,
        {
            "id": key_id,
            "input": {
                "symbol": "BTC/USDT",
                "type": "MARKET",
                "side": "BUY",
                "amount": 0.05,
                "stopTriggerPrice": 19900,
            },
        },
    )

    orders = placed["data"]["placeOrder"]["orders"]
    assert [(o["type"], o["amount"], o["symbol"]) for o in orders] == [
        ("market", 0.05, "BTC/USDT"),
        ("take_profit", 0.05, "BTC/USDT"),
        ("stop_market", 0.05, "BTC/USDT"),
    ]
    assert invalid["data"]["placeOrder"] == {
        "orders": None,
        "errors": [{"field": "price", "message": "must require price with type limit"}],
    }
    assert failed["errors"][0]["extensions"] == {"code": "1500", "leg": "stop"}


async def test_a_retried_idempotent_request_places_nothing_new(alice, venue):
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    path = f"/v1/priv/exchange/order/{key_id}"
    headers = {**alice.headers, "Idempotency-Key": "order-2022-10-14-1"}

    first, second, third = await asyncio.gather(
        *(alice.client.post(path, json=ORDER, headers=headers) for _ in range(3))
    )

    assert first.status_code == second.status_code == third.status_code == 200
    assert first.json() == second.json() == third.json()
    assert len(engine.orders("manual", Kind.FUTURES, "BTCUSDT")) == 1  # one entry only
    assert len(engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT")) == 3
    bad = await alice.client.post(
        path, json=ORDER, headers={**headers, "Idempotency-Key": "x" * 65}
    )
    assert bad.json()["errors"][0]["location"] == "headers"


async def test_a_request_that_takes_over_a_dead_claim_finishes_what_it_placed(
    alice, venue, runtime, clock
):
    """The first request died after its entry went out; a retry two minutes later finds the
    entry by its client order id, places no second one and clears nothing, and the keeper
    places the exits it never got to."""
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    owner = await user_id(alice)
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        await uow.manual_trades.claim(
            trade_id=str(uuid.uuid4()), user_id=owner, key_id=key_id, symbol="BTC/USDT",
            idempotency_key="died-mid-way", now=clock.now(),
        )  # fmt: skip
        await uow.commit()
    prefix = "td" + hashlib.sha256(f"{owner}|died-mid-way".encode()).hexdigest()[:22]
    first = engine.place_order(
        "manual", Kind.FUTURES, "BTCUSDT", side=Side.BUY, type=OrderType.MARKET,
        quantity=Decimal("0.05"), client_order_id=f"{prefix}e",
    )  # fmt: skip
    clock.advance(timedelta(minutes=3))

    retry = await alice.client.post(
        f"/v1/priv/exchange/order/{key_id}",
        json=ORDER,
        headers={**alice.headers, "Idempotency-Key": "died-mid-way"},
    )
    await runtime.services.protection.tick()

    assert retry.status_code == 200, retry.text
    assert retry.json()[0]["id"] == str(first.order_id)
    assert [o.client_order_id for o in engine.orders("manual", Kind.FUTURES, "BTCUSDT")] == [
        f"{prefix}e"  # one entry, and no order that cleared the symbol
    ]
    assert engine.account("manual").position("BTCUSDT").amount == Decimal("0.05")
    assert sorted(
        c.type.value for c in engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT")
    ) == ["STOP", "TAKE_PROFIT", "TAKE_PROFIT"]


async def test_manual_history_records_each_order_newest_first(alice, venue, clock):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, ORDER)
    clock.advance(timedelta(minutes=5))
    await place(alice, key_id, {**ORDER, "stopTriggerType": "MARKET", "stopPrice": None})
    clock.advance(timedelta(minutes=5))
    await place(
        alice, key_id, {"symbol": "BTC/USDT", "type": "MARKET", "side": "SELL", "amount": 0.01}
    )

    response = await alice.get("/v1/priv/account/trade/manual/history")
    page = await alice.client.get(
        "/v1/priv/account/trade/manual/history", params={"limit": 2}, headers=alice.headers
    )
    rest = await alice.client.get(
        "/v1/priv/account/trade/manual/history",
        params={"limit": 2, "nextToken": page.json()["nextToken"]},
        headers=alice.headers,
    )

    items = response.json()["items"]
    assert response.json()["nextToken"] is None
    assert [item["stopType"] for item in items] == [None, "MARKET", "LIMIT"]
    assert items[2] | {"orderId": "?"} == {
        "orderId": "?",
        "price": 19700,
        "amount": 0.05,
        "cost": 985,
        "stop": 19000,
        "stopType": "LIMIT",
        "takeProfit": [20000, 20100],
        "trailingTriggerPrice": 19000,
        "callbackRate": None,
        "riskProfilePercent": 2,
        "createdAt": "2022-10-19T15:09:49.057Z",
    }
    assert list(items[0]) == [
        "orderId",
        "price",
        "amount",
        "cost",
        "stop",
        "stopType",
        "takeProfit",
        "trailingTriggerPrice",
        "callbackRate",
        "riskProfilePercent",
        "createdAt",
    ]  # fmt: skip  (the documented order)
    assert items[0]["trailingTriggerPrice"] is None and items[0]["takeProfit"] == []
    assert [i["createdAt"] for i in page.json()["items"] + rest.json()["items"]] == [
        i["createdAt"] for i in items
    ]
    assert rest.json()["nextToken"] is None


async def test_graphql_idempotency_and_manual_trade_history(alice, venue):
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    mutation = (
        "mutation($id: ID!, $input: PlaceOrderInput!, $key: String) { placeOrder("
        "exchangeKeyId: $id, input: $input, idempotencyKey: $key) { orders { id } } }"
    )
    variables = {"id": key_id, "input": {**ORDER, "amount": 0.05}, "key": "gql-1"}

    first = await alice.graphql(mutation, variables)
    again = await alice.graphql(mutation, variables)
    history = await alice.graphql(
        "{ viewer { manualTradeHistory(first: 1) { edges { cursor node { orderId stop"
        " stopType takeProfit riskProfilePercent } } pageInfo { hasNextPage endCursor } } } }"
    )

    assert first["data"]["placeOrder"] == again["data"]["placeOrder"]
    assert len(engine.orders("manual", Kind.FUTURES, "BTCUSDT")) == 1
    connection = history["data"]["viewer"]["manualTradeHistory"]
    assert [edge["node"] for edge in connection["edges"]] == [
        {
            "orderId": first["data"]["placeOrder"]["orders"][0]["id"],
            "stop": 19000,
            "stopType": "LIMIT",
            "takeProfit": [20000, 20100],
            "riskProfilePercent": 2,
        }
    ]
    assert connection["pageInfo"] == {"hasNextPage": False, "endCursor": None}


async def test_the_stop_covers_what_remains_after_a_take_profit(alice, venue):
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, {**ORDER, "stopTriggerType": "MARKET", "stopPrice": None})

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(20050))  # the first rung fills
    assert engine.account("manual").position("BTCUSDT").amount == Decimal("0.025")
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(18950))  # then the stop triggers

    assert engine.account("manual").position("BTCUSDT").amount == 0
