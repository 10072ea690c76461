"""Copy trading end to end: operators' strategies and signals over GraphQL, followers' keys on
the simulator's Binance facade through the real ccxt path, the strategy history over REST."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from tests.builders.accounts import Caller, user_id
from tests.builders.catalog import AGGRESSIVE, CONSERVATIVE, MODERATE
from tests.builders.copying import (
    FOLLOWS,
    OPEN,
    PUBLISH,
    assert_each_holds_their_sized_trade,
    copies_of,
    exits,
    fifty_followers,
    follower,
    position,
    seeded_follower,
    signal_of,
)
from tests.builders.documented import STRATEGY_1, STRATEGY_2
from tests.builders.exchange_keys import KEYS, on_the_simulator
from tests.builders.trading import manual_key
from tests.support.prometheus import samples
from tradedesk.domain.copying.model import CopyOutcome, CopyReason, CopyStatus
from tradedesk.domain.copying.outcomes import CopyOutcomes
from tradedesk.integrations.ids import SystemIds
from tradedesk.integrations.secret_box import FernetSecretBox
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import OrderType, Side, TriggerType

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue):
    return on_the_simulator(venue)


async def test_a_signal_reaches_every_follower_sized_to_their_risk(
    admin, client, cognito, venue, runtime
):
    engine, _base = venue
    # (equity USDT, risk profile) -> amount = equity * pct / 200, leverage to fit 90 % equity
    followers = {
        "f1": (1000, CONSERVATIVE, "0.075", 2),  # 15 USDT at risk; 1,477.5 notional
        "f2": (4000, MODERATE, "0.4", 3),  # 80 at risk; 7,880 notional / 3,600
        "f3": (2000, AGGRESSIVE, "0.3", 4),  # 60 at risk; 5,910 / 1,800
        "f4": (100, CONSERVATIVE, "0.007", 2),  # 0.0075 rounds down to the lot
        "f5": (50, CONSERVATIVE, None, None),  # 0.003 BTC is under 100 USDT: skipped
    }
    keys = {
        name: await follower(client, cognito, venue, name, usdt, profile)
        for name, (usdt, profile, _amount, _leverage) in followers.items()
    }

    published = await admin.graphql(PUBLISH, {"input": OPEN})
    ran = await runtime.services.copy_dispatcher.drain()

    signal = published["data"]["publishSignal"]["signal"]
    assert published["data"]["publishSignal"]["errors"] == []
    assert (signal["copies"], signal["referencePrice"], ran) == (5, 19700, 5)
    copies = await copies_of(runtime, signal["id"])
    for name, (_usdt, _profile, amount, leverage) in followers.items():
        copy = copies[keys[name]]
        if amount is None:
            assert copy.status is CopyStatus.SKIPPED
            assert "below the market's minimum" in (copy.reason or "")
            assert position(venue, name) == 0
            continue
        assert (copy.status, copy.leverage) == (CopyStatus.PLACED, leverage), copy.reason
        assert position(venue, name) == Decimal(amount)
        assert engine.account(name).position("BTCUSDT").leverage == leverage
        half = Decimal(amount) / 2
        rung = half.quantize(Decimal("0.001"), rounding="ROUND_DOWN")
        assert exits(venue, name) == sorted(
            [
                ("STOP_MARKET", Decimal(19500), Decimal(amount)),
                ("TAKE_PROFIT", Decimal(20000), rung),
                ("TAKE_PROFIT", Decimal(20100), Decimal(amount) - rung),
            ]
        )


async def test_the_strategy_history_lists_each_copied_trade_once(
    admin, client, cognito, venue, runtime
):
    await follower(client, cognito, venue, "fiona", 1000, MODERATE)
    fiona = Caller(client, cognito.access_token("fiona"))
    await admin.graphql(PUBLISH, {"input": {**OPEN, "side": "SELL", "stopPrice": 19900,
                                            "takeProfitPrices": [19100, 19150]}})  # fmt: skip
    await runtime.services.copy_dispatcher.drain()

    rest = (await fiona.get("/v1/priv/account/trade/strategy/history")).json()
    graph = await fiona.graphql(
        "{ viewer { strategyTradeHistory(first: 5) { edges { node { orderId leverage"
        " riskProfilePercent trigger { tradeSide strategy { name symbol } } } } } } }"
    )

    [item] = rest["items"]
    assert item | {"orderId": "?"} == {
        "orderId": "?",
        "price": 19700,
        "amount": 0.1,  # 20 USDT at risk over 200
        "cost": 1970,
        "stop": 19900,
        "stopType": "MARKET",
        "takeProfit": [19100, 19150],
        "trailingTriggerPrice": None,
        "leverage": 3,
        "callbackRate": None,
        "riskProfilePercent": 2,
        "createdAt": "2022-10-19T15:09:49.057Z",
        "StrategyAutomatedTrigger": {
            "StrategyAutomated": {
                "name": "STRATEGY #1",
                "exchangeId": "BINANCE",
                "symbol": "BTC/USDT",
            },
            "tradeSide": "SELL",
        },
    }
    assert list(item) == [  # the documented order, which byte-for-byte clients see
        "orderId", "price", "amount", "cost", "stop", "stopType", "takeProfit",
        "trailingTriggerPrice", "leverage", "callbackRate", "riskProfilePercent", "createdAt",
        "StrategyAutomatedTrigger",
    ]  # fmt: skip
    assert rest["nextToken"] is None
    [edge] = graph["data"]["viewer"]["strategyTradeHistory"]["edges"]
    assert edge["node"] == {
        "orderId": item["orderId"],
        "leverage": 3,
        "riskProfilePercent": 2,
        "trigger": {"tradeSide": "SELL", "strategy": {"name": "STRATEGY #1", "symbol": "BTC/USDT"}},
    }


async def test_a_placed_copy_is_alerted_to_its_follower_once(
    admin, client, cognito, venue, runtime
):
    key = await follower(client, cognito, venue, "told", 1000, CONSERVATIVE)  # 0.075 BTC
    caller = Caller(client, cognito.access_token("told"))

    await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()
    await runtime.services.copy_dispatcher.drain()  # nothing left to run, nothing alerted twice

    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        alerts = await uow.alerts.of_user(await user_id(caller))
    [alert] = alerts  # e-mail new-order alerts are on by default; Telegram is not linked
    event = alert.event
    assert (alert.channel.value, event.kind.value, event.key_id) == ("email", "ENTRY", key)
    assert (event.symbol, event.side, event.amount) == ("BTC/USDT", "buy", 0.075)


async def test_a_revoked_key_fails_alone(admin, client, cognito, venue, runtime):
    engine, _base = venue
    good = await follower(client, cognito, venue, "good", 1000, CONSERVATIVE)
    revoked = await follower(client, cognito, venue, "revoked", 1000, CONSERVATIVE)
    engine.account("revoked").secret = "revoked on the exchange"
    before = (await client.get("/metrics")).text
    jobs = samples(before, "tradedesk_copy_jobs_total")

    published = await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()

    copies = await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])
    assert copies[good].status is CopyStatus.PLACED
    assert copies[revoked].status is CopyStatus.FAILED
    after = (await client.get("/metrics")).text
    counted = samples(after, "tradedesk_copy_jobs_total")
    for status in ("PLACED", "FAILED"):  # what operators chart
        label = (("status", status),)
        assert counted[label] - jobs.get(label, 0) == 1
    for name, more in (
        ("tradedesk_fanout_duration_seconds_count", 1),  # one batch ...
        ("tradedesk_fanout_copies_total", 2),  # ... of both copies
        ("tradedesk_copy_job_duration_seconds_count", 2),
    ):
        assert samples(after, name)[()] - samples(before, name).get((), 0) == more, name
    assert copies[revoked].reason == "exchange API authorization failed (1103)"
    assert copies[revoked].reason_code is CopyReason.KEY_REFUSED
    revoked_caller = Caller(client, cognito.access_token("revoked"))
    [key] = (await revoked_caller.get(f"{KEYS}/list")).json()["items"]
    assert (key["apiKeyStatus"], key["active"]) == ("UNAUTHORIZED", False)


@pytest.mark.parametrize(
    "then",
    [{}, {"active": False}, {"direction": "SHORT_ONLY"}],
    ids=["unchanged", "follow-paused", "follow-turned-short"],
)
async def test_a_copy_whose_dispatcher_died_after_the_entry_places_it_once(
    admin, client, cognito, venue, runtime, clock, then
):
    """Whatever the follower changed since, the entry on the exchange gets its exits."""
    engine, _base = venue
    await follower(client, cognito, venue, "phoenix", 1000, CONSERVATIVE)
    published = await admin.graphql(PUBLISH, {"input": OPEN})
    sessions = make_session_factory(runtime.engine)
    async with SqlUnitOfWork(sessions) as uow:  # another dispatcher leases the copy ...
        [copy] = await uow.copies.lease_pending(
            token="dead", now=clock.now(), lease=timedelta(seconds=30), limit=10
        )
        await uow.commit()
    engine.place_order(
        "phoenix",
        Kind.FUTURES,
        "BTCUSDT",
        side=Side.BUY,
        type=OrderType.MARKET,
        quantity=Decimal("0.075"),
        client_order_id=f"{copy.prefix}e",
    )  # fmt: skip  ... places the entry, and dies before anything else
    if then:  # ... and the follower changes the follow meanwhile
        await limit_follow(Caller(client, cognito.access_token("phoenix")), then)

    assert await runtime.services.copy_dispatcher.drain() == 0  # its lease still holds
    clock.advance(timedelta(seconds=31))
    assert await runtime.services.copy_dispatcher.drain() == 1
    await runtime.services.protection.tick()

    copies = await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])
    assert [c.status for c in copies.values()] == [CopyStatus.PLACED]
    assert len(engine.orders("phoenix", Kind.FUTURES, "BTCUSDT")) == 1  # one entry, ever
    assert position(venue, "phoenix") == Decimal("0.075")
    assert [kind for kind, _price, _amount in exits(venue, "phoenix")] == [
        "STOP_MARKET",
        "TAKE_PROFIT",
        "TAKE_PROFIT",
    ]


async def test_close_signals_close_only_what_the_strategy_opened(
    admin, client, cognito, venue, runtime
):
    engine, _base = venue
    await follower(client, cognito, venue, "copier", 1000, CONSERVATIVE)
    own = await follower(client, cognito, venue, "trader", 1000, CONSERVATIVE)
    engine.place_order(
        "trader",
        Kind.FUTURES,
        "BTCUSDT",
        side=Side.SELL,
        type=OrderType.MARKET,
        quantity=Decimal("0.01"),
    )  # fmt: skip  (a position of the user's own, opened on the exchange)

    opened = await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()
    closed = await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "CLOSE"}})
    await runtime.services.copy_dispatcher.drain()

    skipped = (await copies_of(runtime, opened["data"]["publishSignal"]["signal"]["id"]))[own]
    assert skipped.status is CopyStatus.SKIPPED
    assert skipped.reason == "the key holds a position on the symbol that the strategy did not open"
    assert skipped.reason_code is CopyReason.FOREIGN_POSITION
    assert position(venue, "copier") == 0
    assert exits(venue, "copier") == []
    assert position(venue, "trader") == Decimal("-0.01")  # never touched
    close_copies = await copies_of(runtime, closed["data"]["publishSignal"]["signal"]["id"])
    assert close_copies[own].reason == "no position of the strategy to close"
    assert close_copies[own].reason_code is CopyReason.NOTHING_TO_CLOSE


async def test_signals_are_checked_whole_and_for_operators_only(admin, alice, runtime):
    missing = await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "OPEN"}})
    wrong_side = await admin.graphql(
        PUBLISH, {"input": {**OPEN, "stopPrice": 19800, "takeProfitPrices": [19000]}}
    )
    limit = await admin.graphql(PUBLISH, {"input": {**OPEN, "entryType": "LIMIT"}})
    unknown = await admin.graphql(
        PUBLISH, {"input": {**OPEN, "strategyId": "6645920d-08cb-44f0-b8b3-a14dd918a7b0"}}
    )
    user = await alice.graphql(PUBLISH, {"input": OPEN})

    def fields(answer):
        return [(e["field"], e["message"]) for e in answer["data"]["publishSignal"]["errors"]]

    assert fields(missing) == [
        ("side", "must be one of [BUY, SELL]"),
        ("stopPrice", "must be positive number"),
    ]
    assert fields(wrong_side) == [
        ("stopPrice", "must be below the entry price 19700"),
        ("takeProfitPrices", "must all be above the entry price 19700"),
    ]
    assert fields(limit) == [("price", "must be positive number")]
    assert fields(unknown) == [("strategyId", "must be active strategy automated id")]
    assert user["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert user["data"] is None


async def test_operators_manage_strategies(admin, alice, runtime):
    create = (
        "mutation($input: CreateStrategyInput!) { createStrategy(input: $input) { strategy {"
        " id name active symbol exchangeId } errors { field message } } }"
    )

    created = await admin.graphql(
        create, {"input": {"name": "ETH swing", "exchangeId": "BINANCE", "symbol": "ETH/USDT"}}
    )
    strategy = created["data"]["createStrategy"]["strategy"]
    renamed = await admin.graphql(
        'mutation($id: ID!) { updateStrategy(id: $id, input: {name: "ETH trend",'
        " active: false}) { strategy { name active } errors { field message } } }",
        {"id": strategy["id"]},
    )
    taken = await admin.graphql(
        create, {"input": {"name": "STRATEGY #1", "exchangeId": "BINANCE", "symbol": "BTC/USDT"}}
    )
    unlisted = await admin.graphql(
        create, {"input": {"name": "DOGE", "exchangeId": "BINANCE", "symbol": "DOGE/USDT"}}
    )
    refused = await alice.graphql(
        create, {"input": {"name": "mine", "exchangeId": "BINANCE", "symbol": "BTC/USDT"}}
    )
    listed = await alice.graphql("{ strategies { name active } }")

    assert strategy | {"id": "?"} == {
        "id": "?",
        "name": "ETH swing",
        "active": True,
        "symbol": "ETH/USDT",
        "exchangeId": "BINANCE",
    }
    assert renamed["data"]["updateStrategy"]["strategy"] == {"name": "ETH trend", "active": False}
    assert taken["data"]["createStrategy"]["errors"] == [
        {"field": "name", "message": "must be unique"}
    ]
    assert unlisted["errors"][0]["extensions"]["code"] == "1300"
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert {"name": "ETH trend", "active": False} in listed["data"]["strategies"]


async def test_fifty_followers_each_hold_their_own_sized_trade(admin, venue, runtime, clock):
    followers = await fifty_followers(runtime, clock, venue)

    published = await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()

    copies = await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])
    assert_each_holds_their_sized_trade(venue, copies, followers)


async def test_a_batch_in_flight_is_not_run_again_by_its_own_dispatcher(
    admin, client, cognito, venue, runtime, faults
):
    """While one batch's entry is still on its way, the same dispatcher takes the next batch
    at the same instant (the test's clock stands still): it runs only the new copy, and the
    one in flight is placed once. Each lease has a token of its own; before, the second
    batch read the first one's copies back as its own, ran them again and skipped them."""
    await follower(client, cognito, venue, "early", 1000, CONSERVATIVE)
    first = await admin.graphql(PUBLISH, {"input": OPEN})
    slow = faults.latency("/fapi/v1/order", seconds=1, times=1)  # the early entry takes 1 s
    dispatcher = runtime.services.copy_dispatcher
    in_flight = asyncio.create_task(dispatcher.run_due(10))
    while not slow.hits:  # noqa: ASYNC110  (the early entry is on its way)
        await asyncio.sleep(0.01)
    await follower(client, cognito, venue, "late", 1000, CONSERVATIVE, STRATEGY_2)
    second = await admin.graphql(PUBLISH, {"input": {**OPEN, "strategyId": STRATEGY_2}})

    ran_second = await dispatcher.run_due(10)
    ran_first = await in_flight

    assert (ran_first, ran_second) == (1, 1)
    for published in (first, second):
        copies = await copies_of(runtime, signal_of(published))
        assert {c.status for c in copies.values()} == {CopyStatus.PLACED}, copies
    engine, _base = venue
    for name in ("early", "late"):
        orders = engine.orders(name, Kind.FUTURES, "BTCUSDT")
        assert [o.client_order_id[-1] for o in orders] == ["e"], name  # one entry, once


async def test_outcomes_that_arrive_during_the_last_flush_are_written(
    admin, client, cognito, venue, runtime, clock
):
    """A copy that finishes while the previous outcomes are being written is written too,
    not left leased to be run again."""
    for name in ("early", "late"):
        await follower(client, cognito, venue, name, 1000, CONSERVATIVE)
    published = await admin.graphql(PUBLISH, {"input": OPEN})
    sessions = make_session_factory(runtime.engine)
    async with SqlUnitOfWork(sessions) as uow:
        early, late = await uow.copies.lease_pending(
            token="batch", now=clock.now(), lease=timedelta(seconds=30), limit=10
        )
        await uow.commit()
    flushing, release = asyncio.Event(), asyncio.Event()

    class HeldCommit(SqlUnitOfWork):
        async def commit(self) -> None:
            flushing.set()
            await release.wait()
            await super().commit()

    outcomes = CopyOutcomes(
        uow_factory=lambda: HeldCommit(sessions), clock=clock, ids=SystemIds(), token="batch"
    )
    done = asyncio.Event()
    writer = asyncio.create_task(outcomes.write_until(done, 0.01))
    outcomes.add(CopyOutcome(replace(early, status=CopyStatus.SKIPPED, reason="early")))
    await flushing.wait()  # the first flush is under way ...
    outcomes.add(CopyOutcome(replace(late, status=CopyStatus.SKIPPED, reason="late")))
    done.set()  # ... when the batch ends
    release.set()
    await writer

    copies = await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])
    assert sorted(copy.reason for copy in copies.values()) == ["early", "late"]
    assert {copy.status for copy in copies.values()} == {CopyStatus.SKIPPED}


