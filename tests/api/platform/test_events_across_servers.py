"""Live updates with `TRADEDESK_REDIS_URL`: two server processes on one database and one
Redis, as behind a load balancer. A socket on one server sees what was done through the other.

Needs the local Redis (`.ci/run` starts it): skipped on a developer's machine without one,
failed under CI=true."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests.builders.accounts import Caller
from tests.builders.documented import STRATEGY_1
from tests.standins.serving import serving_here
from tests.support.live import subscribed, trades_seen_live
from tradedesk.app import create_app
from tradedesk.bootstrap import build_runtime

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(redis_url):
    return {"redis_url": redis_url}


@pytest.fixture
async def ws_url(runtime):
    """Server A, under a real uvicorn: where the sockets are."""
    async with serving_here(create_app(runtime=runtime)) as base:
        yield base.replace("http://", "ws://") + "/graphql"


@pytest.fixture
async def server_b(runtime, clock):
    """Server B: another runtime on the same settings, where the requests go and the
    protection keeper runs: (its client, its runtime)."""
    other = build_runtime(runtime.settings, clock=clock)
    transport = httpx.ASGITransport(app=create_app(runtime=other), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://b.test") as http:
        yield http, other
    await other.aclose()


async def test_an_operator_on_one_server_sees_a_signal_published_on_another(
    ws_url, server_b, cognito
):
    token = cognito.access_token("olga", admin=True)
    socket = await subscribed(
        ws_url, token, f'subscription {{ signals(strategyId: "{STRATEGY_1}") {{ action copies }} }}'
    )
    try:
        await asyncio.sleep(0.5)  # listening on Redis
        published = await Caller(server_b[0], token).graphql(
            f'mutation {{ publishSignal(input: {{strategyId: "{STRATEGY_1}", action: "CLOSE"}})'
            " { errors { field } } }"
        )
        event = json.loads(await asyncio.wait_for(socket.recv(), 5))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(socket.recv(), 0.5)  # once, not once per server
    finally:
        await socket.close()

    assert published["data"]["publishSignal"]["errors"] == []
    assert event["payload"]["data"]["signals"] == {"action": "CLOSE", "copies": 0}


async def test_a_trader_on_one_server_sees_the_trades_placed_and_followed_on_another(
    ws_url, server_b, cognito
):
    client, runtime_b = server_b
    assert await trades_seen_live(ws_url, cognito, client, runtime_b) == [
        {"kind": "ENTRY", "side": "buy", "amount": 0.01},
        {"kind": "STOP", "side": "sell", "amount": 0.01},
    ]
