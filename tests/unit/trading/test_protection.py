"""The protection keeper's rules, one pass at a time: what it does when a stop or a rung of a
trade it follows fills on the exchange."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.builders.markets import BTC
from tests.builders.orders import market_buy
from tests.fakes.exchange import FakeExchange
from tests.fakes.keys import CREDENTIALS, FakeKeys, futures_key
from tests.fakes.unit_of_work import FakeUnitOfWork, Store
from tests.support.clocks import SteppedClock
from tradedesk.domain.copying_notices import NoticeKind
from tradedesk.domain.market.account_events import StreamGap
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.principal import Principal
from tradedesk.domain.trade_events import TradeEventKind, TradeEvents
from tradedesk.domain.trading.exits import ExitPlan
from tradedesk.domain.trading.model import protected_trade
from tradedesk.domain.trading.placement import TradePlacer
from tradedesk.domain.trading.protection import ProtectionKeeper
from tradedesk.integrations.broadcast import Broadcaster
from tradedesk.integrations.ids import SystemIds

pytestmark = pytest.mark.asyncio


def plan(breakeven_after: int | None = None) -> ExitPlan:
    return ExitPlan(
        side=OrderSide.BUY,
        amount=Decimal("0.010"),
        take_profit_prices=(Decimal(21_000), Decimal(22_000)),
        stop_trigger_price=Decimal(19_000),
        stop_price=None,
        breakeven_after=breakeven_after,
    )


async def kept_trade(
    exit_plan: ExitPlan,
    exchange: FakeExchange | None = None,
    store: Store | None = None,
    bus: Broadcaster | None = None,
) -> tuple[ProtectionKeeper, FakeExchange, Store]:
    """A market buy of 0.01 BTC at 20,000 with two rungs and a stop, placed and handed to a
    keeper, as a manual order does."""
    exchange = exchange or FakeExchange(BTC)
    store = store or Store()
    keeper = ProtectionKeeper(
        uow_factory=lambda: FakeUnitOfWork(store),
        keys=FakeKeys(futures_key()),
        gateway=exchange,
        events=TradeEvents(bus or Broadcaster()),
        clock=SteppedClock(datetime(2024, 1, 1, tzinfo=UTC)),
        ids=SystemIds(),
    )
    placed = await TradePlacer(exchange, keeper).place(
        CREDENTIALS, "k1", market_buy(), exit_plan, BTC, "tdx"
    )
    trade = protected_trade(
        trade_id="t1", user_id="u1", key_id="k1", plan=exit_plan, prefix="tdx", placed=placed
    )
    store.trades[trade.id] = trade
    return keeper, exchange, store


async def test_a_pass_over_a_trade_that_did_not_move_changes_nothing():
    keeper, exchange, store = await kept_trade(plan())
    calls = len(exchange.calls)
    assert await keeper.tick() == 1
    assert len(exchange.calls) == calls
    assert store.closed == {} and store.alerts == []


async def test_a_filled_stop_ends_the_trade_and_cancels_the_ladder():
    bus = Broadcaster()
    keeper, exchange, store = await kept_trade(plan(), bus=bus)
    feed = TradeEvents(bus).feed(Principal(user_id="u1", subject="u1", roles=frozenset()))
    told_live = asyncio.ensure_future(anext(feed))
    await asyncio.sleep(0)  # the trader's socket is listening
    exchange.fill("tdxs")
    await keeper.tick()
    assert (await asyncio.wait_for(told_live, 1)).kind is TradeEventKind.STOP
    assert exchange.open_client_ids() == []  # both rungs cancelled
    assert exchange.contracts == 0
    assert list(store.closed) == ["t1"]
    assert [fill.kind for fill in store.fills] == [TradeEventKind.STOP.value]
    assert [(a.channel.value, a.event.kind) for a in store.alerts] == [
        ("email", TradeEventKind.STOP)
    ]


async def test_a_filled_rung_is_told_and_the_rest_of_the_trade_stays_protected():
    keeper, exchange, store = await kept_trade(plan())
    exchange.fill("tdxt1")
    await keeper.tick()
    assert exchange.contracts == Decimal("0.005")
    # the stop shrinks to what is left, in a new generation of ids
    assert exchange.open_client_ids() == ["tdxt2", "tdxsr1"]
    assert [o.amount for o in exchange.orders if o.client_order_id == "tdxsr1"] == [0.005]
    assert [fill.kind for fill in store.fills] == [TradeEventKind.TAKE_PROFIT.value]
    assert [a.event.kind for a in store.alerts] == [TradeEventKind.TAKE_PROFIT]
    assert store.closed == {}


async def test_after_the_breakeven_rung_the_stop_is_replaced_at_the_entry_price():
    keeper, exchange, _store = await kept_trade(plan(breakeven_after=1))
    exchange.fill("tdxt1")
    await keeper.tick()
    assert exchange.open_client_ids() == ["tdxt2", "tdxsr1"]  # the stop's next generation
    [stop] = [o for o in exchange.orders if o.client_order_id == "tdxsr1"]
    assert stop.stop_price == 20_000.0  # the entry's average price
    assert stop.reduce_only


class SupersededMidPass(FakeExchange):
    """The user replaces the trade while a pass is looking at it: the supersede commits
    between the keeper's lease and its save."""

    def __init__(self, store: Store) -> None:
        super().__init__(BTC)
        self.store = store

    async def fetch_order_history(self, credentials, symbol):
        self.store.closed.setdefault("t1", "superseded")
        return await super().fetch_order_history(credentials, symbol)


