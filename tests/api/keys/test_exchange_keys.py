"""Exchange keys end to end: REST and the real ccxt code path against the simulator's facade."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import SQLModel

from tests.builders.accounts import Caller
from tests.builders.exchange_keys import KEYS, SECRET, funded, funded_body
from tradedesk.bootstrap import build_runtime
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
LIST = f"{KEYS}/list"
TOTAL = "/v1/priv/account/exchange/balance"
MISSING = "6645920d-08cb-44f0-b8b3-a14dd918a7b0"


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, "default_plan": "BASIC"}


async def test_a_key_the_exchange_vouches_for_is_registered(alice, venue, clock):
    response = await alice.post(KEYS, funded(venue, "key-1"))

    assert response.status_code == 200
    created = response.json()
    assert set(created) == {
        "id", "exchangeId", "tradeType", "strategyType", "active", "name", "apiKeyStatus",
        "apiKey", "createdAt", "updatedAt",
    }  # fmt: skip
    assert {k: created[k] for k in ("tradeType", "strategyType", "active", "apiKeyStatus")} == {
        "tradeType": "FUTURES",
        "strategyType": "AUTOMATED",
        "active": True,
        "apiKeyStatus": "AUTHORIZED",
    }
    assert (await alice.get(LIST)).json() == {"items": [created]}
    balance = await alice.get(f"{KEYS}/{created['id']}/balance")
    assert balance.json() == {"free": {"USDT": 1000}, "used": {"USDT": 0}, "total": {"USDT": 1000}}
    assert (await alice.get(TOTAL)).json() == {"USD": 1000}


async def test_the_secret_is_sealed_at_rest_and_never_returned(
    alice, venue, runtime, clock, caplog
):
    await alice.post(KEYS, funded(venue, "key-1"))
    await runtime.services.balance_history.take_snapshots()
    await alice.post(KEYS, {**funded_body("key-1"), "apiSecretKey": "wrong", "name": "n" * 26})

    async with runtime.engine.connect() as connection:  # every row of every table
        tables = [
            (await connection.execute(text(f"SELECT * FROM {table.name}"))).all()
            for table in SQLModel.metadata.sorted_tables
        ]
    graph = await alice.graphql("{ viewer { exchangeKeys { id } } }")
    answers = (await alice.get(LIST)).text + repr(graph)
    dump = repr(tables) + str(answers) + caplog.text

    assert "key-1" in dump and SECRET not in dump
    assert SECRET[:16] not in dump  # not even a prefix of it


@pytest.mark.parametrize(
    ("change", "param", "msg"),
    [
        ({"tradeType": "SPOT"}, "tradeType", "cannot be assigned to AUTOMATED strategy"),
        ({"name": "n" * 26}, "name", "length must be less than 25"),
        ({"exchangeId": "KRAKEN"}, "exchangeId", "must be valid exchange id"),
        ({"strategyType": "HOLD"}, "strategyType", "must be valid strategy type"),
        ({"apiSecretKey": None}, "apiSecretKey", "must be valid exchange API key"),
    ],
)
async def test_invalid_input_is_422_before_the_exchange_is_asked(alice, change, param, msg):
    body = {**funded_body("never-checked"), **change}

    response = await alice.post(KEYS, body)

    assert response.status_code == 422
    assert {"param": param, "msg": msg, "location": "body", "value": change[param]} in (
        response.json()["errors"]
    )


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        ({"can_withdraw": True}, "exchange API key type is invalid (1106)"),
        ({"hedge_mode": True}, "exchange API key type is invalid (1106)"),
    ],
)
async def test_keys_the_platform_must_not_hold_are_refused(alice, venue, flags, error):
    response = await alice.post(KEYS, funded(venue, "risky", **flags))

    assert (response.status_code, response.json()) == (433, {"error": error})
    assert (await alice.get(LIST)).json() == {"items": []}


async def test_rejected_credentials_are_1103_and_store_nothing(alice, venue):
    body = funded(venue, "key-1")

    response = await alice.post(KEYS, {**body, "apiSecretKey": "not-the-secret"})

    assert (response.status_code, response.json()) == (
        433,
        {"error": "exchange API authorization failed (1103)"},
    )
    assert (await alice.get(LIST)).json() == {"items": []}


async def test_a_key_registered_by_anyone_is_1109(alice, bob, venue):
    body = funded(venue, "shared")
    assert (await alice.post(KEYS, body)).status_code == 200

    response = await bob.post(KEYS, body)

    assert (response.status_code, response.json()) == (
        433,
        {"error": "exchange API key already exist (1109)"},
    )


async def test_two_users_registering_one_key_at_once_get_one_1109(alice, bob, venue):
    body = funded(venue, "contested")

    responses = await asyncio.gather(alice.post(KEYS, body), bob.post(KEYS, body))

    assert sorted(r.status_code for r in responses) == [200, 433]
    [refused] = [r for r in responses if r.status_code == 433]
    assert refused.json() == {"error": "exchange API key already exist (1109)"}


async def test_the_plans_limits(alice, venue):
    # BASIC: two keys, 2,500 USD
    assert (await alice.post(KEYS, funded(venue, "k1", usdt=1500))).status_code == 200
    too_rich = await alice.post(KEYS, funded(venue, "k2", usdt=1001))
    assert too_rich.json() == {"error": "exceed subscription max API balance limit (2129b)"}
    assert (await alice.post(KEYS, funded(venue, "k3", usdt=1000))).status_code == 200

    third = await alice.post(KEYS, funded(venue, "k4", usdt=1))

    assert third.json() == {"error": "exceed subscription max API key limit (2129a)"}


async def test_concurrent_creations_cannot_slip_past_a_limit(alice, venue):
    bodies = [funded(venue, f"race-{n}", usdt=100) for n in range(5)]

    responses = await asyncio.gather(*(alice.post(KEYS, body) for body in bodies))

    assert sorted(r.status_code for r in responses) == [200, 200, 433, 433, 433]
    assert len((await alice.get(LIST)).json()["items"]) == 2


async def test_rename_delete_and_isolation(alice, bob, venue, clock):
    created = (await alice.post(KEYS, funded(venue, "key-1"))).json()
    path = f"{KEYS}/{created['id']}"

    for foreign in (
        await bob.put(path, {"name": "mine now"}),
        await bob.get(f"{path}/balance"),
        await bob.delete(path),
        await alice.put(f"{KEYS}/{MISSING}", {"name": "x"}),
    ):
        assert (foreign.status_code, foreign.json()) == (404, {"message": "route not found"})

    renamed = await alice.put(path, {"name": "Manual spot account"})
    assert renamed.json()["name"] == "Manual spot account"
    bad = await alice.put(f"{KEYS}/invalid", {"name": "n" * 30})
    assert [(e["param"], e["location"]) for e in bad.json()["errors"]] == [
        ("id", "params"),
        ("name", "body"),
    ]

    deleted = await alice.delete(path)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await alice.get(LIST)).json() == {"items": []}
    assert (await alice.post(KEYS, funded_body("key-1"))).status_code == 200  # free again


async def test_a_key_the_exchange_stops_accepting_becomes_unauthorized(alice, venue):
    engine, _base = venue
    created = (await alice.post(KEYS, funded(venue, "key-1"))).json()
    assert (await alice.get(LIST)).json()["items"][0]["apiKeyStatus"] == "AUTHORIZED"  # kept
    engine.account("key-1").secret = "rotated on Binance"

    refused = await alice.get(f"{KEYS}/{created['id']}/balance")

    assert refused.json() == {"error": "exchange API authorization failed (1103)"}
    [key] = (await alice.get(LIST)).json()["items"]
    assert (key["apiKeyStatus"], key["active"]) == ("UNAUTHORIZED", False)
    assert (await alice.get(TOTAL)).json() == {"USD": 0}


async def test_the_total_values_other_assets_at_their_spot_price(alice, venue):
    engine, _base = venue
    body = {**funded(venue, "spot-1", usdt=500), "tradeType": "SPOT", "strategyType": "MANUAL"}
    engine.account("spot-1").spot_balance("BTC").free = Decimal("0.01")
    engine.set_price(Kind.SPOT, "BTCUSDT", Decimal(20000))

    assert (await alice.post(KEYS, body)).status_code == 200

    assert (await alice.get(TOTAL)).json() == {"USD": 700}


KEY_FIELDS = "id exchangeId tradeType strategyType active name apiKeyStatus apiKey ipRestricted"


async def create_by_graphql(caller: Caller, body: dict) -> dict:
    response = await caller.graphql(
        "mutation($input: CreateExchangeKeyInput!) { createExchangeKey(input: $input) {"
        f" exchangeKey {{ {KEY_FIELDS} }} errors {{ field message code }} }} }}",
        {"input": body},
    )
    return response


async def test_graphql_creates_lists_renames_and_deletes(alice, venue):
    created = await create_by_graphql(alice, funded(venue, "gql-1", ip_restricted=False))
    key = created["data"]["createExchangeKey"]["exchangeKey"]
    assert created["data"]["createExchangeKey"]["errors"] == []
    assert (key["apiKey"], key["ipRestricted"], key["apiKeyStatus"]) == (
        "gql-1",
        False,
        "AUTHORIZED",
    )

    viewer = await alice.graphql(
        "{ viewer { exchangeKeys { id name balance { asset free total } }"
        " totalBalanceUsd whitelistIps } }"
    )
    assert viewer["data"]["viewer"] == {
        "exchangeKeys": [
            {
                "id": key["id"],
                "name": "Default",
                "balance": [{"asset": "USDT", "free": 1000, "total": 1000}],
            }
        ],
        "totalBalanceUsd": 1000,
        "whitelistIps": [],
    }
    rest = (await alice.get(LIST)).json()["items"][0]
    assert {k: rest[k] for k in ("id", "name", "apiKey")} == {
        "id": key["id"],
        "name": "Default",
        "apiKey": "gql-1",
    }

    renamed = await alice.graphql(
        'mutation($id: ID!) { updateExchangeKey(id: $id, input: {name: "Scalper"}) {'
        " exchangeKey { name } errors { field message } } }",
        {"id": key["id"]},
    )
    assert renamed["data"]["updateExchangeKey"]["exchangeKey"] == {"name": "Scalper"}
    deleted = await alice.graphql(
        "mutation($id: ID!) { deleteExchangeKey(id: $id) { deletedId errors { field } } }",
        {"id": key["id"]},
    )
    assert deleted["data"]["deleteExchangeKey"] == {"deletedId": key["id"], "errors": []}
    assert (await alice.get(LIST)).json() == {"items": []}


async def test_graphql_errors_payload_and_taxonomy(alice, bob, venue):
    invalid = await create_by_graphql(
        alice, {**funded_body("x"), "tradeType": "SPOT", "name": "n" * 30}
    )
    refused = await create_by_graphql(alice, {**funded(venue, "k"), "apiSecretKey": "wrong"})
    foreign = await bob.graphql(
        "mutation($id: ID!) { deleteExchangeKey(id: $id) { deletedId } }", {"id": MISSING}
    )

    assert invalid["data"]["createExchangeKey"]["errors"] == [
        {
            "field": "tradeType",
            "message": "cannot be assigned to AUTOMATED strategy",
            "code": "INVALID",
        },
        {"field": "name", "message": "length must be less than 25", "code": "INVALID"},
    ]
    assert refused["errors"][0]["extensions"]["code"] == "1103"
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"


class TestReadFromTheDatabase:
    @pytest.fixture
    def settings_overrides(self, venue):
        _engine, base = venue
        return {"exchange": "binance", "binance_urls": base, "key_list_cache_seconds": 0}

    async def test_listing_keys_costs_the_same_queries_for_one_key_or_a_hundred(
        self, alice, venue, runtime, count_statements
    ):
        await alice.post(KEYS, funded(venue, "first"))
        query = "{ viewer { exchangeKeys { id name apiKeyStatus ipRestricted } } }"
        with count_statements:
            assert len((await alice.graphql(query))["data"]["viewer"]["exchangeKeys"]) == 1
        one = len(count_statements.statements)
        async with runtime.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO exchange_keys SELECT 'k' || n, user_id, exchange_id, trade_type,"
                    " strategy_type, name, api_key || n, secret_token, secret_key_id, active,"
                    " api_key_status, ip_restricted, balance_usd, balance_checked_at, created_at,"
                    " updated_at FROM exchange_keys, (SELECT 1 AS n"
                    + "".join(f" UNION ALL SELECT {n}" for n in range(2, 100))
                    + ") AS numbers"
                )
            )
        with count_statements:
            assert len((await alice.graphql(query))["data"]["viewer"]["exchangeKeys"]) == 100
        hundred = len(count_statements.statements) - one

        assert hundred == one


async def test_secrets_are_resealed_under_a_new_key_and_the_old_key_can_go(
    alice, venue, runtime, tmp_path
):
    created = (await alice.post(KEYS, funded(venue, "key-1"))).json()
    old = (tmp_path / "secret-box.key").read_text()
    new = Fernet.generate_key().decode()

    rotating = build_runtime(
        runtime.settings.model_copy(update={"secret_key": SecretStr(f"{new},{old}")})
    )
    try:
        assert await rotating.services.exchange_keys.reseal_secrets() == 1
        assert await rotating.services.exchange_keys.reseal_secrets() == 0
    finally:
        await rotating.aclose()
    rotated = build_runtime(runtime.settings.model_copy(update={"secret_key": SecretStr(new)}))
    try:
        principal = await rotated.services.identity.authenticate(alice.headers["authorization"])
        [usdt] = await rotated.services.exchange_keys.balance(principal, created["id"])
    finally:
        await rotated.aclose()

    assert (usdt.asset, usdt.total) == ("USDT", 1000)


class TestOnTheEmbeddedDefault:
    """No Binance, no keys to buy: the paper exchange opens an account for any key."""

    @pytest.fixture
    def settings_overrides(self):
        return {}

    async def test_a_paper_key_fits_the_free_plan(self, alice):
        body = {**funded_body("paper-key"), "tradeType": "SPOT", "strategyType": "MANUAL"}

        created = await alice.post(KEYS, body)
        second = await alice.post(KEYS, {**body, "apiKey": "another"})

        assert created.status_code == 200
        assert (await alice.get(TOTAL)).json() == {"USD": 1000}
        assert second.json() == {"error": "exceed subscription max API key limit (2129a)"}


async def test_balances_of_two_keys_cost_the_same_statements_as_of_one(
    alice, venue, count_statements
):
    query = "{ viewer { exchangeKeys { id balance { asset total } } } }"
    await alice.post(KEYS, {**funded(venue, "b1", usdt=100), "strategyType": "MANUAL"})
    await alice.graphql(query)  # the first read records the status and value
    with count_statements:
        assert len((await alice.graphql(query))["data"]["viewer"]["exchangeKeys"]) == 1
    one = len(count_statements.statements)
    second = await alice.post(KEYS, {**funded(venue, "b2", usdt=100), "strategyType": "MANUAL"})
    assert second.status_code == 200  # BASIC: two keys
    await alice.graphql(query)
    with count_statements:
        keys = (await alice.graphql(query))["data"]["viewer"]["exchangeKeys"]
    two = len(count_statements.statements) - one

    assert [key["balance"] for key in keys] == [[{"asset": "USDT", "total": 100}]] * 2
    assert two == one
