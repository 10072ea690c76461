"""The Redis event bus: two buses on one Redis stand for two processes (a server and a
worker, or two servers); what either publishes reaches the subscribers of both."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from tradedesk.domain.trade_events import TradeEvent, TradeEventKind
from tradedesk.integrations.redis_events import RedisEventBus

pytestmark = pytest.mark.asyncio


def event(n: int) -> TradeEvent:
    return TradeEvent(
        kind=TradeEventKind.TAKE_PROFIT,
        key_id="key-1",
        symbol="BTC/USDT:USDT",
        side="sell",
        amount=0.001 * n,
        price=20_000.5 + n,
        order_id=str(n),
        at=datetime(2026, 12, 1, 12, 0, n % 60, tzinfo=UTC),
    )


async def take(feed, count: int) -> list[object]:
    return [await asyncio.wait_for(anext(feed), 5) for _ in range(count)]


@pytest.fixture
async def buses(redis_url):
    server, worker = (RedisEventBus(redis_url, [TradeEvent]) for _ in range(2))
    yield server, worker
    for bus in (server, worker):
        await bus.aclose()


async def test_an_event_published_in_one_process_reaches_subscribers_in_every_process(buses):
    server, worker = buses
    here, there = server.subscribe("trades:alice"), worker.subscribe("trades:alice")
    others = server.subscribe("trades:bob")
    first = [asyncio.ensure_future(anext(feed)) for feed in (here, there, others)]
    await asyncio.sleep(0.3)  # every subscriber is listening

    worker.publish("trades:alice", event(1))
    received = await asyncio.wait_for(asyncio.gather(first[0], first[1]), 5)
    await asyncio.sleep(0.3)

    assert received == [event(1), event(1)]  # the same event, every field and type intact
    assert not first[2].done()  # bob's topic heard nothing of alice's
    first[2].cancel()


async def test_a_processs_events_arrive_once_and_in_the_order_it_published_them(buses):
    server, worker = buses
    feed = server.subscribe("trades:alice")
    pending = asyncio.ensure_future(anext(feed))
    await asyncio.sleep(0.3)
    for n in range(50):
        worker.publish("trades:alice", event(n))  # an entry is never seen after its stop

    received = [await asyncio.wait_for(pending, 5), *await take(feed, 49)]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(feed), 0.5)  # nothing twice

    assert [e.order_id for e in received] == [str(n) for n in range(50)]  # type: ignore[attr-defined]


async def test_without_redis_publishing_neither_raises_nor_waits():
    bus = RedisEventBus("redis://127.0.0.1:1/0", [TradeEvent])  # nothing listens there
    started = time.perf_counter()
    for n in range(100):
        bus.publish("trades:alice", event(n))
    published_in = time.perf_counter() - started
    await asyncio.sleep(0.2)  # the sender meets the refused connection and drops the events
    await bus.aclose()

    assert published_in < 0.1