async def test_an_outcome_is_not_written_by_a_dispatcher_whose_lease_was_taken_over(
    admin, client, cognito, venue, runtime, clock
):
    await follower(client, cognito, venue, "taken", 1000, CONSERVATIVE)
    published = await admin.graphql(PUBLISH, {"input": OPEN})
    sessions = make_session_factory(runtime.engine)
    async with SqlUnitOfWork(sessions) as uow:
        [stale] = await uow.copies.lease_pending(
            token="stale", now=clock.now(), lease=timedelta(seconds=30), limit=10
        )
        await uow.commit()
    clock.advance(timedelta(seconds=31))  # the lease lapses; another dispatcher takes over
    async with SqlUnitOfWork(sessions) as uow:
        [taken] = await uow.copies.lease_pending(
            token="fresh", now=clock.now(), lease=timedelta(seconds=30), limit=10
        )
        renewed = await uow.copies.renew(token="stale", until=clock.now())
        await uow.commit()
    outcomes = CopyOutcomes(
        uow_factory=lambda: SqlUnitOfWork(sessions), clock=clock, ids=SystemIds(), token="stale"
    )
    outcomes.add(CopyOutcome(replace(stale, status=CopyStatus.FAILED, reason="too late")))
    await outcomes.flush()

    [copy] = (await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])).values()
    assert renewed == set()
    assert (copy.status, copy.lease, copy.attempts) == (CopyStatus.PENDING, "fresh", 2)
    assert taken.id == stale.id


