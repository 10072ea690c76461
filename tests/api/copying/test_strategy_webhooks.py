"""Signals from a charting tool: signed deliveries to /webhooks/strategy/<id>."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import follower, position
from tests.builders.documented import STRATEGY_1, STRATEGY_2
from tests.builders.exchange_keys import on_the_simulator
from tradedesk.domain.copying.webhooks import signature

pytestmark = pytest.mark.asyncio

ROTATE = "mutation($id: ID!) { rotateStrategyWebhookSecret(id: $id) { secret errors { field } } }"
SIGNAL = {"action": "OPEN", "side": "BUY", "stopPrice": 19500, "takeProfitPrices": [20000]}


@pytest.fixture
def settings_overrides(venue):
    return on_the_simulator(venue)


async def deliver(client, clock, secret: str, body: dict | bytes, *, strategy=STRATEGY_1, age=0):
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    timestamp = str(int(clock.now().timestamp()) - age)
    return await client.post(
        f"/webhooks/strategy/{strategy}",
        content=raw,
        headers={
            "X-Tradedesk-Timestamp": timestamp,
            "X-Tradedesk-Signature": signature(secret, timestamp, raw),
            "content-type": "application/json",
        },
    )


async def test_a_signed_delivery_publishes_once(admin, client, cognito, venue, runtime, clock):
    await follower(client, cognito, venue, "hooked", 1000, CONSERVATIVE)
    secret = (await admin.graphql(ROTATE, {"id": STRATEGY_1}))["data"][
        "rotateStrategyWebhookSecret"
    ]["secret"]

    first = await deliver(client, clock, secret, SIGNAL)
    again = await deliver(client, clock, secret, SIGNAL)
    await runtime.services.copy_dispatcher.drain()

    assert first.status_code == 200, first.text
    assert first.json() | {"signalId": "?"} == {"signalId": "?", "copies": 1, "replayed": False}
    assert again.json() == {"signalId": first.json()["signalId"], "copies": None, "replayed": True}
    assert position(venue, "hooked") > 0
    assert await runtime.services.copy_dispatcher.drain() == 0  # the replay made no copy


async def test_unsigned_stale_or_foreign_deliveries_are_refused_alike(
    admin,
    alice,
    client,
    clock,
    runtime,
):
    secret = (await admin.graphql(ROTATE, {"id": STRATEGY_1}))["data"][
        "rotateStrategyWebhookSecret"
    ]["secret"]

    answers = [
        await deliver(client, clock, "whsec_guessed", SIGNAL),
        await deliver(client, clock, secret, SIGNAL, age=int(timedelta(minutes=6).total_seconds())),
        await deliver(client, clock, secret, SIGNAL, strategy=STRATEGY_2),  # it has no secret
        await client.post(f"/webhooks/strategy/{STRATEGY_1}", json=SIGNAL),
    ]
    rotated = await admin.graphql(ROTATE, {"id": STRATEGY_1})
    old_secret = await deliver(client, clock, secret, SIGNAL)
    refused = await alice.graphql(ROTATE, {"id": STRATEGY_1})

    assert [(a.status_code, a.json()) for a in answers] == [(401, {"message": "unauthorized"})] * 4
    assert rotated["data"]["rotateStrategyWebhookSecret"]["secret"] != secret
    assert old_secret.status_code == 401
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await runtime.services.copy_dispatcher.drain() == 0


async def test_a_signed_but_invalid_signal_is_a_422(admin, client, clock):
    secret = (await admin.graphql(ROTATE, {"id": STRATEGY_1}))["data"][
        "rotateStrategyWebhookSecret"
    ]["secret"]

    invalid = await deliver(client, clock, secret, {"action": "OPEN", "side": "HOLD"})
    not_json = await deliver(client, clock, secret, b"OPEN BTC")
    fixed = await deliver(client, clock, secret, SIGNAL)  # a new delivery may follow at once

    assert invalid.status_code == 422
    assert [(e["param"], e["location"]) for e in invalid.json()["errors"]] == [
        ("side", "body"),
        ("stopPrice", "body"),
    ]
    assert not_json.json() == {
        "errors": [
            {"value": None, "msg": "must be JSON object", "param": "body", "location": "body"}
        ]
    }
    assert fixed.status_code == 200
