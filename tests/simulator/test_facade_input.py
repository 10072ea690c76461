"""Malformed parameters get Binance's -1102, never a 500 from the simulator."""

from __future__ import annotations

import hashlib
import hmac
import time
from decimal import Decimal
from urllib.parse import urlencode

import httpx
import pytest

from tests.simulator.facade import serving_facade
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


def signed(params: dict[str, str]) -> str:
    query = urlencode({**params, "timestamp": str(int(time.time() * 1000))})
    signature = hmac.new(b"secret", query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        (
            "POST",
            "/fapi/v1/order",
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "NaN"},
        ),
        (
            "POST",
            "/fapi/v1/order",
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "quantity": "0.1",
                "price": "Infinity",
            },
        ),
        (
            "POST",
            "/api/v3/order",
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1.2"},
        ),
        ("DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT", "orderId": "abc"}),
        ("DELETE", "/fapi/v1/algoOrder", {"symbol": "BTCUSDT", "algoId": "1.5"}),
        ("POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "ten"}),
    ],
)
async def test_malformed_numbers_are_1102(method, path, params):
    async with (
        serving_facade({"key": ("secret", Decimal(1000))}) as (_engine, base),
        httpx.AsyncClient(base_url=base, headers={"X-MBX-APIKEY": "key"}) as http,
    ):
        response = await http.request(method, f"{path}?{signed(params)}")

    assert response.status_code == 400
    assert response.json()["code"] == -1102


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/fapi/v1/order", {"type": "LIQUIDATION", "quantity": "0.1"}, -1116),
        ("/fapi/v1/order", {"type": "MARKET", "quantity": "0.1", "timeInForce": "NOW"}, -1115),
        (
            "/fapi/v1/algoOrder",
            {"type": "STOP_MARKET", "triggerPrice": "19000", "quantity": "0.1", "timeInForce": "X"},
            -1115,
        ),
    ],
)
async def test_what_only_the_venue_may_send_is_refused(path, params, code):
    async with (
        serving_facade({"key": ("secret", Decimal(1000))}) as (engine, base),
        httpx.AsyncClient(base_url=base, headers={"X-MBX-APIKEY": "key"}) as http,
    ):
        order = {"symbol": "BTCUSDT", "side": "SELL", **params}
        response = await http.post(f"{path}?{signed(order)}")

    assert (response.status_code, response.json()["code"]) == (400, code)
    assert engine.orders("key", Kind.FUTURES) == engine.conditionals("key", Kind.FUTURES) == []
