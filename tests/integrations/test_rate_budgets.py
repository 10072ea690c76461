"""Order budgets per account, sticky proxies per key, and ccxt's sandbox mode."""

from __future__ import annotations

import asyncio
import time
from functools import partial

import ccxt
import pytest

from tradedesk.domain.market.model import TradeType
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients, sticky_proxy
from tradedesk.integrations.exchange.rate_budgets import (
    EgressBudget,
    EgressPaused,
    OrderBudget,
    ip_cost,
)


@pytest.mark.asyncio
async def test_orders_beyond_a_window_wait_for_it_to_pass():
    budget = OrderBudget(((0.3, 3), (10.0, 100)))
    started = time.monotonic()

    await asyncio.gather(*(budget.acquire("account") for _ in range(7)))
    elapsed = time.monotonic() - started
    await budget.acquire("another account")  # not held up by the first one's budget

    assert 0.6 <= elapsed < 1.5  # three windows: 3 + 3 + 1
    assert time.monotonic() - started - elapsed < 0.1


@pytest.mark.asyncio
async def test_a_pause_longer_than_a_request_may_wait_fails_at_once():
    budget = EgressBudget(per_minute=60, burst=1, max_wait_seconds=5)
    budget.pause("30")

    with pytest.raises(EgressPaused):
        await budget.throttle(1)


@pytest.mark.asyncio
async def test_an_ip_budget_spends_a_burst_at_once_and_the_rest_as_it_refills():
    budget = EgressBudget(per_minute=600, burst=10)  # 10 a second
    started = time.monotonic()

    await asyncio.gather(*(budget.throttle(1) for _ in range(10)))
    burst = time.monotonic() - started
    await asyncio.gather(*(budget.throttle(1) for _ in range(5)))
    refilled = time.monotonic() - started
    await budget.throttle(25)  # dearer than the whole bucket: it still goes, and owes
    owed_from = time.monotonic()
    await budget.throttle(1)

    assert burst < 0.1
    assert 0.4 <= refilled < 0.8  # five more at 10 a second
    assert 2.2 <= time.monotonic() - owed_from < 2.8  # the 24 owed, repaid at 10 a second


def test_binances_futures_ip_weight_where_ccxt_charges_otherwise():
    client = ccxt.binanceusdm()
    cost = partial(ip_cost, client)

    assert cost(["fapiPrivate"], "POST", "order", {}) == 0  # the account's order limit counts it
    assert cost(["fapiPrivate"], "POST", "algoOrder", {}) == 0
    assert cost(["fapiPrivateV3"], "GET", "account", {}) == 5  # ccxt says 1
    assert cost(["fapiPrivate"], "POST", "leverage", {}, {"cost": 1}) == 1  # ccxt's, as it is
    assert cost(["fapiPrivate"], "GET", "openOrders", {}, {"cost": 1, "noSymbol": 40}) == 40
    futures = EgressBudget.of_ip(TradeType.FUTURES)
    assert (futures.burst, futures.per_minute) == (480, 1920)  # 2,400 in any minute
    half = EgressBudget.of_ip(TradeType.FUTURES, share=0.5)  # one of two processes on the IP
    assert (half.burst, half.per_minute) == (240, 960)


def test_a_missing_or_odd_retry_after_pauses_a_minute():
    budget = EgressBudget(per_minute=60, burst=1, monotonic=lambda: 100.0)
    assert budget.pause(None) == 60
    assert budget.pause("soon") == 60
    assert budget.pause("7") == 7


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
