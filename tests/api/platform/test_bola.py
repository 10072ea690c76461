"""Object-level authorization, as a matrix: every private v1 route and every GraphQL field or
mutation that takes the id of a user's key or follow, called by another user with the owner's
id, answers exactly as it does for an id that does not exist, and changes nothing.

The routes and fields are read off the app (its route table, its schema's introspection), so a
new one that takes such an id fails this test until it is listed here with how to call it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from tradedesk.app import V1_ROUTES
from tradedesk.rest.contract import Endpoint

pytestmark = pytest.mark.asyncio
KEY_BODY = {
    "exchangeId": "BINANCE",
    "tradeType": "FUTURES",
    "strategyType": "MANUAL",
    "name": "Alices",
    "apiKey": "alice-key",
    "apiSecretKey": "alice-secret",
}
RESTING_ORDER = {
    "symbol": "BTC/USDT",
    "type": "LIMIT",
    "side": "BUY",
    "amount": 0.01,
    "price": 10000,  # far under the market: it rests
}


@pytest.fixture
def settings_overrides():
    return {"default_plan": "PROFESSIONAL"}  # both users may follow strategies


@pytest.fixture
async def owned(alice, bob, client) -> dict[str, str]:
    """Alice's manual key (with a resting order) and her automated key's follow."""
    key = (await alice.post("/v1/priv/account/exchange/key", KEY_BODY)).json()
    automated = await alice.post(
        "/v1/priv/account/exchange/key",
        {**KEY_BODY, "strategyType": "AUTOMATED", "apiKey": "alice-auto", "name": "Auto"},
    )
    strategy = (await client.get("/v1/pub/strategy/list")).json()["items"][0]
    profile = (await client.get("/v1/pub/strategy/profile/list")).json()["items"][0]
    follow = await alice.post(
        f"/v1/priv/strategy/follow/exchange/key/{automated.json()['id']}",
        {"strategyAutomatedId": strategy["id"], "strategyRiskProfileId": profile["id"]},
    )
    placed = await alice.post(f"/v1/priv/exchange/order/{key['id']}", RESTING_ORDER)
    assert follow.status_code == 200 and placed.status_code == 200, placed.text
    await bob.get("/v1/priv/account/profile")  # Bob is a user too (his row exists)
    return {
        "key_id": key["id"],
        "follow_id": follow.json()["id"],
        "strategy_id": strategy["id"],
        "profile_id": profile["id"],
    }


def rest_bodies(owned: dict[str, str]) -> dict[tuple[str, str], dict | None]:
    """A valid body for each v1 route that takes a key or follow id (None: no body), so a
    refusal can only be about whose id it is."""
    follow = {
        "strategyAutomatedId": owned["strategy_id"],
        "strategyRiskProfileId": owned["profile_id"],
    }
    return {
        ("PUT", "/priv/account/exchange/key/{key_id}"): {"name": "Mallory"},
        ("DELETE", "/priv/account/exchange/key/{key_id}"): None,
        ("GET", "/priv/account/exchange/key/{key_id}/balance"): None,
        ("GET", "/priv/account/exchange/key/{key_id}/balance/history"): None,
        ("POST", "/priv/exchange/order/{key_id}"): {**RESTING_ORDER, "price": 10001},
        ("GET", "/priv/exchange/order/{key_id}/list"): None,
        ("GET", "/priv/exchange/order/{key_id}/history"): None,
        ("PUT", "/priv/exchange/order/{key_id}/leverage"): {"symbol": "BTC/USDT", "leverage": 7},
        ("PUT", "/priv/exchange/order/{key_id}/margin"): {"symbol": "BTC/USDT", "type": "CROSSED"},
        ("GET", "/priv/exchange/trade/{key_id}/history"): None,
        ("GET", "/priv/exchange/position/{key_id}"): None,
        ("DELETE", "/priv/exchange/position/{key_id}"): {"symbol": "BTC/USDT"},
        ("GET", "/priv/strategy/follow/exchange/key/{key_id}"): None,
        ("POST", "/priv/strategy/follow/exchange/key/{key_id}"): follow,
        ("PUT", "/priv/strategy/follow/{follow_id}"): {"active": False},
    }


async def every_row(runtime) -> dict[str, list[str]]:
    rows = {}
    async with runtime.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            result = await connection.execute(select(table))
            rows[table.name] = sorted(map(repr, result.all()))
    return rows


async def exchange_state(alice, key_id: str) -> list:
    """What the exchange holds on Alice's key: her open orders and position."""
    orders = await alice.get(f"/v1/priv/exchange/order/{key_id}/list?symbol=BTC%2FUSDT")
    position = await alice.get(f"/v1/priv/exchange/position/{key_id}?symbol=BTC%2FUSDT")
    return [orders.json(), position.json()]


