"""Unexpected failures are masked: a request id, never a trace or an internal message."""

from __future__ import annotations

import logging

import httpx
import pytest

from tradedesk.app import create_app
from tradedesk.bootstrap import build_runtime

pytestmark = pytest.mark.asyncio


class BrokenExchange:
    """An exchange adapter with a bug in it, to prove what escapes is masked."""

    async def fetch_ticker(self, **_kwargs):
        raise RuntimeError("secret internals: api_secret=hunter2")


@pytest.fixture
async def broken_client(runtime, clock):
    broken = build_runtime(runtime.settings, clock=clock, exchange=BrokenExchange())
    transport = httpx.ASGITransport(app=create_app(runtime=broken), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tradedesk.test") as http:
        yield http
    await broken.aclose()


async def test_rest_answers_500_with_only_a_request_id(broken_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = await broken_client.get(
            "/v1/pub/exchange/ticker", headers={"x-request-id": "req-42"}
        )

    assert response.status_code == 500
    assert response.json() == {"message": "internal server error", "requestId": "req-42"}
    assert response.headers["x-request-id"] == "req-42"
    assert "hunter2" not in response.text
    assert "req-42" in caplog.text  # the operator can find the trace by the id


async def test_graphql_masks_the_error_as_internal(broken_client):
    response = await broken_client.post("/graphql", json={"query": "{ ticker { last } }"})

    [error] = response.json()["errors"]
    assert error["message"] == "internal server error"
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "hunter2" not in response.text


async def test_every_response_carries_a_generated_request_id(client):
    response = await client.get("/healthz")

    assert response.json() == {"status": "ok"}
    assert len(response.headers["x-request-id"]) == 32


async def test_unsafe_request_ids_are_replaced(client):
    response = await client.get("/healthz", headers={"x-request-id": "<script>"})

    assert response.headers["x-request-id"] != "<script>"


async def test_readiness_reflects_the_database(client):
    ready = await client.get("/readyz")

    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


async def test_readiness_fails_when_the_database_is_unreachable(clock):
    from tradedesk.config import load_settings

    settings = load_settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    runtime = build_runtime(settings, clock=clock)
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/readyz")
    await runtime.aclose()

    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})


@pytest.mark.parametrize(
    ("redis_at", "expected"),
    [("live", (200, {"status": "ready"})), ("closed", (503, {"status": "unavailable"}))],
)
async def test_readiness_reflects_a_configured_redis(runtime, clock, redis_url, redis_at, expected):
    url = redis_url if redis_at == "live" else "redis://127.0.0.1:1/0"  # nothing listens there
    with_redis = runtime.settings.model_copy(update={"redis_url": url})
    other = build_runtime(with_redis, clock=clock)
    transport = httpx.ASGITransport(app=create_app(runtime=other))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/readyz")
    await other.aclose()

    assert (response.status_code, response.json()) == expected
