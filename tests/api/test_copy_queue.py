"""Copies through the Redis queue: two `tradedesk worker` processes run a signal's fan-out.

Needs the local Redis (`.ci/run` starts it): skipped on a developer's machine without one,
failed under CI=true."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

import pytest

from tests.api.test_copy_trading import (
    CONSERVATIVE,
    OPEN,
    PUBLISH,
    assert_each_holds_their_sized_trade,
    copies_of,
    fifty_followers,
    position,
    seeded_follower,
)
from tests.documented import STRATEGY_1
from tests.test_cli import TRADEDESK, clean_environment
from tradedesk.domain.copy_trading import CopyStatus
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue, redis_url):
    _engine, base = venue
    return {
        "exchange": "binance",
        "binance_urls": base,
        "default_plan": "PROFESSIONAL",
        "redis_url": redis_url,
    }


def start_worker(runtime, base: str, redis_url: str, tmp_path) -> subprocess.Popen[str]:
    settings = runtime.settings
    return subprocess.Popen(
        [TRADEDESK, "worker"],
        cwd=tmp_path,
        env=clean_environment(
            DATABASE_URL=settings.database_url,
            TRADEDESK_DATA_DIR=str(settings.data_dir),  # the same key opens the secrets
            TRADEDESK_EXCHANGE="binance",
            TRADEDESK_BINANCE_URLS=base,
            TRADEDESK_REDIS_URL=redis_url,
            TRADEDESK_PROTECTION_POLL_SECONDS="1",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def settled(runtime, signal_id: str, *, within: float) -> dict:
    """The signal's copies once none is PENDING, or as they are after `within` seconds (the
    venue answers the workers meanwhile)."""
    deadline = time.monotonic() + within
    while True:
        copies = await copies_of(runtime, signal_id)
        done = all(copy.status is not CopyStatus.PENDING for copy in copies.values())
        if (copies and done) or time.monotonic() > deadline:
            return copies
        await asyncio.sleep(0.5)


async def test_two_workers_run_a_signals_copies_once_each(
    admin, venue, runtime, clock, redis_url, tmp_path
):
    """The fifty-follower scenario, run by two `tradedesk worker` processes."""
    _engine, base = venue
    followers = await fifty_followers(runtime, clock, venue)
    workers = [start_worker(runtime, base, redis_url, tmp_path) for _ in range(2)]
    try:
        await asyncio.sleep(3)  # both listening
        published = await admin.graphql(PUBLISH, {"input": OPEN})
        signal_id = published["data"]["publishSignal"]["signal"]["id"]
        copies = await settled(runtime, signal_id, within=60)
        running = [worker.poll() is None for worker in workers]
    finally:
        for worker in workers:
            worker.terminate()
        logs = [worker.communicate(timeout=20)[1] for worker in workers]

    assert running == [True, True], logs  # neither died
    assert_each_holds_their_sized_trade(venue, copies, followers)


async def test_a_worker_killed_mid_fan_out_leaves_nothing_placed_twice(
    admin, venue, runtime, clock, redis_url, tmp_path, faults
):
    engine, base = venue
    followers = {f"killed{n}": 1000 + 50 * n for n in range(16)}
    for name, usdt in followers.items():
        await seeded_follower(runtime, clock, venue, name, usdt, CONSERVATIVE)
    first = start_worker(runtime, base, redis_url, tmp_path)
    await asyncio.sleep(3)
    # four entries go through; then Binance stops answering orders
    faults.outage("/fapi/v1/order", after=4, stall=True)
    published = await admin.graphql(PUBLISH, {"input": OPEN})
    signal_id = published["data"]["publishSignal"]["signal"]["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the first copies are out ...
        copies = await copies_of(runtime, signal_id)
        if any(copy.status is CopyStatus.PLACED for copy in copies.values()):
            break
        await asyncio.sleep(0.1)
    first.kill()  # ... and the worker dies mid-way, without a word
    first.communicate(timeout=20)
    faults.clear()  # the stalled orders are refused unexecuted; Binance is back
    pending = sum(
        copy.status is CopyStatus.PENDING for copy in (await copies_of(runtime, signal_id)).values()
    )
    second = start_worker(runtime, base, redis_url, tmp_path)
    try:
        copies = await settled(runtime, signal_id, within=90)  # dead worker's leases: 30 s
    finally:
        second.terminate()
        logs = second.communicate(timeout=20)[1]

    assert pending > 0  # it did die mid-way
    assert {copy.status for copy in copies.values()} == {CopyStatus.PLACED}, logs
    for name in followers:
        entries = [
            o
            for o in engine.orders(name, Kind.FUTURES, "BTCUSDT")
            if o.client_order_id.endswith("e")
        ]
        assert len(entries) == 1, name
        assert position(venue, name) > 0


async def test_a_worker_stopped_mid_fan_out_finishes_its_round_and_a_new_one_resumes(
    admin, venue, runtime, clock, redis_url, tmp_path, faults
):
    """SIGTERM while copies are in flight: the worker lets its batch finish, exits 0 and leaves
    no copy half-done; a signal published while no worker runs waits, and the next worker
    places it."""
    _engine, base = venue
    followers = {f"stopped{n}": 1000 + 50 * n for n in range(8)}
    for name, usdt in followers.items():
        await seeded_follower(runtime, clock, venue, name, usdt, CONSERVATIVE)
    worker = start_worker(runtime, base, redis_url, tmp_path)
    await asyncio.sleep(3)
    slow = faults.latency("/fapi/v1/order", seconds=0.4)  # each order is slow: a long batch
    first = await admin.graphql(PUBLISH, {"input": OPEN})
    first_id = first["data"]["publishSignal"]["signal"]["id"]
    deadline = time.monotonic() + 30
    while slow.hits < 3 and time.monotonic() < deadline:  # noqa: ASYNC110  (entries on their way)
        await asyncio.sleep(0.05)
    copies = await copies_of(runtime, first_id)
    in_flight = sum(copy.status is CopyStatus.PENDING for copy in copies.values())
    worker.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(worker.wait, 30)  # the venue answers meanwhile
    stopped = await copies_of(runtime, first_id)
    faults.clear()

    close = {"strategyId": STRATEGY_1, "action": "CLOSE"}
    second = await admin.graphql(PUBLISH, {"input": close})
    second_id = second["data"]["publishSignal"]["signal"]["id"]
    await asyncio.sleep(1)
    waiting = await copies_of(runtime, second_id)
    restarted = start_worker(runtime, base, redis_url, tmp_path)
    try:
        resumed = await settled(runtime, second_id, within=60)
    finally:
        restarted.terminate()
        logs = restarted.communicate(timeout=30)[1]

    assert in_flight > 0  # it was stopped mid-way
    assert code == 0, worker.communicate()[1]
    assert {copy.status for copy in stopped.values()} == {CopyStatus.PLACED}  # nothing half-done
    assert {copy.status for copy in waiting.values()} == {CopyStatus.PENDING}
    assert {copy.status for copy in resumed.values()} == {CopyStatus.PLACED}, logs
    assert restarted.returncode == 0