async def test_a_pass_over_a_trade_superseded_meanwhile_places_nothing_but_tells_its_fill():
    store = Store()
    keeper, exchange, _ = await kept_trade(plan(breakeven_after=1), SupersededMidPass(store), store)
    exchange.fill("tdxt1")
    before = len(exchange.calls)
    await keeper.tick()
    assert exchange.calls[before:] == []  # no breakeven stop for a trade that is gone
    assert store.closed == {"t1": "superseded"}
    assert store.trades["t1"].ended == {}  # the save was refused, nothing written
    # the rung did fill on the exchange: the user is told, once
    assert [a.event.kind for a in store.alerts] == [TradeEventKind.TAKE_PROFIT]
    assert [fill.kind for fill in store.fills] == [TradeEventKind.TAKE_PROFIT.value]


@asynccontextmanager
async def reacting(keeper: ProtectionKeeper) -> AsyncIterator[None]:
    """The keeper acting on what it hears, as `serve` and `worker` run it."""
    task = asyncio.create_task(keeper.react())
    try:
        yield
    finally:
        task.cancel()


async def settled(keeper: ProtectionKeeper) -> None:
    for _ in range(100):
        await asyncio.sleep(0)
        if keeper.settled():
            return
    raise AssertionError("the keeper is still acting on what it heard")


async def test_a_pass_never_takes_a_pass_under_way_for_a_stale_copy_of_its_trade():
    """A tick that comes while an event's pass is half-way (new stop being placed) waits
    for it and acts on the trade as that pass saved it, instead of cancelling the new stop
    as an orphan."""
    keeper, exchange, store = await kept_trade(plan())
    await keeper.tick()  # leases t1
    exchange.fill("tdxt1")  # a rung fills: the event's pass shrinks the stop
    placing, go_on = asyncio.Event(), asyncio.Event()
    place = exchange.place_order

    async def slow_place(credentials, request):
        if request.client_order_id.startswith("tdxs"):
            placing.set()
            await go_on.wait()
        return await place(credentials, request)

    exchange.place_order = slow_place
    async with reacting(keeper):
        await keeper.hear("k1", StreamGap())  # the stream tells of the fill
        await placing.wait()
        tick = asyncio.create_task(keeper.tick())  # reads the trade half-way through that pass
        for _ in range(20):
            await asyncio.sleep(0)
        go_on.set()
        await tick
        await settled(keeper)

    assert exchange.open_client_ids() == ["tdxt2", "tdxsr1"]
    assert store.trades["t1"].live["stop"] == "tdxsr1"


async def test_a_stop_the_exchange_ended_is_placed_again_even_after_a_failed_try():
    keeper, exchange, store = await kept_trade(plan())
    await keeper.tick()
    exchange.orders = [  # the exchange expired the stop
        replace(o, status="expired") if o.client_order_id == "tdxs" else o for o in exchange.orders
    ]
    place, failures = exchange.place_order, [TimeoutError("the answer was lost")]

    async def flaky(credentials, request):
        if failures:
            raise failures.pop()
        return await place(credentials, request)

    exchange.place_order = flaky
    async with reacting(keeper):
        await keeper.hear("k1", StreamGap())  # the stream tells of the expiry...
        await settled(keeper)  # ...and placing the new stop fails
    assert not any(c.startswith("tdxs") for c in exchange.open_client_ids())

    await keeper.tick()  # the next pass, whatever asked for it, puts it back

    assert [c for c in exchange.open_client_ids() if c.startswith("tdxs")] == ["tdxsr2"]
    assert [a.event.kind for a in store.alerts] == [NoticeKind.STOP_REPLACED]