async def test_a_close_published_while_its_open_is_pending_closes_after_it(
    admin, client, cognito, venue, runtime
):
    """The CLOSE waits for the OPEN of the same follow, then closes what it placed."""
    await follower(client, cognito, venue, "brisk", 1000, CONSERVATIVE)
    opened = await admin.graphql(PUBLISH, {"input": OPEN})
    closed = await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "CLOSE"}})
    await runtime.services.copy_dispatcher.drain()

    [open_copy] = (
        await copies_of(runtime, opened["data"]["publishSignal"]["signal"]["id"])
    ).values()
    [close_copy] = (
        await copies_of(runtime, closed["data"]["publishSignal"]["signal"]["id"])
    ).values()
    assert (open_copy.status, close_copy.status) == (CopyStatus.PLACED, CopyStatus.PLACED)
    assert close_copy.reason is None
    assert position(venue, "brisk") == 0
    assert exits(venue, "brisk") == []


async def test_deleting_keys_stops_their_follows_and_keeps_their_trade_history(
    admin, client, cognito, venue, runtime
):
    """A key deleted after a manual trade and a copied one: the follow stops (the next
    signal makes no copy for it) and both histories still list their trades."""
    alice = Caller(client, cognito.access_token("alice"))
    manual = await manual_key(alice, venue)
    placed = await alice.post(
        f"/v1/priv/exchange/order/{manual}",
        {"symbol": "BTC/USDT", "type": "MARKET", "side": "BUY", "amount": 0.01},
    )
    automated = await follower(client, cognito, venue, "alice", 1000, CONSERVATIVE)
    await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()

    deleted = [(await alice.delete(f"{KEYS}/{key}")).status_code for key in (manual, automated)]
    later = await admin.graphql(PUBLISH, {"input": OPEN})
    manual_history = (await alice.get("/v1/priv/account/trade/manual/history")).json()
    strategy_history = (await alice.get("/v1/priv/account/trade/strategy/history")).json()

    assert placed.status_code == 200, placed.text
    assert deleted == [204, 204]
    assert later["data"]["publishSignal"]["signal"]["copies"] == 0
    assert [t["orderId"] for t in manual_history["items"]] == [placed.json()[0]["id"]]
    [copied] = strategy_history["items"]
    assert copied["StrategyAutomatedTrigger"]["StrategyAutomated"]["name"] == "STRATEGY #1"
    assert copied["amount"] == 0.075


