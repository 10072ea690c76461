"""Keepers in separate `tradedesk worker` processes share the keys: each key's user-data
stream is heard by one of them only, and when that one is killed the other takes it over
and acts on what the stream tells.

Needs the local Redis (`tradedesk worker` runs the copy queue too): skipped on a developer's
machine without one, failed under CI=true."""

from __future__ import annotations

import asyncio
import signal
import time
from decimal import Decimal

import pytest

from tests.builders.trading import ORDER, manual_key, place
from tests.support.processes import Worker, beside_workers
from tradedesk.domain.trading.protection import LEASE
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue, redis_url):
    return beside_workers(venue, redis_url)


async def until(check, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_each_key_is_heard_by_one_worker_and_the_other_takes_over_a_killed_ones(
    alice, venue, runtime, redis_url, tmp_path
):
    engine, base = venue
    key_id = await manual_key(alice, venue)
    await place(alice, key_id, {**ORDER, "stopTriggerType": "MARKET", "stopPrice": None})
    streams = venue.streams

    first = Worker(runtime, base, redis_url, tmp_path)
    second = None
    try:
        await until(lambda: streams.listeners_of("manual") == 1, 30, "the first worker's stream")
        second = Worker(runtime, base, redis_url, tmp_path)
        await asyncio.sleep(5)  # the second worker ticks a few times meanwhile
        assert streams.listeners_of("manual") == 1, first.output() + second.output()

        await first.stop(signal.SIGKILL)  # no goodbye: its leases run out
        await until(lambda: streams.listeners_of("manual") == 0, 10, "the dead stream closed")
        took = await until(
            lambda: streams.listeners_of("manual") == 1,
            LEASE.total_seconds() + 15,
            "the second worker's stream",
        )
        engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(18990))  # the stop fires
        await until(
            lambda: not engine.open_conditionals("manual", Kind.FUTURES, "BTCUSDT"),
            5,
            "the take profits cancelled by the second worker",
        )
    finally:
        for worker in (first, second):
            if worker is not None and worker.running():
                await worker.stop()

    assert took <= LEASE.total_seconds() + 15
    assert engine.account("manual").position("BTCUSDT").amount == 0
