"""The keeper acting on what the account's user-data stream tells, as it happens: the real
ccxt path and the platform's Binance streams against the simulator over HTTP and WebSocket,
with no keeper pass run by hand once the stream is up."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.builders.accounts import Caller, user_id
from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import OPEN, PUBLISH, follower
from tests.builders.copying import position as position_of
from tests.builders.trading import ORDER, another_keeper, manual_key, place
from tests.support.prometheus import samples
from tradedesk.domain.copying_notices import CopyingNotice, NoticeKind
from tradedesk.domain.trade_events import TradeEventKind
from tradedesk.domain.trading.protection import LEASE, STUCK_TRIGGER
from tradedesk.integrations.exchange.binance_streams import BinanceAccountStreams, stream_base
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import AlgoStatus, MarginType, OrderType, Side, TriggerType

pytestmark = pytest.mark.asyncio

MARKET_STOP = {**ORDER, "stopTriggerType": "MARKET", "stopPrice": None}  # long 0.05 at 19,700
REACTION_SECONDS = 2.0
STUCK_SECONDS = STUCK_TRIGGER.total_seconds()
ETH_TRADE = {
    "symbol": "ETH/USDT",
    "type": "MARKET",
    "side": "BUY",
    "amount": 0.1,
    "takeProfitPrices": [1400],
    "stopTriggerPrice": 1200,
}


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, "default_plan": "PROFESSIONAL"}


@pytest.fixture
async def keeper(runtime):
    """The keeper with its streams heard; one tick leases the trades and opens the streams."""
    keeper = runtime.services.protection
    reacting = asyncio.create_task(keeper.react())
    yield keeper
    reacting.cancel()


async def streamed(keeper, key_id: str) -> None:
    """A tick, then until the key's stream is up and its first (gap) pass is done."""
    await keeper.tick()
    await eventually(lambda: keeper.streams.live(key_id))
    await eventually(keeper.settled)  # the pass the stream's opening asked for


async def eventually(check, seconds: float = REACTION_SECONDS) -> float:
    """Seconds until `check()` held; fails past `seconds`."""
    start = time.monotonic()
    for _ in range(int(seconds / 0.01)):
        if check():
            return time.monotonic() - start
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {seconds} s")


def move(venue, price: str) -> None:
    engine, _base = venue
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(price))


def closed_in_binances_app(venue) -> None:
    """The user closes the long 0.05 in Binance's own app."""
    engine, _base = venue
    engine.place_order(
        "manual", Kind.FUTURES, "BTCUSDT", side=Side.SELL, type=OrderType.MARKET,
        quantity=Decimal("0.05"), reduce_only=True,
    )  # fmt: skip


def venue_orders(venue, api_key: str = "manual") -> list:
    """The account's open BTCUSDT orders and conditionals."""
    engine, _base = venue
    return [
        *engine.open_orders(api_key, Kind.FUTURES, "BTCUSDT"),
        *engine.open_conditionals(api_key, Kind.FUTURES, "BTCUSDT"),
    ]


def held(venue) -> Decimal:
    engine, _base = venue
    return engine.account("manual").position("BTCUSDT").amount


def unit_of_work(runtime) -> SqlUnitOfWork:
    return SqlUnitOfWork(make_session_factory(runtime.engine))


async def is_open(runtime, key_id: str) -> bool:
    async with unit_of_work(runtime) as uow:
        return bool(await uow.protected_trades.open_on_keys([key_id]))


async def test_a_stop_fill_cancels_the_ladder_as_it_happens(alice, venue, runtime, keeper):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)
    assert len(venue_orders(venue)) == 3  # the stop and two rungs

    move(venue, "18990")  # the stop fires; nobody runs a pass

    assert held(venue) == 0
    await eventually(lambda: venue_orders(venue) == [])
    await eventually_closed(runtime, key_id)


async def test_a_position_closed_outside_the_platform_takes_its_exits_along(
    alice, venue, runtime, keeper
):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)

    closed_in_binances_app(venue)

    await eventually(lambda: venue_orders(venue) == [])
    await eventually_closed(runtime, key_id)