async def test_copy_fidelity_for_operators_and_each_follower(
    admin, client, cognito, venue, runtime
):
    engine, _base = venue
    await follower(client, cognito, venue, "swift", 1000, CONSERVATIVE)
    await follower(client, cognito, venue, "tiny", 50, CONSERVATIVE)
    published = await admin.graphql(PUBLISH, {"input": OPEN})
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19710))  # the market moves before copies
    await runtime.services.copy_dispatcher.drain()
    signal_id = published["data"]["publishSignal"]["signal"]["id"]
    stats_query = (
        "query($id: ID!) { signalStats(id: $id) { placed skipped failed pending p50LatencyMs"
        " meanSlippageBps } }"
    )

    stats = await admin.graphql(stats_query, {"id": signal_id})
    refused = await Caller(client, cognito.access_token("swift")).graphql(
        stats_query, {"id": signal_id}
    )
    mine = await Caller(client, cognito.access_token("tiny")).graphql(
        "{ viewer { signalCopies { signalId status reason slippageBps } } }"
    )

    assert stats["data"]["signalStats"] == {
        "placed": 1,
        "skipped": 1,
        "failed": 0,
        "pending": 0,
        "p50LatencyMs": 0,  # the test's clock stands still
        "meanSlippageBps": 5.08,  # paid 19,710 against 19,700
    }
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    [copy] = mine["data"]["viewer"]["signalCopies"]
    assert copy["signalId"] == signal_id and copy["status"] == "SKIPPED"
    assert "below the market's minimum" in copy["reason"] and copy["slippageBps"] is None


