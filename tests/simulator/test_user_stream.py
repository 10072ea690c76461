"""The simulator's USDⓈ-M user-data stream, end to end: the real ccxt.pro `binanceusdm` (and,
for the exact frames, a plain WebSocket client) against the facade on loopback."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.simulator.engines import BUY, MARKET, long_with_stop
from tests.simulator.facade import ccxt_client, serving_facade
from tradedesk.simulator.engine import ALGO_IDS_FROM
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
BTC = "BTC/USDT:USDT"
ACCOUNTS = {"key": ("secret", Decimal(10000)), "other": ("secret2", Decimal(10000))}


@pytest.fixture
async def venue():
    async with serving_facade(ACCOUNTS) as venue:
        yield venue


@pytest.fixture
async def futures(venue):
    made = ccxt_client(ccxt_pro.binanceusdm, venue[1])
    yield made
    await made.close()


async def listen_key(base: str, api_key: str = "key") -> str:
    made = ccxt_client(ccxt_async.binanceusdm, base, api_key=api_key, secret=ACCOUNTS[api_key][0])
    try:
        return (await made.fapiPrivatePostListenKey())["listenKey"]
    finally:
        await made.close()


async def frames(socket, count: int) -> list[dict]:
    async with asyncio.timeout(5):
        return [orjson.loads(await socket.recv()) for _ in range(count)]


async def stream_open(exchange) -> None:
    """Until ccxt.pro's user-data connection is up (the simulator listens from then on)."""
    async with asyncio.timeout(5):
        # ccxt.pro makes the client inside the watch: there is nothing to wait on before
        while not (found := [c for url, c in exchange.clients.items() if "listenKey" in url]):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await found[0].connected


async def until(watch, done) -> list[dict]:
    """Everything `watch` delivers until `done` is true of it: ccxt.pro hands over each
    update once, as it arrives."""
    seen: list[dict] = []
    async with asyncio.timeout(5):
        while not done(seen):
            seen += await watch()
    return seen


async def test_a_listen_key_is_made_once_kept_alive_and_closed(futures):
    made = await futures.fapiPrivatePostListenKey()
    again = await futures.fapiPrivatePostListenKey()
    kept = await futures.fapiPrivatePutListenKey()
    closed = await futures.fapiPrivateDeleteListenKey()

    assert len(made["listenKey"]) == 64 and made["listenKey"].isalnum()
    assert again == kept == made
    assert closed == {}
    with pytest.raises(ccxt_async.ExchangeError, match="-1125"):
        await futures.fapiPrivatePutListenKey()
    assert (await futures.fapiPrivatePostListenKey()) != made


async def test_a_listen_key_needs_a_known_api_key(venue):
    stranger = ccxt_client(ccxt_async.binanceusdm, venue[1], api_key="nobody", secret="x")
    try:
        with pytest.raises(ccxt_async.AuthenticationError):
            await stranger.fapiPrivatePostListenKey()
    finally:
        await stranger.close()


async def test_watch_orders_sees_an_order_placed_then_filled(futures):
    watching = asyncio.ensure_future(
        until(
            futures.watch_orders, lambda orders: bool(orders) and orders[-1]["status"] == "closed"
        )
    )
    await stream_open(futures)
    placed = await futures.create_order(BTC, "market", "buy", 0.1, None, {"clientOrderId": "e1"})

    orders = await watching

    assert {o["id"] for o in orders} == {placed["id"]}
    assert (orders[-1]["clientOrderId"], orders[-1]["filled"]) == ("e1", 0.1)
    assert orders[-1]["average"] == 19700


async def test_watch_positions_and_balance_follow_a_fill(futures):
    positions = asyncio.ensure_future(
        until(futures.watch_positions, lambda found: any(p["contracts"] for p in found))
    )
    balance = asyncio.ensure_future(futures.watch_balance())
    await stream_open(futures)
    await futures.create_order(BTC, "market", "buy", 0.1)

    [position] = [p for p in await positions if p["contracts"]]
    wallet = await balance

    assert (position["symbol"], position["side"], position["contracts"]) == (BTC, "long", 0.1)
    assert position["entryPrice"] == 19700
    assert wallet["USDT"]["total"] == pytest.approx(10000 - 0.788)  # the taker fee


