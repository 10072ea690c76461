"""Copies through the Redis queue: two `tradedesk worker` processes run a signal's fan-out.

Needs the local Redis (`.ci/run` starts it): skipped on a developer's machine without one,
failed under CI=true."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import (
    OPEN,
    PUBLISH,
    assert_each_holds_their_sized_trade,
    copies_of,
    fifty_followers,
    position,
    seeded_follower,
    signal_of,
)
from tests.builders.documented import STRATEGY_1
from tests.standins.serving import free_port
from tests.support.processes import Worker, beside_workers
from tests.support.prometheus import samples
from tradedesk.domain.copying.model import CopyStatus
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue, redis_url):
    return beside_workers(venue, redis_url)


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
    ports = [free_port(), free_port()]
    workers = [
        Worker(runtime, base, redis_url, tmp_path, TRADEDESK_WORKER_METRICS_PORT=str(port))
        for port in ports
    ]
    try:
        await asyncio.sleep(3)  # both listening
        published = await admin.graphql(PUBLISH, {"input": OPEN})
        signal_id = published["data"]["publishSignal"]["signal"]["id"]
        copies = await settled(runtime, signal_id, within=60)
        running = [worker.running() for worker in workers]
        async with httpx.AsyncClient() as http:
            scrapes = [(await http.get(f"http://127.0.0.1:{port}/metrics")).text for port in ports]
    finally:
        for worker in workers:
            await worker.stop()
        logs = [worker.output() for worker in workers]

    assert running == [True, True], logs  # neither died
    assert_each_holds_their_sized_trade(venue, copies, followers)
    ran = copy_runs(scrapes)
    placed = sum(copy.status is CopyStatus.PLACED for copy in copies.values())
    # the workers' metrics count every run of a copy: each ran exactly once
    assert ran == {"PLACED": placed, "FAILED": len(copies) - placed, "SKIPPED": 0}, (ran, logs)


def copy_runs(scrapes: list[str]) -> dict[str, float]:
    """Copy runs per outcome, added up over the workers' metrics."""
    counted = [samples(scrape, "tradedesk_copy_jobs_total") for scrape in scrapes]
    return {
        status: sum(one.get((("status", status),), 0) for one in counted)
        for status in ("PLACED", "FAILED", "SKIPPED")
    }


async def test_a_batch_that_outlives_its_lease_is_placed_once(
    admin, venue, runtime, clock, redis_url, tmp_path, faults
):
    """Leases of 1 s against a venue that takes 2 s to answer each order: the worker holding
    the batch renews its lease while the orders are in flight, the other worker never takes
    it over, and every follower ends with one entry, one ladder and one stop."""
    _engine, base = venue
    followers = await fifty_followers(runtime, clock, venue)
    ports = [free_port(), free_port()]
    workers = [
        Worker(
            runtime,
            base,
            redis_url,
            tmp_path,
            TRADEDESK_WORKER_METRICS_PORT=str(port),
            TRADEDESK_COPY_LEASE_SECONDS="1",
        )
        for port in ports
    ]
    try:
        await asyncio.sleep(3)  # both listening
        slow = faults.latency("/fapi/v1/order", seconds=2)
        published = await admin.graphql(PUBLISH, {"input": OPEN})
        copies = await settled(runtime, signal_of(published), within=120)
        async with httpx.AsyncClient() as http:
            scrapes = [(await http.get(f"http://127.0.0.1:{port}/metrics")).text for port in ports]
    finally:
        faults.clear()
        for worker in workers:
            await worker.stop()
        logs = [worker.output() for worker in workers]

    assert slow.hits == 49  # every entry waited 2 s: two leases long
    assert_each_holds_their_sized_trade(venue, copies, followers)
    assert copy_runs(scrapes) == {"PLACED": 49, "FAILED": 1, "SKIPPED": 0}, logs


async def test_a_worker_killed_mid_fan_out_leaves_nothing_placed_twice(
    admin, venue, runtime, clock, redis_url, tmp_path, faults
):
    engine, base = venue
    followers = {f"killed{n}": 1000 + 50 * n for n in range(16)}
    for name, usdt in followers.items():
        await seeded_follower(runtime, clock, venue, name, usdt, CONSERVATIVE)
    first = Worker(runtime, base, redis_url, tmp_path)
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
    await first.stop(signal.SIGKILL)  # ... and the worker dies mid-way, without a word
    faults.clear()  # the stalled orders are refused unexecuted; Binance is back
    pending = sum(
        copy.status is CopyStatus.PENDING for copy in (await copies_of(runtime, signal_id)).values()
    )
    second = Worker(runtime, base, redis_url, tmp_path)
    try:
        copies = await settled(runtime, signal_id, within=90)  # dead worker's leases: 30 s
    finally:
        await second.stop()
        logs = second.output()

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
    worker = Worker(runtime, base, redis_url, tmp_path)
    await asyncio.sleep(3)
    slow = faults.latency("/fapi/v1/order", seconds=0.4)  # each order is slow: a long batch
    first = await admin.graphql(PUBLISH, {"input": OPEN})
    first_id = first["data"]["publishSignal"]["signal"]["id"]
    deadline = time.monotonic() + 30
    while slow.hits < 3 and time.monotonic() < deadline:  # noqa: ASYNC110  (entries on their way)
        await asyncio.sleep(0.05)
    copies = await copies_of(runtime, first_id)
    in_flight = sum(copy.status is CopyStatus.PENDING for copy in copies.values())
    code = await worker.stop(signal.SIGTERM)
    stopped = await copies_of(runtime, first_id)
    faults.clear()

    close = {"strategyId": STRATEGY_1, "action": "CLOSE"}
    second = await admin.graphql(PUBLISH, {"input": close})
    second_id = second["data"]["publishSignal"]["signal"]["id"]
    await asyncio.sleep(1)
    waiting = await copies_of(runtime, second_id)
    restarted = Worker(runtime, base, redis_url, tmp_path)
    try:
        resumed = await settled(runtime, second_id, within=60)
    finally:
        restarted_code = await restarted.stop()
        logs = restarted.output()

    assert in_flight > 0  # it was stopped mid-way
    assert code == 0, worker.output()
    assert {copy.status for copy in stopped.values()} == {CopyStatus.PLACED}  # nothing half-done
    assert {copy.status for copy in waiting.values()} == {CopyStatus.PENDING}
    assert {copy.status for copy in resumed.values()} == {CopyStatus.PLACED}, logs
    assert restarted_code == 0, logs
