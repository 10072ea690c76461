"""A follow's direction, and the reason code every skipped or failed copy carries (with the
follow it was made for), as a follower reads them in `viewer.signalCopies`; on the simulator
through ccxt, with the alert mailed through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.builders.accounts import Caller, user_id
from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import OPEN, PUBLISH, copies_of, position
from tests.builders.documented import STRATEGY_1
from tests.builders.exchange_keys import KEYS, funded, on_the_simulator
from tradedesk.domain.billing.subscriptions import PAUSED_BY_PLAN
from tradedesk.domain.copying.model import CopyReason
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import OrderType, Side

pytestmark = pytest.mark.asyncio

COPIES = "{ viewer { signalCopies { followId status reason reasonCode } } }"
FOLLOW = (
    "mutation($id: ID!, $input: FollowStrategyInput!) { followStrategy(exchangeKeyId: $id,"
    " input: $input) { follow { id direction } errors { field message } } }"
)
SELL = {**OPEN, "side": "SELL", "stopPrice": 19900, "takeProfitPrices": [19400]}


@pytest.fixture
def settings_overrides(venue, mailbox):
    return on_the_simulator(venue, smtp_url=mailbox.url)


async def follow_with(client, cognito, venue, name: str, options: dict) -> tuple[Caller, str]:
    """A follower of 1,000 USDT whose follow (GraphQL) has these options; and its id."""
    caller = Caller(client, cognito.access_token(name))
    key = (await caller.post(KEYS, funded(venue, name, usdt=1000))).json()["id"]
    made = await caller.graphql(
        FOLLOW,
        {
            "id": key,
            "input": {
                "strategyAutomatedId": STRATEGY_1,
                "strategyRiskProfileId": CONSERVATIVE,
                **options,
            },
        },
    )
    assert made["data"]["followStrategy"]["errors"] == [], made
    return caller, made["data"]["followStrategy"]["follow"]["id"]


async def copies(caller: Caller) -> list[dict]:
    """The caller's copies, oldest first."""
    return list(reversed((await caller.graphql(COPIES))["data"]["viewer"]["signalCopies"]))


async def test_a_long_only_follow_closes_the_long_when_the_strategy_turns_short(
    admin, client, cognito, venue, runtime, clock
):
    longs, long_follow = await follow_with(
        client, cognito, venue, "longs", {"direction": "LONG_ONLY"}
    )
    shorts, short_follow = await follow_with(
        client, cognito, venue, "shorts", {"direction": "SHORT_ONLY"}
    )

    await admin.graphql(PUBLISH, {"input": OPEN})  # BUY at 19,700
    await runtime.services.copy_dispatcher.drain()
    long_after_buy = position(venue, "longs")
    clock.advance(timedelta(seconds=5))
    await admin.graphql(PUBLISH, {"input": SELL})  # the strategy turns short
    await runtime.services.copy_dispatcher.drain()

    engine, _base = venue
    assert long_after_buy == Decimal("0.075")
    assert position(venue, "longs") == 0  # closed with the strategy's long, no short opened
    assert engine.open_orders("longs", Kind.FUTURES, "BTCUSDT") == []  # its exits went too
    assert position(venue, "shorts") < 0  # the short it copies
    assert await copies(longs) == [
        {"followId": long_follow, "status": "PLACED", "reason": None, "reasonCode": None},
        {
            "followId": long_follow,
            "status": "SKIPPED",
            "reason": "the follow copies long trades only; the strategy's earlier trade was closed",
            "reasonCode": "DIRECTION",
        },
    ]
    assert [(c["followId"], c["status"], c["reasonCode"]) for c in await copies(shorts)] == [
        (short_follow, "SKIPPED", "DIRECTION"),
        (short_follow, "PLACED", None),
    ]
    assert (await copies(shorts))[0]["reason"] == "the follow copies short trades only"


