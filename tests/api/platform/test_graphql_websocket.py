"""GraphQL over a websocket: authenticated in connection_init, same rules as HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.builders.documented import STRATEGY_1
from tests.standins.serving import serving_here
from tests.support.live import connect, trades_seen_live
from tradedesk.app import create_app

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def ws_url(runtime):
    """The app under a real uvicorn, in the test's own event loop."""
    async with serving_here(create_app(runtime=runtime)) as base:
        yield base.replace("http://", "ws://") + "/graphql"


async def run(socket, query: str) -> dict:
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    return json.loads(await asyncio.wait_for(socket.recv(), 5))


async def test_a_token_in_connection_init_opens_private_fields(ws_url, cognito):
    socket = await connect(ws_url, {"Authorization": f"Bearer {cognito.access_token('wes')}"})
    try:
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        result = await run(socket, "{ viewer { profile { createdAt } } plans { name } }")
    finally:
        await socket.close()

    assert ack["type"] == "connection_ack"
    assert result["type"] == "next"
    assert result["payload"]["data"]["viewer"]["profile"]["createdAt"].endswith("Z")
    assert len(result["payload"]["data"]["plans"]) == 3


@pytest.mark.parametrize(
    "payload", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": 42}]
)
async def test_a_missing_or_bad_token_closes_the_socket_with_4403(ws_url, payload):
    socket = await connect(ws_url, payload)

    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 5)

    assert closed.value.rcvd.code == 4403


async def test_mutations_are_refused_over_the_socket(ws_url, cognito):
    socket = await connect(ws_url, {"Authorization": cognito.access_token("wes")})
    try:
        await asyncio.wait_for(socket.recv(), 5)
        result = await run(
            socket, 'mutation { updateProfile(input: {firstName: "Sock"}) { errors { field } } }'
        )
    finally:
        await socket.close()

    assert result["type"] == "error"
    assert "over HTTP" in result["payload"][0]["message"]


async def test_the_http_limits_apply_over_the_socket(ws_url, cognito):
    socket = await connect(ws_url, {"Authorization": cognito.access_token("wes")})
    aliases = " ".join(f"a{n}: plans {{ id }}" for n in range(31))
    tokens = "{ plans { " + " ".join(["id"] * 6000) + " } }"
    try:
        await asyncio.wait_for(socket.recv(), 5)
        too_many_aliases = await run(socket, f"{{ {aliases} }}")
        too_long = await run(socket, tokens)
    finally:
        await socket.close()

    assert too_many_aliases["type"] == "error"
    assert "31 aliases found" in too_many_aliases["payload"][0]["message"]
    assert too_long["type"] == "error"
    assert "5000 tokens" in too_long["payload"][0]["message"]


async def test_errors_follow_the_taxonomy(ws_url, cognito):
    socket = await connect(ws_url, {"Authorization": cognito.access_token("wes")})
    try:
        await asyncio.wait_for(socket.recv(), 5)
        result = await run(socket, '{ ticker(symbol: "DOGE/USDT") { last } }')
    finally:
        await socket.close()

    [error] = result["payload"]["errors"]
    assert error["message"] == "invalid exchange symbol (1300)"
    assert error["extensions"]["code"] == "1300"


async def test_operators_watch_a_strategys_signals_live(ws_url, cognito, admin, alice):
    socket = await connect(ws_url, {"Authorization": cognito.access_token("olga", admin=True)})
    refused = await connect(ws_url, {"Authorization": cognito.access_token("alice")})
    try:
        await asyncio.wait_for(socket.recv(), 5)  # connection_ack
        await asyncio.wait_for(refused.recv(), 5)
        subscription = (
            f'subscription {{ signals(strategyId: "{STRATEGY_1}") {{ action side stopPrice'
            " copies } }"
        )
        for each in (socket, refused):
            await each.send(
                json.dumps({"id": "s", "type": "subscribe", "payload": {"query": subscription}})
            )
        await asyncio.sleep(0.2)  # the subscriptions are listening
        published = await admin.graphql(
            f'mutation {{ publishSignal(input: {{strategyId: "{STRATEGY_1}", action: "CLOSE"}})'
            " { errors { field } } }"
        )
        event = json.loads(await asyncio.wait_for(socket.recv(), 5))
        denied = json.loads(await asyncio.wait_for(refused.recv(), 5))
    finally:
        await socket.close()
        await refused.close()

    assert published["data"]["publishSignal"]["errors"] == []
    assert event["type"] == "next"
    assert event["payload"]["data"]["signals"] == {
        "action": "CLOSE",
        "side": None,
        "stopPrice": None,
        "copies": 0,
    }
    assert denied["payload"] == {
        "data": None,
        "errors": [{"message": "forbidden", "extensions": {"code": "FORBIDDEN"}}],
    }


async def test_a_trader_watches_their_own_trades_live(ws_url, cognito, client, runtime):
    assert await trades_seen_live(ws_url, cognito, client, runtime) == [
        {"kind": "ENTRY", "side": "buy", "amount": 0.01},
        {"kind": "STOP", "side": "sell", "amount": 0.01},
    ]
