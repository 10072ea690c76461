"""The ccxt gateway when Binance misbehaves as it does in production: answers lost after the
order was (or was not) executed, a clock that drifts, and rate limits that end in a ban for
clients that do not listen."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import orjson
import pytest
from limits import RateLimitItemPerSecond

from tests.simulator.facade import serving_facade
from tradedesk.domain.market.exchange import ApiCredentials, OrderRequest, OrderSide, OrderType
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway
from tradedesk.integrations.exchange.rate_budgets import ExchangeBudgets
from tradedesk.simulator.limits import RateLimits
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
KEY = ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, "key", "secret")
LOST = orjson.dumps(
    {
        "code": -1007,
        "msg": "Timeout waiting for response from backend server. Send status unknown; "
        "execution status unknown.",
    }
)


def losing_first_answer(path: str, *, executed: bool):
    """ASGI middleware: the first POST to `path` answers -1007, after the facade executed the
    order (`executed`) or without it ever reaching the facade."""

    def wrap(app):
        lost = []

        async def middleware(scope, receive, send):
            if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != path:
                return await app(scope, receive, send)
            if lost:
                return await app(scope, receive, send)
            lost.append(scope["path"])
            if executed:

                async def discard(_message):
                    return None

                await app(scope, receive, discard)
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": LOST})

        return middleware

    return wrap


async def placed_once(request_: OrderRequest, wrap) -> None:
    """Places `request_` through `wrap`; it must come back, and be on the book once."""
    async with serving_facade({"key": ("secret", Decimal(10000))}, wrap=wrap) as (engine, base):
        gateway = CcxtGateway(CcxtClients(base_url=base))
        try:
            placed = await gateway.place_order(KEY, request_)
        finally:
            await gateway.aclose()

        assert placed.client_order_id == request_.client_order_id
        plain = engine.orders("key", Kind.FUTURES, "BTCUSDT")
        algo = engine.conditionals("key", Kind.FUTURES, "BTCUSDT")
        assert len(plain) + len(algo) == 1


@pytest.mark.parametrize("executed", [True, False], ids=["executed", "never-arrived"])
@pytest.mark.parametrize(
    ("path", "request_"),
    [
        (
            "/fapi/v1/order",
            OrderRequest("BTC/USDT", OrderType.MARKET, OrderSide.BUY, Decimal("0.1"), "lost-1"),
        ),
        (
            "/fapi/v1/algoOrder",
            OrderRequest(
                "BTC/USDT",
                OrderType.STOP_MARKET,
                OrderSide.SELL,
                Decimal("0.1"),
                "lost-2",
                stop_price=Decimal(19000),
            ),
        ),
    ],
    ids=["plain", "algo"],
)
async def test_an_order_whose_answer_is_lost_is_placed_exactly_once(path, request_, executed):
    wrap = losing_first_answer(path, executed=executed)
    await placed_once(request_, wrap)


NOT_FOUND = orjson.dumps({"code": -2013, "msg": "Order does not exist."})


def missing_at_first_look(path: str):
    """ASGI middleware: the first POST to `path` is executed and its answer lost (-1007), and
    the first look-up there misses it (as a lagging read replica may): only the second
    attempt, refused for the id the first one took, tells that it went through."""

    def wrap(app):
        lost = losing_first_answer(path, executed=True)(app)
        looked: list[str] = []

        async def middleware(scope, receive, send):
            get = scope["type"] == "http" and scope["method"] == "GET"
            if get and scope["path"] == path and not looked:
                looked.append(path)
                headers = [(b"content-type", b"application/json")]
                await send({"type": "http.response.start", "status": 400, "headers": headers})
                await send({"type": "http.response.body", "body": NOT_FOUND})
                return None
            return await lost(scope, receive, send)

        return middleware

    return wrap


async def test_a_retry_refused_for_the_lost_attempts_own_order_returns_that_order():
    """A conditional order holds its id while it waits, so the retry is refused (-4116) and
    must not be taken for a refusal of the order: a take profit would otherwise be placed
    again as a LIMIT under the same id. (A filled plain order frees its id on Binance, so
    there the look-up is all that stands between a lost answer and a second order.)"""
    request_ = OrderRequest(
        "BTC/USDT",
        OrderType.STOP_MARKET,
        OrderSide.SELL,
        Decimal("0.1"),
        "lost-3",
        stop_price=Decimal(19000),
    )
    wrap = missing_at_first_look("/fapi/v1/algoOrder")
    await placed_once(request_, wrap)


async def test_the_clock_offset_is_measured_and_measured_again_after_a_1021():
    offset = {"ms": 30_000}  # the exchange's clock runs 30 s ahead of ours
    async with serving_facade({"key": ("secret", Decimal(10000))}) as (engine, base):
        real = engine._now_ms
        engine._now_ms = lambda: real() + offset["ms"]
        gateway = CcxtGateway(CcxtClients(base_url=base))
        try:
            assert (await gateway.fetch_balances(KEY))[0].total == 10000
            offset["ms"] = -45_000  # it jumps back: our requests are now from the future

            assert (await gateway.fetch_balances(KEY))[0].total == 10000
            client = await gateway.clients.private(KEY)
            assert client.options["timeDifference"] == pytest.approx(45_000, abs=2_000)
        finally:
            await gateway.aclose()


async def test_keys_through_one_ip_share_one_budget_and_earn_no_ban(caplog):
    """Ten keys fetch their balances at once through one IP whose weight limit is 40 a minute,
    less than the budget the gateway believes it has (as when another process shares the IP).
    The first 429 pauses every client of the IP until the window ends; nobody goes on
    hammering, so the 418 ban never comes and every read succeeds."""
    started = time.monotonic()

    def limits_clock() -> int:
        """The exchange's weight minute, 50 s in when the test starts, whatever the time."""
        return 50_000 + int((time.monotonic() - started) * 1000)

    keys = [f"k{n}" for n in range(10)]
    accounts = {key: ("s", Decimal(100 + n)) for n, key in enumerate(keys)}
    limits = RateLimits(weight_per_minute=40, ban_seconds=600)  # 7 account reads of 5
    async with serving_facade(accounts, limits, limits_clock=limits_clock) as (_engine, base):
        # paced one request at a time, so the first 429 stops the rest before they are sent
        one_read_a_second = {TradeType.FUTURES: [RateLimitItemPerSecond(5)]}
        budgets = ExchangeBudgets(ip_limits=one_read_a_second, reserve_share=0)
        paced = CcxtClients(base_url=base, budgets=budgets)
        gateway = CcxtGateway(paced)
        try:
            balances = await asyncio.gather(
                *(
                    gateway.fetch_balances(
                        ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, key, "s")
                    )
                    for key in keys
                )
            )
        finally:
            await gateway.aclose()

    assert [found[0].total for found in balances] == [100 + n for n in range(10)]
    assert "429 Too Many Requests" in caplog.text  # the limit was reached ...
    assert "418" not in caplog.text  # ... and heeded
