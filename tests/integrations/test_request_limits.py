"""The request budgets (GCRA), in memory and in Redis: a budget admits its limit at once, then
one request per interval, tells a refused request exactly when the next one fits, gives an
idle caller the whole budget back, and a request refused by one budget spends none of the
others."""

from __future__ import annotations

import asyncio

import pytest

from tradedesk.integrations.rate_limits import Budget, MemoryBudgets, RedisBudgets

MINUTE = Budget("read", 10, 60)  # ten at once, then one every 6 s


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def spend_until_refused(budgets, spends, most: int = 1_000) -> tuple[int, float]:
    """How many requests fit, and the wait the first refused one was told."""
    for fitted in range(most):
        wait = await budgets.spend(spends)
        if wait is not None:
            return fitted, wait
    raise AssertionError("never refused")


async def test_the_limit_fits_at_once_then_one_request_per_interval():
    clock = Clock(6_000.0)
    budgets = MemoryBudgets(clock)

    burst, wait = await spend_until_refused(budgets, [(MINUTE, "alice")])
    clock.now += wait - 0.01
    early = await budgets.spend([(MINUTE, "alice")])
    clock.now += 0.01
    on_time = await budgets.spend([(MINUTE, "alice")])
    clock.now += 30  # five intervals
    refilled, _ = await spend_until_refused(budgets, [(MINUTE, "alice")])
    clock.now += 60  # idle a whole period
    whole, _ = await spend_until_refused(budgets, [(MINUTE, "alice")])

    assert burst == 10 and wait == pytest.approx(6.0)
    assert early is not None and on_time is None
    assert (refilled, whole) == (5, 10)


@pytest.mark.parametrize("limit", [1, 3, 7, 60, 300])
async def test_a_budget_admits_exactly_its_limit_in_a_burst(limit):
    """`limit` intervals add up to the period with float error: the last must still fit."""
    budgets = MemoryBudgets(Clock(1_764_900_000.123))

    burst, wait = await spend_until_refused(budgets, [(Budget("read", limit, 60), "a")])

    assert burst == limit and 0 < wait <= 60 / limit + 1e-6


async def test_callers_and_budgets_are_counted_apart():
    budgets = MemoryBudgets(Clock(6_000.0))
    write = Budget("write", 10, 60)

    alice, _ = await spend_until_refused(budgets, [(MINUTE, "alice")])
    bob, _ = await spend_until_refused(budgets, [(MINUTE, "bob")])
    alices_writes, _ = await spend_until_refused(budgets, [(write, "alice")])

    assert (alice, bob, alices_writes) == (10, 10, 10)


async def test_a_request_refused_by_one_budget_spends_none_of_the_others():
    budgets = MemoryBudgets(Clock(6_000.0))
    ip = Budget("ip", 3, 60)

    fitted, _ = await spend_until_refused(budgets, [(MINUTE, "alice"), (ip, "ip:1")])
    refused = [await budgets.spend([(MINUTE, "alice"), (ip, "ip:1")]) for _ in range(5)]
    left, _ = await spend_until_refused(budgets, [(MINUTE, "alice")])

    assert fitted == 3 and all(wait is not None for wait in refused)
    assert left == 10 - 3  # the refused requests took nothing from alice's budget


async def test_idle_callers_are_forgotten():
    clock = Clock(6_000.0)
    budgets = MemoryBudgets(clock)
    for n in range(100):
        await budgets.spend([(MINUTE, f"ip:{n}")])
    clock.now += 60
    for _ in range(10_000):  # a sweep runs every 10,000 spends
        await budgets.spend([(Budget("read", 1_000_000, 60), "busy")])

    assert len(budgets._arrivals) == 1


@pytest.fixture
async def redis_budgets(redis_url: str):
    budgets = RedisBudgets(redis_url)
    yield budgets
    await budgets.aclose()


async def test_redis_refuses_past_the_limit_and_spends_nothing_when_refused(redis_budgets):
    ip = Budget("ip", 3, 60)

    fitted, wait = await spend_until_refused(redis_budgets, [(MINUTE, "alice"), (ip, "ip:1")])
    left, _ = await spend_until_refused(redis_budgets, [(MINUTE, "alice")])

    assert fitted == 3 and wait == pytest.approx(20.0, abs=0.5)
    assert left == 10 - 3


async def test_redis_admits_the_next_request_when_it_said_it_would(redis_budgets):
    quick = Budget("read", 5, 1)  # five at once, then one every 0.2 s

    burst, wait = await spend_until_refused(redis_budgets, [(quick, "carol")])
    await asyncio.sleep(wait / 2)
    early = await redis_budgets.spend([(quick, "carol")])
    await asyncio.sleep(wait / 2 + 0.02)
    on_time = await redis_budgets.spend([(quick, "carol")])

    assert burst == 5 and 0 < wait <= 0.2
    assert early is not None and on_time is None