async def test_a_position_closed_outside_while_the_stream_was_down_is_found_after_the_gap(
    alice, venue, runtime, keeper
):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)

    venue.streams.disconnect_all()
    closed_in_binances_app(venue)  # while nobody hears it
    assert len(venue_orders(venue)) == 3  # its orders stand

    await eventually(lambda: venue_orders(venue) == [], seconds=5)  # reconnected; gap read
    await eventually_closed(runtime, key_id)


async def test_a_gap_whose_read_failed_is_read_again_in_full_by_the_next_tick(
    alice, venue, runtime, faults, keeper
):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)
    failing = faults.outage("/fapi/v", times=None)  # the gap's reads find the venue down

    venue.streams.disconnect_all()
    closed_in_binances_app(venue)  # while nobody hears it
    await eventually(lambda: failing.refused >= 1, seconds=5)  # reconnected: the gap read
    await eventually(keeper.settled, seconds=10)  # ...failed
    faults.clear()

    for _ in range(20):  # the tick owes the gap's look: the position, not the orders alone
        await keeper.tick()
        if venue_orders(venue) == []:
            break
        await asyncio.sleep(0.05)
    assert venue_orders(venue) == []
    await eventually_closed(runtime, key_id)


async def test_a_take_profit_fill_resizes_the_stop(alice, venue, keeper):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)

    move(venue, "20000")  # the first rung takes half the position

    def stop_covers_what_is_left() -> bool:
        stops = [o for o in venue_orders(venue) if getattr(o, "trigger_price", None) == 19000]
        return [s.quantity for s in stops] == [Decimal("0.025")]

    await eventually(stop_covers_what_is_left)
    assert held(venue) == Decimal("0.025")


async def kept_with_its_stop(alice, venue, keeper):
    """A manual trade kept on its stream: its key, and its stop as the venue holds it."""
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)
    [stop] = [
        c for c in engine.open_conditionals("manual", Kind.FUTURES) if c.trigger_price == 19000
    ]
    return key_id, stop


def stopped_again(venue, first):
    """Whether a stop other than `first` covers the whole position."""
    engine, _base = venue
    return lambda: (
        [
            c.quantity
            for c in engine.open_conditionals("manual", Kind.FUTURES)
            if c.trigger_price == 19000 and c.algo_id != first.algo_id
        ]
        == [Decimal("0.05")]
    )


async def test_a_stop_rejected_at_its_trigger_is_placed_again(alice, venue, runtime, keeper):
    engine, _base = venue
    _key_id, first = await kept_with_its_stop(alice, venue, keeper)
    engine.rejecting_triggers["BTCUSDT"] = 1

    move(venue, "19000")  # the stop triggers and the exchange rejects it...
    move(venue, "19100")  # ...and the price is back above it before anyone looks

    took = await eventually(stopped_again(venue, first))
    assert took < REACTION_SECONDS and held(venue) == Decimal("0.05")
    assert await notices(runtime, alice) == [NoticeKind.STOP_REPLACED]
    move(venue, "18990")  # and the new stop protects the position
    assert held(venue) == 0


async def test_a_stop_rejected_past_its_price_closes_the_position(alice, venue, runtime, keeper):
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)
    engine.rejecting_triggers["BTCUSDT"] = 1

    move(venue, "18900")  # rejected, and the market stays below the stop

    await eventually(lambda: held(venue) == 0)
    await eventually(lambda: venue_orders(venue) == [])
    await eventually_closed(runtime, key_id)
    assert await notices(runtime, alice) == [NoticeKind.CLOSED_NO_STOP]