async def test_breakeven_moves_a_followers_stop_to_entry_after_the_nth_take_profit(
    admin, client, cognito, venue, runtime
):
    engine, _base = venue
    await follower(client, cognito, venue, "even", 1000, CONSERVATIVE)  # 0.075 BTC at 19,700
    too_far = await admin.graphql(PUBLISH, {"input": {**OPEN, "breakevenAfterTakeProfit": 3}})
    await admin.graphql(PUBLISH, {"input": {**OPEN, "breakevenAfterTakeProfit": 1}})
    await runtime.services.copy_dispatcher.drain()

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(20050))  # the first rung fills
    await runtime.services.protection.tick()

    assert too_far["data"]["publishSignal"]["errors"] == [
        {"field": "breakevenAfterTakeProfit", "message": "must be a take profit number, 1 to 2"}
    ]
    assert exits(venue, "even") == [
        ("STOP_MARKET", Decimal(19700), Decimal("0.038")),  # what is left cannot lose now
        ("TAKE_PROFIT", Decimal(20100), Decimal("0.038")),
    ]
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19690))
    assert position(venue, "even") == 0
    await runtime.services.protection.tick()
    assert exits(venue, "even") == []


async def test_a_trailing_stop_keeps_what_the_first_take_profit_reached(
    admin, client, cognito, venue, runtime
):
    engine, _base = venue
    await follower(client, cognito, venue, "trail", 1000, CONSERVATIVE)  # 0.075 BTC at 19,700
    await admin.graphql(PUBLISH, {"input": {**OPEN, "callbackRate": 1}})
    await runtime.services.copy_dispatcher.drain()
    [trailing] = [
        (c.activation_price, c.callback_rate, c.quantity)
        for c in engine.open_conditionals("trail", Kind.FUTURES, "BTCUSDT")
        if c.type.value == "TRAILING_STOP_MARKET"
    ]

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(20050))  # rung 1; the trail is active
    await runtime.services.protection.tick()
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(20090))  # its best
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19880))  # 1 % under it: it fires
    left = position(venue, "trail")
    await runtime.services.protection.tick()

    assert trailing == (Decimal(20000), Decimal(1), Decimal("0.075"))  # whatever is left
    assert left == 0  # the trail closed the rest above the entry, not the stop below it
    assert exits(venue, "trail") == []  # the stop and rung 2 cancelled with it
    history = await Caller(client, cognito.access_token("trail")).get(
        "/v1/priv/account/trade/strategy/history"
    )
    [item] = history.json()["items"]
    assert (item["callbackRate"], item["trailingTriggerPrice"]) == (1, 20000)


