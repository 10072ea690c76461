"""The platform's Binance user-data streams against the simulator over HTTP and WebSocket:
many keys on one connection, every event read into the domain's words, gaps told whenever
the stream may have missed something, listen keys kept alive or replaced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import pytest

from tests.simulator.engines import BUY, MARKET, long_with_stop
from tests.simulator.facade import serving_facade
from tradedesk.domain.market.account_events import OrderUpdate, PositionUpdate, StreamGap
from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.exchange.binance_streams import (
    KEYS_IN_URL,
    KEYS_PER_CONNECTION,
    KEYS_PER_SUBSCRIBE,
    BinanceAccountStreams,
    stream_base,
)
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
ACCOUNTS = {"key": ("secret", Decimal(10000)), "other": ("secret2", Decimal(10000))}


def credentials(api_key: str) -> ApiCredentials:
    return ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, api_key, ACCOUNTS[api_key][0])


class Heard:
    """The sink: every (key id, event) in order, and a way to wait for one."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self._arrived = asyncio.Condition()

    async def __call__(self, key_id: str, event: object) -> None:
        async with self._arrived:
            self.events.append((key_id, event))
            self._arrived.notify_all()

    async def until(self, found, count: int = 1) -> list[tuple[str, object]]:
        async with asyncio.timeout(5), self._arrived:
            await self._arrived.wait_for(lambda: len(self.matching(found)) >= count)
        return self.matching(found)

    def matching(self, found) -> list[tuple[str, object]]:
        return [(key, event) for key, event in self.events if found(key, event)]


def gap(key_id: str):
    return lambda key, event: key == key_id and isinstance(event, StreamGap)


@pytest.fixture
async def venue():
    async with serving_facade(ACCOUNTS, listen_key_seconds=60) as served:
        yield served


@asynccontextmanager
async def streams_on(base: str, heard: Heard, **options) -> AsyncIterator[BinanceAccountStreams]:
    """The platform's streams on the venue at `base`, telling `heard`; closed afterwards."""
    gateway = CcxtGateway(CcxtClients(base_url=base))
    streams = BinanceAccountStreams(
        gateway, heard, base=stream_base(base, sandbox=False), **options
    )
    try:
        yield streams
    finally:
        await streams.aclose()
        await gateway.aclose()


def buy(engine, api_key: str = "key"):
    return engine.place_order(
        api_key, Kind.FUTURES, "BTCUSDT", side=BUY, type=MARKET, quantity=Decimal("0.1")
    )


def positioned(key, event) -> bool:
    return isinstance(event, PositionUpdate)


@pytest.fixture
async def heard():
    return Heard()


@pytest.fixture
async def watching(venue, heard):
    _engine, base = venue
    async with streams_on(base, heard) as streams:
        yield streams


async def test_many_keys_share_one_connection_and_each_hears_only_its_own(venue, heard, watching):
    engine, _ = venue
    simulated = venue.streams
    await watching.watch("k1", credentials("key"))
    await watching.watch("k2", credentials("other"))
    await heard.until(gap("k1"))
    await heard.until(gap("k2"))

    order = buy(engine)
    [(_, position)] = await heard.until(positioned)

    assert watching.connections() == 1 and simulated.connections() == 1
    assert watching.live("k1") and watching.live("k2")
    orders = [e for k, e in heard.events if isinstance(e, OrderUpdate)]
    assert [(o.order_id, o.status, o.venue_status, o.filled) for o in orders] == [
        (str(order.order_id), "open", "NEW", Decimal(0)),
        (str(order.order_id), "closed", "FILLED", Decimal("0.1")),
    ]
    assert orders[0].symbol == "BTC/USDT" and not orders[0].conditional
    assert position == PositionUpdate("BTC/USDT", Decimal("0.1"), Decimal(19700))
    assert {k for k, e in heard.events if not isinstance(e, StreamGap)} == {"k1"}


async def test_a_conditional_is_heard_from_new_to_finished(venue, heard, watching):
    engine, _ = venue
    await watching.watch("k1", credentials("key"))
    await heard.until(gap("k1"))
    stop = long_with_stop(engine, "19500")

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19400))
    await heard.until(lambda key, e: isinstance(e, OrderUpdate) and e.venue_status == "FINISHED")

    algo = [e for _, e in heard.events if isinstance(e, OrderUpdate) and e.conditional]
    assert [(a.venue_status, a.status) for a in algo] == [
        ("NEW", "open"),
        ("TRIGGERING", "open"),
        ("TRIGGERED", "closed"),
        ("FINISHED", "closed"),
    ]
    assert {a.order_id for a in algo} == {str(stop.algo_id)}
    assert algo[0].client_order_id == stop.client_algo_id