async def test_a_stop_with_no_room_left_takes_the_farthest_take_profits_place(
    alice, venue, runtime, keeper
):
    """The account's cap of open conditional orders is full when the stop must be placed
    again: the farthest take profit gives up its place and waits as a LIMIT, and the
    position stays open and protected instead of being closed for want of room."""
    engine, _base = venue
    engine.max_open_conditionals = 3
    await kept_with_its_stop(alice, venue, keeper)  # a stop and two conditional take profits
    engine.rejecting_triggers["BTCUSDT"] = 1

    move(venue, "19000")  # the stop triggers and is rejected...
    engine.place_conditional(  # ...and the user's own order elsewhere takes its place
        "manual", Kind.FUTURES, "ETHUSDT", side=Side.BUY, type=TriggerType.STOP_MARKET,
        quantity=Decimal("0.1"), trigger_price=Decimal(5000),
    )  # fmt: skip
    move(venue, "19100")

    def protected_again() -> bool:
        stops = [o for o in venue_orders(venue) if getattr(o, "trigger_price", None) == 19000]
        return [s.quantity for s in stops] == [Decimal("0.05")]

    await eventually(protected_again)
    await eventually(keeper.settled)
    conditionals = engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT")
    plain = engine.open_orders("manual", Kind.FUTURES, "BTCUSDT")
    assert sorted(c.trigger_price for c in conditionals) == [19000, 20000]
    assert [(o.type, o.price, o.orig_qty) for o in plain] == [
        (OrderType.LIMIT, Decimal(20100), Decimal("0.025"))
    ]
    assert held(venue) == Decimal("0.05")
    assert await notices(runtime, alice) == [NoticeKind.STOP_REPLACED]


async def test_a_stop_stuck_triggering_is_placed_again(alice, venue, runtime, keeper):
    engine, _base = venue
    _key_id, first = await kept_with_its_stop(alice, venue, keeper)
    engine.holding_triggers["BTCUSDT"] = 1

    move(venue, "19000")  # the stop triggers and the exchange never places its order...
    move(venue, "19100")  # ...while the price goes back above it
    assert first.status is AlgoStatus.TRIGGERING

    took = await eventually(stopped_again(venue, first), STUCK_SECONDS + REACTION_SECONDS)
    assert STUCK_SECONDS - 0.5 <= took < STUCK_SECONDS + REACTION_SECONDS
    assert first.status is AlgoStatus.CANCELED and held(venue) == Decimal("0.05")
    assert await notices(runtime, alice) == [NoticeKind.STOP_REPLACED]
    move(venue, "18990")  # and the new stop protects the position
    assert held(venue) == 0


async def test_a_stop_stuck_triggering_past_its_price_closes_the_position(
    alice, venue, runtime, keeper
):
    engine, _base = venue
    key_id, _stop = await kept_with_its_stop(alice, venue, keeper)
    engine.holding_triggers["BTCUSDT"] = 1

    move(venue, "18900")  # stuck, and the market stays below the stop

    took = await eventually(lambda: held(venue) == 0, STUCK_SECONDS + REACTION_SECONDS)
    assert took >= STUCK_SECONDS - 0.5
    await eventually(lambda: venue_orders(venue) == [])
    await eventually_closed(runtime, key_id)
    assert await notices(runtime, alice) == [NoticeKind.CLOSED_NO_STOP]


async def test_a_stuck_stop_that_fires_as_it_is_cancelled_ends_the_trade_as_stopped_out(
    alice, venue, runtime, keeper, monkeypatch
):
    engine, _base = venue
    key_id, _stop = await kept_with_its_stop(alice, venue, keeper)
    engine.holding_triggers["BTCUSDT"] = 1
    cancel = engine.cancel_conditional

    def fires_first(api_key, kind, symbol, **ids):
        engine.release_held(kind, symbol)  # the exchange places the stop's order just then
        return cancel(api_key, kind, symbol, **ids)

    monkeypatch.setattr(engine, "cancel_conditional", fires_first)
    move(venue, "19000")  # the stop triggers and the exchange holds it...
    move(venue, "19100")  # ...until the keeper gives up on it and cancels it

    await eventually(lambda: held(venue) == 0, STUCK_SECONDS + REACTION_SECONDS)
    await eventually(lambda: venue_orders(venue) == [])
    await eventually_closed(runtime, key_id)
    async with unit_of_work(runtime) as uow:
        assert await uow.protected_trades.closed_for(key_id, "BTC/USDT", "stopped out")
        alerts = await uow.alerts.of_user(await user_id(alice))
    assert TradeEventKind.STOP in {a.event.kind for a in alerts}
    assert await notices(runtime, alice) == []  # never told it was closed for want of a stop


