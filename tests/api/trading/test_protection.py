"""A placed trade stays protected as its entry fills and until its position is gone: the
protection keeper over the real ccxt path against the simulator, moved by hand."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.builders.exchange_keys import KEYS, funded
from tests.builders.trading import ORDER, another_keeper, manual_key, open_orders, place, shape
from tradedesk.domain.trading import protection
from tradedesk.domain.trading.protection import LEASE, STUCK_TRIGGER
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import AlgoStatus, OrderType, Side, TriggerType

pytestmark = pytest.mark.asyncio

RESTING = {  # a buy below the market (19,700), with a ladder and a stop-limit
    **ORDER,
    "type": "LIMIT",
    "price": 19500,
    "riskProfilePercent": None,
}


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, "default_plan": "PROFESSIONAL"}


def move(venue, price: str, volume: str | None = None) -> None:
    engine, _base = venue
    engine.set_price(
        Kind.FUTURES, "BTCUSDT", Decimal(price), volume=None if volume is None else Decimal(volume)
    )


def position(venue) -> Decimal:
    engine, _base = venue
    return engine.account("manual").position("BTCUSDT").amount


async def exits(alice, key_id: str) -> list[tuple]:
    """The open orders but the entry, in a stable order."""
    return sorted(t for t in shape(await open_orders(alice, key_id)) if t[5])


async def test_a_resting_entry_gets_its_ladder_as_it_fills(alice, venue, runtime):
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)

    response = await place(alice, key_id, RESTING)

    assert shape(response.json()) == [
        ("limit", "buy", 19500, None, 0.05, False, "open"),
        ("stop", "sell", 18990, 19000, 0.05, True, "open"),  # covers whatever fills, at once
    ]
    await keeper.tick()
    assert len(await open_orders(alice, key_id)) == 2  # nothing filled: nothing to do

    move(venue, "19500", volume="0.02")  # the entry fills in part
    await keeper.tick()
    assert await exits(alice, key_id) == [
        ("stop", "sell", 18990, 19000, 0.05, True, "open"),
        ("take_profit", "sell", 20000, 20000, 0.01, True, "open"),
        ("take_profit", "sell", 20100, 20100, 0.01, True, "open"),
    ]

    move(venue, "19500")  # the rest fills
    await keeper.tick()
    assert await exits(alice, key_id) == [
        ("stop", "sell", 18990, 19000, 0.05, True, "open"),
        ("take_profit", "sell", 20000, 20000, 0.025, True, "open"),
        ("take_profit", "sell", 20100, 20100, 0.025, True, "open"),
    ]

    move(venue, "20050")  # the first rung takes its profit
    await keeper.tick()
    assert position(venue) == Decimal("0.025")
    move(venue, "18995")  # then the stop (a stop-limit at 18,990) closes what remains
    assert position(venue) == 0
    await keeper.tick()
    assert await open_orders(alice, key_id) == []  # the second rung went with the position


async def test_an_entry_cancelled_half_filled_leaves_exits_sized_to_the_fill(alice, venue, runtime):
    engine, _base = venue
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    [entry, _stop] = (await place(alice, key_id, RESTING)).json()
    move(venue, "19500", volume="0.03")
    await keeper.tick()

    engine.cancel_order(
        "manual", Kind.FUTURES, "BTCUSDT", client_order_id=entry["clientOrderId"]
    )  # the user cancels the rest of the entry on the exchange
    await keeper.tick()

    assert position(venue) == Decimal("0.03")
    assert await exits(alice, key_id) == [
        ("stop", "sell", 18990, 19000, 0.03, True, "open"),
        ("take_profit", "sell", 20000, 20000, 0.015, True, "open"),
        ("take_profit", "sell", 20100, 20100, 0.015, True, "open"),
    ]
    move(venue, "18995")
    assert position(venue) == 0


async def test_rungs_beyond_the_conditional_cap_rest_once_the_entry_has_filled(
    alice, venue, runtime
):
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    prices = [20000 + 10 * n for n in range(12)]

    response = await place(
        alice,
        key_id,
        {**RESTING, "amount": 0.125, "takeProfitPrices": prices, "stopTriggerType": "MARKET",
         "stopPrice": None},
    )  # fmt: skip
    move(venue, "19490")
    await keeper.tick()

    assert response.status_code == 200, response.text
    rungs = [o for o in await open_orders(alice, key_id) if o["type"] in ("take_profit", "limit")]
    assert sorted(o["type"] for o in rungs) == ["limit"] * 3 + ["take_profit"] * 9
    assert sorted((o["price"], o["amount"]) for o in rungs) == [
        *((price, 0.01) for price in prices[:-1]),
        (prices[-1], 0.015),
    ]
    assert all(o["reduceOnly"] for o in rungs)


async def test_a_rung_whose_price_passed_before_the_keeper_saw_the_fill_takes_its_profit(
    alice, venue, runtime
):
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    await place(
        alice, key_id, {**RESTING, "takeProfitPrices": [19600, 20100], "stopTriggerType": "MARKET"}
    )

    move(venue, "19500")  # the entry fills ...
    move(venue, "19650")  # ... and the price is past the first rung before the keeper looks
    await keeper.tick()

    assert position(venue) == Decimal("0.025")  # a LIMIT at 19,600 took it at once
    assert await exits(alice, key_id) == [
        ("stop_market", "sell", None, 19000, 0.05, True, "open"),
        ("take_profit", "sell", 20100, 20100, 0.025, True, "open"),
    ]


async def test_a_new_order_on_the_symbol_ends_the_trade_being_kept(alice, venue, runtime):
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, RESTING)

    await place(
        alice, key_id, {"symbol": "BTC/USDT", "type": "MARKET", "side": "SELL", "amount": 0.02}
    )
    move(venue, "19500")
    await keeper.tick()

    assert position(venue) == Decimal("-0.02")
    assert await open_orders(alice, key_id) == []


async def test_closing_the_position_ends_the_trade_being_kept(alice, venue, runtime):
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, ORDER)

    closed = await alice.client.request(
        "DELETE",
        f"/v1/priv/exchange/position/{key_id}",
        json={"symbol": "BTC/USDT"},
        headers=alice.headers,
    )
    await keeper.tick()

    assert closed.status_code == 204
    assert position(venue) == 0
    assert await open_orders(alice, key_id) == []


async def test_an_exit_the_user_cancelled_is_not_restored(alice, venue, runtime):
    engine, _base = venue
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    placed = (await place(alice, key_id, ORDER)).json()

    engine.cancel_conditional(
        "manual", Kind.FUTURES, "BTCUSDT", client_algo_id=placed[-1]["clientOrderId"]
    )  # the user removes the stop on the exchange's own app
    await keeper.tick()
    await keeper.tick()

    assert [t[0] for t in await exits(alice, key_id)] == ["take_profit", "take_profit"]
    assert position(venue) == Decimal("0.05")


async def test_an_order_a_dead_pass_left_behind_is_cancelled(alice, venue, runtime):
    engine, _base = venue
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    [entry, *_legs] = (await place(alice, key_id, ORDER)).json()
    prefix = entry["clientOrderId"][:-1]
    engine.place_order(
        "manual",
        Kind.FUTURES,
        "BTCUSDT",
        side=Side.SELL,
        type=OrderType.LIMIT,
        quantity=Decimal("0.01"),
        price=Decimal(20500),
        reduce_only=True,
        client_order_id=f"{prefix}t1r7",
    )  # placed by a pass that died before it wrote the order down

    await keeper.tick()  # nothing else moved: the orphan alone makes it look closer

    assert [o["clientOrderId"] for o in await open_orders(alice, key_id)] == [
        f"{prefix}s",  # placed first
        f"{prefix}t1",
        f"{prefix}t2",
    ]


async def test_one_keeper_at_a_time_follows_a_trade(alice, venue, runtime, clock):
    first = runtime.services.protection
    second = another_keeper(runtime, clock)
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, RESTING)

    assert (await first.tick(), await second.tick(), await first.tick()) == (1, 0, 1)
    clock.advance(LEASE + timedelta(seconds=1))  # the first keeper went silent
    assert await second.tick() == 1


async def test_on_a_full_account_the_old_stop_makes_room_for_its_resized_self(
    alice, venue, runtime
):
    """The account's cap of open conditionals is full (the stop and the user's own order on
    another symbol; the take profits rest as LIMITs): when a take profit fills, the resized
    stop is refused for the cap, so the old stop is cancelled to make room for it."""
    engine, _base = venue
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    engine.max_open_conditionals = 2
    engine.place_conditional(
        "manual", Kind.FUTURES, "ETHUSDT", side=Side.BUY, type=TriggerType.STOP_MARKET,
        quantity=Decimal("0.1"), trigger_price=Decimal(5000),
    )  # fmt: skip
    await place(alice, key_id, ORDER)
    [old_stop] = engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT")
    await keeper.tick()

    move(venue, "20000")  # the first take profit fills: the stop must shrink to what is left
    await keeper.tick()

    assert position(venue) == Decimal("0.025")
    assert old_stop.status is AlgoStatus.CANCELED
    stops = engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT")
    assert [(s.type, s.trigger_price, s.quantity) for s in stops] == [
        (TriggerType.STOP, Decimal(19000), Decimal("0.025"))
    ]
    assert len(engine.open_conditionals("manual", Kind.FUTURES, "ETHUSDT")) == 1
    assert await exits(alice, key_id) == [
        ("limit", "sell", 20100, None, 0.025, True, "open"),
        ("stop", "sell", 18990, 19000, 0.025, True, "open"),
    ]


async def test_a_keeper_keeps_its_leases_while_a_long_tick_runs(
    alice, venue, runtime, clock, faults, monkeypatch
):
    monkeypatch.setattr(protection, "LEASE", timedelta(seconds=0.6))  # renewed every 0.2 s
    first = runtime.services.protection
    second = another_keeper(runtime, clock)
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, RESTING)
    assert await first.tick() == 1
    slow = faults.latency("/fapi/v1/openOrders", seconds=3, times=1)  # the next read is slow
    ticking = asyncio.create_task(first.tick())
    for _ in range(500):
        if slow.hits:  # the tick has leased and is reading
            break
        await asyncio.sleep(0.01)
    leased_until = await lease_until(runtime)

    clock.advance(timedelta(seconds=0.5))  # past half the lease, the tick still reading
    for _ in range(200):
        if renewed := await lease_until(runtime) > leased_until:
            break
        await asyncio.sleep(0.01)
    assert renewed
    clock.advance(timedelta(seconds=0.3))  # past the lease the tick began with

    assert await second.tick() == 0  # renewed under the long tick: still the first's
    assert await ticking == 1


async def lease_until(runtime) -> datetime:
    async with runtime.engine.connect() as connection:
        found = await connection.execute(text("SELECT lease_until FROM protected_trades"))
        (until,) = found.one()
    return until if isinstance(until, datetime) else datetime.fromisoformat(until)


async def test_a_keeper_back_from_a_silence_reads_again_what_another_moved_meanwhile(
    alice, venue, runtime, clock
):
    first = runtime.services.protection
    second = another_keeper(runtime, clock)
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, RESTING)
    move(venue, "19500")  # the entry fills
    assert await first.tick() == 1  # the ladder is placed
    clock.advance(LEASE + timedelta(seconds=1))  # the first keeper goes silent

    move(venue, "20050")  # the first take profit fills...
    assert await second.tick() == 1  # ...and the second keeper shrinks the stop
    moved = await exits(alice, key_id)
    assert [(t[0], t[4]) for t in moved] == [("stop", 0.025), ("take_profit", 0.025)]
    clock.advance(LEASE + timedelta(seconds=1))  # the second one goes silent in its turn
    assert await first.tick() == 1

    assert await exits(alice, key_id) == moved  # none taken for an orphan of its old copy


async def test_a_stop_that_fires_cancels_the_rest_of_the_entry(alice, venue, runtime):
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, {**RESTING, "stopTriggerType": "MARKET", "stopPrice": None})
    move(venue, "19500", volume="0.02")
    await keeper.tick()

    move(venue, "18900", volume="0")  # the market falls through the stop; the entry gets no more
    assert position(venue) == 0
    await keeper.tick()

    assert await open_orders(alice, key_id) == []


async def test_following_trades_costs_the_same_statements_for_one_or_many(
    alice, venue, runtime, count_statements
):
    keeper = runtime.services.protection
    keys = []
    for api_key in ("m1", "m2", "m3"):  # within the plan's 10,000 USD
        body = {**funded(venue, api_key, usdt=1500), "strategyType": "MANUAL"}
        keys.append((await alice.post(KEYS, body)).json()["id"])

    async def statements_of_a_quiet_tick(followed: int) -> list[str]:
        await keeper.tick()
        count_statements.statements.clear()
        with count_statements:
            assert await keeper.tick() == followed
        return list(count_statements.statements)

    await place(alice, keys[0], RESTING)
    one = await statements_of_a_quiet_tick(1)
    for key_id in keys[1:]:
        await place(alice, key_id, RESTING)
    three = await statements_of_a_quiet_tick(3)

    # lease, the ids held, the keys (secrets are opened once); PostgreSQL first takes the
    # leasing lock (so that two keepers never split one key's trades)
    expected = 4 if runtime.engine.dialect.name == "postgresql" else 3
    assert len(one) == len(three) == expected


async def test_graphql_a_resting_entry_placed_then_filled(alice, venue, runtime):
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    placed = await alice.graphql(
        "mutation($id: ID!, $input: PlaceOrderInput!) { placeOrder(exchangeKeyId: $id,"
        " input: $input) { orders { type amount } } }",
        {"id": key_id, "input": {**RESTING, "riskProfilePercent": 1}},
    )
    move(venue, "19500")
    await keeper.tick()
    read = await alice.graphql(
        "query($id: ID!) { viewer { exchangeKey(id: $id) {"
        ' openOrders(symbol: "BTC/USDT") { type price amount reduceOnly symbol } } } }',
        {"id": key_id},
    )

    assert placed["data"]["placeOrder"]["orders"] == [
        {"type": "limit", "amount": 0.05},
        {"type": "stop", "amount": 0.05},
    ]
    assert sorted(
        tuple(o.values()) for o in read["data"]["viewer"]["exchangeKey"]["openOrders"]
    ) == [
        ("stop", 18990, 0.05, True, "BTC/USDT"),
        ("take_profit", 20000, 0.025, True, "BTC/USDT"),
        ("take_profit", 20100, 0.025, True, "BTC/USDT"),
    ]


async def test_a_stop_stuck_triggering_is_found_by_polling_too(alice, venue, runtime):
    """Without a stream, the tick's read sees the stop triggering, and once it has been for
    STUCK_TRIGGER the keeper places it again."""
    engine, _base = venue
    keeper = runtime.services.protection
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, {**ORDER, "stopTriggerType": "MARKET", "stopPrice": None})
    await keeper.tick()
    engine.holding_triggers["BTCUSDT"] = 1
    move(venue, "19000")  # the stop triggers; the exchange never places its order
    move(venue, "19100")

    await keeper.tick()  # sees it triggering: its time starts
    [stuck] = [
        c for c in engine.open_conditionals("manual", Kind.FUTURES) if c.trigger_price == 19000
    ]
    assert stuck.status is AlgoStatus.TRIGGERING
    await asyncio.sleep(STUCK_TRIGGER.total_seconds() + 0.2)
    for _ in range(200):  # the pass its timer asked for
        if keeper.settled():
            break
        await asyncio.sleep(0.01)

    stops = [
        c for c in engine.open_conditionals("manual", Kind.FUTURES) if c.trigger_price == 19000
    ]
    assert [(s.quantity, s.status) for s in stops] == [(Decimal("0.05"), AlgoStatus.NEW)]
    assert stuck.status is AlgoStatus.CANCELED and position(venue) == Decimal("0.05")