async def test_an_account_with_one_conditional_slot_left_is_copied_with_its_stop(
    admin, client, cognito, venue, runtime
):
    """The follower's account has room for one more conditional order: the stop takes it,
    the take profits rest as LIMITs and the trailing stop is dropped, rather than the copy
    being undone for an exit that found no room."""
    engine, _base = venue
    await follower(client, cognito, venue, "full", 1000, CONSERVATIVE)  # 0.075 BTC at 19,700
    engine.max_open_conditionals = 2
    engine.place_conditional(  # the follower's own conditional order on another symbol
        "full", Kind.FUTURES, "ETHUSDT", side=Side.BUY, type=TriggerType.STOP_MARKET,
        quantity=Decimal("0.1"), trigger_price=Decimal(5000),
    )  # fmt: skip

    await admin.graphql(PUBLISH, {"input": {**OPEN, "callbackRate": 1}})
    await runtime.services.copy_dispatcher.drain()
    await runtime.services.protection.tick()  # the keeper tries the trailing stop once more

    assert position(venue, "full") == Decimal("0.075")
    assert exits(venue, "full") == [("STOP_MARKET", Decimal(19500), Decimal("0.075"))]
    resting = engine.open_orders("full", Kind.FUTURES, "BTCUSDT")
    assert sorted((o.type, o.price, o.reduce_only) for o in resting) == [
        (OrderType.LIMIT, Decimal(20000), True),
        (OrderType.LIMIT, Decimal(20100), True),
    ]


async def limit_follow(user: Caller, limits: dict) -> None:
    """Sets the limits on the user's one follow (GraphQL), and checks the v1 body is as
    documented, nothing added."""
    [key] = (await user.get(f"{KEYS}/list")).json()["items"]
    [follow] = (await user.get(FOLLOWS.format(key["id"]))).json()["items"]
    changed = await user.graphql(
        "mutation($id: ID!, $input: UpdateStrategyFollowInput!) { updateStrategyFollow("
        "id: $id, input: $input) { follow { maxLeverage dailyLossLimitPercent } errors {"
        " field } } }",
        {"id": follow["id"], "input": limits},
    )
    assert changed["data"]["updateStrategyFollow"]["errors"] == []
    rest = (await user.get(FOLLOWS.format(key["id"]))).json()["items"][0]
    assert set(rest) == set(follow)