async def test_every_skipped_or_failed_copy_has_a_code_and_the_actionable_are_told(
    admin, client, cognito, venue, runtime, mailbox, clock
):
    engine, _base = venue
    tiny, _ = await follow_with(
        client, cognito, venue, "tiny", {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 50}
    )
    thin, _ = await follow_with(
        client, cognito, venue, "thin", {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 1500}
    )
    eth = engine.price(Kind.FUTURES, "ETHUSDT")
    engine.set_leverage("thin", "ETHUSDT", 1)
    engine.place_order(  # a resting ETH order holds ~700 of its 1,000 USDT as margin
        "thin", Kind.FUTURES, "ETHUSDT", side=Side.BUY, type=OrderType.LIMIT,
        quantity=(Decimal(1400) / eth).quantize(Decimal("0.001")), price=eth / 2,
    )  # fmt: skip

    await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()
    clock.advance(timedelta(seconds=5))
    await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "CLOSE"}})
    await runtime.services.copy_dispatcher.drain()
    await runtime.services.alert_delivery.deliver_due()

    assert [(c["status"], c["reasonCode"]) for c in await copies(tiny)] == [
        ("SKIPPED", "BELOW_MINIMUM"),
        ("SKIPPED", "NOTHING_TO_CLOSE"),
    ]
    assert [(c["status"], c["reasonCode"]) for c in await copies(thin)] == [
        ("FAILED", "INSUFFICIENT_MARGIN"),
        ("SKIPPED", "NOTHING_TO_CLOSE"),
    ]
    told = sorted(
        (mail["To"], mail["Subject"])
        for mail in mailbox.received
        if "New order" not in mail["Subject"]
    )
    assert told == [
        ("thin@example.com", "Tradedesk: A copy failed · BTC/USDT"),
        ("tiny@example.com", "Tradedesk: A copy was skipped · BTC/USDT"),
    ]
    [thin_mail] = [m for m in mailbox.received if m["To"] == "thin@example.com"]
    assert "too little margin" in next(thin_mail.iter_parts()).get_content()
    assert position(venue, "thin") == 0


async def test_the_slippage_guard_skips_a_market_copy_the_market_has_left_behind(
    admin, client, cognito, venue, runtime, clock
):
    engine, _base = venue
    tight, _ = await follow_with(client, cognito, venue, "tight", {"maxEntrySlippagePercent": 0.5})
    loose, _ = await follow_with(client, cognito, venue, "loose", {"maxEntrySlippagePercent": 1})

    await admin.graphql(PUBLISH, {"input": OPEN})  # checked at 19,700
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19850))  # +0.76 % before the copies
    clock.advance(timedelta(seconds=3))  # past the ticker cache
    await runtime.services.copy_dispatcher.drain()

    [skipped] = await copies(tight)
    assert (skipped["status"], skipped["reasonCode"]) == ("SKIPPED", "SLIPPAGE_GUARD")
    assert skipped["reason"] == (
        "the market moved 0.76 % from the signal's 19700 to 19850; the follow allows 0.5 %"
    )
    assert position(venue, "tight") == 0
    assert [c["status"] for c in await copies(loose)] == ["PLACED"]
    assert position(venue, "loose") > 0


WIDE = {**OPEN, "stopPrice": 18000, "takeProfitPrices": [21000]}  # neither is reached
STOPPED = {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 10000, "portfolioStopPercent": 5}
SHOWN = "{ viewer { exchangeKeys { follows { id active pausedReason highWaterUsdt } } } }"
CHANGE = (
    "mutation($id: ID!, $input: UpdateStrategyFollowInput!) { updateStrategyFollow(id: $id,"
    " input: $input) { follow { active highWaterUsdt } errors { field } } }"
)


async def test_the_portfolio_stop_closes_the_follows_position_and_pauses_it(
    admin, client, cognito, venue, runtime, clock, mailbox
):
    engine, _base = venue
    stopper, follow_id = await follow_with(client, cognito, venue, "stopper", STOPPED)
    await follow_with(
        client, cognito, venue, "holder", {"sizing": "FIXED_NOTIONAL", "notionalUsdt": 10000}
    )
    stops = runtime.services.portfolio_stops

    async def market_at(price: int) -> None:
        engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(price))
        clock.advance(timedelta(seconds=3))

    async def shown() -> dict:
        return (await stopper.graphql(SHOWN))["data"]["viewer"]["exchangeKeys"][0]["follows"][0]

    async def change(options: dict) -> dict:
        answer = await stopper.graphql(CHANGE, {"id": follow_id, "input": options})
        return answer["data"]["updateStrategyFollow"]["follow"]

    await admin.graphql(PUBLISH, {"input": WIDE})  # 0.507 BTC each, at 19,700
    await runtime.services.copy_dispatcher.drain()
    ended = [await stops.tick()]
    await market_at(20000)
    ended.append(await stops.tick())  # the mark rises with equity
    high = (await shown())["highWaterUsdt"]
    unchanged = [await change({"maxLeverage": 20}), await change({"active": True})]
    await market_at(19750)  # above the first mark, 11 % below the high
    await admin.graphql(PUBLISH, {"input": WIDE})  # before the round: the copy sees it too
    await runtime.services.copy_dispatcher.drain()
    ended.append(await stops.tick())
    stopped = await shown()
    await runtime.services.alert_delivery.deliver_due()

    assert ended == [0, 0, 1]
    assert high == pytest.approx(995 + 0.507 * 300, abs=3)
    assert unchanged == [{"active": True, "highWaterUsdt": high}] * 2  # not a new mark
    assert position(venue, "stopper") == 0
    assert engine.open_orders("stopper", Kind.FUTURES, "BTCUSDT") == []
    assert engine.open_conditionals("stopper", Kind.FUTURES, "BTCUSDT") == []
    # no portfolio stop: it holds the second signal's trade, 10,000 / 19,750 = 0.506 BTC
    assert position(venue, "holder") == Decimal("0.506")
    assert stopped["active"] is False
    assert stopped["pausedReason"].startswith("portfolio stop: equity ")
    assert "below its high of" in stopped["pausedReason"]
    assert [(c["status"], c["reasonCode"]) for c in await copies(stopper)] == [
        ("PLACED", None),
        ("SKIPPED", "PORTFOLIO_STOP"),
    ]
    subjects = [m["Subject"] for m in mailbox.received if m["To"] == "stopper@example.com"]
    assert "Tradedesk: Portfolio stop reached · BTC/USDT" in subjects

    assert await change({"active": True}) == {"active": True, "highWaterUsdt": None}
    assert await stops.tick() == 0
    assert (await shown())["highWaterUsdt"] < high  # a new mark, from the equity now
    await change({"portfolioStopPercent": None})
    await market_at(19000)
    assert await stops.tick() == 0  # no stop: no round for it, and no mark
    assert (await change({"portfolioStopPercent": 5}))["highWaterUsdt"] is None  # not the old


