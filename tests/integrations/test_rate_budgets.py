"""The fleet's exchange budgets (IP weight, orders per account, pauses, a reserve for
protective work, shared through Redis), sticky proxies per key, and ccxt's sandbox mode."""

from __future__ import annotations

import asyncio
import time
from functools import partial

import ccxt
import pytest
from limits import RateLimitItemPerSecond
from prometheus_client import REGISTRY

from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for
from tradedesk.domain.market.model import TradeType
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients, sticky_proxy
from tradedesk.integrations.exchange.rate_budgets import (
    CCXT_COST_TO_WEIGHT,
    EgressBudget,
    EgressPaused,
    ExchangeBudgets,
    ip_cost,
)


def weight_spent(egress: str, purpose: ExchangePurpose) -> float:
    found = REGISTRY.get_sample_value(
        "tradedesk_exchange_weight_total", {"egress": egress, "purpose": purpose.value}
    )
    return found or 0.0


async def spend(budget: EgressBudget, cost: float, purpose: ExchangePurpose) -> float:
    """Seconds the budget held a request of `cost` charged to `purpose`."""
    started = time.monotonic()
    with spending_for(purpose):
        await budget.throttle(cost)
    return time.monotonic() - started


async def test_orders_beyond_a_window_wait_for_it_to_pass():
    budgets = ExchangeBudgets(
        order_windows=(RateLimitItemPerSecond(3, 1), RateLimitItemPerSecond(100, 10)),
        reserve_share=0,
    )
    started = time.monotonic()

    await asyncio.gather(*(budgets.orders.acquire("account") for _ in range(7)))
    elapsed = time.monotonic() - started
    await budgets.orders.acquire("another account")  # not held up by the first one's budget

    assert 1.9 <= elapsed < 2.6  # three windows: 3 + 3 + 1
    assert time.monotonic() - started - elapsed < 0.1


async def test_an_account_places_binances_300_orders_in_ten_seconds_and_no_more():
    """Binance's USDⓈ-M order window per account, as the budget keeps it by default: 300
    at once, the 301st waits (the 1,200 a minute would take 40 s to reach here)."""
    budgets = ExchangeBudgets(reserve_share=0)
    started = time.monotonic()

    await asyncio.gather(*(budgets.orders.acquire("account") for _ in range(300)))
    at_once = time.monotonic() - started

    assert at_once < 1.0
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(budgets.orders.acquire("account"), 0.5)
    await asyncio.wait_for(budgets.orders.acquire("another account"), 0.5)