async def test_watch_orders_follows_a_stop_from_new_to_closed(futures, venue):
    engine, _ = venue
    await futures.create_order(BTC, "market", "buy", 0.1)
    watching = asyncio.ensure_future(
        until(
            futures.watch_orders,
            lambda orders: any(o["info"].get("X") == "FINISHED" for o in orders),
        )
    )
    await stream_open(futures)
    stop = await futures.create_order(
        BTC, "STOP_MARKET", "sell", 0.1, None, {"stopPrice": 19500, "reduceOnly": True}
    )
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19450))

    orders = await watching

    # ccxt.pro keeps one object per order id, updated in place: it shows the last state
    algo = next(o for o in orders if o["id"] == stop["id"])
    placed = next(o for o in orders if o["id"] == algo["info"]["ai"])
    assert int(algo["id"]) >= ALGO_IDS_FROM > int(placed["id"])
    assert (algo["status"], algo["info"]["X"], algo["stopPrice"]) == ("closed", "FINISHED", 19500)
    assert (placed["status"], placed["filled"], placed["average"]) == ("closed", 0.1, 19450)


async def test_a_triggered_stop_in_binances_own_frames(venue):
    engine, base = venue
    key = await listen_key(base)
    long_with_stop(engine, "19500")
    async with connect(base.replace("http", "ws") + f"/private/ws?listenKey={key}") as socket:
        engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19450))
        got = await frames(socket, 7)

    kinds = [(f["e"], f.get("o", {}).get("X") or f.get("o", {}).get("x")) for f in got]
    assert kinds == [
        ("ALGO_UPDATE", "TRIGGERING"),
        ("ALGO_UPDATE", "TRIGGERED"),
        ("ORDER_TRADE_UPDATE", "NEW"),
        ("TRADE_LITE", None),
        ("ORDER_TRADE_UPDATE", "FILLED"),
        ("ACCOUNT_UPDATE", None),
        ("ALGO_UPDATE", "FINISHED"),
    ]
    trade, account = got[4], got[5]
    assert (trade["o"]["x"], trade["o"]["L"], trade["o"]["rp"]) == ("TRADE", "19450", "-25")
    assert account["a"]["m"] == "ORDER"
    assert account["a"]["P"] == [
        {"s": "BTCUSDT", "pa": "0", "ep": "0", "up": "0", "mt": "cross", "iw": "0", "ps": "BOTH"}
    ]


async def test_a_position_closed_expires_its_gte_gtc_orders_on_the_stream(futures, venue):
    await futures.create_order(BTC, "market", "buy", 0.1)
    resting = await futures.create_order(
        BTC, "limit", "sell", 0.1, 21000, {"reduceOnly": True, "timeInForce": "GTE_GTC"}
    )
    watching = asyncio.ensure_future(
        until(
            futures.watch_orders, lambda orders: bool(orders) and orders[-1]["status"] == "expired"
        )
    )
    await stream_open(futures)
    await futures.create_order(BTC, "market", "sell", 0.1, None, {"reduceOnly": True})

    orders = await watching

    assert orders[-1]["id"] == resting["id"] and orders[-1]["info"]["er"] == "6"
    assert (await futures.fetch_order(resting["id"], BTC))["status"] == "expired"


async def place_stop(futures, trigger: float, client_id: str):
    params = {"stopPrice": trigger, "reduceOnly": True, "clientAlgoId": client_id}
    return await futures.create_order(BTC, "STOP_MARKET", "sell", 0.1, None, params)