async def test_a_fill_the_stream_missed_is_read_once_it_is_back(alice, venue, keeper):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)

    venue.streams.disconnect_all()
    move(venue, "20000")  # the rung fills while the stream is down: its events are lost

    def stop_covers_what_is_left() -> bool:
        stops = [o for o in venue_orders(venue) if getattr(o, "trigger_price", None) == 19000]
        return [s.quantity for s in stops] == [Decimal("0.025")]

    await eventually(stop_covers_what_is_left, seconds=5)  # reconnected; the gap was read


async def test_a_key_whose_stream_cannot_open_is_polled(alice, venue, faults, keeper):
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    refusing = faults.outage("/fapi/v1/listenKey")

    await keeper.tick()
    await eventually(lambda: refusing.refused >= 1)  # the keeper did try to open it
    assert not keeper.streams.live(key_id)
    move(venue, "18990")

    for _ in range(50):  # once the keeper gives up opening it, each tick reads the trade
        await keeper.tick()
        if venue_orders(venue) == []:
            break
        await asyncio.sleep(0.1)
    assert venue_orders(venue) == [] and held(venue) == 0
    assert not keeper.streams.live(key_id)


async def eventually_closed(runtime, key_id: str) -> None:
    for _ in range(200):
        if not await is_open(runtime, key_id):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the trade is still open")


async def notices(runtime, caller) -> list[NoticeKind]:
    """The kinds of notice the caller's alerts tell (one alert per channel), once there are
    any: the trader is told after the keeper has acted."""
    user = await user_id(caller)
    for _ in range(200):
        async with unit_of_work(runtime) as uow:
            alerts = await uow.alerts.of_user(user)
        if told := sorted({a.event.kind for a in alerts if isinstance(a.event, CopyingNotice)}):
            return told
        await asyncio.sleep(0.01)
    return []


async def test_two_keepers_hear_each_key_once_and_one_takes_over_when_the_other_dies(
    alice, bob, venue, runtime, clock, keeper
):
    _engine, base = venue
    second = another_keeper(
        runtime,
        clock,
        lambda sink: BinanceAccountStreams(
            runtime.exchange, sink, base=stream_base(base, sandbox=False)
        ),
    )
    hearing = asyncio.create_task(second.react())
    try:
        first_key = await manual_key(alice, venue)
        await place(alice, first_key, MARKET_STOP)
        await keeper.tick()
        second_key = await manual_key(bob, venue, api_key="manual-b")
        await place(bob, second_key, MARKET_STOP)
        await second.tick()
        await keeper.tick()  # the second key's trade is the other keeper's

        assert keeper.streams.watched() == {first_key}
        assert second.streams.watched() == {second_key}
        await place(alice, first_key, ETH_TRADE)  # another trade on the first keeper's key...
        await second.tick()  # ...is not the second's to take, even if it looks first
        await keeper.tick()
        assert keeper.streams.watched() == {first_key}
        assert second.streams.watched() == {second_key}
        await eventually(lambda: len(venue.streams.listened_keys()) == 2)
        assert venue.streams.connections() == 2  # each key on exactly one connection

        await keeper.streams.aclose()  # the first keeper's process dies
        clock.advance(LEASE + timedelta(seconds=1))
        await second.tick()
        await eventually(lambda: second.streams.live(first_key))
        await eventually(second.settled)  # the pass the new stream's gap asked for
        move(venue, "18990")  # both stops fire; only the second keeper is left to hear it

        await eventually(lambda: venue_orders(venue) == venue_orders(venue, "manual-b") == [])
    finally:
        hearing.cancel()
        await second.streams.aclose()


async def test_the_streams_event_passes_and_their_weight_show_in_the_metrics(
    alice, client, venue, keeper
):
    async def scraped(name: str) -> dict:
        return samples((await client.get("/metrics")).text, name)

    passes = "tradedesk_keeper_event_pass_duration_seconds_count"
    before = sum((await scraped(passes)).values())
    weight = "tradedesk_exchange_weight_total"
    protection = (("egress", "direct"), ("purpose", "protection"))
    stream = (("egress", "direct"), ("purpose", "stream"))
    weight_before = await scraped(weight)
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, MARKET_STOP)
    await streamed(keeper, key_id)
    await keeper.tick()  # the gauge as this tick's look at the streams found them
    await eventually(keeper.settled)

    for _ in range(200):
        if (await scraped("tradedesk_account_stream_keys")).get((("state", "live"),)) == 1:
            break
        await asyncio.sleep(0.01)
    assert (await scraped("tradedesk_account_stream_keys")) == {
        (("state", "live"),): 1,
        (("state", "down"),): 0,
    }
    move(venue, "18990")
    await eventually(lambda: venue_orders(venue) == [])
    await eventually(keeper.settled)
    assert sum((await scraped(passes)).values()) > before
    weight_after = await scraped(weight)  # the pass the stop fill asked for spent protection's
    assert weight_after[protection] > weight_before.get(protection, 0)
    assert weight_after[stream] > weight_before.get(stream, 0)  # the listen key