async def test_an_account_places_binances_1200_orders_a_minute_and_no_more(monkeypatch):
    """Binance's minute window per account: 300 orders every 10 s, four times over, then the
    10-second window is free again but the minute's is spent until a minute has gone by.
    The windows' clock is moved by hand, so that the test takes no minute."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    budgets = ExchangeBudgets(reserve_share=0)
    for _ in range(4):
        await asyncio.wait_for(
            asyncio.gather(*(budgets.orders.acquire("account") for _ in range(300))), 5.0
        )  # at once, the windows' clock standing still (the bound only keeps a hang short)
        now[0] += 10.5

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(budgets.orders.acquire("account"), 0.5)
    now[0] += 60.5 - 4 * 10.5  # a minute after the first 300
    await asyncio.wait_for(budgets.orders.acquire("account"), 0.5)


async def test_a_pause_longer_than_a_request_may_wait_fails_at_once():
    budget = ExchangeBudgets(max_wait_seconds=5).egress(None, TradeType.FUTURES)
    await budget.pause("30")

    with pytest.raises(EgressPaused):
        await budget.throttle(1)


async def test_an_ip_budget_spends_its_window_at_once_and_no_more():
    budget = ExchangeBudgets(
        ip_limits={TradeType.FUTURES: [RateLimitItemPerSecond(10)]}, reserve_share=0
    ).egress("http://10.0.0.1:3128", TradeType.FUTURES)
    started = time.monotonic()

    await asyncio.gather(*(budget.throttle(1) for _ in range(10)))
    at_once = time.monotonic() - started
    await budget.throttle(0)  # a new futures order weighs nothing on the IP
    weightless = time.monotonic() - started
    await budget.throttle(1)
    next_window = time.monotonic() - started

    assert at_once < 0.1 and weightless < 0.1
    assert 0.95 <= next_window < 1.3  # the eleventh waits until the first leaves the window


async def test_protective_work_goes_ahead_of_entries_when_the_budget_is_tight():
    """A fifth of every window is kept for stops and closes: entries that would spend it
    wait for the window to move, while a stop goes at once."""
    budgets = ExchangeBudgets(ip_limits={TradeType.FUTURES: [RateLimitItemPerSecond(10)]})
    budget = budgets.egress("http://10.0.0.2:3128", TradeType.FUTURES)
    entries = [await spend(budget, 1, ExchangePurpose.ENTRY) for _ in range(8)]

    ninth_entry = asyncio.create_task(spend(budget, 1, ExchangePurpose.ENTRY))
    stops = [await spend(budget, 1, ExchangePurpose.PROTECTION) for _ in range(2)]
    assert max(entries) < 0.05 and max(stops) < 0.05
    assert not ninth_entry.done()
    assert await ninth_entry >= 0.9

    with spending_for(ExchangePurpose.ENTRY):
        for _ in range(8):  # the order windows keep the same reserve
            await budgets.orders.acquire("account")
    held_entry = asyncio.create_task(spend_order(budgets, ExchangePurpose.ENTRY))
    assert await spend_order(budgets, ExchangePurpose.PROTECTION) < 0.05
    assert not held_entry.done()
    held_entry.cancel()


async def spend_order(budgets: ExchangeBudgets, purpose: ExchangePurpose) -> float:
    started = time.monotonic()
    with spending_for(purpose):
        await budgets.orders.acquire("account")
    return time.monotonic() - started


async def test_processes_sharing_redis_spend_one_budget_and_one_pause(redis_url):
    """Two processes' budgets on one Redis (each with its own connection): together they
    never spend more than the IP's window, and a 429 heard by one pauses the other."""
    limits = {TradeType.FUTURES: [RateLimitItemPerSecond(10)]}
    proxy = "http://user:secret@10.0.0.3:3128"
    first, second = (
        ExchangeBudgets(redis_url, ip_limits=limits, reserve_share=0).egress(
            proxy, TradeType.FUTURES
        )
        for _ in range(2)
    )
    entries_before = weight_spent("10.0.0.3:3128", ExchangePurpose.ENTRY)
    started = time.monotonic()

    await asyncio.gather(*(spend(b, 1, ExchangePurpose.ENTRY) for b in [first, second] * 6))
    twelve = time.monotonic() - started
    await first.pause("2")
    paused = await spend(second, 1, ExchangePurpose.PROTECTION)

    assert 0.95 <= twelve < 1.5  # ten in the first second, two in the next
    assert 2.0 <= paused < 3.5  # a second more than asked: Redis rounds a key's life
    assert first.egress == "10.0.0.3:3128"  # the proxy's credentials are named nowhere
    assert weight_spent("10.0.0.3:3128", ExchangePurpose.ENTRY) - entries_before == 12


async def test_a_spot_request_is_charged_binances_spot_weight():
    budget = ExchangeBudgets().egress("http://10.0.0.4:3128", TradeType.SPOT)
    before = weight_spent("10.0.0.4:3128", ExchangePurpose.ACCOUNT)

    await budget.throttle(0.2)  # ccxt's cost of a spot weight of 1
    await budget.throttle(4)  # ccxt's cost of /api/v3/account (weight 20)

    assert weight_spent("10.0.0.4:3128", ExchangePurpose.ACCOUNT) - before == 21


async def held(budget: EgressBudget, cost: float) -> bool:
    """Whether a protective request of `cost` (in ccxt's units) waits for the window
    instead of going at once."""
    try:
        await asyncio.wait_for(spend(budget, cost, ExchangePurpose.PROTECTION), 0.3)
    except TimeoutError:
        return True
    return False


@pytest.mark.parametrize(
    ("trade_type", "share", "weights", "minute"),
    [
        (TradeType.FUTURES, 1.0, None, 2400),
        (TradeType.FUTURES, 0.5, None, 1200),
        (TradeType.SPOT, 1.0, None, 6000),
        (TradeType.FUTURES, 0.5, {TradeType.FUTURES: 3000}, 1500),
        (TradeType.SPOT, 1.0, {TradeType.FUTURES: 3000}, 6000),
        (TradeType.FUTURES, 0.5, {TradeType.FUTURES: 1}, 1),  # a share of 1: still a limit
    ],
)
async def test_an_ip_spends_binances_weight_a_minute_or_this_processs_share(
    trade_type, share, weights, minute
):
    """2,400 a minute on futures and 6,000 on spot, at once and no more, unless
    TRADEDESK_EXCHANGE_IP_WEIGHT_PER_MINUTE sets a type's own; with
    TRADEDESK_EXCHANGE_IP_SHARE, that share of it."""
    budget = ExchangeBudgets(ip_share=share, ip_weight_per_minute=weights, reserve_share=0).egress(
        None, trade_type
    )
    to_ccxt = 1 / CCXT_COST_TO_WEIGHT[trade_type]

    assert not await held(budget, (minute - 1) * to_ccxt)
    assert not await held(budget, 1 * to_ccxt)  # the minute's last weight
    assert await held(budget, 1 * to_ccxt)  # past it: waits for the window to move


