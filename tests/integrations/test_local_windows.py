"""The exchange budgets' windows in memory: the moving window of `limits`, at no thread hop."""

from __future__ import annotations

import time

import pytest
from limits import RateLimitItemPerSecond

from tradedesk.integrations.exchange.local_windows import LocalWindows

pytestmark = pytest.mark.asyncio
T0 = 1_700_000_000.0


@pytest.fixture
def now(monkeypatch) -> list[float]:
    """The windows' clock, moved by hand."""
    clock = [T0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    return clock


async def test_a_spend_that_does_not_fit_is_refused_and_spends_nothing(now):
    windows, item = LocalWindows(), RateLimitItemPerSecond(3)

    assert await windows.hit(item, "ip", cost=2)
    assert not await windows.hit(item, "ip", cost=2)
    assert (await windows.get_window_stats(item, "ip")).remaining == 1
    assert await windows.hit(item, "ip", cost=1)
    assert (await windows.get_window_stats(item, "other ip")).remaining == 3


async def test_the_window_frees_each_spend_its_length_after_it_was_made(now):
    windows, item = LocalWindows(), RateLimitItemPerSecond(2)
    await windows.hit(item, "ip")
    now[0] += 0.4
    await windows.hit(item, "ip")

    assert tuple(await windows.get_window_stats(item, "ip")) == (T0 + 1, 0)
    now[0] = T0 + 1  # the first spend leaves the window
    assert tuple(await windows.get_window_stats(item, "ip")) == (T0 + 1.4, 1)
    now[0] = T0 + 1.4  # so does the second: an empty window would free a spend made now
    assert tuple(await windows.get_window_stats(item, "ip")) == (pytest.approx(T0 + 2.4), 2)


async def test_a_pause_runs_until_its_expiry_and_a_running_one_stands(now):
    windows = LocalWindows()
    assert await windows.get_expiry("pause") == T0  # none: it ends now

    await windows.incr("pause", 30)
    await windows.incr("pause", 5)  # a running pause is not shortened
    assert await windows.get_expiry("pause") == T0 + 30
    now[0] += 30
    assert await windows.get_expiry("pause") == T0 + 30  # over: it ends now
    now[0] += 1
    assert await windows.get_expiry("pause") == T0 + 31  # now, not the deadline gone by
    await windows.incr("pause", 10)  # the first is over: a new one starts
    assert await windows.get_expiry("pause") == T0 + 41

    await windows.clear("pause")
    assert await windows.get_expiry("pause") == T0 + 31  # none: it ends now


async def test_windows_that_hold_nothing_are_forgotten(now, monkeypatch):
    monkeypatch.setattr("tradedesk.integrations.exchange.local_windows.PRUNE_EVERY", 3)
    windows, item = LocalWindows(), RateLimitItemPerSecond(5)
    await windows.hit(item, "account that stopped")
    await windows.incr("pause", 1)
    now[0] += 2
    await windows.hit(item, "account still trading")
    await windows.hit(item, "account still trading")  # the third spend sweeps

    assert [key.split("/")[1] for key in windows._windows] == ["account still trading"]
    assert windows._expiries == {}
