"""Strategy follows over REST and GraphQL: the documented shapes, every rule, two users apart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.builders.catalog import CONSERVATIVE, MODERATE
from tests.builders.copying import FOLLOWS
from tests.builders.documented import ROUTE_NOT_FOUND, STRATEGY_1, STRATEGY_2
from tests.builders.exchange_keys import KEYS, funded, on_the_simulator
from tradedesk.persistence.tables import PlanRow, StrategyRow

pytestmark = pytest.mark.asyncio

ETH_STRATEGY = "5f0c1a52-7e0b-4d51-9a4e-3c2f7f0d8e61"
FOLLOW = "/v1/priv/strategy/follow/{}"
BODY = {"strategyAutomatedId": STRATEGY_1, "strategyRiskProfileId": CONSERVATIVE}


@pytest.fixture
def settings_overrides(venue):
    return on_the_simulator(venue)


async def automated_key(caller, venue, api_key: str = "copier", **fields) -> str:
    response = await caller.post(KEYS, {**funded(venue, api_key), **fields})
    assert response.status_code == 200, response.text
    return response.json()["id"]


async def test_following_a_strategy_answers_the_documented_follow(alice, venue, clock):
    key_id = await automated_key(alice, venue)

    created = await alice.post(FOLLOWS.format(key_id), BODY)
    listed = await alice.get(FOLLOWS.format(key_id))

    assert created.status_code == 200, created.text
    follow = created.json()
    assert follow == {
        "id": follow["id"],
        "active": True,
        "createdAt": "2022-10-19T15:09:49.057Z",
        "updatedAt": "2022-10-19T15:09:49.057Z",
        "StrategyAutomated": {
            "id": STRATEGY_1,
            "active": True,
            "exchangeId": "BINANCE",
            "symbol": "BTC/USDT",
        },
        "StrategyRiskProfile": {"id": CONSERVATIVE, "percentage": 1.5},
    }
    assert listed.json() == {"items": [follow]}


async def test_unknown_ids_are_one_422_with_every_field(alice, venue, runtime):
    key_id = await automated_key(alice, venue)
    async with runtime.engine.begin() as db:
        await db.execute(
            update(StrategyRow).where(StrategyRow.id == STRATEGY_2).values(active=False)
        )
    runtime.services.catalog.invalidate()

    inactive = await alice.post(
        FOLLOWS.format(key_id),
        {
            "strategyAutomatedId": STRATEGY_2,
            "strategyRiskProfileId": "682e3707-5775-468e-b468-deca805bbeb4",
            "active": "yes",
        },
    )
    missing = await alice.post(FOLLOWS.format(key_id), {})
    not_json = await alice.client.post(FOLLOWS.format("nope"), content=b"[", headers=alice.headers)

    assert inactive.status_code == 422
    assert inactive.json() == {
        "errors": [
            {
                "value": STRATEGY_2,
                "msg": "must be active strategy automated id",
                "param": "strategyAutomatedId",
                "location": "body",
            },
            {
                "value": "682e3707-5775-468e-b468-deca805bbeb4",
                "msg": "must be valid strategy risk profile id",
                "param": "strategyRiskProfileId",
                "location": "body",
            },
            {"value": "yes", "msg": "must be boolean", "param": "active", "location": "body"},
        ]
    }
    assert [e["param"] for e in missing.json()["errors"]] == [
        "strategyAutomatedId",
        "strategyRiskProfileId",
    ]
    assert [(e["param"], e["location"]) for e in not_json.json()["errors"]] == [
        ("id", "params"),
        ("body", "body"),
    ]


async def test_only_an_active_authorized_automated_futures_key_follows(alice, venue):
    manual = await automated_key(alice, venue, "manual", strategyType="MANUAL")

    response = await alice.post(FOLLOWS.format(manual), BODY)

    assert (response.status_code, response.json()) == (
        433,
        {"error": "exchange API key is inactive (1110)"},
    )
    assert (await alice.get(FOLLOWS.format(manual))).json() == {"items": []}


async def test_one_follow_per_key_and_symbol_even_when_racing(alice, venue):
    key_id = await automated_key(alice, venue)

    answers = await asyncio.gather(
        *(
            alice.post(FOLLOWS.format(key_id), {**BODY, "strategyAutomatedId": strategy})
            for strategy in (STRATEGY_1, STRATEGY_2, STRATEGY_1)
        )
    )

    assert sorted(a.status_code for a in answers) == [200, 433, 433]
    assert {a.json()["error"] for a in answers if a.status_code == 433} == {
        "exchange symbol already exist (1309)"
    }
    assert len((await alice.get(FOLLOWS.format(key_id))).json()["items"]) == 1


async def test_a_plan_without_automation_cannot_follow_or_resume(alice, venue, runtime):
    key_id = await automated_key(alice, venue)
    follow = (await alice.post(FOLLOWS.format(key_id), BODY)).json()
    await alice.put(FOLLOW.format(follow["id"]), {"active": False})
    async with runtime.engine.begin() as db:
        await db.execute(update(PlanRow).values(strategy_automated=False))

    other = await alice.post(FOLLOWS.format(key_id), {**BODY, "strategyAutomatedId": STRATEGY_2})
    resumed = await alice.put(FOLLOW.format(follow["id"]), {"active": True})

    assert other.json() == {"error": "exchange symbol already exist (1309)"}  # checked first
    assert resumed.json() == {"error": "unauthorized subscription features (2103)"}
    assert (await alice.get(FOLLOWS.format(key_id))).json()["items"][0]["active"] is False


async def test_changing_a_follow_keeps_its_symbol(alice, venue, runtime, clock):
    key_id = await automated_key(alice, venue)
    follow = (await alice.post(FOLLOWS.format(key_id), BODY)).json()
    async with runtime.engine.begin() as db:
        await db.execute(
            StrategyRow.__table__.insert().values(
                id=ETH_STRATEGY, active=True, name="ETH trend", exchange_id="BINANCE",
                symbol="ETH/USDT", created_at=datetime(2022, 9, 9, tzinfo=UTC),
                updated_at=datetime(2022, 9, 9, tzinfo=UTC),
            )
        )  # fmt: skip
    runtime.services.catalog.invalidate()
    clock.advance(timedelta(minutes=1))

    changed = await alice.put(
        FOLLOW.format(follow["id"]),
        {"strategyAutomatedId": STRATEGY_2, "strategyRiskProfileId": MODERATE, "active": False},
    )
    other_symbol = await alice.put(
        FOLLOW.format(follow["id"]), {"strategyAutomatedId": ETH_STRATEGY}
    )

    assert changed.status_code == 200, changed.text
    assert changed.json() | {"id": "?"} == {
        "id": "?",
        "active": False,
        "createdAt": "2022-10-19T15:09:49.057Z",
        "updatedAt": "2022-10-19T15:10:49.057Z",
        "StrategyAutomated": {
            "id": STRATEGY_2,
            "active": True,
            "exchangeId": "BINANCE",
            "symbol": "BTC/USDT",
        },
        "StrategyRiskProfile": {"id": MODERATE, "percentage": 2},
    }
    assert other_symbol.json() == {"error": "exchange symbol does not match (1306)"}
    eth = await alice.post(FOLLOWS.format(key_id), {**BODY, "strategyAutomatedId": ETH_STRATEGY})
    assert eth.status_code == 200  # another symbol on the same key is another follow


async def test_another_users_key_or_follow_answers_as_a_missing_one(alice, bob, venue):
    key_id = await automated_key(alice, venue)
    follow = (await alice.post(FOLLOWS.format(key_id), BODY)).json()
    missing = "6645920d-08cb-44f0-b8b3-a14dd918a7b0"

    answers = [
        await bob.get(FOLLOWS.format(key_id)),
        await bob.post(FOLLOWS.format(key_id), BODY),
        await bob.put(FOLLOW.format(follow["id"]), {"active": False}),
        await bob.put(FOLLOW.format(missing), {"active": False}),
        await bob.get(FOLLOWS.format(missing)),
    ]

    assert [(a.status_code, a.json()) for a in answers] == [(404, ROUTE_NOT_FOUND)] * 5
    assert (await alice.get(FOLLOWS.format(key_id))).json()["items"] == [follow]


async def test_deleting_the_key_deletes_its_follows(alice, venue):
    key_id = await automated_key(alice, venue)
    follow = (await alice.post(FOLLOWS.format(key_id), BODY)).json()

    await alice.delete(f"{KEYS}/{key_id}")

    assert (await alice.put(FOLLOW.format(follow["id"]), {"active": True})).status_code == 404


async def test_graphql_follows_match_rest_in_one_query_for_many_keys(
    alice, venue, count_statements
):
    keys = [await automated_key(alice, venue, f"copier{n}") for n in range(3)]
    created = await alice.graphql(
        "mutation($id: ID!, $input: FollowStrategyInput!) { followStrategy(exchangeKeyId: $id,"
        " input: $input) { follow { id active strategy { id name symbol } riskProfile {"
        " percentage } } errors { field message } } }",
        {"id": keys[0], "input": BODY},
    )
    invalid = await alice.graphql(
        "mutation($id: ID!) { updateStrategyFollow(id: $id, input: {strategyRiskProfileId:"
        ' "nope"}) { follow { id } errors { field message } } }',
        {"id": created["data"]["followStrategy"]["follow"]["id"]},
    )
    for key_id in keys[1:]:
        await alice.post(FOLLOWS.format(key_id), BODY)
    query = "{ viewer { exchangeKeys { id follows { id riskProfile { id } strategy { id } } } } }"

    with count_statements:
        listed = await alice.graphql(query)

    follow = created["data"]["followStrategy"]["follow"]
    assert follow["strategy"] == {"id": STRATEGY_1, "name": "STRATEGY #1", "symbol": "BTC/USDT"}
    assert follow["riskProfile"] == {"percentage": 1.5}
    assert invalid["data"]["updateStrategyFollow"] == {
        "follow": None,
        "errors": [{"field": "strategyRiskProfileId", "message": "must be valid strategy risk"
                    " profile id"}],
    }  # fmt: skip
    rest = (await alice.get(FOLLOWS.format(keys[0]))).json()["items"][0]
    found = {key["id"]: key["follows"] for key in listed["data"]["viewer"]["exchangeKeys"]}
    assert found[keys[0]] == [
        {"id": rest["id"], "riskProfile": {"id": CONSERVATIVE}, "strategy": {"id": STRATEGY_1}}
    ]
    assert sorted(len(follows) for follows in found.values()) == [1, 1, 1]
    follow_reads = [s for s in count_statements.statements if "strategy_follows" in s]
    assert len(follow_reads) == 1
