"""The request budgets' sliding-window counters, in memory and in Redis: a budget refuses the
request past its limit with the seconds until one fits, refills as the previous window slides
out, and a request refused by one budget spends none of the others."""

from __future__ import annotations

import pytest
import redis.asyncio as redis

from tradedesk.integrations.rate_limits import Budget, MemoryWindows, RedisWindows

MINUTE = Budget("read", 10, 60)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def spend_until_refused(windows, spends, most: int = 1_000) -> tuple[int, float]:
    """How many requests fit, and the wait the first refused one was told."""
    for fitted in range(most):
        wait = await windows.spend(spends)
        if wait is not None:
            return fitted, wait
    raise AssertionError("never refused")


async def test_a_full_budget_says_when_the_next_request_fits_and_refills_as_it_slides():
    clock = Clock(6_000.0)  # the start of a window
    windows = MemoryWindows(clock)

    fitted, wait = await spend_until_refused(windows, [(MINUTE, "alice")])
    clock.now += wait - 0.01
    early = await windows.spend([(MINUTE, "alice")])
    clock.now += 0.01
    fits = await windows.spend([(MINUTE, "alice")])
    clock.now = 6_000.0 + 60 + 45  # three quarters into the next window
    refilled, _ = await spend_until_refused(windows, [(MINUTE, "alice")])

    assert fitted == 10 and wait == pytest.approx(60.0 + 60 * (1 - 9 / 10))
    assert early is not None and fits is None
    # a quarter of the previous window's 10 still counts, and this window's 1: 3.5 of 10
    assert refilled == 6


async def test_callers_and_budgets_are_counted_apart():
    windows = MemoryWindows(Clock(6_000.0))
    write = Budget("write", 10, 60)

    alice, _ = await spend_until_refused(windows, [(MINUTE, "alice")])
    bob, _ = await spend_until_refused(windows, [(MINUTE, "bob")])
    alices_writes, _ = await spend_until_refused(windows, [(write, "alice")])

    assert (alice, bob, alices_writes) == (10, 10, 10)


async def test_a_request_refused_by_one_budget_spends_none_of_the_others():
    windows = MemoryWindows(Clock(6_000.0))
    ip = Budget("ip", 3, 60)

    fitted, _ = await spend_until_refused(windows, [(MINUTE, "alice"), (ip, "ip:1")])
    refused = [await windows.spend([(MINUTE, "alice"), (ip, "ip:1")]) for _ in range(5)]
    left, _ = await spend_until_refused(windows, [(MINUTE, "alice")])

    assert fitted == 3 and all(wait is not None for wait in refused)
    assert left == 10 - 3  # the refused requests took nothing from alice's budget


async def test_idle_callers_windows_are_forgotten():
    clock = Clock(6_000.0)
    windows = MemoryWindows(clock)
    for n in range(100):
        await windows.spend([(MINUTE, f"ip:{n}")])
    clock.now += 3 * 60
    for _ in range(10_000):  # a sweep runs every 10,000 spends
        await windows.spend([(Budget("read", 1_000_000, 60), "busy")])

    assert len(windows._windows) == 1


@pytest.fixture
async def redis_windows(redis_url: str):
    windows = RedisWindows(redis_url)
    yield windows
    await windows.aclose()


async def test_redis_refuses_past_the_limit_and_spends_nothing_when_refused(redis_windows):
    ip = Budget("ip", 3, 60)

    fitted, wait = await spend_until_refused(redis_windows, [(MINUTE, "alice"), (ip, "ip:1")])
    left, _ = await spend_until_refused(redis_windows, [(MINUTE, "alice")])

    assert fitted == 3 and 0 < wait <= 120
    assert left == 10 - 3


async def test_redis_counts_the_previous_window_by_how_much_of_it_still_overlaps(
    redis_windows, redis_url
):
    """The previous window's count is written as Redis would have left it a day ago."""
    day = Budget("read", 100, 86_400)
    client = redis.from_url(redis_url)
    now = float((await client.time())[0])
    index = int(now // day.period)
    key = "tradedesk-limits:read:carol"
    await client.hset(key, mapping={"w": index - 1, "c": 100, "p": 0})
    await client.aclose()
    overlap = 1 - (now - index * day.period) / day.period

    fitted, _ = await spend_until_refused(redis_windows, [(day, "carol")])

    assert abs(fitted - (100 - 100 * overlap)) <= 1.5