async def test_client_ids_of_open_orders_are_refused_again(futures):
    await futures.create_order(BTC, "market", "buy", 0.1)
    await futures.create_order(BTC, "limit", "buy", 0.1, 19000, {"clientOrderId": "entry-1"})
    await place_stop(futures, 19000, "stop-1")

    # ccxt reads -4116 as InvalidOrder only on Binance's own hosts: anywhere else by its code
    with pytest.raises(ccxt_async.ExchangeError, match="-4116"):
        await futures.create_order(BTC, "limit", "buy", 0.1, 19000, {"clientOrderId": "entry-1"})
    with pytest.raises(ccxt_async.ExchangeError, match="-4116"):
        await place_stop(futures, 18900, "stop-1")
    filled = await futures.create_order(BTC, "market", "buy", 0.1, None, {"clientOrderId": "m-1"})
    again = await futures.create_order(BTC, "market", "buy", 0.1, None, {"clientOrderId": "m-1"})
    assert filled["id"] != again["id"]  # a closed order's id may be used again


async def test_one_connection_carries_several_accounts_each_named(venue):
    engine, base = venue
    mine, theirs = await listen_key(base), await listen_key(base, "other")
    query = f"listenKey={mine}&listenKey={theirs}&events=ACCOUNT_UPDATE"
    url = f"{base.replace('http', 'ws')}/private/stream?{query}"
    async with connect(url) as socket:
        for api_key in ("key", "other"):
            engine.place_order(
                api_key, Kind.FUTURES, "BTCUSDT", side=BUY, type=MARKET, quantity=Decimal("0.1")
            )
        got = await frames(
            socket, 5
        )  # all of mine (NEW, TRADE_LITE, TRADE, ACCOUNT), one of theirs

    assert [(f["stream"], f["data"]["e"]) for f in got] == [
        (mine, "ORDER_TRADE_UPDATE"),
        (mine, "TRADE_LITE"),
        (mine, "ORDER_TRADE_UPDATE"),
        (mine, "ACCOUNT_UPDATE"),
        (f"{theirs}@ACCOUNT_UPDATE", "ACCOUNT_UPDATE"),
    ]


async def test_subscriptions_change_on_an_open_connection(venue):
    engine, base = venue
    mine, theirs = await listen_key(base), await listen_key(base, "other")
    async with connect(f"{base.replace('http', 'ws')}/private/stream?listenKey={mine}") as socket:
        await socket.send(
            orjson.dumps(
                {"method": "SUBSCRIBE", "params": [f"{theirs}@TRADE_LITE"], "id": 1}
            ).decode()
        )
        await socket.send(
            orjson.dumps({"method": "UNSUBSCRIBE", "params": [mine], "id": 2}).decode()
        )
        await socket.send(orjson.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 3}).decode())
        await socket.send(
            orjson.dumps({"method": "SUBSCRIBE", "params": ["nonsense"], "id": 4}).decode()
        )
        answers = await frames(socket, 4)
        engine.place_order(  # no longer listened to: nothing of it arrives
            "key", Kind.FUTURES, "BTCUSDT", side=BUY, type=MARKET, quantity=Decimal("0.1")
        )
        engine.place_order(
            "other", Kind.FUTURES, "BTCUSDT", side=BUY, type=MARKET, quantity=Decimal("0.1")
        )
        [lite] = await frames(socket, 1)

    assert answers == [
        {"result": None, "id": 1},
        {"result": None, "id": 2},
        {"result": [f"{theirs}@TRADE_LITE"], "id": 3},
        {"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": 4},
    ]
    assert (lite["stream"], lite["data"]["e"]) == (f"{theirs}@TRADE_LITE", "TRADE_LITE")


async def test_an_unknown_listen_key_is_refused_at_the_handshake(venue):
    _, base = venue
    for path in ("/private/ws?listenKey=nope", "/ws/nope", "/private/stream?listenKey=nope"):
        with pytest.raises(InvalidStatus):
            async with connect(base.replace("http", "ws") + path):
                pass


async def test_an_expired_listen_key_is_told_and_its_connection_closes():
    async with serving_facade(ACCOUNTS, listen_key_seconds=0.5) as venue:
        _engine, base = venue
        streams = venue.streams
        key = await listen_key(base)
        async with connect(f"{base.replace('http', 'ws')}/ws/{key}") as socket:
            assert streams.connections() == 1
            [expired] = await frames(socket, 1)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 5)
        await asyncio.sleep(0.1)  # the server's side of the close

        assert streams.connections() == 0 and not streams.is_valid(key)

        assert expired == {"e": "listenKeyExpired", "E": expired["E"], "listenKey": key}
        assert isinstance(expired["E"], str) and expired["E"].isdigit()
        made = ccxt_client(ccxt_async.binanceusdm, base)
        try:
            with pytest.raises(ccxt_async.ExchangeError, match="-1125"):
                await made.fapiPrivatePutListenKey()
        finally:
            await made.close()


