"""The paper market feed: deterministic, continuous, and near the configured prices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clocks import SteppedClock
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed

pytestmark = pytest.mark.asyncio
MOMENT = datetime(2022, 9, 16, 15, 9, 49, 57000, tzinfo=UTC)
PRICES = {"BTC/USDT": 19700.0, "ETH/USDT": 1330.0}


def feed(clock: SteppedClock, seed: int = 7) -> PaperMarketFeed:
    return PaperMarketFeed(clock, prices=PRICES, seed=seed)


async def ticker(market: PaperMarketFeed, symbol: str = "BTC/USDT", kind=TradeType.FUTURES):
    return await market.fetch_ticker(exchange_id=ExchangeId.BINANCE, trade_type=kind, symbol=symbol)


async def test_two_feeds_with_one_seed_agree_and_another_seed_differs():
    clock = SteppedClock(MOMENT)

    assert await ticker(feed(clock)) == await ticker(feed(clock))
    assert (await ticker(feed(clock, seed=8))).last != (await ticker(feed(clock))).last


async def test_consecutive_minutes_continue_the_same_path():
    clock = SteppedClock(MOMENT)
    market = feed(clock)
    before = await ticker(market)
    clock.advance(timedelta(minutes=1))
    after = await ticker(market)

    # One minute later, yesterday's open moved one step, and the price moved by about one shock.
    assert after.open == pytest.approx(before.open, rel=0.005)
    assert after.last == pytest.approx(before.last, rel=0.005)
    assert after.timestamp - before.timestamp == 60_000


async def test_prices_stay_near_the_configured_price_for_months():
    clock = SteppedClock(MOMENT)
    market = feed(clock)
    lasts = []
    for _ in range(90):
        clock.advance(timedelta(days=1))
        item = await ticker(market)
        assert item.low <= item.last <= item.high
        assert item.low <= item.vwap <= item.high
        lasts.append(item.last)

    assert all(0.8 * 19700 < last < 1.2 * 19700 for last in lasts)
    assert len(set(lasts)) == 90  # it does move


async def test_each_market_has_its_own_scale_and_path():
    clock = SteppedClock(MOMENT)
    market = feed(clock)

    eth = await ticker(market, "ETH/USDT")
    eth_spot = await ticker(market, "ETH/USDT", TradeType.SPOT)

    assert 1000 < eth.last < 1700
    assert eth.last != eth_spot.last


async def test_an_unlisted_symbol_is_error_1300():
    with pytest.raises(BusinessRuleViolation) as raised:
        await ticker(feed(SteppedClock(MOMENT)), "DOGE/USDT")

    assert raised.value.code is ErrorCode.INVALID_EXCHANGE_SYMBOL
    assert raised.value.text == "invalid exchange symbol (1300)"
