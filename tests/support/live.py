"""GraphQL subscriptions over the graphql-transport-ws websocket, and a trade seen live."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
import websockets

from tests.builders.accounts import Caller
from tradedesk.simulator.markets import Kind


async def subscribed(url: str, token: str, query: str):
    """A socket, acknowledged, subscribed to `query`."""
    socket = await connect(url, {"Authorization": token})
    await asyncio.wait_for(socket.recv(), 5)  # connection_ack
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    return socket


async def trades_seen_live(ws_url, cognito, client, runtime):
    """Alice and Bob watch `myTrades` on `ws_url` while Alice buys through `client`, served
    by `runtime`, and its stop fires: (order response, Alice's two events); Bob sees none."""
    query = "subscription { myTrades { kind side amount } }"
    mine = await subscribed(ws_url, cognito.access_token("alice"), query)
    theirs = await subscribed(ws_url, cognito.access_token("bob"), query)
    try:
        await asyncio.sleep(0.5)  # the subscriptions are listening
        placed = await buy_on_paper(Caller(client, cognito.access_token("alice")))
        entry = json.loads(await asyncio.wait_for(mine.recv(), 5))
        runtime.exchange.engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(18900))
        await runtime.services.protection.tick()
        stop = json.loads(await asyncio.wait_for(mine.recv(), 5))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(theirs.recv(), 0.5)  # bob sees nothing of alice's
    finally:
        await mine.close()
        await theirs.close()
    assert placed.status_code == 200, placed.text
    return [event["payload"]["data"]["myTrades"] for event in (entry, stop)]


async def connect(url: str, payload: dict):
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket


async def buy_on_paper(caller):
    """A paper futures key, then a MARKET buy of 0.01 BTC stopped at 19,000 on it."""
    key = await caller.post(
        "/v1/priv/account/exchange/key",
        {"exchangeId": "BINANCE", "tradeType": "FUTURES", "strategyType": "MANUAL",
         "name": "paper", "apiKey": "alice-paper", "apiSecretKey": "secret"},
    )  # fmt: skip
    return await caller.post(
        f"/v1/priv/exchange/order/{key.json()['id']}",
        {"symbol": "BTC/USDT", "type": "MARKET", "side": "BUY", "amount": 0.01,
         "stopTriggerPrice": 19000},
    )  # fmt: skip


PROTOCOL = "graphql-transport-ws"