async def test_a_keepalive_holds_the_key_past_its_first_life():
    async with serving_facade(ACCOUNTS, listen_key_seconds=1.0) as venue:
        engine, base = venue
        made = ccxt_client(ccxt_async.binanceusdm, base)
        try:
            await made.load_markets()  # ccxt's first request is not a keepalive's to make
            key = await listen_key(base)
            async with connect(f"{base.replace('http', 'ws')}/ws/{key}") as socket:
                for _ in range(3):  # 1.2 s in all: past the key's first life
                    await asyncio.sleep(0.4)
                    await made.fapiPrivatePutListenKey()
                engine.place_order(
                    "key",
                    Kind.FUTURES,
                    "BTCUSDT",
                    side=BUY,
                    type=MARKET,
                    quantity=Decimal("0.1"),
                )
                [first] = await frames(socket, 1)
        finally:
            await made.close()

    assert first["e"] == "ORDER_TRADE_UPDATE"


async def test_requests_that_are_not_binances_get_its_error_and_keep_the_connection():
    async with serving_facade(ACCOUNTS) as venue:
        engine, base = venue
        streams = venue.streams
        key = await listen_key(base)
        async with connect(f"{base.replace('http', 'ws')}/private/ws?listenKey={key}") as socket:
            for request in (
                {"method": "SUBSCRIBE", "params": [{}], "id": 1},
                {"method": "UNSUBSCRIBE", "params": [1], "id": 2},
                {"method": "UNSUBSCRIBE", "params": ["junk"], "id": 3},
            ):
                await socket.send(orjson.dumps(request).decode())
            await socket.send(b"\x00binary")
            answers = await frames(socket, 4)
            engine.place_order(
                "key", Kind.FUTURES, "BTCUSDT", side=BUY, type=MARKET, quantity=Decimal("0.1")
            )
            [new] = await frames(socket, 1)
            listened = streams.listened_keys()
        await asyncio.sleep(0.1)  # the server's side of the close

        assert [a.get("error", {}).get("code") for a in answers] == [2, 2, None, 3]
        assert new["e"] == "ORDER_TRADE_UPDATE"
        assert listened == {key}  # the junk unsubscribed from left nothing behind
        assert streams.listened_keys() == set()  # nor did the closed connection


async def test_a_connection_that_falls_too_far_behind_is_cut_off(monkeypatch):
    monkeypatch.setattr("tradedesk.simulator.user_stream.BACKLOG", 3)
    async with serving_facade(ACCOUNTS) as venue:
        engine, base = venue
        streams = venue.streams
        key = await listen_key(base)
        async with connect(f"{base.replace('http', 'ws')}/ws/{key}") as socket:
            for _ in range(2):  # 8 frames queued before the connection can send one
                engine.place_order(
                    "key", Kind.FUTURES, "BTCUSDT", side=BUY, type=MARKET, quantity=Decimal("0.01")
                )
            with pytest.raises(ConnectionClosed):
                async with asyncio.timeout(5):
                    while True:
                        await socket.recv()
        await asyncio.sleep(0.1)

        assert streams.connections() == 0


async def test_a_closed_listen_key_ends_its_connections_without_an_expiry_event(venue):
    _engine, base = venue
    key = await listen_key(base)
    made = ccxt_client(ccxt_async.binanceusdm, base)
    try:
        async with connect(f"{base.replace('http', 'ws')}/ws/{key}") as socket:
            await made.fapiPrivateDeleteListenKey()
            with pytest.raises(ConnectionClosed):
                async with asyncio.timeout(5):
                    await socket.recv()  # closed, and nothing was sent before the close
    finally:
        await made.close()

    assert not venue.streams.is_valid(key) and venue.streams.connections() == 0
