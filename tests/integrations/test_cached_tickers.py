"""Ticker caching with request coalescing in front of any exchange gateway."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clocks import SteppedClock
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode, Unavailable
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.exchange.cached_tickers import CachedTickers
from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed

pytestmark = pytest.mark.asyncio
NOW = datetime(2022, 10, 19, 12, tzinfo=UTC)


class CountingExchange:
    """The paper feed behind a counter and a gate, to see and hold upstream calls."""

    def __init__(self, clock: SteppedClock) -> None:
        self.feed = PaperMarketFeed(clock, prices={"BTC/USDT": 19700.0}, seed=7)
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.failure: Exception | None = None

    async def fetch_ticker(self, **market):
        self.calls += 1
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return await self.feed.fetch_ticker(**market)


BTC = {"exchange_id": ExchangeId.BINANCE, "trade_type": TradeType.FUTURES, "symbol": "BTC/USDT"}


@pytest.fixture
def clock():
    return SteppedClock(NOW)


@pytest.fixture
def upstream(clock):
    return CountingExchange(clock)


@pytest.fixture
def tickers(upstream, clock):
    return CachedTickers(upstream, clock, ttl_seconds=2)


async def test_a_thousand_concurrent_readers_cause_one_upstream_call(tickers, upstream):
    upstream.gate.clear()
    readers = [asyncio.create_task(tickers.fetch_ticker(**BTC)) for _ in range(1000)]
    await asyncio.sleep(0)
    upstream.gate.set()

    results = await asyncio.gather(*readers)

    assert upstream.calls == 1
    assert len({result.last for result in results}) == 1


async def test_one_call_per_ttl_window(tickers, upstream, clock):
    await tickers.fetch_ticker(**BTC)
    clock.advance(timedelta(seconds=1.9))
    await tickers.fetch_ticker(**BTC)
    clock.advance(timedelta(seconds=0.2))
    await tickers.fetch_ticker(**BTC)

    assert upstream.calls == 2


async def test_markets_are_cached_apart(tickers, upstream):
    await tickers.fetch_ticker(**BTC)
    await tickers.fetch_ticker(**{**BTC, "trade_type": TradeType.SPOT})

    assert upstream.calls == 2


async def test_an_unlisted_symbol_is_remembered_for_the_ttl(tickers, upstream):
    for _ in range(3):
        with pytest.raises(BusinessRuleViolation) as raised:
            await tickers.fetch_ticker(**{**BTC, "symbol": "DOGE/USDT"})
        assert raised.value.code is ErrorCode.INVALID_EXCHANGE_SYMBOL

    assert upstream.calls == 1


async def test_a_transient_failure_reaches_every_waiter_and_is_not_kept(tickers, upstream):
    upstream.failure = Unavailable("exchange down")
    upstream.gate.clear()
    readers = [asyncio.create_task(tickers.fetch_ticker(**BTC)) for _ in range(5)]
    await asyncio.sleep(0)
    upstream.gate.set()

    results = await asyncio.gather(*readers, return_exceptions=True)
    upstream.failure = None
    recovered = await tickers.fetch_ticker(**BTC)

    assert all(isinstance(result, Unavailable) for result in results)
    assert recovered.symbol == "BTC/USDT"
    assert upstream.calls == 2


async def test_a_cancelled_reader_does_not_cancel_the_others(tickers, upstream):
    upstream.gate.clear()
    impatient = asyncio.create_task(tickers.fetch_ticker(**BTC))
    patient = asyncio.create_task(tickers.fetch_ticker(**BTC))
    await asyncio.sleep(0)
    impatient.cancel()
    upstream.gate.set()

    assert (await patient).symbol == "BTC/USDT"
    assert upstream.calls == 1