async def test_a_follows_leverage_cap_and_daily_loss_limit(
    admin, client, cognito, venue, runtime, clock
):
    capped = await follower(client, cognito, venue, "capped", 4000, MODERATE)  # 0.4 BTC, 3x
    stung = await follower(client, cognito, venue, "stung", 1000, CONSERVATIVE)
    for name, limits in (
        ("capped", {"maxLeverage": 2}),
        ("stung", {"dailyLossLimitPercent": 10}),
    ):
        await limit_follow(Caller(client, cognito.access_token(name)), limits)
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        await uow.balance_snapshots.record(stung, clock.now().date(), 1200.0, now=clock.now())
        await uow.commit()  # the day began at 1,200 USD; 1,000 now is a 16.7 % loss

    published = await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()

    copies = await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])
    engine, _base = venue
    assert position(venue, "capped") == Decimal("0.365")  # what 2x on 90 % of 4,000 carries
    assert engine.account("capped").position("BTCUSDT").leverage == 2
    assert copies[capped].leverage == 2
    assert copies[stung].status is CopyStatus.SKIPPED
    assert copies[stung].reason.startswith("the day's loss of 16.67 % reached")
    assert copies[stung].reason_code is CopyReason.DAILY_LOSS_LIMIT
    assert position(venue, "stung") == 0


async def test_the_reference_account_feeds_the_public_results(admin, client, venue, runtime, clock):
    engine, _base = venue
    await admin.graphql(PUBLISH, {"input": OPEN})  # MARKET at 19,700, stop 19,500
    reference = runtime.services.strategy_reference

    for price in (20050, 19400):  # the first rung (+1.5 R on half), then the stop (-1 R)
        engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(price))
        clock.advance(timedelta(seconds=3))  # past the ticker cache
        await reference.tick()
    history = await client.get(
        f"/v1/pub/strategy/{STRATEGY_1}/history", params={"interval": "1d", "limit": 1}
    )

    [today] = history.json()["items"]
    assert (today["trades"], today["long"], today["netProfitPercent"]) == (1, 1, 0.25)


async def test_a_limit_signal_counts_in_the_results_only_once_the_market_fills_it(
    admin, client, venue, runtime, clock
):
    engine, _base = venue
    reference = runtime.services.strategy_reference
    limit = {**OPEN, "entryType": "LIMIT", "price": 19600}  # stop 19,500; market at 19,700

    async def trades_today() -> int:
        history = await client.get(
            f"/v1/pub/strategy/{STRATEGY_1}/history", params={"interval": "1d", "limit": 1}
        )
        return sum(day["trades"] for day in history.json()["items"])

    async def market_at(price: int) -> None:
        engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(price))
        clock.advance(timedelta(seconds=3))  # past the ticker cache
        await reference.tick()

    await admin.graphql(PUBLISH, {"input": limit})
    await market_at(19650)  # above the limit: nothing traded yet ...
    waiting = await trades_today()
    await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "CLOSE"}})
    dropped = await trades_today()  # ... and a CLOSE drops it untraded
    await admin.graphql(PUBLISH, {"input": limit})
    await market_at(19650)
    await market_at(19550)  # filled at 19,600 ...
    await market_at(19450)  # ... and stopped at 19,500: -1 R

    assert (waiting, dropped) == (0, 0)
    history = await client.get(
        f"/v1/pub/strategy/{STRATEGY_1}/history", params={"interval": "1d", "limit": 1}
    )
    [today] = history.json()["items"]
    assert (today["trades"], today["netProfitPercent"]) == (1, -1)