async def test_every_v1_route_answers_anothers_id_as_a_missing_one(runtime, alice, bob, owned):
    bodies = rest_bodies(owned)
    with_ids = {
        (route.method, route.path)
        for route in V1_ROUTES
        if isinstance(route, Endpoint) and "{" in route.path and route.contract.private
    }
    assert with_ids == set(bodies), "a route takes an id: say here how to call it"
    before = (await every_row(runtime), await exchange_state(alice, owned["key_id"]))

    for (method, path), body in bodies.items():
        missing = {name: str(uuid.uuid4()) for name in ("key_id", "follow_id")}
        for_owner = "/v1" + path.format(**owned)
        for_nobody = "/v1" + path.format(**missing)
        query = "?symbol=BTC%2FUSDT" if method == "GET" and "/exchange/" in path else ""
        kwargs = {"headers": bob.headers} | ({"json": body} if body is not None else {})
        foreign = await bob.client.request(method, for_owner + query, **kwargs)
        absent = await bob.client.request(method, for_nobody + query, **kwargs)

        assert foreign.status_code == 404, (method, path, foreign.text)
        assert (foreign.status_code, foreign.content) == (absent.status_code, absent.content)

    after = (await every_row(runtime), await exchange_state(alice, owned["key_id"]))
    assert after == before  # nothing Bob sent changed a row or an order


def mutation(field: str, arguments: str, variables: str = "") -> str:
    return f"mutation($id: ID!{variables}) {{ {field}({arguments}) {{ __typename }} }}"


BTC = '"BTC/USDT"'
# Every ID argument of the GraphQL schema, and how the matrix treats it: a document to run with
# $id, or None where the id is not a user's.
GRAPHQL_IDS = {
    ("Viewer", "exchangeKey", "id"): "query($id: ID!) { viewer { exchangeKey(id: $id) { id } } }",
    ("Mutation", "updateExchangeKey", "id"): mutation(
        "updateExchangeKey", 'id: $id, input: {name: "Mallory"}'
    ),
    ("Mutation", "deleteExchangeKey", "id"): mutation("deleteExchangeKey", "id: $id"),
    ("Mutation", "placeOrder", "exchangeKeyId"): mutation(
        "placeOrder",
        "exchangeKeyId: $id, input: "
        f'{{symbol: {BTC}, type: "LIMIT", side: "BUY", amount: 0.01, price: 10001}}',
    ),
    ("Mutation", "closePosition", "exchangeKeyId"): mutation(
        "closePosition", f"exchangeKeyId: $id, symbol: {BTC}"
    ),
    ("Mutation", "setLeverage", "exchangeKeyId"): mutation(
        "setLeverage", f"exchangeKeyId: $id, input: {{symbol: {BTC}, leverage: 7}}"
    ),
    ("Mutation", "setMarginType", "exchangeKeyId"): mutation(
        "setMarginType", f'exchangeKeyId: $id, input: {{symbol: {BTC}, type: "CROSSED"}}'
    ),
    ("Mutation", "followStrategy", "exchangeKeyId"): mutation(
        "followStrategy",
        "exchangeKeyId: $id, input: {strategyAutomatedId: $s, strategyRiskProfileId: $p}",
        ", $s: String!, $p: String!",
    ),
    ("Mutation", "updateStrategyFollow", "id"): mutation(
        "updateStrategyFollow", "id: $id, input: {active: false}"
    ),
    ("Query", "followPreview", "exchangeKeyId"): (
        "query($id: ID!, $s: String!, $p: String!) { followPreview(exchangeKeyId: $id, "
        "input: {strategyAutomatedId: $s, strategyRiskProfileId: $p}) { feasible } }"
    ),
    # not a user's: public plans, and strategies that operators own (operator-only fields)
    ("Mutation", "createCheckoutSession", "subscriptionId"): None,
    ("Mutation", "updateStrategy", "id"): None,
    ("Mutation", "rotateStrategyWebhookSecret", "id"): None,
    ("Query", "signalStats", "id"): None,
    ("Query", "strategy", "id"): None,
    ("Subscription", "signals", "strategyId"): None,
}
INTROSPECTION = """{ __schema { types { name kind fields { name args { name type {
  kind name ofType { kind name } } } } } } }"""


def id_arguments(schema: dict) -> set[tuple[str, str, str]]:
    found = set()
    for kind in schema["types"]:
        if kind["kind"] != "OBJECT" or kind["name"].startswith("__"):
            continue
        for field in kind["fields"] or ():
            for arg in field["args"]:
                named = arg["type"]["ofType"] or arg["type"]
                if named["name"] == "ID":
                    found.add((kind["name"], field["name"], arg["name"]))
    return found


async def test_every_graphql_id_argument_answers_anothers_id_as_a_missing_one(
    runtime, alice, bob, owned
):
    schema = (await bob.graphql(INTROSPECTION))["data"]["__schema"]
    assert id_arguments(schema) == set(GRAPHQL_IDS), "an ID argument: say here how to call it"
    before = (await every_row(runtime), await exchange_state(alice, owned["key_id"]))

    for (_type, field, _arg), document in GRAPHQL_IDS.items():
        if document is None:
            continue
        own = owned["follow_id"] if field == "updateStrategyFollow" else owned["key_id"]
        extra = {"s": owned["strategy_id"], "p": owned["profile_id"]}
        extra = extra if "$s" in document else {}
        foreign = await bob.graphql(document, {"id": own, **extra})
        absent = await bob.graphql(document, {"id": str(uuid.uuid4()), **extra})

        assert foreign == absent, field
        if field == "exchangeKey":
            assert foreign == {"data": {"viewer": {"exchangeKey": None}}}
        else:
            assert [e["extensions"]["code"] for e in foreign["errors"]] == ["NOT_FOUND"], field

    after = (await every_row(runtime), await exchange_state(alice, owned["key_id"]))
    assert after == before
