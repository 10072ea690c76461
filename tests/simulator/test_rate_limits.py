"""Binance's rate limits in the simulator: 429, then a 418 ban, each with Retry-After."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import ccxt
import ccxt.async_support as ccxt_async
import httpx
import pytest

from tests.simulator.facade import serving_facade
from tradedesk.integrations.exchange.ccxt_clients import rewrite_hosts
from tradedesk.simulator.limits import RateLimiter, RateLimits, TooManyRequests


class Clock:
    def __init__(self) -> None:
        self.now = 1_699_999_980_000  # the start of a minute

    def __call__(self) -> int:
        return self.now


def raised(call) -> TooManyRequests:
    with pytest.raises(TooManyRequests) as caught:
        call()
    return caught.value


def test_weight_over_the_minute_is_429_then_a_418_ban():
    clock = Clock()
    limiter = RateLimiter(RateLimits(weight_per_minute=3, ban_seconds=120), clock)
    assert [limiter.request("1.2.3.4") for _ in range(3)] == [1, 2, 3]
    clock.now += 15_000

    warning = raised(lambda: limiter.request("1.2.3.4"))
    ban = raised(lambda: limiter.request("1.2.3.4"))

    assert (warning.status, warning.code, warning.retry_after) == (429, -1003, 45)
    assert (ban.status, ban.retry_after) == (418, 120)
    assert limiter.request("5.6.7.8") == 1  # per IP
    clock.now += 60_000
    assert raised(lambda: limiter.request("1.2.3.4")).status == 418  # still banned
    clock.now += 61_000
    assert limiter.request("1.2.3.4") == 1


def test_a_429_that_is_heeded_earns_no_ban():
    clock = Clock()
    limiter = RateLimiter(RateLimits(weight_per_minute=1), clock)
    limiter.request("ip")
    assert raised(lambda: limiter.request("ip")).status == 429

    clock.now += 60_000

    assert limiter.request("ip") == 1


def test_new_orders_are_counted_per_ten_seconds_and_per_minute():
    clock = Clock()
    limiter = RateLimiter(RateLimits(orders_per_10s=2, orders_per_minute=3), clock)
    limiter.new_order("key")
    limiter.new_order("key")

    burst = raised(lambda: limiter.new_order("key"))
    clock.now += 10_000
    limiter.new_order("key")
    minute = raised(lambda: limiter.new_order("key"))

    assert (burst.status, burst.code, burst.retry_after) == (429, -1015, 10)
    assert "per 1 MINUTE" in minute.msg
    limiter.new_order("other")  # per account


async def early_in_window(span_ms: int, margin_ms: int) -> None:
    """Wait until the facade's fixed window (on the wall clock) has `margin_ms` left at least,
    so a test's few requests cannot straddle two windows."""
    position = time.time() * 1000 % span_ms
    if position > span_ms - margin_ms:
        await asyncio.sleep((span_ms - position) / 1000 + 0.05)


@pytest.mark.asyncio
async def test_the_facade_answers_with_retry_after_and_ccxt_sees_rate_limits():
    limits = RateLimits(weight_per_minute=4, orders_per_10s=1)
    await early_in_window(60_000, 5_000)
    async with serving_facade({"key": ("secret", Decimal(10000))}, limits) as (_engine, base):
        async with httpx.AsyncClient(base_url=base) as http:
            used = [
                (await http.get("/fapi/v1/time")).headers["X-MBX-USED-WEIGHT-1M"] for _ in range(4)
            ]
            warned = await http.get("/fapi/v1/time")
            banned = await http.get("/fapi/v1/time")

        assert used == ["1", "2", "3", "4"]
        assert warned.status_code == 429 and int(warned.headers["Retry-After"]) >= 1
        assert banned.status_code == 418 and int(banned.headers["Retry-After"]) > 60

        client = ccxt_async.binanceusdm({"options": {"fetchCurrencies": False}})
        client.urls["api"] = rewrite_hosts(client.urls["api"], base)
        try:
            with pytest.raises(ccxt.DDoSProtection):  # ccxt's class for 418 and 429 alike
                await client.fetch_time()
        finally:
            await client.close()


@pytest.mark.asyncio
async def test_too_many_new_orders_through_ccxt():
    limits = RateLimits(orders_per_10s=1)
    await early_in_window(10_000, 3_000)
    async with serving_facade({"key": ("secret", Decimal(10000))}, limits) as (_engine, base):
        client = ccxt_async.binanceusdm(
            {"apiKey": "key", "secret": "secret", "options": {"fetchCurrencies": False}}
        )
        client.urls["api"] = rewrite_hosts(client.urls["api"], base)
        try:
            await client.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
            with pytest.raises(ccxt.DDoSProtection, match="-1015"):  # ccxt's class for 429
                await client.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
        finally:
            await client.close()


@pytest.mark.asyncio
async def test_each_endpoint_weighs_what_binance_documents():
    await early_in_window(60_000, 5_000)
    async with serving_facade({"key": ("secret", Decimal(10000))}) as (_engine, base):
        client = ccxt_async.binanceusdm(
            {"apiKey": "key", "secret": "secret", "options": {"fetchCurrencies": False}}
        )
        client.urls["api"] = rewrite_hosts(client.urls["api"], base)
        try:
            await client.load_markets()

            def used() -> int:
                headers = {k.lower(): v for k, v in client.last_response_headers.items()}
                return int(headers["x-mbx-used-weight-1m"])

            async def weight_of(call) -> int:
                before = used()
                await call
                return used() - before

            account = await weight_of(client.fetch_balance())
            order = await weight_of(client.create_order("BTC/USDT:USDT", "market", "buy", 0.01))
            one_symbol = await weight_of(client.fetch_open_orders("BTC/USDT:USDT"))
            client.options["warnOnFetchOpenOrdersWithoutSymbol"] = False
            every_symbol = await weight_of(client.fetch_open_orders())
        finally:
            await client.close()

    assert (account, order, one_symbol, every_symbol) == (5, 0, 1, 40)