async def test_a_market_signal_whose_stop_the_market_reached_is_skipped_not_retried(
    admin, client, cognito, venue, runtime, clock
):
    engine, _base = venue
    key = await follower(client, cognito, venue, "late", 1000, CONSERVATIVE)
    published = await admin.graphql(PUBLISH, {"input": OPEN})  # checked at 19,700, stop 19,500
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19500))  # ... then the market falls to it
    clock.advance(timedelta(seconds=3))  # past the ticker cache

    await runtime.services.copy_dispatcher.drain()

    copy = (await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"]))[key]
    assert (copy.status, copy.reason) == (CopyStatus.SKIPPED, "the market is at the stop (19500)")
    assert copy.reason_code is CopyReason.AT_STOP
    assert position(venue, "late") == 0


class TestCopyingNotices:
    """Followers are told, in their language and once per cause, when copying skips or stops
    for a reason they can act on; the e-mail goes through a real SMTP server on loopback."""

    @pytest.fixture
    def settings_overrides(self, venue, mailbox):
        return on_the_simulator(venue, smtp_url=mailbox.url)

    async def test_each_cause_is_told_once_in_the_followers_language(
        self,
        admin,
        client,
        cognito,
        venue,
        runtime,
        clock,
        mailbox,
    ):
        engine, _base = venue
        tiny = await follower(client, cognito, venue, "small", 50, CONSERVATIVE)  # too small
        revoked = await follower(client, cognito, venue, "revoked", 1000, CONSERVATIVE)
        stung = await follower(client, cognito, venue, "stung", 1000, CONSERVATIVE)
        fine = await follower(client, cognito, venue, "fine", 1000, CONSERVATIVE)
        capped = await follower(client, cognito, venue, "capped", 100, CONSERVATIVE)
        await limit_follow(Caller(client, cognito.access_token("capped")), {"maxLeverage": 1})
        holder = await follower(client, cognito, venue, "holder", 1000, CONSERVATIVE)
        engine.place_order(
            "holder", Kind.FUTURES, "BTCUSDT", side=Side.BUY, type=OrderType.MARKET,
            quantity=Decimal("0.01"), client_order_id="their-own",
        )  # fmt: skip
        small = Caller(client, cognito.access_token("small"))
        assert (await small.put("/v1/priv/account/profile", {"language": "AR"})).status_code == 200
        await limit_follow(
            Caller(client, cognito.access_token("stung")), {"dailyLossLimitPercent": 10}
        )
        engine.account("revoked").secret = "revoked on the exchange"
        async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
            await uow.balance_snapshots.record(stung, clock.now().date(), 1200.0, now=clock.now())
            await uow.commit()  # a 16.7 % loss today

        opens = []
        for _ in range(2):  # the same causes again, the same day
            opens.append(await admin.graphql(PUBLISH, {"input": OPEN}))
            await runtime.services.copy_dispatcher.drain()
            await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "CLOSE"}})
            await runtime.services.copy_dispatcher.drain()
        await runtime.services.alert_delivery.deliver_due()

        def notices() -> list[tuple[str, str]]:
            """The mails that are not the entries' own alerts."""
            return sorted(
                (mail["To"], mail["Subject"])
                for mail in mailbox.received
                if "New order" not in mail["Subject"]
            )

        first = await copies_of(runtime, signal_of(opens[0]))
        assert {key: (copy.status.value, copy.reason_code) for key, copy in first.items()} == {
            tiny: ("SKIPPED", CopyReason.BELOW_MINIMUM),
            revoked: ("FAILED", CopyReason.KEY_REFUSED),
            stung: ("SKIPPED", CopyReason.DAILY_LOSS_LIMIT),
            fine: ("PLACED", None),
            capped: ("SKIPPED", CopyReason.LEVERAGE_CAP),
            holder: ("SKIPPED", CopyReason.FOREIGN_POSITION),
        }
        skipped = "Tradedesk: A copy was skipped · BTC/USDT"
        assert notices() == [
            ("capped@example.com", skipped),
            ("holder@example.com", skipped),
            ("revoked@example.com", "Tradedesk: The exchange refused your key · BTC/USDT"),
            ("small@example.com", "Tradedesk: تم تخطي نسخة · BTC/USDT"),
            ("stung@example.com", "Tradedesk: Daily loss limit reached · BTC/USDT"),
        ]  # "fine" placed and closed both trades: told of its entries only
        bodies = {mail["To"]: next(mail.iter_parts()).get_content() for mail in mailbox.received}
        assert "leverage cap of 1x" in bodies["capped@example.com"]
        assert "Raise the cap or add funds" in bodies["capped@example.com"]
        assert "did not open. Close it" in bodies["holder@example.com"]
        [arabic] = [m for m in mailbox.received if m["To"] == "small@example.com"]
        text, _html = (part.get_content() for part in arabic.iter_parts())
        assert "أقل من الحد الأدنى للسوق" in text  # all of it in Arabic
        assert "minimum" not in text

        clock.advance(timedelta(days=1))  # a new day: a cause that still holds is told again
        await admin.graphql(PUBLISH, {"input": OPEN})
        await runtime.services.copy_dispatcher.drain()
        await runtime.services.alert_delivery.deliver_due()
        assert len(notices()) == 9  # all but stung again: its day started over


async def test_a_key_whose_secret_this_server_cannot_open_holds_up_no_one_else(
    admin, venue, runtime, clock
):
    """A secret sealed under a key the server no longer has (the operator dropped it from
    TRADEDESK_SECRET_KEY): that follower's copy fails saying so, the others' are placed."""
    elsewhere = FernetSecretBox([Fernet.generate_key().decode()])
    await seeded_follower(runtime, clock, venue, "sealed-elsewhere", 1000, CONSERVATIVE, elsewhere)
    await seeded_follower(runtime, clock, venue, "sealed-here", 1000, CONSERVATIVE)
    published = await admin.graphql(PUBLISH, {"input": OPEN})

    assert await runtime.services.copy_dispatcher.drain() == 2
    await runtime.services.protection.tick()  # the keeper skips that key's trades, no more

    copies = sorted(
        (copy.status, copy.reason, copy.reason_code)
        for copy in (await copies_of(runtime, signal_of(published))).values()
    )
    assert copies == [
        (
            CopyStatus.FAILED,
            "the key's secret cannot be opened by this server",
            CopyReason.KEY_UNREADABLE,
        ),
        (CopyStatus.PLACED, None, None),
    ]
    assert position(venue, "sealed-here") == Decimal("0.075")
    assert position(venue, "sealed-elsewhere") == 0