async def test_a_rejected_trigger_is_heard_with_its_reason(venue, heard, watching):
    engine, _ = venue
    await watching.watch("k1", credentials("key"))
    await heard.until(gap("k1"))
    long_with_stop(engine, "19500")
    engine.rejecting_triggers["BTCUSDT"] = 1

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19400))
    [(_, rejected)] = await heard.until(
        lambda key, e: isinstance(e, OrderUpdate) and e.status == "rejected"
    )

    assert rejected.conditional and rejected.reason == "Margin is insufficient."


async def test_a_full_connection_opens_again_with_its_keys_asked_for_in_batches(heard):
    """A connection opens again with a few keys in its URL (150 listen keys make a URL of
    11 KB, which the simulator's server refuses with 414, as servers do) and asks for the
    rest by SUBSCRIBE, a batch at a time."""
    count = 150
    assert KEYS_IN_URL + 2 * KEYS_PER_SUBSCRIBE < count <= KEYS_PER_CONNECTION
    accounts = {f"k{n}": (f"s{n}", Decimal(10000)) for n in range(count)}
    async with serving_facade(accounts) as venue:
        engine, base = venue
        async with streams_on(base, heard) as streams:
            for n in range(count):
                await streams.watch(f"id{n}", ApiCredentials(
                    ExchangeId.BINANCE, TradeType.FUTURES, f"k{n}", f"s{n}"
                ))  # fmt: skip
            for n in range(count):
                await heard.until(gap(f"id{n}"))

            venue.streams.disconnect_all()  # every key wanted again at once
            for n in range(count):
                await heard.until(gap(f"id{n}"), count=2)
            buy(engine, f"k{count - 1}")
            await heard.until(positioned)

            assert streams.connections() == 1 and venue.streams.connections() == 1
            assert all(streams.live(f"id{n}") for n in range(count))
            assert {k for k, e in heard.events if isinstance(e, PositionUpdate)} == {
                f"id{count - 1}"
            }


async def test_keys_past_a_connections_capacity_open_another(venue, heard):
    _, base = venue
    simulated = venue.streams
    async with streams_on(base, heard, keys_per_connection=1) as streams:
        await streams.watch("k1", credentials("key"))
        await streams.watch("k2", credentials("other"))
        await heard.until(gap("k2"))
        assert streams.connections() == 2 and simulated.connections() == 2

        await streams.unwatch("k1")
        await streams.unwatch("k2")
        await asyncio.sleep(0.2)
        assert streams.connections() == 0 and simulated.connections() == 0 and not streams.watched()


async def test_a_dropped_connection_opens_again_and_tells_of_the_gap(venue, heard):
    engine, base = venue
    simulated = venue.streams
    async with streams_on(base, heard, reconnect_seconds=(0.05, 0.2)) as streams:
        await streams.watch("k1", credentials("key"))
        await heard.until(gap("k1"))

        simulated.disconnect_all()
        await heard.until(gap("k1"), count=2)
        buy(engine)

        await heard.until(positioned)
        assert streams.live("k1")


async def test_an_expired_listen_key_is_replaced_and_the_gap_told():
    heard = Heard()
    async with serving_facade(ACCOUNTS, listen_key_seconds=0.5) as venue:
        engine, base = venue
        async with streams_on(base, heard) as streams:
            await streams.watch("k1", credentials("key"))
            await heard.until(gap("k1"), count=2)  # the first key expired, a new one carried

            buy(engine)
            await heard.until(positioned)


async def test_a_kept_alive_listen_key_never_expires():
    heard = Heard()
    async with serving_facade(ACCOUNTS, listen_key_seconds=0.6) as venue:
        engine, base = venue
        async with streams_on(base, heard, keepalive_seconds=0.2) as streams:
            await streams.watch("k1", credentials("key"))
            await asyncio.sleep(1.5)  # past two lives of an unrenewed key

            assert len(heard.matching(gap("k1"))) == 1
            buy(engine)
            await heard.until(positioned)


async def test_a_listen_key_that_died_while_disconnected_is_replaced_on_reconnect(venue, heard):
    engine, base = venue
    async with streams_on(base, heard, reconnect_seconds=(0.2, 0.5)) as streams:
        await streams.watch("k1", credentials("key"))
        await heard.until(gap("k1"))
        venue.streams.disconnect_all()
        venue.streams.close("key")  # the listen key dies before the stream is back

        await heard.until(gap("k1"), count=2)  # refused, a new key made, carried again
        buy(engine)
        await heard.until(positioned)
        assert streams.live("k1")