async def test_a_quiet_tick_reads_no_trade_and_no_key_however_many_are_streamed(
    alice, bob, client, cognito, venue, keeper, count_statements
):
    async def statements_of_a_quiet_tick() -> list[str]:
        count_statements.statements.clear()
        with count_statements:
            assert await keeper.tick() == 0  # every trade rests until its safety-net read
        return list(count_statements.statements)

    first = await manual_key(alice, venue)
    await place(alice, first, MARKET_STOP)
    await streamed(keeper, first)
    one = await statements_of_a_quiet_tick()
    carol = Caller(client, cognito.access_token("carol"))
    for caller, api_key in ((bob, "manual-b"), (carol, "manual-c")):  # each within a plan
        key_id = await manual_key(caller, venue, api_key=api_key)
        await place(caller, key_id, MARKET_STOP)
        await streamed(keeper, key_id)
    three = await statements_of_a_quiet_tick()

    assert len(one) == len(three)
    # the leases renewed and the ids held: no trade's row, no key, no secret
    reads = [s for s in three if s.lstrip().startswith("SELECT") and "FROM" in s]
    assert [s.split("FROM")[0].split() for s in reads] == [["SELECT", "protected_trades.id"]]
    assert not any("exchange_keys" in s.split("WHERE")[0] for s in three)


async def test_a_liquidated_position_closes_its_trade_and_leaves_no_exits(
    alice, venue, runtime, keeper
):
    engine, _base = venue
    key_id = await manual_key(alice, venue)
    engine.set_margin_type("manual", "BTCUSDT", MarginType.ISOLATED)
    engine.set_leverage("manual", "BTCUSDT", 20)
    await place(alice, key_id, {**ORDER, "stopTriggerPrice": None, "stopTriggerType": None,
                                "stopPrice": None})  # fmt: skip
    await streamed(keeper, key_id)
    assert len(venue_orders(venue)) == 2  # the ladder only

    move(venue, "18500")  # past the isolated long's liquidation price

    assert held(venue) == 0
    await eventually(lambda: venue_orders(venue) == [])
    await eventually_closed(runtime, key_id)


async def test_a_copied_trade_goes_to_breakeven_and_is_protected_again_as_it_happens(
    admin, client, cognito, venue, runtime, keeper
):
    engine, _base = venue
    key_id = await follower(client, cognito, venue, "even", 1000, CONSERVATIVE)  # 0.075 BTC
    await admin.graphql(PUBLISH, {"input": {**OPEN, "breakevenAfterTakeProfit": 1}})
    await runtime.services.copy_dispatcher.drain()
    await streamed(keeper, key_id)

    move(venue, "20050")  # the first rung fills: the stop goes to the entry, on what is left

    def breakeven_stops() -> list:
        return [
            c for c in engine.open_conditionals("even", Kind.FUTURES) if c.trigger_price == 19700
        ]

    await eventually(lambda: [c.quantity for c in breakeven_stops()] == [Decimal("0.038")])
    [first] = breakeven_stops()
    engine.rejecting_triggers["BTCUSDT"] = 1
    move(venue, "19690")  # the breakeven stop triggers and the exchange rejects it...
    move(venue, "19800")  # ...and the price is back above it

    await eventually(
        lambda: (
            [(c.quantity, c.algo_id != first.algo_id) for c in breakeven_stops()]
            == [(Decimal("0.038"), True)]
        )
    )
    assert position_of(venue, "even") == Decimal("0.038")