async def test_a_close_the_exchange_interrupted_is_finished_whatever_equity_did_since(
    admin, client, cognito, venue, runtime, clock, faults
):
    engine, _base = venue
    await follow_with(client, cognito, venue, "stopper", STOPPED)
    stops = runtime.services.portfolio_stops
    await admin.graphql(PUBLISH, {"input": WIDE})
    await runtime.services.copy_dispatcher.drain()
    await stops.tick()  # the mark, at about 995

    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(19500))  # 10 % down: past the stop
    down = faults.outage("/fapi/v1/order")  # the close cannot be placed
    interrupted = await stops.tick()
    faults.clear()
    left = position(venue, "stopper")
    engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(20500))  # equity back above the mark
    finished = await stops.tick()

    assert down.refused > 0 and interrupted == 0
    assert left == Decimal("0.507")  # its stop and take profit were cancelled: unprotected
    assert finished == 1
    assert position(venue, "stopper") == 0
    assert engine.open_orders("stopper", Kind.FUTURES, "BTCUSDT") == []
    assert engine.open_conditionals("stopper", Kind.FUTURES, "BTCUSDT") == []


async def test_a_key_or_follow_gone_or_paused_before_the_copy_runs_says_which(
    admin, client, cognito, venue, runtime, clock
):
    deleted, _ = await follow_with(client, cognito, venue, "deleted", {})
    paused, paused_follow = await follow_with(client, cognito, venue, "paused", {})
    downgraded, _ = await follow_with(client, cognito, venue, "downgraded", {})
    [deleted_key] = (await deleted.get(f"{KEYS}/list")).json()["items"]

    published = await admin.graphql(PUBLISH, {"input": OPEN})  # copies wait, PENDING
    assert (await deleted.delete(f"{KEYS}/{deleted_key['id']}")).status_code == 204
    pausing = await paused.put(f"/v1/priv/strategy/follow/{paused_follow}", {"active": False})
    assert pausing.status_code == 200
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        await uow.follows.pause_all(
            await user_id(downgraded), reason=PAUSED_BY_PLAN, now=clock.now()
        )  # what billing does when the plan loses automation
        await uow.commit()
    await runtime.services.copy_dispatcher.drain()

    copies = await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])
    assert sorted((c.status.value, c.reason_code, c.reason) for c in copies.values()) == [
        ("SKIPPED", CopyReason.FOLLOW_PAUSED, "the follow is paused"),
        ("SKIPPED", CopyReason.KEY_DELETED, "the key was deleted"),
        ("SKIPPED", CopyReason.NO_AUTOMATION, f"the follow is paused: {PAUSED_BY_PLAN}"),
    ]


async def test_an_order_the_exchange_refuses_fails_with_its_code(
    admin, client, cognito, venue, runtime
):
    engine, _base = venue
    await follow_with(client, cognito, venue, "hedged", {})
    engine.account("hedged").hedge_mode = True  # switched on the exchange after the key was checked

    published = await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()

    [copy] = (await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])).values()
    assert (copy.status.value, copy.reason_code) == ("FAILED", CopyReason.EXCHANGE_REFUSED)
    assert copy.reason == "exchange API key type is invalid (1106)"
    assert position(venue, "hedged") == 0
