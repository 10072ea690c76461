"""TradingView alerts: a body carrying the strategy's secret, to /webhooks/tradingview/<id>."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import timedelta

import httpx
import orjson
import pytest

from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import copies_of, follower, position
from tests.builders.documented import STRATEGY_1, STRATEGY_2
from tests.builders.exchange_keys import on_the_simulator
from tradedesk.app import create_app

pytestmark = pytest.mark.asyncio

ROTATE = "mutation($id: ID!) { rotateStrategyWebhookSecret(id: $id) { secret } }"
SIGNAL = {"action": "OPEN", "side": "BUY", "stopPrice": 19500, "takeProfitPrices": [20000]}
UNAUTHORIZED = (401, {"message": "unauthorized"})


@pytest.fixture
def settings_overrides(venue, request):
    """The simulator over HTTP, and what a test adds (`indirect` parametrization)."""
    return on_the_simulator(venue, **getattr(request, "param", {}))


async def rotated(admin, strategy: str = STRATEGY_1) -> str:
    answer = await admin.graphql(ROTATE, {"id": strategy})
    return answer["data"]["rotateStrategyWebhookSecret"]["secret"]


async def alert(client, body: dict | list | bytes, *, strategy=STRATEGY_1, text=False):
    """As TradingView sends it: the body alone, JSON or text holding JSON, no other header."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    kind = "text/plain; charset=utf-8" if text else "application/json"
    return await client.post(
        f"/webhooks/tradingview/{strategy}", content=raw, headers={"content-type": kind}
    )


async def test_an_alert_opens_the_followers_position(admin, client, cognito, venue, runtime):
    key = await follower(client, cognito, venue, "viewer", 1000, CONSERVATIVE)
    secret = await rotated(admin)

    answer = await alert(client, {**SIGNAL, "secret": secret}, text=True)
    waiting = await copies_of(runtime, answer.json()["signalId"])  # the answer did not wait
    placed = await runtime.services.copy_dispatcher.drain()

    assert answer.status_code == 200, answer.text
    assert list(answer.json()) == ["signalId"]
    copies = await copies_of(runtime, answer.json()["signalId"])
    assert [copy.status.value for copy in waiting.values()] == ["PENDING"]
    assert [copy.status.value for copy in copies.values()] == ["PLACED"]
    assert list(copies) == [key]
    assert placed == 1
    assert position(venue, "viewer") > 0  # on the simulator, through ccxt over HTTP


async def test_wrong_or_missing_secrets_and_unknown_strategies_are_refused_alike(
    admin, client, runtime
):
    secret = await rotated(admin)

    answers = [
        await alert(client, {**SIGNAL, "secret": "whsec_guessed"}),
        await alert(client, SIGNAL),
        await alert(client, {**SIGNAL, "secret": 12345}),
        await alert(client, {**SIGNAL, "secret": secret}, strategy=STRATEGY_2),  # no secret
        await alert(client, {**SIGNAL, "secret": secret}, strategy=str(uuid.uuid4())),
        await alert(client, {**SIGNAL, "secret": secret[:-1]}),
        await alert(client, {**SIGNAL, "secret": secret}, strategy="not-a-strategy-id"),
        await alert(client, [{**SIGNAL, "secret": secret}]),  # JSON, but no object
    ]

    assert [(a.status_code, a.json()) for a in answers] == [UNAUTHORIZED] * len(answers)
    assert await runtime.services.copy_dispatcher.drain() == 0


async def test_a_repeated_alert_id_publishes_once(admin, client, cognito, venue, runtime):
    await follower(client, cognito, venue, "repeat", 1000, CONSERVATIVE)
    secret = await rotated(admin)
    body = {**SIGNAL, "secret": secret, "id": "bar-1700000000"}

    first = await alert(client, body)
    again = await alert(client, body, text=True)
    other = await alert(client, {**body, "id": 1700000060})  # TradingView may send a number
    copies = [await copies_of(runtime, a.json()["signalId"]) for a in (first, other)]

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 200)
    assert again.json() == first.json()
    assert other.json() != first.json()
    assert [len(c) for c in copies] == [1, 1]  # the repeat made no copy of its own


