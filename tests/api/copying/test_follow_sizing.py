"""Follow sizing modes over GraphQL: RISK, FIXED_NOTIONAL, EQUITY_PERCENT and a notional cap,
placed on the simulator through ccxt; each option validated with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.builders.accounts import Caller
from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import FOLLOWS, OPEN, PUBLISH, copies_of, follower, position
from tests.builders.documented import STRATEGY_1
from tests.builders.exchange_keys import KEYS, funded, on_the_simulator
from tradedesk.domain.copying.model import CopyStatus

pytestmark = pytest.mark.asyncio

OPTIONS = "sizing notionalUsdt equityPercent maxNotionalUsdt maxLeverage"
FOLLOW = (
    "mutation($id: ID!, $input: FollowStrategyInput!) { followStrategy(exchangeKeyId: $id,"
    f" input: $input) {{ follow {{ id {OPTIONS} }} errors {{ field message }} }} }}"
)
UPDATE = (
    "mutation($id: ID!, $input: UpdateStrategyFollowInput!) { updateStrategyFollow(id: $id,"
    f" input: $input) {{ follow {{ {OPTIONS} }} errors {{ field message }} }} }}"
)
FOLLOWING = {"strategyAutomatedId": STRATEGY_1, "strategyRiskProfileId": CONSERVATIVE}


@pytest.fixture
def settings_overrides(venue):
    return on_the_simulator(venue)


async def sized_follower(client, cognito, venue, name: str, options: dict) -> str:
    """A follower of 1,000 USDT whose follow (made over GraphQL) has these options."""
    caller = Caller(client, cognito.access_token(name))
    key = (await caller.post(KEYS, funded(venue, name, usdt=1000))).json()["id"]
    made = await caller.graphql(FOLLOW, {"id": key, "input": {**FOLLOWING, **options}})
    assert made["data"]["followStrategy"]["errors"] == [], made
    return key


async def test_each_copy_is_sized_by_its_follows_mode(admin, client, cognito, venue, runtime):
    risk = await follower(client, cognito, venue, "risk", 1000, CONSERVATIVE)  # v1: RISK
    fixed = await sized_follower(
        client, cognito, venue, "fixed", {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 1500}
    )
    share = await sized_follower(
        client, cognito, venue, "share", {"sizing": "EQUITY_PERCENT", "equityPercent": 25}
    )
    capped = await sized_follower(
        client,
        cognito,
        venue,
        "capped",
        {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 5000, "maxNotionalUsdt": 1000},
    )
    tiny = await sized_follower(
        client, cognito, venue, "tiny", {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 50}
    )

    published = await admin.graphql(PUBLISH, {"input": OPEN})  # MARKET at 19,700, stop 19,500
    await runtime.services.copy_dispatcher.drain()

    copies = await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])
    engine, _base = venue
    # RISK: the conservative profile's 1.5 % of 1,000 over a 200 stop is 0.075 BTC
    assert position(venue, "risk") == Decimal("0.075")
    # 1,500 / 19,700 = 0.0761 -> 0.076 BTC, 1,497 USDT on 900 of margin: 2x
    assert position(venue, "fixed") == Decimal("0.076")
    assert engine.account("fixed").position("BTCUSDT").leverage == 2
    assert copies[fixed].leverage == 2
    # 25 % of 1,000 is 250 USDT: 0.0126 -> 0.012 BTC
    assert position(venue, "share") == Decimal("0.012")
    # 5,000 asked, 1,000 allowed: 0.0507 -> 0.050 BTC
    assert position(venue, "capped") == Decimal("0.050")
    # 50 USDT is under the market's 100 USDT minimum: skipped, and why
    assert copies[tiny].status is CopyStatus.SKIPPED
    assert "below the market's minimum" in (copies[tiny].reason or "")
    assert position(venue, "tiny") == 0
    assert {copies[k].status for k in (risk, fixed, share, capped)} == {CopyStatus.PLACED}


async def test_bad_options_are_refused_field_by_field_and_nothing_is_written(
    client, cognito, venue
):
    caller = Caller(client, cognito.access_token("careful"))
    key = (await caller.post(KEYS, funded(venue, "careful"))).json()["id"]

    refused = [
        await caller.graphql(FOLLOW, {"id": key, "input": {**FOLLOWING, **options}})
        for options in (
            {"sizing": "FIXED_NOTIONAL"},
            {"sizing": "EQUITY_PERCENT", "notionalUsdt": 100},
            {"equityPercent": 0, "maxNotionalUsdt": -5, "notionalUsdt": 2e9},
            {"equityPercent": 100.5, "maxEntrySlippagePercent": 0, "portfolioStopPercent": 101},
            {"portfolioStopPercent": 0.001, "maxNotionalUsdt": 0.001},  # would be kept as 0
        )
    ]
    listed = (await caller.get(FOLLOWS.format(key))).json()["items"]

    assert [[e["field"] for e in r["data"]["followStrategy"]["errors"]] for r in refused] == [
        ["notionalUsdt"],
        ["equityPercent"],
        ["notionalUsdt", "equityPercent", "maxNotionalUsdt"],
        ["equityPercent", "maxEntrySlippagePercent", "portfolioStopPercent"],
        ["maxNotionalUsdt", "portfolioStopPercent"],
    ]
    first = refused[0]["data"]["followStrategy"]["errors"][0]["message"]
    assert first == "must be given with sizing FIXED_NOTIONAL"
    assert listed == []


async def test_an_update_changes_only_the_options_it_names(client, cognito, venue):
    caller = Caller(client, cognito.access_token("tuner"))
    key = (await caller.post(KEYS, funded(venue, "tuner"))).json()["id"]
    made = await caller.graphql(
        FOLLOW, {"id": key, "input": {**FOLLOWING, "maxNotionalUsdt": 800, "maxLeverage": 5}}
    )
    follow_id = made["data"]["followStrategy"]["follow"]["id"]

    async def update(options: dict) -> dict:
        answer = await caller.graphql(UPDATE, {"id": follow_id, "input": options})
        return answer["data"]["updateStrategyFollow"]

    missing = await update({"sizing": "EQUITY_PERCENT"})
    to_share = await update({"sizing": "EQUITY_PERCENT", "equityPercent": 10})
    figure_only = await update({"equityPercent": 20})
    back = await update({"sizing": None, "maxNotionalUsdt": None})

    assert [e["field"] for e in missing["errors"]] == ["equityPercent"]
    assert made["data"]["followStrategy"]["follow"] | {"id": "?"} == {
        "id": "?",
        "sizing": "RISK",
        "notionalUsdt": None,
        "equityPercent": None,
        "maxNotionalUsdt": 800.0,
        "maxLeverage": 5,
    }
    assert to_share["follow"]["sizing"] == "EQUITY_PERCENT"
    assert figure_only["follow"] == {
        "sizing": "EQUITY_PERCENT",
        "notionalUsdt": None,
        "equityPercent": 20.0,
        "maxNotionalUsdt": 800.0,
        "maxLeverage": 5,
    }
    assert back["follow"] == {
        "sizing": "RISK",
        "notionalUsdt": None,
        "equityPercent": 20.0,
        "maxNotionalUsdt": None,
        "maxLeverage": 5,
    }