async def test_a_request_dearer_than_the_window_spends_all_of_it_and_goes():
    budget = ExchangeBudgets(
        ip_limits={TradeType.FUTURES: [RateLimitItemPerSecond(10)]}, reserve_share=0
    ).egress(None, TradeType.FUTURES)

    assert await spend(budget, 25, ExchangePurpose.PROTECTION) < 0.1  # never stuck for good
    assert 0.9 <= await spend(budget, 1, ExchangePurpose.PROTECTION) < 1.3  # the next waits


def test_binances_futures_ip_weight_where_ccxt_charges_otherwise():
    client = ccxt.binanceusdm()
    cost = partial(ip_cost, client)

    assert cost(["fapiPrivate"], "POST", "order", {}) == 0  # the account's order limit counts it
    assert cost(["fapiPrivate"], "POST", "algoOrder", {}) == 0
    assert cost(["fapiPrivateV3"], "GET", "account", {}) == 5  # ccxt says 1
    assert cost(["fapiPrivate"], "POST", "leverage", {}, {"cost": 1}) == 1  # ccxt's, as it is
    assert cost(["fapiPrivate"], "GET", "openOrders", {}, {"cost": 1, "noSymbol": 40}) == 40


async def test_a_missing_or_odd_retry_after_pauses_a_minute():
    budget = ExchangeBudgets().egress(None, TradeType.FUTURES)
    assert await budget.pause(None) == 60
    assert await budget.pause("soon") == 60
    assert await budget.pause("7") == 7


def test_each_key_sticks_to_one_proxy_and_a_new_proxy_moves_only_its_share():
    keys = [f"key-{n}" for n in range(400)]
    three = ["http://10.0.0.1:3128", "http://10.0.0.2:3128", "http://10.0.0.3:3128"]
    before = {key: sticky_proxy(key, three) for key in keys}
    after = {key: sticky_proxy(key, [*three, "http://10.0.0.4:3128"]) for key in keys}

    assert before == {key: sticky_proxy(key, list(reversed(three))) for key in keys}
    assert all(90 <= list(before.values()).count(proxy) <= 180 for proxy in three)
    moved = [key for key in keys if before[key] != after[key]]
    assert all(after[key] == "http://10.0.0.4:3128" for key in moved)
    assert 60 <= len(moved) <= 140  # about a quarter
    assert sticky_proxy("key-1", []) is None


@pytest.mark.asyncio
async def test_sandbox_mode_points_ccxt_at_binances_testnet():
    clients = CcxtClients(sandbox=True)
    spot = clients._new_client(TradeType.SPOT, account="public")
    futures = clients._new_client(TradeType.FUTURES, account="public")
    try:
        assert spot.urls["api"]["public"].startswith("https://testnet.binance.vision")
        assert "testnet" in futures.urls["api"]["fapiPublic"]
    finally:
        await spot.close()
        await futures.close()


async def test_without_an_answer_from_redis_a_process_counts_in_its_own_memory(caplog):
    """A budget is never why a stop is not placed: with Redis gone, the windows and pauses
    hold within the process."""
    limits = {TradeType.FUTURES: [RateLimitItemPerSecond(10)]}
    budgets = ExchangeBudgets("redis://127.0.0.1:1/0", ip_limits=limits, reserve_share=0)
    budget = budgets.egress(None, TradeType.FUTURES)  # nothing listens on port 1

    spent = [await spend(budget, 1, ExchangePurpose.PROTECTION) for _ in range(10)]
    eleventh = await spend(budget, 1, ExchangePurpose.PROTECTION)
    await budgets.orders.acquire("account")

    assert max(spent) < 0.1 and 0.9 <= eleventh < 1.3  # the window still holds
    assert "Redis failed" in caplog.text