async def test_a_stale_alert_is_a_422_and_copies_nothing(
    admin, client, cognito, venue, runtime, clock
):
    await follower(client, cognito, venue, "late", 1000, CONSERVATIVE)
    secret = await rotated(admin)
    now = clock.now()
    body = {**SIGNAL, "secret": secret}

    stale = await alert(client, {**body, "timestamp": int(now.timestamp()) - 61})
    stale_iso = await alert(
        client, {**body, "timestamp": (now - timedelta(seconds=90)).isoformat()}
    )
    ahead = await alert(client, {**body, "timestamp": str(int(now.timestamp()) + 600)})
    copied = await runtime.services.copy_dispatcher.drain()
    longer_lag = await alert(
        client, {**body, "timestamp": int(now.timestamp()) - 61, "maxLag": 120}
    )
    fresh_iso = await alert(
        client, {**body, "timestamp": (now - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    )

    assert [a.status_code for a in (stale, stale_iso, ahead)] == [422] * 3
    assert stale.json() == {
        "errors": [
            {
                "value": int(now.timestamp()) - 61,
                "msg": "must be at most 60 s old: the alert is stale",
                "param": "timestamp",
                "location": "body",
            }
        ]
    }
    assert ahead.json()["errors"][0]["msg"] == "must not be more than 60 s in the future"
    assert copied == 0
    assert (longer_lag.status_code, fresh_iso.status_code) == (200, 200), fresh_iso.text


async def test_a_bad_body_is_one_422_with_every_field_once_the_secret_is_right(
    admin, client, runtime
):
    secret = await rotated(admin)

    not_json = await alert(client, b"BUY BTCUSDT @ {{close}}", text=True)
    invalid = await alert(
        client,
        {"secret": secret, "action": "OPEN", "side": "HOLD", "id": "", "maxLag": 0,
         "timestamp": "yesterday"},
    )  # fmt: skip

    assert (not_json.status_code, not_json.json()) == UNAUTHORIZED  # so no secret in it
    assert invalid.status_code == 422
    assert [e["param"] for e in invalid.json()["errors"]] == [
        "id", "maxLag", "timestamp", "side", "stopPrice",
    ]  # fmt: skip
    assert secret not in invalid.text
    assert await runtime.services.copy_dispatcher.drain() == 0


async def test_the_secret_is_never_logged_or_echoed(admin, client, runtime, caplog):
    secret = await rotated(admin)
    caplog.set_level(logging.DEBUG)

    answers = [
        await alert(client, {**SIGNAL, "secret": secret}),
        await alert(client, {**SIGNAL, "secret": secret + "x"}),
        await alert(client, {**SIGNAL, "secret": secret, "side": "HOLD"}),
        await alert(client, {**SIGNAL, "secret": secret, "timestamp": 0}),
    ]

    assert [a.status_code for a in answers] == [200, 401, 422, 422]
    assert all(secret not in a.text for a in answers)
    assert caplog.records  # the deliveries were logged...
    assert all(
        secret not in r.getMessage() and secret not in str(r.__dict__) for r in caplog.records
    )


@pytest.mark.parametrize(
    "settings_overrides", [{"tradingview_allow_ips": ["203.0.113.0/24"]}], indirect=True
)
async def test_with_an_allow_list_only_its_senders_are_heard(admin, client, runtime):
    secret = await rotated(admin)
    app = create_app(runtime=runtime)

    async def sent_from(address: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 443))
        async with httpx.AsyncClient(transport=transport, base_url="http://tv.test") as http:
            return await alert(http, {**SIGNAL, "secret": secret})

    outsider = await sent_from("198.51.100.7")
    insider = await sent_from("203.0.113.9")

    assert (outsider.status_code, outsider.json()) == UNAUTHORIZED
    assert insider.status_code == 200, insider.text


async def test_a_market_price_that_does_not_come_in_time_is_a_503_and_stores_nothing(
    admin, client, cognito, venue, runtime, faults
):
    await follower(client, cognito, venue, "patient", 1000, CONSERVATIVE)
    secret = await rotated(admin)
    body = {**SIGNAL, "secret": secret, "id": "bar-1"}  # MARKET, no price: the market's is read
    faults.latency("/fapi/v1/ticker", seconds=2.5, times=1)  # TradingView waits 3 s in all

    started = time.monotonic()
    late = await alert(client, body)
    took = time.monotonic() - started
    await asyncio.sleep(1)  # the shared read finishes meanwhile, for whoever asks next
    again = await alert(client, body)  # the same id: a new delivery, since nothing was stored

    assert (late.status_code, late.json()) == (503, {"message": "service unavailable"})
    assert took < 2.5
    assert again.status_code == 200, again.text
    assert await runtime.services.copy_dispatcher.drain() == 1  # one signal, one copy
