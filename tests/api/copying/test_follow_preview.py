"""`followPreview`: what following a strategy with a key would place now, sized as the next
copy is; on the simulator through ccxt, nothing written."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import update

from tests.builders.accounts import Caller
from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import FOLLOWS, OPEN, PUBLISH, copies_of
from tests.builders.documented import STRATEGY_1
from tests.builders.exchange_keys import KEYS, funded, on_the_simulator
from tradedesk.persistence.tables import PlanRow

pytestmark = pytest.mark.asyncio

PREVIEW = (
    "query($key: ID!, $input: FollowStrategyInput!) { followPreview(exchangeKeyId: $key,"
    " input: $input) { feasible amount notionalUsdt leverage riskUsdt side entryPrice stopPrice"
    " signalId reason reasonCode } }"
)
FOLLOW = (
    "mutation($id: ID!, $input: FollowStrategyInput!) { followStrategy(exchangeKeyId: $id,"
    " input: $input) { follow { id } errors { field } } }"
)
FOLLOWING = {"strategyAutomatedId": STRATEGY_1, "strategyRiskProfileId": CONSERVATIVE}


@pytest.fixture
def settings_overrides(venue):
    return on_the_simulator(venue)


async def key_of(client, cognito, venue, name: str) -> tuple[Caller, str]:
    caller = Caller(client, cognito.access_token(name))
    return caller, (await caller.post(KEYS, funded(venue, name, usdt=1000))).json()["id"]


async def preview(caller: Caller, key: str, options: dict | None = None) -> dict:
    answer = await caller.graphql(PREVIEW, {"key": key, "input": {**FOLLOWING, **(options or {})}})
    assert "errors" not in answer, answer
    return answer["data"]["followPreview"]


@pytest.mark.parametrize(
    "options",
    [{}, {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 1500, "maxLeverage": 3}],
    ids=["risk", "fixed-notional"],
)
async def test_the_preview_is_what_the_next_copy_places(
    admin, client, cognito, venue, runtime, options
):
    first = await admin.graphql(PUBLISH, {"input": OPEN})  # MARKET, the market at 19,700
    caller, key = await key_of(client, cognito, venue, "previewer")

    shown = await preview(caller, key, options)
    made = await caller.graphql(FOLLOW, {"id": key, "input": {**FOLLOWING, **options}})
    assert made["data"]["followStrategy"]["errors"] == []
    published = await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()

    [copy] = (await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])).values()
    assert shown["feasible"] is True
    assert shown["signalId"] == first["data"]["publishSignal"]["signal"]["id"]
    assert (Decimal(str(shown["amount"])), shown["leverage"]) == (
        Decimal(str(copy.amount)),
        copy.leverage,
    )
    assert (shown["side"], shown["entryPrice"], shown["stopPrice"]) == ("BUY", 19700, 19500)
    assert shown["notionalUsdt"] == pytest.approx(shown["amount"] * 19700)
    assert shown["riskUsdt"] == pytest.approx(shown["amount"] * 200)


async def test_before_any_signal_a_stop_2_percent_away_on_the_side_followed(client, cognito, venue):
    caller, key = await key_of(client, cognito, venue, "early")

    longs = await preview(caller, key)
    shorts = await preview(caller, key, {"direction": "SHORT_ONLY"})

    # 1.5 % of 1,000 over 394 (2 % of 19,700) is 0.038 BTC
    assert longs == {
        "feasible": True,
        "amount": 0.038,
        "notionalUsdt": pytest.approx(748.6),
        "leverage": 1,
        "riskUsdt": pytest.approx(14.972),
        "side": "BUY",
        "entryPrice": 19700,
        "stopPrice": 19306,
        "signalId": None,
        "reason": None,
        "reasonCode": None,
    }
    assert (shorts["side"], shorts["stopPrice"], shorts["amount"]) == ("SELL", 20094, 0.038)


async def test_an_infeasible_copy_says_why(admin, client, cognito, venue):
    await admin.graphql(PUBLISH, {"input": OPEN})
    caller, key = await key_of(client, cognito, venue, "cannot")

    tiny = await preview(caller, key, {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 50})
    turned = await preview(caller, key, {"direction": "SHORT_ONLY"})

    assert (tiny["feasible"], tiny["reasonCode"], tiny["amount"]) == (False, "BELOW_MINIMUM", None)
    assert "below the market's minimum" in tiny["reason"]
    assert (turned["feasible"], turned["reasonCode"]) == (False, "DIRECTION")
    assert turned["reason"] == "the follow copies short trades only"


async def test_only_the_callers_own_key_and_valid_options_and_nothing_written(
    client, cognito, venue
):
    owner, key = await key_of(client, cognito, venue, "owner")
    stranger = Caller(client, cognito.access_token("stranger"))

    foreign = await stranger.graphql(PREVIEW, {"key": key, "input": FOLLOWING})
    missing = await stranger.graphql(PREVIEW, {"key": str(uuid.uuid4()), "input": FOLLOWING})
    bad = await owner.graphql(
        PREVIEW, {"key": key, "input": {**FOLLOWING, "sizing": "EQUITY_PERCENT"}}
    )
    anonymous = await client.post("/graphql", json={"query": PREVIEW, "variables": {
        "key": key, "input": FOLLOWING}})  # fmt: skip

    assert foreign["errors"][0]["extensions"] == missing["errors"][0]["extensions"]
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert foreign["errors"][0]["message"] == missing["errors"][0]["message"]
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert [f["field"] for f in bad["errors"][0]["extensions"]["fields"]] == ["equityPercent"]
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await owner.get(FOLLOWS.format(key))).json()["items"] == []


async def test_a_plan_without_automation_is_refused_as_following_would_be(
    client, cognito, venue, runtime
):
    caller, key = await key_of(client, cognito, venue, "unplanned")
    async with runtime.engine.begin() as db:
        await db.execute(update(PlanRow).values(strategy_automated=False))

    refused = await caller.graphql(PREVIEW, {"key": key, "input": FOLLOWING})
    following = await caller.graphql(FOLLOW, {"id": key, "input": FOLLOWING})

    assert refused["errors"][0]["extensions"]["code"] == "2103"
    assert following["errors"][0]["extensions"] == refused["errors"][0]["extensions"]
