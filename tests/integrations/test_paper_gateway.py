"""The paper exchange as the embedded default: the same port as ccxt, in process, at the
prices the paper feed shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.simulator.facade import serving_facade
from tests.support.clocks import SteppedClock
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    KeyPermissions,
    MarginMode,
    OrderRequest,
    OrderSide,
    OrderType,
)
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway
from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed
from tradedesk.integrations.exchange.paper_gateway import PaperGateway
from tradedesk.simulator.markets import default_markets

pytestmark = pytest.mark.asyncio
FUTURES = ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, "paper-key", "paper-secret")
SPOT = ApiCredentials(ExchangeId.BINANCE, TradeType.SPOT, "paper-key", "paper-secret")


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def feed(clock) -> PaperMarketFeed:
    return PaperMarketFeed(clock, prices={"BTC/USDT": 19700.0, "ETH/USDT": 1330.0}, seed=7)


@pytest.fixture
def paper(feed, clock) -> PaperGateway:
    return PaperGateway(feed, clock, opening_usdt=Decimal(10000))


def market(side: OrderSide, amount: str, cid: str, **fields) -> OrderRequest:
    return OrderRequest("BTC/USDT", OrderType.MARKET, side, Decimal(amount), cid, **fields)


async def refused(call) -> ErrorCode:
    with pytest.raises(BusinessRuleViolation) as raised:
        await call
    return raised.value.code


async def test_a_key_opens_a_paper_account_that_its_secret_then_guards(paper):
    assert await paper.check_key(FUTURES) == KeyPermissions(
        can_trade=True, can_withdraw=False, ip_restricted=True
    )
    [usdt] = await paper.fetch_balances(SPOT)
    assert (usdt.asset, usdt.free, usdt.total) == ("USDT", 10000, 10000)

    stolen = ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, "paper-key", "guess")
    assert await refused(paper.check_key(stolen)) is ErrorCode.EXCHANGE_AUTHORIZATION_FAILED


async def test_orders_fill_at_the_price_the_ticker_shows(paper):
    ticker = await paper.fetch_ticker(
        exchange_id=ExchangeId.BINANCE, trade_type=TradeType.FUTURES, symbol="BTC/USDT"
    )

    bought = await paper.place_order(FUTURES, market(OrderSide.BUY, "0.1", "m1"))
    position = await paper.fetch_position(FUTURES, "BTC/USDT")

    assert (bought.status, bought.average, bought.filled) == ("closed", ticker.last, 0.1)
    assert position is not None
    assert (position.side, position.contracts, position.entry_price) == ("long", 0.1, ticker.last)
    assert position.mark_price == ticker.last and position.unrealized_pnl == 0
    [fill] = await paper.fetch_trades(FUTURES, "BTC/USDT")
    assert fill.fee is not None and fill.fee.cost == pytest.approx(ticker.last * 0.1 * 0.0004)
    account = await paper.fetch_futures_account(FUTURES)
    assert account.held_symbols == {"BTC/USDT"}
    assert account.balances == await paper.fetch_balances(FUTURES)


async def test_a_stop_triggers_when_the_feed_crosses_it(paper, feed, clock):
    now = feed.last_price("BTC/USDT", TradeType.FUTURES)
    minutes = next(
        m for m in range(1, 600) if _price_after(feed, clock, m) < now - 5
    )  # the first minute the walk is $5 lower
    later = _price_after(feed, clock, minutes)
    await paper.place_order(FUTURES, market(OrderSide.BUY, "0.1", "entry"))
    stop = await paper.place_order(
        FUTURES,
        OrderRequest(
            "BTC/USDT",
            OrderType.STOP_MARKET,
            OrderSide.SELL,
            Decimal("0.1"),
            "stop",
            stop_price=Decimal(str(round((now + later) / 2, 1))),
            reduce_only=True,
        ),
    )
    assert [o.id for o in await paper.fetch_open_orders(FUTURES, "BTC/USDT")] == [stop.id]

    clock.advance(timedelta(minutes=minutes))
    paper.tick()

    assert await paper.fetch_position(FUTURES, "BTC/USDT") is None
    assert await paper.fetch_open_orders(FUTURES, "BTC/USDT") == []
    history = await paper.fetch_order_history(FUTURES, "BTC/USDT")
    assert [(o.client_order_id, o.status) for o in history][:2] == [
        ("entry", "closed"),
        ("stop", "closed"),
    ]


def _price_after(feed: PaperMarketFeed, clock: SteppedClock, minutes: int) -> float:
    clock.advance(timedelta(minutes=minutes))
    try:
        return feed.last_price("BTC/USDT", TradeType.FUTURES)
    finally:
        clock.advance(timedelta(minutes=-minutes))


async def test_a_client_order_id_is_placed_once(paper):
    first = await paper.place_order(FUTURES, market(OrderSide.BUY, "0.01", "same"))
    again = await paper.place_order(FUTURES, market(OrderSide.BUY, "0.01", "same"))

    assert again.id == first.id
    assert len(await paper.fetch_order_history(FUTURES, "BTC/USDT")) == 1


async def test_settings_limits_and_refusals(paper):
    await paper.set_margin_mode(FUTURES, "BTC/USDT", MarginMode.ISOLATED)
    await paper.set_margin_mode(FUTURES, "BTC/USDT", MarginMode.ISOLATED)
    await paper.set_leverage(FUTURES, "BTC/USDT", 10)
    resting = await paper.place_order(
        FUTURES,
        OrderRequest(
            "BTC/USDT", OrderType.LIMIT, OrderSide.BUY, Decimal("0.01"), "l1", price=Decimal(15000)
        ),
    )
    await paper.cancel_all_orders(FUTURES, "BTC/USDT")

    assert (await paper.fetch_order_history(FUTURES, "BTC/USDT"))[0].id == resting.id
    assert await paper.fetch_open_orders(FUTURES, "BTC/USDT") == []
    assert await refused(paper.set_leverage(FUTURES, "BTC/USDT", 126)) is (
        ErrorCode.EXCHANGE_BAD_REQUEST
    )
    assert await refused(paper.place_order(FUTURES, market(OrderSide.BUY, "100", "big"))) is (
        ErrorCode.EXCHANGE_BAD_REQUEST
    )
    assert await refused(paper.fetch_open_orders(FUTURES, "DOGE/USDT")) is (
        ErrorCode.INVALID_EXCHANGE_SYMBOL
    )
    assert await refused(paper.fetch_position(SPOT, "BTC/USDT")) is (
        ErrorCode.EXCHANGE_KEY_TYPE_INVALID
    )


@pytest.mark.parametrize("trade_type", list(TradeType))
@pytest.mark.parametrize("symbol", ["BTC/USDT", "ETH/USDT"])
async def test_both_adapters_know_the_same_market_rules(paper, trade_type, symbol):
    async with serving_facade() as (_engine, base):
        binance = CcxtGateway(CcxtClients(base_url=base))
        try:
            over_ccxt = await binance.market_rules(trade_type=trade_type, symbol=symbol)
        finally:
            await binance.aclose()

    in_process = await paper.market_rules(trade_type=trade_type, symbol=symbol)

    assert in_process == over_ccxt
    assert over_ccxt.tick_size > 0 and over_ccxt.min_notional > 0
    assert over_ccxt.max_algo_orders == (10 if trade_type is TradeType.FUTURES else 0)


async def test_a_market_without_a_cap_of_conditional_orders_reads_as_uncapped():
    """Binance dropped MAX_NUM_ALGO_ORDERS from USDⓈ-M's exchangeInfo: the rules say so
    instead of reading a missing filter as no room at all."""
    uncapped = [replace(m, max_num_algo_orders=None) for m in default_markets()]
    async with serving_facade(markets=uncapped) as (_engine, base):
        binance = CcxtGateway(CcxtClients(base_url=base))
        try:
            rules = await binance.market_rules(trade_type=TradeType.FUTURES, symbol="BTC/USDT")
        finally:
            await binance.aclose()

    assert rules.max_algo_orders is None
    assert rules.has_algo_slot(1000)


async def test_rules_of_an_unlisted_symbol_are_1300(paper):
    assert await refused(paper.market_rules(trade_type=TradeType.SPOT, symbol="BNB/USDT")) is (
        ErrorCode.INVALID_EXCHANGE_SYMBOL  # BNB/USDT is not among this feed's prices
    )
