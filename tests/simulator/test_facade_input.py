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
